import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { validateRunResult, type RunSlot } from '../contracts/run-result.ts';
import { planScenario } from '../contracts/plan.ts';
import { analyseRun } from './analysis/index.ts';
import { linearSteps, simulateRun } from './fixtures/simulated-run.ts';
import { parseK6Summary } from '../contracts/k6-summary.ts';
import {
  profileFromEnv,
  readRunDirectory,
  readTruth,
  stepsFromPlannedRate,
  thresholdResults,
  truthStages,
} from './read-run.ts';

const slotsWithPlanned = (rates: number[]): RunSlot[] =>
  rates.map((rate, index) => ({ t: index, stages: {}, planned: rate }));

describe('the profile a run played', () => {
  test('breakpoint steps follow the script: rates × RATE_SCALE, lengths ÷ TIME_SCALE', () => {
    const env = {
      BREAKPOINT_START: '5',
      BREAKPOINT_STEP: '5',
      BREAKPOINT_STEPS: '4',
      BREAKPOINT_STEP_SECONDS: '120',
      RATE_SCALE: '0.5',
      TIME_SCALE: '4',
    };
    const profile = profileFromEnv('breakpoint', env, [], 1, 0);
    expect(profile.steps!.map((step) => [step.rate, step.startSeconds, step.endSeconds])).toEqual([
      [2.5, 0, 30],
      [5, 30, 60],
      [7.5, 60, 90],
      [10, 90, 120],
    ]);
    expect(profile).toMatchObject({ name: 'breakpoint', rateScale: 0.5, timeScale: 4 });
  });

  test("without BREAKPOINT_* the script's defaults apply: 8 steps of 120 s from 2/s", () => {
    const steps = profileFromEnv('breakpoint', {}, [], 1, 0).steps!;
    expect(steps).toHaveLength(8);
    expect([steps[0]!.rate, steps[7]!.rate, steps[7]!.endSeconds]).toEqual([2, 16, 960]);
  });

  test('the planned rate measured over a step wins over the env (it is what the generator was told)', () => {
    const slots = slotsWithPlanned([...new Array(40).fill(3), ...new Array(40).fill(6)]);
    const steps = profileFromEnv(
      'breakpoint',
      { BREAKPOINT_START: '2', BREAKPOINT_STEP: '2', BREAKPOINT_STEPS: '2', BREAKPOINT_STEP_SECONDS: '40' },
      slots,
      1,
      0,
    ).steps!;
    expect(steps.map((step) => step.rate)).toEqual([3, 6]);
  });

  test('plateaus of the planned rate make steps when the env says nothing usable', () => {
    const steps = stepsFromPlannedRate(slotsWithPlanned([0, 5, 5, 5, 5, 8, 10, 10, 10, 10, 0]), 1, 1)!;
    expect(steps.map((step) => [step.rate, step.startSeconds, step.endSeconds])).toEqual([
      [5, 0, 4],
      [10, 4, 9],
    ]);
  });

  test('an opening names its profile and discloses scaling and window', () => {
    expect(
      profileFromEnv(
        'opening',
        { PROFILE: 'opening-hyperbolic', RATE_SCALE: '0.001', TIME_SCALE: '60', WINDOW: '0-30' },
        [],
        1,
        0,
      ),
    ).toEqual({
      name: 'opening-hyperbolic',
      rateScale: 0.001,
      timeScale: 60,
      window: { fromMinute: 0, toMinute: 30 },
    });
  });

  test("an opening without variables discloses the script's defaults: 1 % of the seed, the first hour", () => {
    expect(profileFromEnv('opening', {}, [], 1, 0)).toEqual({
      name: 'opening-exp',
      rateScale: 0.01,
      timeScale: 1,
      window: { fromMinute: 0, toMinute: 60 },
    });
  });
});

describe('thresholds', () => {
  test('carry the value summary.json measured for their aggregation, with its unit', () => {
    const results = thresholdResults(
      [],
      parseK6Summary({
        metrics: {
          'http_req_duration{stage:verify_nik}': {
            contains: 'time',
            values: { 'p(95)': 3120.4, 'p(99)': 4000 },
            thresholds: { 'p(95)<3000': { ok: false }, 'p( 99 ) < 5000': { ok: true } },
          },
          http_req_failed: { contains: 'default', values: { rate: 0.0125 }, thresholds: { 'rate==0': { ok: false } } },
          checks: { values: {}, thresholds: { 'rate==1': { ok: true } } },
        },
      }),
    );
    expect(results).toEqual([
      {
        metric: 'http_req_duration{stage:verify_nik}',
        expression: 'p(95)<3000',
        ok: false,
        measured: 3120.4,
        unit: 'ms',
      },
      {
        metric: 'http_req_duration{stage:verify_nik}',
        expression: 'p( 99 ) < 5000',
        ok: true,
        measured: 4000,
        unit: 'ms',
      },
      { metric: 'http_req_failed', expression: 'rate==0', ok: false, measured: 0.0125 },
      { metric: 'checks', expression: 'rate==1', ok: true },
    ]);
  });

  test('come from summary.json with their result, and from Metric lines when the summary lacks them', () => {
    const results = thresholdResults(
      [
        { metric: 'http_req_duration', expression: 'p(95)<500' },
        { metric: 'iteration_duration', expression: 'p(99)<3000' },
      ],
      parseK6Summary({
        metrics: {
          http_req_duration: { values: {}, thresholds: { 'p(95)<500': { ok: false } } },
          'http_req_failed{stage:register}': { values: {}, thresholds: { 'rate<0.01': { ok: true } } },
        },
      }),
    );
    expect(results).toEqual([
      { metric: 'http_req_duration', expression: 'p(95)<500', ok: false },
      { metric: 'http_req_failed{stage:register}', expression: 'rate<0.01', ok: true },
      { metric: 'iteration_duration', expression: 'p(99)<3000' },
    ]);
  });
});

describe('a results folder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'floodgate-read-run-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('becomes a valid run-result, with truth from truth.json', async () => {
    const simulation = simulateRun({ steps: linearSteps(5, 5, 2, 20), seed: 1 });
    writeFileSync(join(dir, 'k6.ndjson'), simulation.lines.join('\n'));
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ ...simulation.manifest, exitCode: null }));
    writeFileSync(join(dir, 'truth.json'), JSON.stringify({ run: 'sim-run', stages: simulation.truth }));
    const result = await readRunDirectory(dir);
    expect(validateRunResult(result).ok).toBe(true);
    expect(result).toMatchObject({
      run: 'sim-run',
      scenario: 'breakpoint',
      engine: 'local',
      truth: { source: 'truth.json' },
    });
    expect(result.exitCode).toBeUndefined();
  });

  test("takes the profile and continuation from run.json's plan, not from the script variables", async () => {
    const simulation = simulateRun({ scenario: 'soak', steps: linearSteps(5, 0, 1, 20), seed: 1 });
    const folder = mkdtempSync(join(dir, 'plan-'));
    writeFileSync(join(folder, 'k6.ndjson'), simulation.lines.join('\n'));
    // the plan the runner recorded says what ran, whatever the variables would say today
    const plan = planScenario(
      'soak',
      { SOAK_RATE: '5', SOAK_DURATION: '20s', RATE_SCALE: '0.5', CONTINUATION: 'full' },
      () => '',
    );
    writeFileSync(
      join(folder, 'run.json'),
      JSON.stringify({ ...simulation.manifest, env: { RUN_ID: 'sim-run' }, plan }),
    );
    const result = await readRunDirectory(folder, { truth: 'off' });
    expect(result.profile).toEqual({ name: 'soak', rateScale: 0.5, timeScale: 1 });
    expect(result.continuation).toEqual({ mode: 'full', modeSet: true, photoShare: 0.9, photoShareSet: false });
    expect(result.planSource).toBe('run.json');
    expect(analyseRun(result).validity.warnings.join('\n')).not.toMatch(/holds no plan/);
  });

  test('re-reads the plan from the script variables of a run.json that holds none, and says so', async () => {
    const simulation = simulateRun({ scenario: 'soak', steps: linearSteps(5, 0, 1, 20), seed: 1 });
    const folder = mkdtempSync(join(dir, 'old-'));
    writeFileSync(join(folder, 'k6.ndjson'), simulation.lines.join('\n'));
    const { plan: _plan, ...old } = simulation.manifest;
    writeFileSync(
      join(folder, 'run.json'),
      JSON.stringify({ ...old, env: { RUN_ID: 'sim-run', RATE_SCALE: '0.25' }, plan: null }),
    );
    const result = await readRunDirectory(folder, { truth: 'off' });
    expect(result.profile).toEqual({ name: 'soak', rateScale: 0.25, timeScale: 1 });
    expect(result.planSource).toBe('script variables');
    expect(analyseRun(result).validity.warnings.join('\n')).toMatch(
      /run\.json holds no plan .*re-read from the run's script variables/,
    );
  });

  test('reads k6.ndjson.gz (k6 run --out json=k6.ndjson.gz) as it reads k6.ndjson', async () => {
    const simulation = simulateRun({ steps: linearSteps(5, 5, 2, 20), seed: 1 });
    const plain = mkdtempSync(join(dir, 'plain-'));
    const gzip = mkdtempSync(join(dir, 'gzip-'));
    writeFileSync(join(plain, 'k6.ndjson'), simulation.lines.join('\n'));
    writeFileSync(join(gzip, 'k6.ndjson.gz'), gzipSync(simulation.lines.join('\n')));
    for (const folder of [plain, gzip]) writeFileSync(join(folder, 'run.json'), JSON.stringify(simulation.manifest));
    const fromPlain = await readRunDirectory(plain, { truth: 'off' });
    const fromGzip = await readRunDirectory(gzip, { truth: 'off' });
    expect(fromGzip.source).toMatchObject({ kind: 'ndjson', gzip: true, path: join(gzip, 'k6.ndjson.gz') });
    expect(fromGzip.slots).toEqual(fromPlain.slots);
    expect(fromGzip.source.kind === 'ndjson' && fromGzip.source.lines).toBe(simulation.lines.length);
  });

  test.each([
    [
      'handleSummary data',
      {
        metrics: {
          'http_req_duration{stage:register}': {
            type: 'trend',
            contains: 'time',
            values: { 'p(95)': 3120 },
            thresholds: { 'p(95)<3000': { ok: false } },
          },
        },
      },
      'handleSummary',
      { ok: false, measured: 3120, unit: 'ms' },
    ],
    [
      'a --summary-export file (true = FAILED)',
      {
        root_group: { groups: {}, checks: {} },
        metrics: { 'http_req_duration{stage:register}': { 'p(95)': 3120, thresholds: { 'p(95)<3000': true } } },
      },
      'summary-export',
      { ok: false, measured: 3120, unit: 'ms' },
    ],
    [
      'the machine-readable summary (no thresholds in it)',
      {
        version: '1.0.0',
        metadata: {},
        config: {},
        results: { metrics: [{ name: 'http_reqs', type: 'counter', contains: 'default', values: { count: 3 } }] },
      },
      'machine-readable',
      undefined,
    ],
  ])('reads %s and says which shape it read', async (_what, summary, shape, verdict) => {
    const simulation = simulateRun({ steps: linearSteps(5, 5, 2, 20), seed: 1 });
    const folder = mkdtempSync(join(dir, 'summary-'));
    const declared = JSON.stringify({
      type: 'Metric',
      metric: 'http_req_duration',
      data: {
        name: 'http_req_duration',
        type: 'trend',
        contains: 'time',
        thresholds: ['p(99)<5000'],
        submetrics: null,
      },
    });
    writeFileSync(join(folder, 'k6.ndjson'), [declared, ...simulation.lines].join('\n'));
    writeFileSync(join(folder, 'run.json'), JSON.stringify(simulation.manifest));
    writeFileSync(join(folder, 'summary.json'), JSON.stringify(summary));
    const result = await readRunDirectory(folder, { truth: 'off' });
    expect(result.summary).toEqual({ file: join(folder, 'summary.json'), shape, thresholds: verdict !== undefined });
    const register = result.thresholds.find((threshold) => threshold.metric === 'http_req_duration{stage:register}');
    if (verdict) expect(register).toMatchObject(verdict);
    else expect(result.thresholds).toEqual([{ metric: 'http_req_duration', expression: 'p(99)<5000' }]);
  });

  test('a summary.json that is no k6 summary is INPUT_INVALID naming the shapes floodgate reads', async () => {
    const simulation = simulateRun({ steps: linearSteps(5, 5, 2, 20), seed: 1 });
    const folder = mkdtempSync(join(dir, 'bad-summary-'));
    writeFileSync(join(folder, 'k6.ndjson'), simulation.lines.join('\n'));
    writeFileSync(join(folder, 'summary.json'), '{"hello":1}');
    await expect(readRunDirectory(folder, { truth: 'off' })).rejects.toMatchObject({
      code: 'INPUT_INVALID',
      message: expect.stringMatching(/summary.json/),
    });
  });

  test('without k6.ndjson says where to point instead', async () => {
    await expect(readRunDirectory(join(dir, 'missing'))).rejects.toMatchObject({ code: 'RESULTS_NOT_FOUND' });
  });

  test.each([
    ['--run names an id no sample carries', { run: 'nope' }, {}, /no samples of run "nope".*holds run sim-run/],
    [
      'run.json names an id no sample carries',
      {},
      { run: 'renamed' },
      /no samples of run "renamed".*holds run sim-run/,
    ],
  ])('%s: RESULTS_NOT_FOUND names the runs the NDJSON holds', async (_case, options, manifest, message) => {
    const folder = mkdtempSync(join(dir, 'other-run-'));
    const simulation = simulateRun({ steps: linearSteps(5, 5, 2, 20), seed: 1 });
    writeFileSync(join(folder, 'k6.ndjson'), simulation.lines.join('\n'));
    writeFileSync(join(folder, 'run.json'), JSON.stringify({ ...simulation.manifest, ...manifest }));
    const error = await readRunDirectory(folder, { truth: 'off', ...options }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'RESULTS_NOT_FOUND' });
    expect((error as Error).message).toMatch(message);
  });

  test('samples of another run in the same k6.ndjson are left out, and the validity box says how many and whose', async () => {
    const folder = mkdtempSync(join(dir, 'mixed-'));
    const ours = simulateRun({ steps: linearSteps(5, 5, 2, 20), seed: 1 });
    const theirs = simulateRun({ steps: linearSteps(5, 5, 2, 20), seed: 2, run: 'sim-other' });
    writeFileSync(join(folder, 'k6.ndjson'), [...ours.lines, ...theirs.lines].join('\n'));
    writeFileSync(join(folder, 'run.json'), JSON.stringify(ours.manifest));
    const alone = mkdtempSync(join(dir, 'alone-'));
    writeFileSync(join(alone, 'k6.ndjson'), ours.lines.join('\n'));
    writeFileSync(join(alone, 'run.json'), JSON.stringify(ours.manifest));
    const mixed = await readRunDirectory(folder, { truth: 'off' });
    const single = await readRunDirectory(alone, { truth: 'off' });
    expect(validateRunResult(mixed).ok).toBe(true);
    expect(mixed.slots).toEqual(single.slots);
    const points = theirs.lines.filter((line) => line.includes('"type":"Point"')).length;
    expect(mixed.source).toMatchObject({ otherRuns: { points, runs: ['sim-other'] } });
    expect(analyseRun(mixed).validity.warnings).toContain(
      `${points} samples of other runs in the same NDJSON (sim-other) were left out: this report is run sim-run; pass --run <id> to report on another`,
    );
    expect(single.source).not.toHaveProperty('otherRuns');
    expect(analyseRun(single).validity.warnings.join('\n')).not.toMatch(/other runs/);
  });

  test('a k6.ndjson without a single sample is no run to report on', async () => {
    const folder = mkdtempSync(join(dir, 'empty-'));
    writeFileSync(join(folder, 'k6.ndjson'), '');
    writeFileSync(join(folder, 'run.json'), JSON.stringify({ run: 'r1', scenario: 'smoke' }));
    await expect(readRunDirectory(folder, { truth: 'off' })).rejects.toMatchObject({
      code: 'RESULTS_NOT_FOUND',
      message: expect.stringMatching(/holds no samples/),
    });
  });

  test('truth off, or a target that does not answer, gives no truth rather than an error', async () => {
    expect(await readTruth(dir, 'sim-run', undefined, { truth: 'off' })).toBeUndefined();
    expect(
      await readTruth(join(dir, 'none'), 'sim-run', 'http://127.0.0.1:9', { truthTimeoutMs: 500 }),
    ).toBeUndefined();
  });

  test.each([[null], [{}], [{ stages: 'many' }], [{ stages: { register: -1 } }]])(
    'malformed truth %j is ignored',
    (value) => {
      expect(truthStages(value)).toBeUndefined();
    },
  );
});
