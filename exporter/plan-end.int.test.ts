/**
 * The end of a run's plan. A run interrupted with Ctrl-C may never emit the planned-rate helper's
 * final 0, so the exporter ends the plan itself: when the run's summary.json (written by
 * handleSummary, also on an interrupt) agrees with the data read, or when nothing of the run has
 * arrived for `planStaleAfter` seconds. The last test replays what Prometheus would scrape through
 * the real alert rules, so FloodgateArrivalsBelowPlan is shown to go quiet after an interrupt.
 */

import { execFile } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { K6_BUILTIN, K6_METRICS, RUN_METRICS } from '../contracts/metrics.ts';
import { createExporter, type Exporter, exporterConfig } from './index.ts';
import { encodeWriteRequest } from './remote-write.ts';
import { valueOf } from './fixtures/exposition.ts';

const REPO = join(import.meta.dirname, '..');
const T0 = Date.UTC(2026, 7, 21, 9, 0, 0);
/** Planned and achieved applicants per second of the synthetic run. */
const RATE = 12;
const STALE_SECONDS = 15;

let folder: string;
let now: number;
const exporters: Exporter[] = [];

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'floodgate-plan-end-'));
  now = T0;
});
afterEach(async () => {
  await Promise.all(exporters.splice(0).map((exporter) => exporter.close()));
  rmSync(folder, { recursive: true, force: true });
});

function follow(): Exporter {
  const exporter = createExporter({
    config: exporterConfig({ follow: [join(folder, '*/k6.ndjson')], planStaleAfter: STALE_SECONDS }),
    clock: { now: () => now },
  });
  exporters.push(exporter);
  return exporter;
}

function point(metric: string, seconds: number, value: number, tags: Record<string, string>): string {
  return JSON.stringify({
    metric,
    type: 'Point',
    data: { time: new Date(T0 + seconds * 1000).toISOString(), value, tags },
  });
}

/**
 * One second of a run on plan: the helper's planned rate at its start, then RATE applicants
 * entering the landing page, each with one request.
 */
function second(run: string, at: number): string[] {
  const lines = [
    point(K6_METRICS.plannedArrivalRate, at, RATE, { run, scenario: 'planned_rate', planned_scenario: 'opening' }),
  ];
  for (let index = 0; index < RATE; index += 1) {
    const seconds = at + index / RATE;
    lines.push(
      point(K6_METRICS.funnelStage, seconds, 1, { run, scenario: 'opening', stage: 'landing', result: 'entered' }),
    );
    lines.push(
      point(K6_BUILTIN.httpReqs, seconds, 1, {
        run,
        scenario: 'opening',
        stage: 'landing',
        method: 'GET',
        status: '200',
        expected_response: 'true',
      }),
    );
  }
  return lines;
}

function runFile(run: string): string {
  mkdirSync(join(folder, run), { recursive: true });
  return join(folder, run, 'k6.ndjson');
}

function summaryJson(httpReqs: number): string {
  return JSON.stringify({
    metrics: { http_reqs: { type: 'counter', contains: 'default', values: { count: httpReqs, rate: RATE } } },
  });
}

async function planned(
  exporter: Exporter,
  run: string,
): Promise<{ rate: number | undefined; arrivals: number | undefined }> {
  // a scrape's snapshot lives until the next turn of the event loop; each call here is a new scrape
  await new Promise((resolve) => setImmediate(resolve));
  const text = await exporter.registry.metrics();
  return {
    rate: valueOf(text, RUN_METRICS.plannedArrivalRate.name, { run, scenario: 'opening' }),
    arrivals: valueOf(text, RUN_METRICS.plannedArrivals.name, { run, scenario: 'opening' }),
  };
}

/** Writes seconds 0..`seconds`-1 of an interrupted run (no final 0) and reads them at the last one. */
async function interruptedRun(exporter: Exporter, run: string, seconds: number): Promise<string> {
  const file = runFile(run);
  writeFileSync(
    file,
    `${Array.from({ length: seconds }, (_, at) => second(run, at))
      .flat()
      .join('\n')}\n`,
  );
  now = T0 + seconds * 1000;
  await exporter.follower!.poll();
  return file;
}

describe('an interrupted run (no final 0 from the helper)', () => {
  test('keeps its planned rate while samples arrive, and drops it to 0 once nothing arrived for planStaleAfter', async () => {
    const exporter = follow();
    await interruptedRun(exporter, 'cut', 10);
    // the left Riemann sum stops at the last planned-rate sample (t = 9 s)
    expect(await planned(exporter, 'cut')).toEqual({ rate: RATE, arrivals: 9 * RATE });
    now += (STALE_SECONDS - 1) * 1000;
    expect((await planned(exporter, 'cut')).rate).toBe(RATE);
    now += 2000;
    expect(await planned(exporter, 'cut')).toEqual({ rate: 0, arrivals: 9 * RATE });
    now += 3600_000;
    expect(await planned(exporter, 'cut')).toEqual({ rate: 0, arrivals: 9 * RATE });
  });

  test('a sample arriving again brings the plan back (the run was slow, not over)', async () => {
    const exporter = follow();
    const file = await interruptedRun(exporter, 'paused', 5);
    now += (STALE_SECONDS + 5) * 1000;
    expect((await planned(exporter, 'paused')).rate).toBe(0);
    appendFileSync(file, `${second('paused', 5).join('\n')}\n`);
    await exporter.follower!.poll();
    expect(await planned(exporter, 'paused')).toEqual({ rate: RATE, arrivals: 5 * RATE });
  });

  test('ends its plan at once when its summary.json appears and agrees with the data read', async () => {
    const exporter = follow();
    await interruptedRun(exporter, 'summed', 8);
    writeFileSync(join(folder, 'summed', 'summary.json'), summaryJson(8 * RATE));
    await exporter.follower!.poll();
    expect(await planned(exporter, 'summed')).toEqual({ rate: 0, arrivals: 7 * RATE });
  });

  test('a summary.json left from an earlier run in the folder (other counts) does not end the plan', async () => {
    const exporter = follow();
    writeFileSync(join(runFile('reused'), '..', 'summary.json'), summaryJson(5));
    await interruptedRun(exporter, 'reused', 8);
    expect((await planned(exporter, 'reused')).rate).toBe(RATE);
  });
});

describe('remote write', () => {
  test('a stale marker on the planned rate (k6 ends its series at the end of a test) ends the plan', async () => {
    const exporter = createExporter({ config: exporterConfig(), clock: { now: () => now } });
    exporters.push(exporter);
    const labels = [
      { name: '__name__', value: `k6_${K6_METRICS.plannedArrivalRate}` },
      { name: 'run', value: 'rw' },
      { name: 'scenario', value: 'planned_rate' },
      { name: 'planned_scenario', value: 'opening' },
      { name: 'instance_id', value: '1' },
    ];
    const staleMarker = new DataView(new ArrayBuffer(8));
    staleMarker.setUint32(0, 0x7ff00000);
    staleMarker.setUint32(4, 0x00000002);
    const push = (samples: Array<{ value: number; timestamp: number }>): void => {
      exporter.ingestRemoteWrite(encodeWriteRequest({ timeseries: [{ labels, samples }] }));
    };
    push([0, 1, 2].map((at) => ({ value: RATE, timestamp: T0 + at * 1000 })));
    expect(await planned(exporter, 'rw')).toEqual({ rate: RATE, arrivals: 2 * RATE });
    push([{ value: staleMarker.getFloat64(0), timestamp: T0 + 2500 }]);
    expect(await planned(exporter, 'rw')).toEqual({ rate: 0, arrivals: 2 * RATE });
  });
});

describe('the FloodgateArrivalsBelowPlan alert (deploy/prometheus/rules, evaluated by promtool)', () => {
  const RUN_SECONDS = 90;
  const SCRAPE_SECONDS = 5;
  const AFTER_SECONDS = 300;

  /** Scrapes the exporter every 5 s of simulated time while a run writes its file and is then cut. */
  async function scrapedSeries(exporter: Exporter): Promise<{ planned: number[]; entered: number[] }> {
    const file = runFile('alert');
    writeFileSync(file, '');
    const series = { planned: [] as number[], entered: [] as number[] };
    let written = 0;
    for (let t = 0; t <= RUN_SECONDS + AFTER_SECONDS; t += SCRAPE_SECONDS) {
      const lines: string[] = [];
      for (; written < Math.min(t, RUN_SECONDS); written += 1) lines.push(...second('alert', written));
      if (lines.length > 0) appendFileSync(file, `${lines.join('\n')}\n`);
      now = T0 + t * 1000;
      await exporter.follower!.poll();
      const text = await exporter.registry.metrics();
      series.planned.push(
        valueOf(text, RUN_METRICS.plannedArrivalRate.name, { run: 'alert', scenario: 'opening' }) ?? Number.NaN,
      );
      series.entered.push(
        valueOf(text, RUN_METRICS.funnelStage.name, { run: 'alert', stage: 'landing', result: 'entered' }) ??
          Number.NaN,
      );
    }
    return series;
  }

  /** Runs promtool test rules on the project's rule files; resolves with its output, rejects when a case fails. */
  async function promtoolTest(
    series: { planned: number[]; entered: number[] },
    alerts: Array<{ at: number; firing: boolean }>,
  ): Promise<string> {
    const values = (list: number[]): string =>
      list.map((value) => (Number.isNaN(value) ? '_' : String(value))).join(' ');
    const rules = ['floodgate-objectives.yml', 'floodgate-recording.yml', 'floodgate-alerts.yml'].map((name) =>
      join(REPO, 'deploy/prometheus/rules', name),
    );
    const cases = alerts
      .map(
        ({ at, firing }) =>
          `      - eval_time: ${at}s\n        alertname: FloodgateArrivalsBelowPlan\n        exp_alerts: ${firing ? '\n          - exp_labels: { severity: warning, run: alert }\n            exp_annotations:\n              summary: Run alert starts fewer applicants than planned\n              description: "Achieved arrivals have stayed below 95 % of the planned rate for a minute: the load generator, not the target, is the limit, and the run understates the load."\n              runbook: "Look at VUs and dropped iterations on the Launch overview: raise maxVUs or add load generators (floodgate k8s --parallelism), or lower RATE_SCALE; a run that misses its plan is not valid evidence of capacity."' : '[]'}`,
      )
      .join('\n');
    const yaml = [
      'rule_files:',
      ...rules.map((rule) => `  - ${rule}`),
      'evaluation_interval: 5s',
      'group_eval_order: [floodgate-objectives, floodgate-run-rates, floodgate-funnel, floodgate-alerts]',
      'tests:',
      `  - interval: ${SCRAPE_SECONDS}s`,
      '    input_series:',
      `      - series: '${RUN_METRICS.plannedArrivalRate.name}{run="alert", scenario="opening"}'`,
      `        values: '${values(series.planned)}'`,
      `      - series: '${RUN_METRICS.funnelStage.name}{run="alert", scenario="opening", stage="landing", result="entered"}'`,
      `        values: '${values(series.entered)}'`,
      '    alert_rule_test:',
      cases,
      '',
    ].join('\n');
    const path = join(folder, 'plan-end.test.yml');
    writeFileSync(path, yaml);
    const { stdout } = await promisify(execFile)('promtool', ['test', 'rules', path], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    return stdout;
  }

  test('stays silent after an interrupt, when the held planned rate would have fired it', async () => {
    const series = await scrapedSeries(follow());
    const end = RUN_SECONDS / SCRAPE_SECONDS;
    // what the exporter did before: the last planned rate held for ever
    const held = {
      planned: series.planned.map((value, index) => (index > end ? RATE : value)),
      entered: series.entered,
    };
    expect(series.planned[end]).toBe(RATE);
    expect(series.planned.at(-1)).toBe(0);
    const every = Array.from(
      { length: (AFTER_SECONDS - 10) / SCRAPE_SECONDS },
      (_, index) => RUN_SECONDS + (index + 1) * SCRAPE_SECONDS,
    );
    await expect(
      promtoolTest(
        series,
        every.map((at) => ({ at, firing: false })),
      ),
    ).resolves.toContain('SUCCESS');
    await expect(promtoolTest(held, [{ at: RUN_SECONDS + 120, firing: true }])).resolves.toContain('SUCCESS');
  }, 60_000);
});
