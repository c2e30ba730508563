/**
 * End to end: the reference target, `floodgate exporter` following the results folder and polling
 * the target's truth, a real Prometheus scraping the exporter every second, and a local-engine
 * `floodgate run` of a small opening. At the end, what Prometheus holds equals what the NDJSON
 * says, and what the target stored reconciles with what it acknowledged.
 */

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EXPORTER_METRICS as E, RUN_METRICS as M } from '../contracts/metrics.ts';
import { startProcess, stopAll, type ManagedProcess } from '../test/support/processes.ts';
import { startPrometheus, type TestPrometheus } from '../test/support/prometheus.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const FLOODGATE = join(ROOT, 'bin', 'floodgate.js');
const RUN = 'exporter-e2e';
const scratch = mkdtempSync(join(tmpdir(), 'floodgate-exporter-e2e-'));
let target: ManagedProcess;
let targetUrl: string;
let exporterUrl: string;
let prometheus: TestPrometheus;

beforeAll(async () => {
  target = startProcess(
    process.execPath,
    [FLOODGATE, 'target', '--port', '0', '--ministry-port', '0', '--test-hooks', '--db', ':memory:'],
    { cwd: ROOT },
  );
  targetUrl = (await target.waitFor(/listening on (http:\/\/\S+)/, 60_000))[1]!;
  const exporter = startProcess(
    process.execPath,
    [
      FLOODGATE,
      'exporter',
      '--port',
      '0',
      '--follow',
      join(scratch, '*/k6.ndjson'),
      '--follow-interval',
      '200',
      '--target-truth',
      targetUrl,
      '--truth-interval',
      '1',
    ],
    { cwd: ROOT },
  );
  exporterUrl = (await exporter.waitFor(/listening on (http:\/\/\S+)/, 60_000))[1]!;
  const { host } = new URL(exporterUrl);
  prometheus = await startPrometheus(
    [
      'global:',
      '  scrape_interval: 1s',
      'scrape_configs:',
      '  - job_name: floodgate-exporter',
      '    static_configs:',
      `      - targets: ['${host}']`,
    ].join('\n'),
  );
});

afterAll(async () => {
  await prometheus?.stop();
  await stopAll();
  rmSync(scratch, { recursive: true, force: true });
});

async function floodgateRun(args: readonly string[]): Promise<{ code: number | null; output: string }> {
  const child = startProcess(process.execPath, [FLOODGATE, 'run', ...args], {
    cwd: ROOT,
    env: { ...process.env, PATH: '/usr/bin:/bin' },
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`floodgate run did not end:\n${child.output()}`)), 120_000);
    child.child.once('exit', (exitCode) => {
      clearTimeout(timer);
      resolve(exitCode);
    });
  });
  return { code, output: child.output() };
}

async function scalar(expr: string): Promise<number | undefined> {
  const data = await prometheus.query(expr);
  const value = data.result[0]?.value?.[1];
  return value === undefined ? undefined : Number(value);
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

type Point = { metric?: string; type: string; data: { value: number; tags: Record<string, string> } };

describe('a local-engine run watched through the exporter by a real Prometheus', () => {
  test('Prometheus ends with exactly the NDJSON’s requests and funnel, and the target’s truth reconciles', async () => {
    const started = Date.now() / 1000;
    const out = join(scratch, RUN);
    const { code, output } = await floodgateRun([
      '--target',
      targetUrl,
      '--scenario',
      'opening',
      '--run-id',
      RUN,
      '--out',
      out,
      '--rate-scale',
      '0.0001',
      '--time-scale',
      '60',
      '-e',
      'WINDOW=0-5',
      '-e',
      'THINK_TIME_SCALE=0.002',
    ]);
    expect({ code, output }).toMatchObject({ code: 0 });

    const lines = readFileSync(join(out, 'k6.ndjson'), 'utf8').trim().split('\n');
    const points = lines.map((line) => JSON.parse(line) as Point).filter((line) => line.type === 'Point');
    const sum = (metric: string, where: (tags: Record<string, string>) => boolean = () => true): number =>
      points
        .filter((point) => point.metric === metric && where(point.data.tags))
        .reduce((total, point) => total + point.data.value, 0);
    const httpReqs = sum('http_reqs');
    expect(httpReqs).toBeGreaterThan(50);

    // Wait for a scrape taken after the exporter read the whole file, then compare.
    await eventually(async () => (await scalar(`${E.ingestLines.name}{source="file"}`)) === lines.length);
    expect(await scalar(`sum(${M.httpRequests.name}{run="${RUN}"})`)).toBe(httpReqs);
    expect((await scalar(`sum(${M.httpRequests.name}{run="${RUN}",outcome="error"})`)) ?? 0).toBe(
      sum('http_reqs', (tags) => tags.expected_response === 'false' && tags.status !== '429'),
    );
    expect(await scalar(`sum(${M.funnelStage.name}{run="${RUN}",stage="register",result="completed"})`)).toBe(
      sum('funnel_stage', (tags) => tags.stage === 'register' && tags.result === 'completed'),
    );
    expect(await scalar(`sum(${M.iterations.name}{run="${RUN}"})`)).toBe(sum('iterations'));
    const durations = points.filter((point) => point.metric === 'http_req_duration');
    expect(await scalar(`sum(${M.httpRequestDuration.name}_count{run="${RUN}"})`)).toBe(durations.length);
    expect(await scalar(`sum(${M.httpRequestDuration.name}_sum{run="${RUN}"})`)).toBeCloseTo(
      sum('http_req_duration') / 1000,
      6,
    );

    // it watched the run as it went, not only its end
    const range = await prometheus.queryRange(
      `sum(${M.httpRequests.name}{run="${RUN}"})`,
      started,
      Date.now() / 1000,
      1,
    );
    const seen = [...new Set(range.result[0]?.values?.map(([, value]) => Number(value)))];
    expect(
      seen.some((value) => value > 0 && value < httpReqs),
      `values seen: ${seen.join(' ')}`,
    ).toBe(true);

    // the planned arrivals integrate the planned rate the script reported
    expect(await scalar(`${M.plannedArrivals.name}{run="${RUN}",scenario="opening"}`)).toBeGreaterThan(0);

    // reconciliation: the target stored every registration it acknowledged
    const truth = (await (await fetch(`${targetUrl}/truth?run=${RUN}`)).json()) as { stages: Record<string, number> };
    const stages = Object.entries(truth.stages);
    await eventually(async () => {
      for (const [stage, stored] of stages)
        if ((await scalar(`${M.targetRecords.name}{run="${RUN}",stage="${stage}"}`)) !== stored) return false;
      return true;
    });
    for (const [stage, stored] of stages) {
      expect(await scalar(`${M.targetRecords.name}{run="${RUN}",stage="${stage}"}`)).toBe(stored);
      expect(await scalar(`${M.reconciliationLost.name}{run="${RUN}",stage="${stage}"}`)).toBe(0);
    }
    expect(truth.stages.register).toBe(
      sum('funnel_stage', (tags) => tags.stage === 'register' && tags.result === 'completed'),
    );

    // every threshold's final verdict, submetrics included, as the run's summary.json gives it
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as {
      metrics: Record<string, { thresholds?: Record<string, { ok: boolean }> }>;
    };
    const verdicts = Object.entries(summary.metrics).flatMap(([metric, entry]) =>
      Object.entries(entry.thresholds ?? {}).map(([threshold, { ok }]) => ({ metric, threshold, ok })),
    );
    expect(verdicts.length).toBeGreaterThan(10);
    await eventually(
      async () =>
        (await scalar(`count(${M.thresholdPassing.name}{run="${RUN}",metric=~".+[{].+"})`)) ===
        verdicts.filter((v) => v.metric.includes('{')).length,
    );
    for (const { metric, threshold, ok } of verdicts) {
      expect(
        await scalar(`${M.thresholdPassing.name}{run="${RUN}",metric="${metric}",threshold="${threshold}"}`),
        `${metric} ${threshold}`,
      ).toBe(ok ? 1 : 0);
    }

    // and the exporter read every line without a rejection
    expect(await scalar(`sum(${E.ingestRejected.name})`)).toBe(0);
    expect(await scalar(`${E.followedFiles.name}`)).toBe(1);
  });
});
