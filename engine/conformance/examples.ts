/**
 * Loads every k6 example script (k6's own `examples/`, scripts nobody here wrote) on the local
 * engine and prints a Markdown table: example → loads (would run) or refused, with why. Each
 * script is evaluated and its options checked, then the run is stopped before setup, so nothing
 * leaves this machine (the examples target public hosts). Needs a k6 git mirror:
 *
 *   npx tsx engine/conformance/examples.ts /work/.mirror/grafana+k6/repo > /tmp/examples.md
 *
 * The CI test (engine/conformance.int.test.ts) runs the repo's own probes only; a clean clone
 * has no k6 mirror. The table it produced is in engine/README.md.
 */

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runScript } from '../run.ts';
import { captureStream } from '../testing.ts';

const mirror = process.argv[2];
if (!mirror) {
  process.stderr.write('usage: tsx engine/conformance/examples.ts <k6 git dir>\n');
  process.exit(2);
}
const git = (...args: string[]): Buffer =>
  execFileSync('git', ['--git-dir', mirror, ...args], { maxBuffer: 64 * 1024 * 1024 });
const files = git('ls-tree', '-r', '--name-only', 'HEAD', 'examples')
  .toString()
  .split('\n')
  .filter((file) => file !== '');
const dir = mkdtempSync(join(tmpdir(), 'floodgate-k6-examples-'));
for (const file of files) {
  mkdirSync(dirname(join(dir, file)), { recursive: true });
  writeFileSync(join(dir, file), git('show', `HEAD:${file}`));
}
const scripts = files.filter(
  (file) => /\.(js|ts)$/.test(file) && !/\/(grpc_server|docker-compose)\//.test(file) && !file.endsWith('user.ts'),
);

process.stdout.write('| k6 example | on the local engine |\n|---|---|\n');
let loads = 0;
for (const file of scripts) {
  const stderr = captureStream();
  const stopped = new AbortController();
  stopped.abort(new Error('conformance: load only'));
  const result = await runScript({
    script: join(dir, file),
    cwd: dirname(join(dir, file)),
    includeSystemEnv: false,
    stdout: captureStream(),
    stderr,
    signal: stopped.signal,
  });
  let verdict: string;
  if (result.exitCode === 105) {
    loads += 1;
    verdict = 'loads: evaluated, options accepted; not run here (results unchecked)';
  } else {
    const reason = (result.error?.message ?? `exit ${result.exitCode}`)
      .split(`${dir}/`)
      .join('')
      .replace(/(\.\.\/)*\.\.(?=examples\/)/g, '')
      .replace(/\|/g, '\\|')
      .replace(/\s+/g, ' ');
    verdict = `refused, exit ${result.exitCode}: ${reason.length > 220 ? `${reason.slice(0, 217)}...` : reason}`;
  }
  process.stdout.write(`| \`${file}\` | ${verdict} |\n`);
}
process.stdout.write(`\n${loads} of ${scripts.length} load; the others are refused at load time.\n`);
rmSync(dir, { recursive: true, force: true });
