/**
 * Runs the benchmarks one after another, each in its own process so none warms up another's JIT
 * or heap. Every benchmark prints ratios against a baseline measured in the same run (the
 * machines are noisy, so absolute numbers mean little). `npm run bench -- engine` runs one.
 */

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The benchmarks, in the order they run. */
const BENCHMARKS = ['engine', 'exporter', 'report', 'logs'] as const;

const wanted = process.argv.slice(2);
const selected = wanted.length > 0 ? BENCHMARKS.filter((name) => wanted.includes(name)) : BENCHMARKS;
let failed = 0;
for (const name of selected) {
  const file = fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
  if (!existsSync(file)) {
    console.log(`\n== bench/${name}.ts: missing`);
    failed += 1;
    continue;
  }
  console.log(`\n== bench/${name}.ts`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', file], { stdio: 'inherit' });
  if (result.status !== 0) failed += 1;
}
process.exitCode = failed === 0 ? 0 : 1;
