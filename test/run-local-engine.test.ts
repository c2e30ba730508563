/**
 * End to end, as a user runs it: the reference target in its own process, and `floodgate run` in
 * another, on the local engine. The smoke scenario passes and its NDJSON holds what the
 * acceptance names; every line of a run's NDJSON has a shape from k6-contract.md §1; a small
 * opening run reports the planned rate; a target that does not answer stops the run before it
 * starts (TARGET_UNREACHABLE), or with --no-preflight fails the smoke with k6's threshold exit
 * code; and a run whose output pipe closes early still runs to its end.
 */

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FUNNEL_STAGES } from '../contracts/funnel.ts';
import { PROJECT_ROOT } from '../runner/index.ts';
import type { RunRecord } from '../runner/run-record.ts';
import { startTargetProcess } from './support/floodgate.ts';
import { freePort, runToEnd, startProcess, stopAll } from './support/processes.ts';

const FLOODGATE = join(PROJECT_ROOT, 'bin', 'floodgate.js');
const scratch = mkdtempSync(join(tmpdir(), 'floodgate-run-local-'));
let targetUrl: string;

beforeAll(async () => {
  targetUrl = (await startTargetProcess()).url;
});

afterAll(async () => {
  await stopAll();
  rmSync(scratch, { recursive: true, force: true });
});

/** Runs `floodgate run …` to its end; resolves with the exit code and the output. */
function floodgateRun(args: readonly string[], timeoutMs = 120_000): Promise<{ code: number | null; output: string }> {
  return runToEnd(process.execPath, [FLOODGATE, 'run', ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, PATH: '/usr/bin:/bin' },
    timeoutMs,
  });
}

type Json = Record<string, unknown>;

/** The lines of an NDJSON file, parsed. */
function readNdjson(path: string): Json[] {
  const text = readFileSync(path, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line) as Json);
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Problems of one NDJSON line against the Metric and Point shapes of k6-contract.md §1. */
function shapeProblems(line: Json): string[] {
  const problems: string[] = [];
  const expectKeys = (what: string, value: Json, required: string[], optional: string[] = []): void => {
    for (const key of required) if (!(key in value)) problems.push(`${what} lacks ${key}`);
    for (const key of Object.keys(value))
      if (!required.includes(key) && !optional.includes(key)) problems.push(`${what} has unknown key ${key}`);
  };
  if (line.type === 'Metric') {
    expectKeys('Metric line', line, ['type', 'data', 'metric']);
    const data = line.data;
    if (!isObject(data)) return [...problems, 'Metric data is not an object'];
    expectKeys('Metric data', data, ['name', 'type', 'contains', 'thresholds', 'submetrics']);
    if (data.name !== line.metric) problems.push('Metric data.name differs from metric');
    if (!['counter', 'gauge', 'rate', 'trend'].includes(String(data.type)))
      problems.push(`Metric type ${String(data.type)}`);
    if (!['default', 'time', 'data'].includes(String(data.contains)))
      problems.push(`Metric contains ${String(data.contains)}`);
    if (!Array.isArray(data.thresholds)) problems.push('Metric thresholds is not an array');
    else {
      for (const threshold of data.thresholds) {
        if (typeof threshold === 'string') continue;
        if (
          !isObject(threshold) ||
          typeof threshold.threshold !== 'string' ||
          typeof threshold.abortOnFail !== 'boolean' ||
          !(threshold.delayAbortEval === null || typeof threshold.delayAbortEval === 'string')
        ) {
          problems.push(`Metric threshold ${JSON.stringify(threshold)}`);
        }
      }
    }
    if (data.submetrics !== null) {
      if (!Array.isArray(data.submetrics)) problems.push('Metric submetrics is neither null nor an array');
      else {
        for (const sub of data.submetrics) {
          if (!isObject(sub) || typeof sub.name !== 'string' || typeof sub.suffix !== 'string' || !isObject(sub.tags))
            problems.push(`submetric ${JSON.stringify(sub)}`);
        }
      }
    }
  } else if (line.type === 'Point') {
    expectKeys('Point line', line, ['metric', 'type', 'data']);
    const data = line.data;
    if (typeof line.metric !== 'string') problems.push('Point metric is not a string');
    if (!isObject(data)) return [...problems, 'Point data is not an object'];
    expectKeys('Point data', data, ['time', 'value', 'tags'], ['metadata']);
    if (typeof data.time !== 'string' || !RFC3339.test(data.time)) problems.push(`Point time ${String(data.time)}`);
    if (typeof data.value !== 'number' || !Number.isFinite(data.value))
      problems.push(`Point value ${String(data.value)}`);
    if (!isObject(data.tags) || Object.values(data.tags).some((value) => typeof value !== 'string'))
      problems.push('Point tags are not strings');
    if (data.metadata !== undefined && (!isObject(data.metadata) || Object.keys(data.metadata).length === 0))
      problems.push('Point metadata is empty or no object');
  } else {
    problems.push(`unknown line type ${String(line.type)}`);
  }
  return problems;
}

/** Checks a whole stream: every line's shape, one Metric line per metric before its first Point, `run` on every Point. */
function streamProblems(lines: readonly Json[], runId: string): string[] {
  const problems: string[] = [];
  const declared = new Set<string>();
  lines.forEach((line, index) => {
    for (const problem of shapeProblems(line)) problems.push(`line ${index + 1}: ${problem}`);
    if (line.type === 'Metric') {
      if (declared.has(String(line.metric)))
        problems.push(`line ${index + 1}: second Metric line for ${String(line.metric)}`);
      declared.add(String(line.metric));
    } else if (line.type === 'Point') {
      if (!declared.has(String(line.metric)))
        problems.push(`line ${index + 1}: Point of ${String(line.metric)} before its Metric line`);
      const tags = (line.data as Json).tags as Json;
      if (tags.run !== runId) problems.push(`line ${index + 1}: ${String(line.metric)} Point without run=${runId}`);
    }
  });
  return problems;
}

const points = (lines: readonly Json[], metric: string): Json[] =>
  lines.filter((line) => line.type === 'Point' && line.metric === metric).map((line) => line.data as Json);

describe('the shape checker', () => {
  test.each([
    [{ type: 'Point', metric: 'vus', data: { time: '2026-11-27T10:00:00Z', value: 1, tags: { run: 'r' } } }, 0],
    [{ type: 'Point', metric: 'vus', data: { time: '2026-11-27 10:00:00', value: 1, tags: {} } }, 1],
    [{ type: 'Point', metric: 'vus', data: { time: '2026-11-27T10:00:00Z', value: '1', tags: {} } }, 1],
    [{ type: 'Point', metric: 'vus', data: { time: '2026-11-27T10:00:00Z', value: 1, tags: { vu: 3 } } }, 1],
    [
      {
        type: 'Metric',
        metric: 'x',
        data: { name: 'x', type: 'counter', contains: 'default', thresholds: [], submetrics: null },
      },
      0,
    ],
    [
      {
        type: 'Metric',
        metric: 'x',
        data: { name: 'x', type: 'histogram', contains: 'default', thresholds: [], submetrics: null, tainted: false },
      },
      2,
    ],
  ])('finds problems in %j: %i', (line, count) => {
    expect(shapeProblems(line)).toHaveLength(count);
  });
});

describe('floodgate run on the local engine', () => {
  test('smoke passes against the reference target, with every stage in the NDJSON and the target', async () => {
    const out = join(scratch, 'smoke');
    const { code, output } = await floodgateRun([
      '--target',
      targetUrl,
      '--scenario',
      'smoke',
      '--run-id',
      'smoke-local',
      '--out',
      out,
    ]);
    expect(output).toMatch(/k6 not found on PATH; using the local engine/);
    expect({ code, output }).toMatchObject({ code: 0 });

    const lines = readNdjson(join(out, 'k6.ndjson'));
    expect(streamProblems(lines, 'smoke-local')).toEqual([]);
    // no 'vus': k6 writes it only from its once-a-second ticker, so a short smoke may have none
    for (const metric of [
      'http_reqs',
      'http_req_duration',
      'http_req_failed',
      'iterations',
      'checks',
      'funnel_stage',
    ]) {
      expect(
        lines.some((line) => line.type === 'Metric' && line.metric === metric),
        `Metric line for ${metric}`,
      ).toBe(true);
      expect(points(lines, metric).length, `Point lines for ${metric}`).toBeGreaterThan(0);
    }
    const stagesOf = (metric: string): string[] =>
      [...new Set(points(lines, metric).map((point) => String((point.tags as Json).stage)))].sort();
    expect(stagesOf('funnel_stage')).toEqual([...FUNNEL_STAGES].sort());
    // every request is a stage's, except the test-mailbox reads, tagged helper instead
    expect(stagesOf('http_reqs')).toEqual([...FUNNEL_STAGES, 'undefined'].sort());
    const unstaged = points(lines, 'http_reqs').filter((point) => (point.tags as Json).stage === undefined);
    expect(unstaged.map((point) => [(point.tags as Json).helper, (point.tags as Json).name])).toEqual([
      ['email_token', 'GET /api/test/mailbox'],
    ]);
    const completed = points(lines, 'funnel_stage').filter((point) => (point.tags as Json).result === 'completed');
    expect(completed.map((point) => (point.tags as Json).stage)).toEqual([...FUNNEL_STAGES]);
    for (const point of points(lines, 'http_reqs')) {
      expect(String((point.tags as Json).name)).not.toMatch(/\d{3,}|@|floodgate\.invalid/); // stable names, no ids or emails
    }

    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Json;
    expect(Object.keys(summary)).toEqual(expect.arrayContaining(['root_group', 'options', 'state', 'metrics']));
    expect((summary.metrics as Json)['funnel_stage{stage:join_batch,result:completed}']).toMatchObject({
      values: { count: 1 },
      thresholds: { 'count==1': { ok: true } },
    });
    expect(readFileSync(join(out, 'summary.txt'), 'utf8')).toMatch(/^\s+join_batch\s+1\s+1\s+0\s+0\s+0\s/m);

    const record = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as RunRecord;
    expect(record).toMatchObject({
      run: 'smoke-local',
      scenario: 'smoke',
      engine: 'local',
      target: targetUrl,
      exitCode: 0,
      env: { RUN_ID: 'smoke-local', TARGET_URL: targetUrl, RESULTS_DIR: out },
    });
    expect(record.command).toBeUndefined();
    expect(record.plan).toMatchObject({ scenario: 'smoke', plannedArrivals: 1 });

    const truth = (await (await fetch(`${targetUrl}/truth?run=smoke-local`)).json()) as Json;
    expect(truth.stages).toEqual({ register: 1, verify_email: 1, verify_nik: 1, upload_photo: 1, join_batch: 1 });
  });

  test('a small opening runs open-model arrivals and reports the planned rate beside them', async () => {
    const out = join(scratch, 'opening');
    const { code, output } = await floodgateRun([
      '--target',
      targetUrl,
      '--scenario',
      'opening',
      '--run-id',
      'opening-local',
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
    const lines = readNdjson(join(out, 'k6.ndjson'));
    expect(streamProblems(lines, 'opening-local')).toEqual([]);

    const planned = points(lines, 'planned_arrival_rate');
    expect(planned.length).toBeGreaterThanOrEqual(5);
    expect(planned.every((point) => (point.tags as Json).planned_scenario === 'opening')).toBe(true);
    // from the helper scenario, but for the last 0, which teardown adds
    expect(planned.map((point) => (point.tags as Json).scenario ?? (point.tags as Json).group)).toEqual([
      ...planned.slice(0, -1).map(() => 'planned_rate'),
      '::teardown',
    ]);
    const rates = planned.map((point) => point.value as number);
    const end = rates.indexOf(0); // the plan's end; teardown adds another 0
    expect(rates[0]!).toBeGreaterThan(rates[end - 1]!); // the surge decays
    expect(rates.slice(end).every((rate) => rate === 0)).toBe(true);

    const landings = points(lines, 'funnel_stage').filter(
      (point) => (point.tags as Json).stage === 'landing' && (point.tags as Json).result === 'entered',
    );
    const plan = 0.0001 * 1_432_133 * (1 - Math.exp(-5 / 17.4)); // ≈ 36 applicants in the first 5 event minutes
    expect(landings.length).toBeGreaterThan(plan * 0.9);
    expect(landings.length).toBeLessThan(plan * 1.1);
    expect(points(lines, 'dropped_iterations').reduce((sum, point) => sum + (point.value as number), 0)).toBe(0);
    expect(points(lines, 'http_reqs').every((point) => (point.tags as Json).scenario === 'opening')).toBe(true);
    // the piped progress line (runner/terminal-view.ts): planned vs achieved arrivals, then per-stage rates
    expect(output).toMatch(/arrivals \d+ of \d+ planned[^\n]*· landing \d+\.\d\/s err /);
  });

  test('a target that does not answer is TARGET_UNREACHABLE (exit 4) with the cause, before the engine starts', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const out = join(scratch, 'smoke-unreachable');
    const { code, output } = await floodgateRun([
      '--target',
      closed,
      '--scenario',
      'smoke',
      '--run-id',
      'smoke-unreachable',
      '--out',
      out,
    ]);
    expect({ code, output }).toMatchObject({ code: 4 });
    expect(output).toContain(`error: the target at ${closed} does not answer: connect ECONNREFUSED`);
    expect(output).toMatch(/hint: start it \(`floodgate target`\) or pass the right --target URL/);
    expect(output).not.toMatch(/\n\s+at /); // no stack trace
    expect(existsSync(out)).toBe(false);
  });

  test('with --no-preflight, a smoke against a target that does not answer fails its thresholds with exit code 99', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const out = join(scratch, 'smoke-down');
    const { code, output } = await floodgateRun([
      '--target',
      closed,
      '--scenario',
      'smoke',
      '--run-id',
      'smoke-down',
      '--out',
      out,
      '-e',
      'REQUEST_TIMEOUT=2s',
      '--no-preflight',
    ]);
    expect({ code, output }).toMatchObject({ code: 99 });
    const lines = readNdjson(join(out, 'k6.ndjson'));
    const failed = points(lines, 'funnel_stage').filter((point) => (point.tags as Json).result === 'failed');
    expect(failed.map((point) => (point.tags as Json).stage)).toEqual(['landing']);
    expect(output).toMatch(/landing failed: landing page: .*(refused|ECONNREFUSED)/);
    expect(readFileSync(join(out, 'summary.txt'), 'utf8')).toMatch(
      /✗ funnel_stage\{stage:landing,result:completed\} count==1/,
    );
    expect(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'))).toMatchObject({ exitCode: 99 });
  });

  test('a run whose output pipe closes early (| head -1) still runs to its end: run.json has its exit code, k6.ndjson is complete', async () => {
    const out = join(scratch, 'piped');
    const command = [
      process.execPath,
      FLOODGATE,
      'run',
      '--target',
      targetUrl,
      '--scenario',
      'opening',
      '--run-id',
      'piped',
      '--out',
      out,
      '--rate-scale',
      '0.0001',
      '--time-scale',
      '60',
      '-e',
      'WINDOW=0-6',
      '-e',
      'THINK_TIME_SCALE=0.002',
    ]
      .map((word) => `'${word}'`)
      .join(' ');
    const child = startProcess(
      'bash',
      ['-c', `${command} 2>&1 | head -1; echo "floodgate exited with \${PIPESTATUS[0]}"`],
      { cwd: PROJECT_ROOT, env: { ...process.env, PATH: '/usr/bin:/bin' } },
    );
    await new Promise<void>((resolve) => child.child.once('exit', () => resolve()));
    // head printed one line and closed the pipe; floodgate went on and ended with the engine's code
    expect(child.output()).toMatch(/^k6 not found on PATH; using the local engine\nfloodgate exited with 0\n$/);
    const record = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as RunRecord;
    expect(record).toMatchObject({ exitCode: 0 });
    expect(record.endedAt).not.toBeNull();
    const lines = readNdjson(join(out, 'k6.ndjson'));
    expect(streamProblems(lines, 'piped')).toEqual([]);
    expect(points(lines, 'planned_arrival_rate').at(-1)!.value).toBe(0); // to the end, teardown included
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'))).toHaveProperty('metrics');
  });

  test('--engine k6 without k6 on PATH says so and exits with K6_NOT_FOUND’s code', async () => {
    const { code, output } = await floodgateRun([
      '--engine',
      'k6',
      '--scenario',
      'smoke',
      '--out',
      join(scratch, 'no-k6'),
    ]);
    expect(code).toBe(5);
    expect(output).toMatch(/error: k6 is not on PATH, and --engine k6 was asked for\nhint: install k6/);
    expect(output).not.toMatch(/\n\s+at /); // no stack trace
  });

  test('an unknown scenario is SCENARIO_UNKNOWN, listing the known ones', async () => {
    const { code, output } = await floodgateRun(['--scenario', 'spike']);
    expect(code).toBe(2);
    expect(output).toMatch(/there is no scenario "spike"\nhint: choose one of: smoke, opening, breakpoint, soak/);
  });
});
