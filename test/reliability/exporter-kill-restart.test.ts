/**
 * Killed with -9 while following a growing file and started again, the exporter must not show
 * Prometheus a counter reset: a real Prometheus scrapes it every second through the kill, the
 * restart and the re-read, and `increase()` over the window equals the lines written, ±0. The
 * exporter answers 503 on /metrics until its re-read has caught up, so no scrape sees a partial
 * count.
 */

import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { RUN_METRICS as M } from '../../contracts/metrics.ts';
import { freePort, stopAll } from '../support/processes.ts';
import { startPrometheus, type TestPrometheus } from '../support/prometheus.ts';
import { type ExporterProcess, startExporterProcess } from './exporter-support.ts';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const RUN = 'killed-run';
const SERIES = `${M.httpRequests.name}{run="${RUN}"}`;

let folder: string;
let file: string;
let port: number;
let prometheus: TestPrometheus | undefined;
let written = 0;

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'floodgate-kill-'));
  file = join(folder, 'run', 'k6.ndjson');
  port = await freePort();
  prometheus = await startPrometheus(
    [
      'global:',
      '  scrape_interval: 1s',
      '  scrape_timeout: 900ms',
      'scrape_configs:',
      '  - job_name: floodgate-exporter',
      '    static_configs:',
      `      - targets: ['127.0.0.1:${port}']`,
    ].join('\n'),
  );
});
afterAll(async () => {
  await prometheus?.stop();
  await stopAll();
  rmSync(folder, { recursive: true, force: true });
});

/** `count` http_reqs lines of the run, each value 1; a big file so the re-read takes a while. */
function lines(count: number): string {
  const out: string[] = [];
  for (let i = 0; i < count; i += 1) {
    written += 1;
    const tags = {
      run: RUN,
      scenario: 'opening',
      stage: 'register',
      method: 'POST',
      status: '201',
      expected_response: 'true',
      url: `http://127.0.0.1/api/register?n=${written}`,
    };
    out.push(
      JSON.stringify({
        metric: 'http_reqs',
        type: 'Point',
        data: { time: new Date(Date.UTC(2026, 7, 21, 9) + written).toISOString(), value: 1, tags },
      }),
    );
  }
  return `${out.join('\n')}\n`;
}

/** Raw samples of the series in the last 10 minutes: [seconds, value]. */
async function rawSamples(): Promise<Array<[number, number]>> {
  const data = await prometheus!.query(`${SERIES}[10m]`);
  return (data.result[0]?.values ?? []).map(([time, value]) => [Number(time), Number(value)]);
}

async function waitForSample(predicate: (value: number) => boolean, timeoutMs = 60_000): Promise<[number, number]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const samples = await rawSamples();
    const last = samples.at(-1);
    if (last && predicate(last[1])) return last;
    if (Date.now() > deadline) throw new Error(`no sample matching in time; last ${JSON.stringify(last)}`);
    await sleep(250);
  }
}

/** Writes `total` lines in pieces over `ms`. */
async function grow(total: number, ms: number): Promise<void> {
  const pieces = Math.max(1, Math.round(ms / 100));
  for (let piece = 0; piece < pieces; piece += 1) {
    appendFileSync(file, lines(Math.floor(total / pieces) + (piece < total % pieces ? 1 : 0)));
    await sleep(100);
  }
}

test('kill -9 mid-file and a restart: increase() over the window equals the lines written, ±0, with no counter reset', async () => {
  mkdirSync(join(folder, 'run'));
  // A large head, so the restarted exporter needs several polls' worth of time to re-read it.
  writeFileSync(file, lines(150_000));
  const args = ['--follow', join(folder, '*', 'k6.ndjson'), '--follow-interval', '200'];
  let exporter: ExporterProcess = await startExporterProcess(args, { port });
  const [startTime, startValue] = await waitForSample((value) => value === written);
  const before = written;

  await grow(3000, 3000);
  await waitForSample((value) => value > startValue);
  exporter.process.child.kill('SIGKILL');
  await exporter.process.stop();
  await grow(2000, 2000);
  exporter = await startExporterProcess(args, { port });
  await grow(3000, 3000);
  const [endTime, endValue] = await waitForSample((value) => value === written);
  const grown = written - before;
  expect(endValue - startValue).toBe(grown);

  const samples = (await rawSamples()).filter(([time]) => time >= startTime && time <= endTime);
  // The series never went down: no scrape saw a re-read in progress.
  for (let index = 1; index < samples.length; index += 1)
    expect(samples[index]![1]).toBeGreaterThanOrEqual(samples[index - 1]![1]);
  // The window runs from one scraped sample to another, so increase() does not extrapolate.
  const windowMs = Math.round((endTime - startTime) * 1000);
  const increase = await prometheus!.query(`increase(${SERIES}[${windowMs}ms])`, endTime);
  const resets = await prometheus!.query(`resets(${SERIES}[${windowMs}ms])`, endTime);
  console.log(
    `kill -9 + restart: ${grown} lines written in the window, increase() ${increase.result[0]?.value?.[1]}, resets ${resets.result[0]?.value?.[1]}, ${samples.length} samples`,
  );
  expect(Number(resets.result[0]?.value?.[1])).toBe(0);
  expect(Number(increase.result[0]?.value?.[1])).toBe(grown);
  await exporter.process.stop();
});
