/**
 * Report benchmark: lines per second of building a report from k6 NDJSON, against a bare parse of
 * the same file (the floor any NDJSON reader pays: the same streaming line splitter + JSON.parse,
 * nothing kept) — as a ratio, measured in the same run on the same file.
 *
 * 1. aggregate: `readNdjson` (one streaming pass into slots × stages with log histograms);
 * 2. full: aggregate + analysis (windows, steps, knee, USL with bootstrap, funnel, forecast) +
 *    every renderer — what `floodgate report` does.
 *
 * The file is a simulated breakpoint run (report/fixtures/simulated-run.ts), written once.
 * Run: `npm run bench -- report` (or `npx tsx bench/report.ts`).
 */

import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { analyseRun } from '../report/analysis/index.ts';
import { linearSteps, simulateRun } from '../report/fixtures/simulated-run.ts';
import { forEachLine } from '../report/lines.ts';
import { readNdjson } from '../report/read-ndjson.ts';
import { assembleRunResult } from '../report/read-run.ts';
import { RENDERERS } from '../report/render/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'floodgate-bench-report-'));
try {
  const simulation = simulateRun({
    steps: linearSteps(10, 5, 10, 60),
    stages: { verify_nik: { baseMs: 50, servers: 4, serviceMs: 200 } },
    seed: 1,
  });
  const file = join(dir, 'k6.ndjson');
  writeFileSync(file, `${simulation.lines.join('\n')}\n`);
  const lines = simulation.lines.length;
  const megabytes = statSync(file).size / 1e6;

  let sink = 0;
  const bareParse = async (): Promise<void> => {
    await forEachLine(file, (line) => {
      sink += (JSON.parse(line) as { type: string }).type.length;
    });
  };
  const aggregate = async (): Promise<void> => {
    const result = await readNdjson(file);
    sink += result.slots.length;
  };
  // The same aggregate with every line through JSON.parse (what the report did before the scanner).
  const aggregateParsed = async (): Promise<void> => {
    const result = await readNdjson(file, { lineReader: 'parse' });
    sink += result.slots.length;
  };
  const full = async (): Promise<void> => {
    const aggregateResult = await readNdjson(file);
    const runResult = assembleRunResult({
      manifest: simulation.manifest,
      aggregate: aggregateResult,
      run: simulation.manifest.run,
      ndjsonPath: file,
    });
    const analysis = analyseRun(runResult);
    for (const renderer of RENDERERS) sink += renderer.render(analysis).length;
  };

  // Alternated rounds, best of each: all three see the same machine noise and JIT warm-up.
  const best = { bare: Infinity, aggregate: Infinity, aggregateParsed: Infinity, full: Infinity };
  for (let round = 0; round < 4; round += 1) {
    for (const [name, work] of [
      ['bare', bareParse],
      ['aggregate', aggregate],
      ['aggregateParsed', aggregateParsed],
      ['full', full],
    ] as const) {
      const start = performance.now();
      await work();
      best[name] = Math.min(best[name], performance.now() - start);
    }
  }
  const perSecond = (ms: number): string => `${Math.round(lines / (ms / 1000)).toLocaleString('en')} lines/s`;
  console.log(`report   ${lines.toLocaleString('en')} k6 lines (${megabytes.toFixed(1)} MB), one core, best of 4:`);
  console.log(`  bare parse (split + JSON.parse)     ${perSecond(best.bare)}`);
  console.log(
    `  aggregate (readNdjson)              ${perSecond(best.aggregate)}  ratio ${(best.bare / best.aggregate).toFixed(2)} of bare`,
  );
  console.log(
    `  aggregate, JSON.parse reader        ${perSecond(best.aggregateParsed)}  ratio ${(best.bare / best.aggregateParsed).toFixed(2)} of bare`,
  );
  console.log(
    `  full report (read, analyse, render) ${perSecond(best.full)}  ratio ${(best.bare / best.full).toFixed(2)} of bare`,
  );
  if (sink < 0) console.log(sink); // keeps the work observable
} finally {
  rmSync(dir, { recursive: true, force: true });
}
