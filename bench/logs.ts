/**
 * Log benchmark: lines per second of `floodgate profile from-logs` reading access logs (format,
 * filters, stage table, per-applicant columns), against a bare line split of the same file (the
 * same streaming reader and line splitter with nothing done per line) — a ratio from one run on one
 * file, the median of interleaved rounds (baseline, subject, baseline, …) so load on a shared
 * machine hits both alike. Goal ≥ 0.3×. Then the analysis (sort, bins, fits) as its own line, since it runs once per profile.
 *
 * The bare split decodes each line to a string, as any line reader does (readline, the report's
 * and the exporter's readers); the reader since wave 4 parses `combined` lines from the bytes and
 * makes no string per line. Two more rows, for the record and not the goal: the reader with its
 * byte path off (the text parser, as before wave 4), and a split that makes no string either.
 *
 * The file: a synthetic opening in nginx `combined` + `$request_time` (profile/synthetic.ts).
 * Run: `npm run bench -- logs` (or `npx tsx bench/logs.ts`).
 */

import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { analyseLogs } from '../profile/analyse.ts';
import { forEachLogLine, readLogs } from '../profile/read-logs.ts';
import { REFERENCE_TARGET_RULES } from '../profile/rules.ts';
import { syntheticCombinedLog } from '../profile/synthetic.ts';

const dir = mkdtempSync(join(tmpdir(), 'floodgate-bench-logs-'));
try {
  const file = join(dir, 'access.log');
  // the generated lines are written and dropped: the timed rounds do not carry them on the heap
  const lines = await writeSyntheticLog(file);
  const megabytes = statSync(file).size / 1e6;

  /** Wall and CPU seconds of one run; CPU time is the figure load on a shared machine distorts least. */
  const measure = async (run: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> => {
    const begin = performance.now();
    const cpu = process.cpuUsage();
    await run();
    const used = process.cpuUsage(cpu);
    return { wall: (performance.now() - begin) / 1000, cpu: (used.user + used.system) / 1e6 };
  };
  let sink = 0;
  let read: Awaited<ReturnType<typeof readLogs>> | undefined;
  const bareRun = () => forEachLogLine(file, undefined, (line) => (sink += line.length));
  const parseRun = async () => (read = await readLogs({ files: [file], rules: REFERENCE_TARGET_RULES }));
  const textRun = () => readLogs({ files: [file], rules: REFERENCE_TARGET_RULES, bytePath: false });
  const bytesRun = () =>
    forEachLogLine(file, undefined, { line: () => {}, bytes: (_chunk, start, end) => (sink += end - start) });
  // warm-up all, then baseline and subject interleaved (ABAB…, with the two record rows between)
  // so a burst of load on the shared machine hits both; each ratio is the median of the per-round ratios
  await bareRun();
  await parseRun();
  await textRun();
  await bytesRun();
  const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
  const bare: Array<{ wall: number; cpu: number }> = [];
  const parse: Array<{ wall: number; cpu: number }> = [];
  const text: Array<{ wall: number; cpu: number }> = [];
  const bytes: Array<{ wall: number; cpu: number }> = [];
  for (let round = 0; round < rounds; round += 1) {
    bare.push(await measure(bareRun));
    parse.push(await measure(parseRun));
    text.push(await measure(textRun));
    bytes.push(await measure(bytesRun));
  }
  const analyse = median(
    await Promise.all(
      [0, 1, 2].map(
        async () =>
          (await measure(async () => analyseLogs(read!, { name: 'bench', files: [file], slowSeconds: 3 }))).wall,
      ),
    ),
  );
  const ratios = (kind: 'wall' | 'cpu', subject = parse): number[] =>
    bare.map((value, round) => value[kind] / subject[round]![kind]);

  const perSecond = (value: number): string => `${Math.round(lines / value / 1000)}k lines/s`;
  const bareWall = median(bare.map((value) => value.wall));
  const parseWall = median(parse.map((value) => value.wall));
  console.log(
    `file: ${lines.toLocaleString('en-US')} lines, ${megabytes.toFixed(1)} MB; ${rounds} interleaved rounds, medians; load average ${loadavg()
      .map((load) => load.toFixed(2))
      .join(' ')}`,
  );
  console.log(
    `bare line split           ${perSecond(bareWall)} (${perSecond(median(bare.map((value) => value.cpu)))} of CPU time)`,
  );
  console.log(
    `profile from-logs: read   ${perSecond(parseWall)} (${perSecond(median(parse.map((value) => value.cpu)))} of CPU time)`,
  );
  console.log(
    `ratio (wall clock)  ${median(ratios('wall')).toFixed(2)}× (goal ≥ 0.30×; per round ${ratios('wall')
      .map((ratio) => ratio.toFixed(2))
      .join(' ')})`,
  );
  console.log(
    `ratio (CPU time)    ${median(ratios('cpu')).toFixed(2)}× (per round ${ratios('cpu')
      .map((ratio) => ratio.toFixed(2))
      .join(' ')})`,
  );
  console.log(
    `record: text path only (byte path off, the reader before wave 4) ${perSecond(median(text.map((value) => value.cpu)))} of CPU time, ratio ${median(ratios('cpu', text)).toFixed(2)}× (CPU); a split that makes no string ${perSecond(median(bytes.map((value) => value.cpu)))} of CPU time, ${median(ratios('cpu', bytes)).toFixed(2)}× the bare split`,
  );
  console.log(
    `  + analysis (sort, bins, fits) ${(analyse * 1000).toFixed(0)} ms: read + analysis ratio ${(bareWall / (parseWall + analyse)).toFixed(2)}× (wall clock)`,
  );
  if (sink < 0) console.log(sink);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/** Writes the synthetic opening (combined + $request_time) to `file`; returns its line count. */
async function writeSyntheticLog(file: string): Promise<number> {
  const log = await syntheticCombinedLog({
    model: 'opening-exp',
    amplitudePerMinute: 8_000,
    shapeMinutes: 17.4,
    minutes: 120,
    continuation: { register: 0.9, verify_email: 0.7385, verify_nik: 0.5911, upload_photo: 0.9, join_batch: 0.1382 },
    thinkTime: { mu: Math.log(20), sigma: 0.6 },
    errors: { verify_nik: { capacity: 0.1, throttled: 0.05 } },
    retry: {
      throttled: { share: 0.8, mu: Math.log(5), sigma: 0.5 },
      capacity: { share: 0.6, mu: Math.log(12), sigma: 0.7 },
      behavioural: { share: 0.3, mu: Math.log(40), sigma: 0.4 },
    },
    openingAtMs: Date.UTC(2020, 3, 11, 3, 0),
    seed: 1,
  });
  writeFileSync(file, `${log.lines.join('\n')}\n`);
  return log.lines.length;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
