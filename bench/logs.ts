/**
 * Log benchmark: lines per second of `floodgate profile from-logs` reading access logs (format,
 * filters, stage table, per-applicant columns), against a bare line split of the same file (the
 * same streaming reader with nothing done per line) — a ratio from one run on one file. Goal
 * ≥ 0.3×. Then the analysis (sort, bins, fits) as its own line, since it runs once per profile.
 *
 * The file: a synthetic opening in nginx `combined` + `$request_time` (profile/synthetic.ts).
 * Run: `npm run bench -- logs` (or `npx tsx bench/logs.ts`).
 */

import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { analyseLogs } from '../profile/analyse.ts';
import { forEachLogLine, readLogs } from '../profile/read-logs.ts';
import { REFERENCE_TARGET_RULES } from '../profile/rules.ts';
import { syntheticCombinedLog } from '../profile/synthetic.ts';

const dir = mkdtempSync(join(tmpdir(), 'floodgate-bench-logs-'));
try {
  const log = await syntheticCombinedLog({
    model: 'opening-exp',
    amplitudePerMinute: 8_000,
    shapeMinutes: 17.4,
    minutes: 120,
    continuation: { register: 0.9, verify_email: 0.7385, verify_nik: 0.5911, upload_photo: 0.9, join_batch: 0.1382 },
    thinkTime: { mu: Math.log(20), sigma: 0.6 },
    errors: { verify_nik: { capacity: 0.1, throttled: 0.05 } },
    retry: { throttled: { share: 0.8, mu: Math.log(5), sigma: 0.5 }, capacity: { share: 0.6, mu: Math.log(12), sigma: 0.7 }, behavioural: { share: 0.3, mu: Math.log(40), sigma: 0.4 } },
    openingAtMs: Date.UTC(2020, 3, 11, 3, 0),
    seed: 1,
  });
  const file = join(dir, 'access.log');
  writeFileSync(file, `${log.lines.join('\n')}\n`);
  const lines = log.lines.length;
  const megabytes = statSync(file).size / 1e6;

  const time = async (run: () => Promise<unknown>): Promise<number> => {
    await run(); // warm-up
    let best = Infinity;
    for (let i = 0; i < 3; i += 1) {
      const start = performance.now();
      await run();
      best = Math.min(best, performance.now() - start);
    }
    return best / 1000;
  };
  let sink = 0;
  const bare = await time(() => forEachLogLine(file, undefined, (line) => (sink += line.length)));
  let read: Awaited<ReturnType<typeof readLogs>> | undefined;
  const parse = await time(async () => (read = await readLogs({ files: [file], rules: REFERENCE_TARGET_RULES })));
  const analyse = await time(async () => analyseLogs(read!, { name: 'bench', files: [file], slowSeconds: 3 }));

  const perSecond = (seconds: number): string => `${Math.round(lines / seconds / 1000)}k lines/s`;
  console.log(`file: ${lines.toLocaleString('en-US')} lines, ${megabytes.toFixed(1)} MB (best of 3 after a warm-up)`);
  console.log(`bare line split           ${perSecond(bare)}`);
  console.log(`profile from-logs: read   ${perSecond(parse)}  ratio ${(bare / parse).toFixed(2)}× (goal ≥ 0.30×)`);
  console.log(`  + analysis (sort, bins, fits) ${(analyse * 1000).toFixed(0)} ms: read + analysis ratio ${(bare / (parse + analyse)).toFixed(2)}×`);
  if (sink < 0) console.log(sink);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
