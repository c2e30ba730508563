import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { validateRunResult, type RunSlot } from '../contracts/run-result.ts';
import { linearSteps, simulateRun } from './fixtures/simulated-run.ts';
import { profileFromEnv, readRunDirectory, readTruth, stepsFromPlannedRate, thresholdResults, truthStages } from './read-run.ts';

const slotsWithPlanned = (rates: number[]): RunSlot[] => rates.map((rate, index) => ({ t: index, stages: {}, planned: rate }));

describe('the profile a run played', () => {
  test('breakpoint steps follow the script: rates × RATE_SCALE, lengths ÷ TIME_SCALE', () => {
    const env = { BREAKPOINT_START: '5', BREAKPOINT_STEP: '5', BREAKPOINT_STEPS: '4', BREAKPOINT_STEP_SECONDS: '120', RATE_SCALE: '0.5', TIME_SCALE: '4' };
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
    const steps = profileFromEnv('breakpoint', { BREAKPOINT_START: '2', BREAKPOINT_STEP: '2', BREAKPOINT_STEPS: '2', BREAKPOINT_STEP_SECONDS: '40' }, slots, 1, 0).steps!;
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
    expect(profileFromEnv('opening', { PROFILE: 'opening-hyperbolic', RATE_SCALE: '0.001', TIME_SCALE: '60', WINDOW: '0-30' }, [], 1, 0)).toEqual({
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
    const results = thresholdResults([], {
      metrics: {
        'http_req_duration{stage:verify_nik}': { contains: 'time', values: { 'p(95)': 3120.4, 'p(99)': 4000 }, thresholds: { 'p(95)<3000': { ok: false }, 'p( 99 ) < 5000': { ok: true } } },
        http_req_failed: { contains: 'default', values: { rate: 0.0125 }, thresholds: { 'rate==0': { ok: false } } },
        checks: { thresholds: { 'rate==1': { ok: true } } },
      },
    });
    expect(results).toEqual([
      { metric: 'http_req_duration{stage:verify_nik}', expression: 'p(95)<3000', ok: false, measured: 3120.4, unit: 'ms' },
      { metric: 'http_req_duration{stage:verify_nik}', expression: 'p( 99 ) < 5000', ok: true, measured: 4000, unit: 'ms' },
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
      { metrics: { http_req_duration: { thresholds: { 'p(95)<500': { ok: false } } }, 'http_req_failed{stage:register}': { thresholds: { 'rate<0.01': { ok: true } } } } },
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
    expect(result).toMatchObject({ run: 'sim-run', scenario: 'breakpoint', engine: 'local', truth: { source: 'truth.json' } });
    expect(result.exitCode).toBeUndefined();
  });

  test('without k6.ndjson says where to point instead', async () => {
    await expect(readRunDirectory(join(dir, 'missing'))).rejects.toMatchObject({ code: 'RESULTS_NOT_FOUND' });
  });

  test.each([
    ['--run names an id no sample carries', { run: 'nope' }, {}, /no samples of run "nope".*holds run sim-run/],
    ["run.json names an id no sample carries", {}, { run: 'renamed' }, /no samples of run "renamed".*holds run sim-run/],
  ])('%s: RESULTS_NOT_FOUND names the runs the NDJSON holds', async (_case, options, manifest, message) => {
    const folder = mkdtempSync(join(dir, 'other-run-'));
    const simulation = simulateRun({ steps: linearSteps(5, 5, 2, 20), seed: 1 });
    writeFileSync(join(folder, 'k6.ndjson'), simulation.lines.join('\n'));
    writeFileSync(join(folder, 'run.json'), JSON.stringify({ ...simulation.manifest, ...manifest }));
    const error = await readRunDirectory(folder, { truth: 'off', ...options }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'RESULTS_NOT_FOUND' });
    expect((error as Error).message).toMatch(message);
  });

  test('a k6.ndjson without a single sample is no run to report on', async () => {
    const folder = mkdtempSync(join(dir, 'empty-'));
    writeFileSync(join(folder, 'k6.ndjson'), '');
    writeFileSync(join(folder, 'run.json'), JSON.stringify({ run: 'r1', scenario: 'smoke' }));
    await expect(readRunDirectory(folder, { truth: 'off' })).rejects.toMatchObject({ code: 'RESULTS_NOT_FOUND', message: expect.stringMatching(/holds no samples/) });
  });

  test('truth off, or a target that does not answer, gives no truth rather than an error', async () => {
    expect(await readTruth(dir, 'sim-run', undefined, { truth: 'off' })).toBeUndefined();
    expect(await readTruth(join(dir, 'none'), 'sim-run', 'http://127.0.0.1:9', { truthTimeoutMs: 500 })).toBeUndefined();
  });

  test.each([[null], [{}], [{ stages: 'many' }], [{ stages: { register: -1 } }]])('malformed truth %j is ignored', (value) => {
    expect(truthStages(value)).toBeUndefined();
  });
});
