/**
 * The full chain, as on launch day: the reference target, `floodgate exporter` following the
 * results folder and polling the target's truth, a real Prometheus loaded with the project's
 * prometheus.yml and rules (ports rewritten, 1 s intervals), and a short breakpoint run on the
 * local engine (`floodgate run --engine local`). Then every query of every panel of every board,
 * with the variables substituted, goes to Prometheus's HTTP API: each parses, and each panel a
 * healthy run should fill returns data.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RUN_METRICS } from '../contracts/metrics.ts';
import { checkDashboards, failedChecks, type QueryCheck } from '../dashboards/check.ts';
import { DASHBOARDS } from '../dashboards/index.ts';
import { SCRAPE_JOBS } from '../deploy/prometheus/rules/index.ts';
import { projectPrometheusConfig } from './dashboards-prometheus-config.ts';
import { startExporterProcess, startTargetProcess } from './support/floodgate.ts';
import { startProcess, stopAll } from './support/processes.ts';
import { startPrometheus, type TestPrometheus } from './support/prometheus.ts';

const ROOT = join(import.meta.dirname, '..');
const FLOODGATE = join(ROOT, 'bin', 'floodgate.js');
const RUN = `full-chain-${Date.now().toString(36)}`;
/** Three load steps of 4, 8 and 12 new applicants per second, 6 s each: about 150 journeys in 18 s. */
const BREAKPOINT = [
  'BREAKPOINT_START=4',
  'BREAKPOINT_STEP=4',
  'BREAKPOINT_STEPS=3',
  'BREAKPOINT_STEP_SECONDS=6',
  'THINK_TIME_SCALE=0.002',
];
const scratch = mkdtempSync(join(tmpdir(), 'floodgate-full-chain-'));

let prometheus: TestPrometheus | undefined;
let started = 0;
let ended = 0;
let runExit: { code: number | null; output: string } = { code: null, output: '' };
let checks: QueryCheck[] = [];

async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

beforeAll(async () => {
  const { url: targetUrl, ministryUrl } = await startTargetProcess();
  const { url: exporterUrl } = await startExporterProcess(join(scratch, '*/k6.ndjson'), [
    '--target-truth',
    targetUrl,
    '--truth-interval',
    '1',
  ]);
  prometheus = await startPrometheus(
    projectPrometheusConfig({
      [SCRAPE_JOBS.exporter]: new URL(exporterUrl).host,
      [SCRAPE_JOBS.target]: new URL(targetUrl).host,
      [SCRAPE_JOBS.ministry]: new URL(ministryUrl).host,
    }),
  );

  started = Date.now() / 1000;
  const run = startProcess(
    process.execPath,
    [
      FLOODGATE,
      'run',
      '--engine',
      'local',
      '--target',
      targetUrl,
      '--scenario',
      'breakpoint',
      '--run-id',
      RUN,
      '--out',
      join(scratch, RUN),
      ...BREAKPOINT.flatMap((pair) => ['-e', pair]),
    ],
    { cwd: ROOT, env: { ...process.env, PATH: '/usr/bin:/bin' } },
  );
  const code = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`floodgate run did not end within 120 s:\n${run.output()}`)),
      120_000,
    );
    run.child.once('exit', (exitCode) => {
      clearTimeout(timer);
      resolve(exitCode);
    });
  });
  runExit = { code, output: run.output() };
  ended = Date.now() / 1000;

  // Prometheus has seen the end of the run, and the rules have had a few evaluations since.
  const served = prometheus;
  await eventually(async () => {
    const data = await served.query(`sum(${RUN_METRICS.iterations.name}{run="${RUN}"})`);
    return Number(data.result[0]?.value?.[1] ?? 0) > 0;
  }, 'the run reaching Prometheus');
  await new Promise((resolve) => setTimeout(resolve, 3000));

  const rangeSeconds = Math.ceil(Date.now() / 1000 - started) + 5;
  checks = await checkDashboards(DASHBOARDS, {
    prometheusUrl: prometheus.url,
    variables: { runs: [RUN], rateInterval: '5s', interval: '1s', range: `${rangeSeconds}s` },
    rangeSeconds,
    stepSeconds: 1,
  });
}, 240_000);

afterAll(async () => {
  await prometheus?.stop();
  await stopAll();
  rmSync(scratch, { recursive: true, force: true });
});

describe('a short breakpoint run through target, exporter and Prometheus', () => {
  test('runs to its end on the local engine', () => {
    // 0, or 99 when a threshold failed on this busy machine: either way the run produced its data.
    expect([0, 99], runExit.output.slice(-3000)).toContain(runExit.code);
    expect(ended - started).toBeLessThan(90);
  });

  test('every panel query of every board parses, and every panel a healthy run fills returns data', () => {
    expect(checks.length).toBeGreaterThan(40);
    const failures = failedChecks(checks).map(
      (check) =>
        `${check.board} #${check.panelId} "${check.title}" [${check.refId}] ${check.status}: ${check.error ?? check.expr}`,
    );
    expect(failures).toEqual([]);
  });

  test('floodgate dashboards --check finds every panel query working on the same data', async () => {
    const child = startProcess(
      process.execPath,
      [FLOODGATE, 'dashboards', '--check', prometheus?.url ?? '', '--run', RUN, '--range', '5m'],
      { cwd: ROOT },
    );
    const code = await new Promise<number | null>((resolve) => child.child.once('exit', resolve));
    expect(code, child.output().slice(-3000)).toBe(0);
    expect(child.output()).toMatch(/\d+ queries: \d+ with data, 0 failing/);
  });

  test('the run start annotation marks the run', () => {
    const start = checks.find((check) => check.board === 'annotations' && check.title === 'Run start');
    expect(start?.status).toBe('data');
  });

  test('the funnel panels see every stage of the journey', async () => {
    const expr = `count(sum by (stage) (${RUN_METRICS.funnelStage.name}{run="${RUN}"}))`;
    const data = await prometheus?.query(expr);
    expect(Number(data?.result[0]?.value?.[1])).toBe(6);
  });
});
