/**
 * Exporter benchmarks, each a ratio against a baseline measured in the same run:
 * 1. ingest: lines per second through read → aggregate (one batch, as a followed file's read),
 *    against a bare `JSON.parse` loop over the same lines, CPU time, interleaved rounds, medians;
 * 2. render: `/metrics` text for 5,000 series, against prom-client's own Counter holding 5,000
 *    series in the same registry kind;
 * 3. lag: from a line appended to a followed file to its value in `/metrics`, against the
 *    follower's poll interval.
 * Run: `npm run bench -- exporter` (or `npx tsx bench/exporter.ts`).
 */

import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Counter, Registry } from 'prom-client';
import { RUN_METRICS } from '../contracts/metrics.ts';
import { createExporter, exporterConfig } from '../exporter/index.ts';
import { k6RunLines } from '../exporter/fixtures/k6-lines.ts';

/** Best of `rounds` wall timings of `work`, in ms. */
async function bestAsync(rounds: number, work: () => Promise<unknown>): Promise<number> {
  let fastest = Number.POSITIVE_INFINITY;
  for (let round = 0; round < rounds; round += 1) {
    const start = performance.now();
    await work();
    fastest = Math.min(fastest, performance.now() - start);
  }
  return fastest;
}

/** CPU milliseconds of `work` in this process: on a shared machine wall time measures the neighbours too. */
function cpuMs(work: () => void): number {
  const start = process.cpuUsage();
  work();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function ingestBench(): void {
  const { lines } = k6RunLines({ run: 'bench', journeys: 4000 });
  let sink = 0;
  const exporter = createExporter({ config: exporterConfig() });
  const parseOnly = (): void => {
    for (const line of lines) sink += (JSON.parse(line) as { type: string }).type.length;
  };
  // One batch per round, as the follower reads a file: every line parsed, counted, aggregated.
  const ingest = (): void => {
    exporter.ingestLines(lines);
  };
  // Interleaved A B A B …, medians of each: both see the same machine noise and JIT warm-up.
  const parseMs: number[] = [];
  const ingestMs: number[] = [];
  for (let round = 0; round < 11; round += 1) {
    parseMs.push(cpuMs(parseOnly));
    ingestMs.push(cpuMs(ingest));
  }
  const [parse, ours] = [median(parseMs.slice(1)), median(ingestMs.slice(1))];
  const perSecond = (ms: number): string => `${Math.round(lines.length / (ms / 1000)).toLocaleString('en')} lines/s`;
  console.log(
    `ingest   ${lines.length} k6 lines, one core (CPU time, median of 10 interleaved rounds): exporter ${perSecond(ours)}, bare JSON.parse ${perSecond(parse)}`,
  );
  console.log(
    `         ratio exporter speed / JSON.parse speed = ${(parse / ours).toFixed(2)}× (goal ≥ 1.0×)${sink > 0 ? '' : ' (parse loop optimised away?)'}`,
  );
}

async function renderBench(): Promise<void> {
  // 5,000 request series: 50 runs × 100 label combinations (stage × status × outcome) under the caps.
  const exporter = createExporter({ config: exporterConfig({ maxRuns: 100 }) });
  const stages = ['landing', 'register', 'verify_email', 'verify_nik', 'upload_photo'];
  for (let run = 0; run < 50; run += 1) {
    for (let combination = 0; combination < 100; combination += 1) {
      const tags = {
        run: `r${run}`,
        scenario: 'opening',
        stage: stages[combination % 5]!,
        method: 'POST',
        status: String(200 + Math.floor(combination / 5)),
        expected_response: 'true',
      };
      exporter.ingestLine(
        JSON.stringify({ metric: 'http_reqs', type: 'Point', data: { time: '2026-08-21T09:00:00Z', value: 1, tags } }),
      );
    }
  }
  const ours = (await exporter.registry.metrics())
    .split('\n')
    .filter((line) => line.startsWith(`${RUN_METRICS.httpRequests.name}{`)).length;

  const registry = new Registry();
  const counter = new Counter({
    name: 'baseline_requests_total',
    help: 'baseline',
    labelNames: ['run', 'scenario', 'stage', 'method', 'status', 'outcome'],
    registers: [registry],
  });
  for (let run = 0; run < 50; run += 1) {
    for (let combination = 0; combination < 100; combination += 1) {
      counter.inc({
        run: `r${run}`,
        scenario: 'opening',
        stage: stages[combination % 5]!,
        method: 'POST',
        status: String(200 + Math.floor(combination / 5)),
        outcome: 'ok',
      });
    }
  }
  // Interleaved A B A B …, medians of each.
  const exporterTimes: number[] = [];
  const baselineTimes: number[] = [];
  for (let round = 0; round < 21; round += 1) {
    exporterTimes.push(await bestAsync(1, () => exporter.registry.metrics()));
    baselineTimes.push(await bestAsync(1, () => registry.metrics()));
  }
  const [exporterMs, baselineMs] = [median(exporterTimes.slice(1)), median(baselineTimes.slice(1))];
  console.log(
    `render   ${ours} request series (+ run info, health): exporter ${exporterMs.toFixed(2)} ms, prom-client Counter alone ${baselineMs.toFixed(2)} ms (medians of 20 interleaved rounds)`,
  );
  console.log(`         ratio exporter time / prom-client time = ${(exporterMs / baselineMs).toFixed(2)} (goal ≤ 1.0)`);
}

async function lagBench(): Promise<void> {
  const folder = mkdtempSync(join(tmpdir(), 'floodgate-bench-'));
  const intervalMs = 500;
  const exporter = createExporter({
    config: exporterConfig({ port: 0, follow: [join(folder, '*/k6.ndjson')], followInterval: intervalMs }),
  });
  try {
    mkdirSync(join(folder, 'lag'));
    const file = join(folder, 'lag', 'k6.ndjson');
    writeFileSync(file, '');
    const { url } = await exporter.listen();
    const lags: number[] = [];
    for (let sample = 1; sample <= 10; sample += 1) {
      await new Promise((resolve) => setTimeout(resolve, 137 * sample)); // spread writes over the poll phase
      const tags = {
        run: 'lag',
        scenario: 'opening',
        stage: 'register',
        method: 'POST',
        status: '201',
        expected_response: 'true',
      };
      const written = performance.now();
      appendFileSync(
        file,
        `${JSON.stringify({ metric: 'http_reqs', type: 'Point', data: { time: new Date().toISOString(), value: 1, tags } })}\n`,
      );
      for (;;) {
        const text = await (await fetch(`${url}/metrics`)).text();
        if (text.includes(`outcome="ok"} ${sample}\n`)) break;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      lags.push(performance.now() - written);
    }
    lags.sort((a, b) => a - b);
    const median = lags[Math.floor(lags.length / 2)]!;
    console.log(
      `lag      line written → visible in /metrics: median ${median.toFixed(0)} ms, max ${lags.at(-1)!.toFixed(0)} ms (poll interval ${intervalMs} ms)`,
    );
    console.log(
      `         ratio median lag / poll interval = ${(median / intervalMs).toFixed(2)} (≈0.5 expected: a write waits half an interval on average)`,
    );
  } finally {
    await exporter.close();
    rmSync(folder, { recursive: true, force: true });
  }
}

ingestBench();
await renderBench();
await lagBench();
