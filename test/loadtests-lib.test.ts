/**
 * The pure pieces of load-tests/ (they import nothing from k6, so Node runs them as they are):
 * script variables, plans, thresholds, behaviour, retry waits, the photo, and the text summary.
 */

import { crc32 as zlibCrc32, inflateSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { FUNNEL_STAGES, SEED_CONTINUATION, continuationTable } from '../contracts/funnel.ts';
import { isFloodgateError } from '../contracts/errors.ts';
import { RUN_OBJECTIVES, STAGE_OBJECTIVES } from '../contracts/slo.ts';
import {
  applicantBehaviour,
  meanJourneyThinkSeconds,
  THINK_TIMES,
  THINK_TIME_CAP_MEDIANS,
} from '../load-tests/journeys/behaviour.ts';
import {
  readBreakpointEnv,
  readCommonEnv,
  readOpeningEnv,
  readSoakEnv,
  SCRIPT_VARIABLE_NAMES,
  type ScriptVariables,
} from '../contracts/script-variables.ts';
import { openScenarioOptions, PLANNED_RATE_SCENARIO, sizeVUs, smokeOptions } from '../load-tests/lib/options.ts';
import { crc32, MIN_PHOTO_BYTES, multipartFile, pngPhoto } from '../load-tests/lib/photo.ts';
import {
  constantArrivalRate,
  planBreakpoint,
  planOpening,
  plannedArrivalsUntil,
  plannedRateAt,
  plannedRateReport,
  planScenario,
  planSoak,
  type ScenarioPlan,
} from '../contracts/plan.ts';
import { lognormalDraw, seededStream } from '../load-tests/lib/random.ts';
import { parseRetryAfter, retryWaitSeconds } from '../load-tests/lib/retry.ts';
import { renderTextSummary, summaryOutputs, type SummaryData } from '../load-tests/lib/summary.ts';
import type { StageResponse } from '../load-tests/lib/http.ts';
import { notCompleted } from '../load-tests/targets/adapter.ts';
import { openScenarioThresholds, smokeThresholds } from '../load-tests/lib/thresholds.ts';

const base: ScriptVariables = { RUN_ID: 'unit-1' };

function codeAndName(action: () => unknown): { code: string; name: string | number | undefined } {
  try {
    action();
  } catch (error) {
    if (isFloodgateError(error)) return { code: error.code, name: error.details.name };
    throw error;
  }
  throw new Error('expected a FloodgateError');
}

describe('script variables', () => {
  test('take their defaults when only RUN_ID is given', () => {
    const env = readCommonEnv(base);
    expect(env).toMatchObject({
      targetUrl: 'http://127.0.0.1:18081',
      runId: 'unit-1',
      resultsDir: 'results/unit-1',
      adapter: 'reference',
      emailTokenSource: 'mailbox',
      thinkTimeScale: 0.01,
      photoShare: 0.9,
      continuation: 'seed',
      seed: 'unit-1',
      requestTimeout: '30s',
      retryMax: 3,
      retryAfterMaxSeconds: 10,
    });
  });

  test('lose a trailing slash on URLs and folders', () => {
    const env = readCommonEnv({ ...base, TARGET_URL: 'http://127.0.0.1:9/', RESULTS_DIR: 'out/x/' });
    expect(env.targetUrl).toBe('http://127.0.0.1:9');
    expect(env.resultsDir).toBe('out/x');
  });

  test.each([
    [{}, 'RUN_ID'],
    [{ RUN_ID: 'Bad Id' }, 'RUN_ID'],
    [{ ...base, TARGET_URL: 'ftp://x' }, 'TARGET_URL'],
    [{ ...base, EMAIL_TOKEN_SOURCE: 'pigeon' }, 'EMAIL_TOKEN_SOURCE'],
    [{ ...base, EMAIL_TOKEN_SOURCE: 'mailpit' }, 'MAILPIT_URL'],
    [{ ...base, EMAIL_TOKEN_PATTERN: '(' }, 'EMAIL_TOKEN_PATTERN'],
    [{ ...base, THINK_TIME_SCALE: '-1' }, 'THINK_TIME_SCALE'],
    [{ ...base, PHOTO_SHARE: '0.1' }, 'PHOTO_SHARE'],
    [{ ...base, PHOTO_BYTES: '10' }, 'PHOTO_BYTES'],
    [{ ...base, RETRY_429_MAX: '1.5' }, 'RETRY_429_MAX'],
    [{ ...base, REQUEST_TIMEOUT: 'soon' }, 'REQUEST_TIMEOUT'],
    [{ ...base, PRE_ALLOCATED_VUS: '10', MAX_VUS: '5' }, 'MAX_VUS'],
    [{ ...base, CONTINUATION: 'sometimes' }, 'CONTINUATION'],
  ] as Array<[ScriptVariables, string]>)('%j is rejected naming %s', (variables, name) => {
    expect(codeAndName(() => readCommonEnv(variables))).toEqual({ code: 'SCRIPT_ENV_INVALID', name });
  });

  test('a scenario may choose its own defaults, and variables still win', () => {
    expect(readCommonEnv(base, { thinkTimeScale: 0, continuation: 'full' })).toMatchObject({
      thinkTimeScale: 0,
      continuation: 'full',
    });
    expect(readCommonEnv({ ...base, THINK_TIME_SCALE: '0.5' }, { thinkTimeScale: 0 }).thinkTimeScale).toBe(0.5);
  });

  test.each([
    [
      {},
      {
        profile: { kind: 'builtin', name: 'opening-exp' },
        rateScale: 0.01,
        timeScale: 1,
        window: { fromMinute: 0, toMinute: 60 },
      },
    ],
    [
      { PROFILE: 'opening-hyperbolic', RATE_SCALE: '0.5', TIME_SCALE: '60', WINDOW: '10..40' },
      {
        profile: { kind: 'builtin', name: 'opening-hyperbolic' },
        rateScale: 0.5,
        timeScale: 60,
        window: { fromMinute: 10, toMinute: 40 },
      },
    ],
    [{ PROFILE: '/data/day.csv' }, { profile: { kind: 'file', path: '/data/day.csv' } }],
  ] as Array<[ScriptVariables, object]>)('opening variables %j read as %j', (variables, expected) => {
    expect(readOpeningEnv(variables)).toMatchObject(expected);
  });

  test.each([
    [{ PROFILE: 'tsunami' }, 'PROFILE'],
    [{ WINDOW: '30-10' }, 'WINDOW'],
    [{ WINDOW: 'all' }, 'WINDOW'],
    [{ TIME_SCALE: '0.5' }, 'TIME_SCALE'],
    [{ RATE_SCALE: '0' }, 'RATE_SCALE'],
    [{ PROFILE: 'profiles/day.csv' }, 'PROFILE'], // k6 would look for it beside the script
  ] as Array<[ScriptVariables, string]>)('opening variables %j are rejected naming %s', (variables, name) => {
    expect(codeAndName(() => readOpeningEnv(variables))).toEqual({ code: 'SCRIPT_ENV_INVALID', name });
  });

  test('breakpoint and soak variables have documented defaults', () => {
    expect(readBreakpointEnv({})).toEqual({
      startRate: 2,
      stepRate: 2,
      steps: 8,
      stepSeconds: 120,
      rateScale: 1,
      timeScale: 1,
    });
    expect(readSoakEnv({})).toEqual({ rate: 2, durationSeconds: 3600, rateScale: 1, timeScale: 1 });
    expect(codeAndName(() => readBreakpointEnv({ BREAKPOINT_STEPS: '0' }))).toEqual({
      code: 'SCRIPT_ENV_INVALID',
      name: 'BREAKPOINT_STEPS',
    });
    expect(codeAndName(() => readSoakEnv({ SOAK_DURATION: 'forever' }))).toEqual({
      code: 'SCRIPT_ENV_INVALID',
      name: 'SOAK_DURATION',
    });
  });

  test('a soak compressed below one second is refused before k6 would refuse it', () => {
    expect(codeAndName(() => readSoakEnv({ SOAK_DURATION: '30s', TIME_SCALE: '60' }))).toEqual({
      code: 'SCRIPT_ENV_INVALID',
      name: 'SOAK_DURATION',
    });
    expect(readSoakEnv({ SOAK_DURATION: '60s', TIME_SCALE: '60' }).durationSeconds).toBe(60);
  });
});

describe('the list of script variables', () => {
  test('holds exactly the variables the readers read, in every scenario', () => {
    const read = new Set<string>();
    const recording = (values: Record<string, string>): ScriptVariables =>
      new Proxy(values, {
        get(target, name) {
          if (typeof name === 'string') read.add(name);
          return target[name as string];
        },
      });
    readCommonEnv(recording({ RUN_ID: 'unit-1', EMAIL_TOKEN_SOURCE: 'mailpit', MAILPIT_URL: 'http://127.0.0.1:8025' }));
    readOpeningEnv(recording({}));
    readBreakpointEnv(recording({}));
    readSoakEnv(recording({}));
    expect([...read].sort()).toEqual([...SCRIPT_VARIABLE_NAMES].sort());
  });
});

describe('plans', () => {
  test('opening at rate scale 0.01 plans the seed surge within 1 % of its integral', () => {
    const plan = planOpening(readOpeningEnv({ RATE_SCALE: '0.01', WINDOW: '0-60' }));
    expect(plan.arrivals?.executor).toBe('ramping-arrival-rate');
    expect(plan.durationSeconds).toBe(3600);
    // exponential: 0.01 × A·τ·(1 − e^(−60/τ)) with A ≈ 82,300/min, τ ≈ 17.40 min
    expect(plan.plannedArrivals).toBeGreaterThan(13_500);
    expect(plan.plannedArrivals).toBeLessThan(14_000);
    expect(plan.peakRatePerSecond).toBeGreaterThan(13);
    expect(plan.peakRatePerSecond).toBeLessThan(14.5);
  });

  test('time compression keeps the count and shortens the plan', () => {
    const slow = planOpening(readOpeningEnv({ RATE_SCALE: '0.001', WINDOW: '0-30' }));
    const fast = planOpening(readOpeningEnv({ RATE_SCALE: '0.001', WINDOW: '0-30', TIME_SCALE: '60' }));
    expect(fast.durationSeconds).toBe(30);
    expect(fast.plannedArrivals / slow.plannedArrivals).toBeGreaterThan(0.99);
    expect(fast.plannedArrivals / slow.plannedArrivals).toBeLessThan(1.01);
  });

  test('a CSV profile is planned from its text', () => {
    const plan = planOpening(
      readOpeningEnv({ PROFILE: '/profiles/day.csv', RATE_SCALE: '1', WINDOW: '0-3' }),
      'minute,arrivals\n0,60\n1,120\n2,60\n',
    );
    expect(plan.plannedArrivals).toBeGreaterThan(237);
    expect(plan.plannedArrivals).toBeLessThan(243);
  });

  test('a bad CSV profile is PROFILE_INVALID with the line', () => {
    expect(() => planOpening(readOpeningEnv({ PROFILE: '/profiles/day.csv' }), 'minute,arrivals\n0,x\n')).toThrow(
      /line 2/,
    );
    expect(codeAndName(() => planOpening(readOpeningEnv({ PROFILE: '/profiles/day.csv' }), '0,x')).code).toBe(
      'PROFILE_INVALID',
    );
  });

  test('breakpoint steps hold their rates; time scale shortens the steps only', () => {
    const plan = planBreakpoint(
      readBreakpointEnv({
        BREAKPOINT_START: '2',
        BREAKPOINT_STEP: '3',
        BREAKPOINT_STEPS: '3',
        BREAKPOINT_STEP_SECONDS: '60',
        TIME_SCALE: '2',
      }),
    );
    expect(plan.durationSeconds).toBe(90);
    expect(plannedRateAt(plan, 10)).toBeCloseTo(2, 5);
    expect(plannedRateAt(plan, 40)).toBeCloseTo(5, 5);
    expect(plannedRateAt(plan, 85)).toBeCloseTo(8, 5);
    expect(plan.peakRatePerSecond).toBeCloseTo(8, 5);
  });

  test('soak is a constant arrival rate over the scaled duration', () => {
    const plan = planSoak(readSoakEnv({ SOAK_RATE: '2.5', SOAK_DURATION: '10m', TIME_SCALE: '10' }));
    expect(plan.arrivals).toEqual({ executor: 'constant-arrival-rate', rate: 150, timeUnit: '1m', duration: '60s' });
    expect(plan.plannedArrivals).toBe(150);
  });

  test.each([
    [2, { rate: 2, timeUnit: '1s' }],
    [2.5, { rate: 150, timeUnit: '1m' }],
    [0.01, { rate: 36, timeUnit: '1h' }],
  ])('a constant %s/s becomes %j', (rate, expected) => {
    expect(constantArrivalRate(rate, '1m')).toMatchObject(expected);
  });

  test('planned arrivals so far grow to the planned total and stay there', () => {
    const plan = planBreakpoint(
      readBreakpointEnv({
        BREAKPOINT_START: '1',
        BREAKPOINT_STEP: '1',
        BREAKPOINT_STEPS: '2',
        BREAKPOINT_STEP_SECONDS: '20',
      }),
    );
    expect(plannedArrivalsUntil(plan, 0)).toBe(0);
    expect(plannedArrivalsUntil(plan, 10)).toBeCloseTo(10, 5);
    expect(plannedArrivalsUntil(plan, plan.durationSeconds)).toBeCloseTo(plan.plannedArrivals, 5);
    expect(plannedArrivalsUntil(plan, plan.durationSeconds + 100)).toBeCloseTo(plan.plannedArrivals, 5);
  });

  /** Plays the planned-rate helper on a simulated clock that starts, and fires each timer, `lateSeconds` late: the reports and their times. */
  function playReports(plan: ScenarioPlan, lateSeconds: number): Array<{ at: number; rate: number }> {
    const reports: Array<{ at: number; rate: number }> = [];
    let now = lateSeconds;
    for (let report = plannedRateReport(plan, now); report !== undefined; report = plannedRateReport(plan, now)) {
      reports.push({ at: now, rate: report.rate });
      expect(report.untilSeconds).toBeGreaterThan(now);
      now = report.untilSeconds + lateSeconds;
    }
    return [...reports, { at: now, rate: 0 }];
  }

  /** Holds each report until the next one (how the exporter integrates the gauge). */
  const sampleAndHold = (reports: ReadonlyArray<{ at: number; rate: number }>): number =>
    reports.slice(0, -1).reduce((sum, report, index) => sum + report.rate * (reports[index + 1]!.at - report.at), 0);

  test.each([
    [
      'a short decaying opening',
      planOpening(readOpeningEnv({ RATE_SCALE: '0.0002', TIME_SCALE: '60', WINDOW: '0-5' })),
    ],
    [
      'a breakpoint with fractional steps',
      planBreakpoint(
        readBreakpointEnv({
          BREAKPOINT_START: '5',
          BREAKPOINT_STEP: '5',
          BREAKPOINT_STEPS: '3',
          BREAKPOINT_STEP_SECONDS: '7',
          TIME_SCALE: '2',
        }),
      ),
    ],
    ['a soak', planSoak(readSoakEnv({ SOAK_RATE: '3', SOAK_DURATION: '10m', TIME_SCALE: '120' }))],
  ])('the planned-rate reports of %s, each held until the next, add up to the planned arrivals', (_name, plan) => {
    const onTime = playReports(plan, 0);
    expect(sampleAndHold(onTime)).toBeCloseTo(plan.plannedArrivals, 6);
    // the last report, 0, comes at the plan's end, not a second later
    expect(onTime.at(-1)!.at).toBeCloseTo(plan.durationSeconds, 9);
    expect(onTime.length).toBe(Math.ceil(plan.durationSeconds) + 1);
    // timers a few ms late move the integral by about rate × lateness per report, not by a second's worth
    expect(Math.abs(sampleAndHold(playReports(plan, 0.004)) / plan.plannedArrivals - 1)).toBeLessThan(0.01);
  });

  test('a report woken just before a whole second covers the next second, not the few ms left', () => {
    const plan = planSoak(readSoakEnv({ SOAK_RATE: '2', SOAK_DURATION: '10s' }));
    expect(plannedRateReport(plan, 2.9995)).toEqual({ rate: 2, untilSeconds: 4 });
    expect(plannedRateReport(plan, 9.9995)).toBeUndefined(); // the plan has ended
    expect(plannedRateReport(plan, 9.998)).toBeUndefined(); // woken 2 ms early for the end: no 2 ms report
    expect(
      plannedRateReport(
        planScenario('smoke', {}, () => ''),
        0,
      ),
    ).toBeUndefined();
  });

  test.each([
    ['opening', { RATE_SCALE: '1e-9' }, /the opening plan starts 0 applicants in 3600s, fewer than one.*widen WINDOW/],
    [
      'breakpoint',
      { RATE_SCALE: '0.0001', BREAKPOINT_STEPS: '1', BREAKPOINT_STEP_SECONDS: '10' },
      /the breakpoint plan starts 0\.0028 applicants in 10s.*BREAKPOINT_START/,
    ],
    ['soak', { SOAK_RATE: '0.0001', SOAK_DURATION: '1m' }, /the soak plan starts 0\.017 applicants in 60s.*SOAK_RATE/],
  ] as const)(
    'a %s plan that starts fewer than one applicant is PROFILE_INVALID, saying what to raise',
    (scenario, variables, message) => {
      expect(() => planScenario(scenario, variables, () => '')).toThrow(message);
      expect(codeAndName(() => planScenario(scenario, variables, () => '')).code).toBe('PROFILE_INVALID');
    },
  );

  test('planScenario reads the file only for a file profile', () => {
    const reads: string[] = [];
    const reader = (path: string): string => {
      reads.push(path);
      return '0,10\n1,10\n';
    };
    planScenario('opening', { PROFILE: 'opening-exp' }, reader);
    planScenario('opening', { PROFILE: '/x/p.csv', WINDOW: '0-2', RATE_SCALE: '1' }, reader);
    expect(reads).toEqual(['/x/p.csv']);
    expect(planScenario('smoke', {}, reader).plannedArrivals).toBe(1);
  });
});

describe('thresholds and options', () => {
  test('every stage gets its p95 and error-rate objective from the SLO table', () => {
    const thresholds = openScenarioThresholds(1000, 'opening');
    for (const stage of FUNNEL_STAGES) {
      expect(thresholds[`http_req_duration{stage:${stage}}`]).toEqual([`p(95)<${STAGE_OBJECTIVES[stage].p95Ms}`]);
      expect(thresholds[`http_req_failed{stage:${stage}}`]).toEqual([`rate<${STAGE_OBJECTIVES[stage].maxErrorRate}`]);
    }
  });

  test('dropped iterations are bounded by the planned total, and errors abort after a delay', () => {
    const thresholds = openScenarioThresholds(2345, 'opening');
    expect(thresholds['iterations{scenario:opening}']).toEqual(['count>=0']);
    expect(thresholds.dropped_iterations).toEqual([`count<=${Math.floor(2345 * RUN_OBJECTIVES.maxDroppedShare)}`]);
    expect(thresholds.http_req_failed).toEqual([
      {
        threshold: `rate<${RUN_OBJECTIVES.abortErrorRate}`,
        abortOnFail: true,
        delayAbortEval: RUN_OBJECTIVES.abortDelay,
      },
    ]);
  });

  test('smoke demands one completed applicant at every stage and nothing failed', () => {
    const thresholds = smokeThresholds();
    for (const stage of FUNNEL_STAGES)
      expect(thresholds[`funnel_stage{stage:${stage},result:completed}`]).toEqual(['count==1']);
    expect(thresholds['funnel_stage{result:failed}']).toEqual(['count==0']);
    expect(thresholds.http_req_failed).toEqual(['rate==0']);
    expect(thresholds.checks).toEqual(['rate==1']);
    expect(thresholds['funnel_stage{stage:register,result:abandoned}']).toEqual(['count>=0']);
  });

  test('VUs follow Little’s law with headroom, and the variables override them', () => {
    const plan = planBreakpoint(readBreakpointEnv({ BREAKPOINT_START: '10', BREAKPOINT_STEPS: '1' }));
    const sizing = sizeVUs(plan, { thinkTimeScale: 0.01 });
    const journey =
      meanJourneyThinkSeconds(0.01) +
      FUNNEL_STAGES.reduce((sum, stage) => sum + STAGE_OBJECTIVES[stage].p95Ms / 1000, 0);
    expect(sizing.journeySeconds).toBeCloseTo(journey, 9);
    expect(sizing.preAllocatedVUs).toBe(Math.ceil(10 * journey * 1.5));
    expect(sizing.maxVUs).toBe(2 * sizing.preAllocatedVUs);
    expect(sizeVUs(plan, { thinkTimeScale: 0.01, preAllocatedVUs: 3, maxVUs: 4 })).toMatchObject({
      preAllocatedVUs: 3,
      maxVUs: 4,
    });
    expect(sizeVUs(plan, { thinkTimeScale: 0.01, maxVUs: 50 })).toMatchObject({ preAllocatedVUs: 50, maxVUs: 50 });
  });

  test('an open scenario runs its arrivals beside a one-iteration planned-rate helper, tagged with the run', () => {
    const env = readCommonEnv(base);
    const plan = planBreakpoint(readBreakpointEnv({ BREAKPOINT_STEPS: '2', BREAKPOINT_STEP_SECONDS: '30' }));
    const options = openScenarioOptions(plan, env);
    expect(Object.keys(options.scenarios)).toEqual(['breakpoint', PLANNED_RATE_SCENARIO]);
    expect(options.scenarios.breakpoint).toMatchObject({ executor: 'ramping-arrival-rate', exec: 'default' });
    expect(options.scenarios[PLANNED_RATE_SCENARIO]).toMatchObject({
      executor: 'shared-iterations',
      vus: 1,
      iterations: 1,
      maxDuration: '70s',
      exec: 'plannedRate',
    });
    expect(options.tags).toEqual({ run: 'unit-1' });
    expect(smokeOptions(env).scenarios.smoke).toMatchObject({ executor: 'per-vu-iterations', vus: 1, iterations: 1 });
  });
});

describe('applicant behaviour', () => {
  const options = {
    seed: 'r',
    vu: 3,
    iteration: 7,
    thinkTimeScale: 0.01,
    continuation: 'seed' as const,
    photoShare: 0.9,
  };

  test('is the same for the same applicant and differs between applicants', () => {
    const walk = (o: typeof options) => {
      const b = applicantBehaviour(o);
      return FUNNEL_STAGES.map((stage) => [b.continues(stage), b.thinkSeconds(stage)]);
    };
    expect(walk(options)).toEqual(walk(options));
    expect(walk(options)).not.toEqual(walk({ ...options, iteration: 8 }));
  });

  test('continuation follows the seed funnel within binomial error over 20,000 applicants', () => {
    const table = continuationTable(0.9);
    const attempts: Record<string, number> = {};
    const continued: Record<string, number> = {};
    for (let i = 0; i < 20_000; i += 1) {
      const b = applicantBehaviour({ ...options, iteration: i });
      for (const stage of FUNNEL_STAGES) {
        attempts[stage] = (attempts[stage] ?? 0) + 1;
        if (!b.continues(stage)) break;
        continued[stage] = (continued[stage] ?? 0) + 1;
      }
    }
    for (const stage of FUNNEL_STAGES) {
      const n = attempts[stage]!;
      const p = table[stage];
      const observed = (continued[stage] ?? 0) / n;
      expect(Math.abs(observed - p)).toBeLessThanOrEqual(4 * Math.sqrt((p * (1 - p)) / n) + 1e-9);
    }
    expect(table.verify_email).toBe(SEED_CONTINUATION.emailOfRegistered);
  });

  test('full continuation attempts every stage; scale 0 removes think time', () => {
    const b = applicantBehaviour({ ...options, continuation: 'full', thinkTimeScale: 0 });
    expect(FUNNEL_STAGES.map((stage) => b.continues(stage))).toEqual(FUNNEL_STAGES.map(() => true));
    expect(FUNNEL_STAGES.map((stage) => b.thinkSeconds(stage))).toEqual(FUNNEL_STAGES.map(() => 0));
  });

  test('think times are capped at ten medians and scaled', () => {
    for (let i = 0; i < 5000; i += 1) {
      const b = applicantBehaviour({ ...options, iteration: i, thinkTimeScale: 1 });
      for (const stage of FUNNEL_STAGES)
        expect(b.thinkSeconds(stage)).toBeLessThanOrEqual(THINK_TIMES[stage].medianSeconds * THINK_TIME_CAP_MEDIANS);
    }
  });

  test('lognormal draws have the configured median', () => {
    const stream = seededStream('median');
    const draws = Array.from({ length: 20_001 }, () => lognormalDraw(stream, { medianSeconds: 30, sigma: 0.8 })).sort(
      (a, b) => a - b,
    );
    expect(draws[10_000]!).toBeGreaterThan(28.5);
    expect(draws[10_000]!).toBeLessThan(31.5);
  });
});

describe('retry waits', () => {
  const now = Date.parse('2026-11-27T10:00:00Z');
  test.each([
    ['3', 3],
    [' 0 ', 0],
    ['Fri, 27 Nov 2026 10:00:05 GMT', 5],
    ['Fri, 27 Nov 2026 09:59:00 GMT', 0],
    ['soon', undefined],
    [undefined, undefined],
  ])('Retry-After %j asks for %s s', (header, seconds) => {
    expect(parseRetryAfter(header, now)).toBe(seconds);
  });

  test.each([
    ['2', 1, 10, 2],
    ['60', 1, 10, 10],
    [undefined, 1, 10, 1],
    [undefined, 3, 10, 4],
    [undefined, 6, 10, 10],
  ])('Retry-After %j on retry %i with cap %i waits %i s', (header, attempt, cap, wait) => {
    expect(retryWaitSeconds(header, attempt, cap, now)).toBe(wait);
  });
});

describe('the photo', () => {
  test.each([MIN_PHOTO_BYTES, 1000, 32 * 1024])('is a valid PNG of exactly %i bytes', (size) => {
    const png = Buffer.from(pngPhoto(size));
    expect(png.length).toBe(size);
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    const types: string[] = [];
    for (let offset = 8; offset < png.length;) {
      const length = png.readUInt32BE(offset);
      const type = png.subarray(offset + 4, offset + 8).toString('ascii');
      const data = png.subarray(offset + 8, offset + 8 + length);
      expect(png.readUInt32BE(offset + 8 + length)).toBe(zlibCrc32(png.subarray(offset + 4, offset + 8 + length)));
      if (type === 'IDAT') expect([...inflateSync(data)]).toEqual([0, 0x80]);
      types.push(type);
      offset += 12 + length;
    }
    expect(types).toEqual(['IHDR', 'flOd', 'IDAT', 'IEND']);
  });

  test('crc32 agrees with zlib', () => {
    const bytes = Buffer.from('floodgate opening day');
    expect(crc32(bytes)).toBe(zlibCrc32(bytes));
  });

  test('goes in a multipart body a parser can read', async () => {
    const photo = pngPhoto(200);
    const { body, contentType } = multipartFile('photo', 'photo.png', 'image/png', photo, 'b0undary');
    const form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
    const file = form.get('photo') as File;
    expect(file.name).toBe('photo.png');
    expect(file.type).toBe('image/png');
    expect(Buffer.from(await file.arrayBuffer()).equals(Buffer.from(photo))).toBe(true);
  });

  test('refuses a size below the bare picture', () => {
    expect(() => pngPhoto(MIN_PHOTO_BYTES - 1)).toThrow(RangeError);
  });
});

describe('the text summary', () => {
  const data: SummaryData = {
    state: { testRunDurationMs: 12_345 },
    root_group: { name: '', path: '', groups: [], checks: [{ name: 'verify_nik completed', passes: 3, fails: 1 }] },
    metrics: {
      iterations: { type: 'counter', contains: 'default', values: { count: 5, rate: 0.4 } },
      'iterations{scenario:opening}': {
        type: 'counter',
        contains: 'default',
        values: { count: 4, rate: 0.3 },
        thresholds: { 'count>=0': { ok: true } },
      },
      http_reqs: { type: 'counter', contains: 'default', values: { count: 30, rate: 2.4 } },
      http_req_failed: { type: 'rate', contains: 'default', values: { rate: 0.0333, passes: 1, fails: 29 } },
      checks: { type: 'rate', contains: 'default', values: { rate: 0.95, passes: 19, fails: 1 } },
      'funnel_stage{stage:landing,result:entered}': {
        type: 'counter',
        contains: 'default',
        values: { count: 4, rate: 0.3 },
        thresholds: { 'count>=0': { ok: true } },
      },
      'funnel_stage{stage:verify_nik,result:failed}': {
        type: 'counter',
        contains: 'default',
        values: { count: 1, rate: 0.1 },
        thresholds: { 'count>=0': { ok: true } },
      },
      'http_req_duration{stage:verify_nik}': {
        type: 'trend',
        contains: 'time',
        values: { 'p(95)': 3500.5, count: 4 },
        thresholds: { 'p(95)<3000': { ok: false } },
      },
    },
  };

  test("shows k6's own summary, then the funnel with each verdict as the thresholds judged it, failed checks and failed thresholds", () => {
    const text = renderTextSummary(data, { runId: 'unit-1', scenario: 'opening', resultsDir: 'results/unit-1' });
    expect(text).toMatch(/^floodgate · run unit-1 · scenario opening · 12\.3 s/);
    expect(text).toMatch(/applicants 4 finished, 0 dropped · http requests 30, failed 3\.33% · checks 95\.00% passed/);
    expect(text).toContain('  █ THRESHOLDS \n');
    expect(text).toContain("    http_req_duration{stage:verify_nik}\n    ✗ 'p(95)<3000' p(95)=3.5s");
    expect(text).toMatch(/ {4}http_reqs\.+: 30 +2\.4\/s/);
    expect(text).toMatch(/^ {4}landing\s+4\s/m);
    expect(text).toMatch(/^ {4}verify_nik\s+-\s+-\s+1\s.*3\.5s\s+<3s FAILED\s+-\s+-$/m);
    expect(text).toMatch(/verify_nik completed: 1 of 4 failed/);
    expect(text).toMatch(/thresholds: 0 of 1 hold\n {6}✗ http_req_duration\{stage:verify_nik\} p\(95\)<3000/);
    expect(text).not.toMatch(/count>=0/);
    expect(text).not.toContain('result:entered');
  });

  test('a stage whose latency holds but whose errors do not reads so on its one line, as in THRESHOLDS', () => {
    const mixed: SummaryData = {
      ...data,
      metrics: {
        ...data.metrics,
        'http_req_duration{stage:verify_nik}': {
          type: 'trend',
          contains: 'time',
          values: { 'p(95)': 2100, count: 4 },
          thresholds: { 'p(95)<3000': { ok: true } },
        },
        'http_req_failed{stage:verify_nik}': {
          type: 'rate',
          contains: 'default',
          values: { rate: 0.013, passes: 1, fails: 76 },
          thresholds: { 'rate<0.01': { ok: false } },
        },
      },
    };
    const text = renderTextSummary(mixed, { runId: 'unit-1', scenario: 'opening', resultsDir: 'results/unit-1' });
    expect(text).toMatch(/^ {4}verify_nik\s.*2\.1s\s+<3s ok\s+1\.30%\s+<1\.00% FAILED$/m);
    expect(text).toContain("    http_req_failed{stage:verify_nik}\n    ✗ 'rate<0.01' rate=1.30%");
  });

  test('is written next to the untouched summary data, and to stdout', () => {
    const outputs = summaryOutputs(data, { runId: 'unit-1', scenario: 'opening', resultsDir: 'results/unit-1' });
    expect(Object.keys(outputs).sort()).toEqual([
      'results/unit-1/summary.json',
      'results/unit-1/summary.txt',
      'stdout',
    ]);
    expect(JSON.parse(outputs['results/unit-1/summary.json']!)).toEqual(data);
    expect(outputs.stdout).toBe(outputs['results/unit-1/summary.txt']);
  });
});

describe('a stage that does not complete', () => {
  const response = (status: number, body: string, error = '', throttled = false): StageResponse => ({
    status,
    throttled,
    body,
    error,
    header: () => undefined,
    json<T>() {
      try {
        return JSON.parse(body) as T;
      } catch {
        return undefined;
      }
    },
  });

  test.each([
    [
      response(409, '{"error":"duplicate_email","message":"x"}'),
      { result: 'failed', status: 409, reason: 'registration: HTTP 409 duplicate_email' },
    ],
    [
      response(400, '{"error":"someone@example.com is taken"}'),
      { result: 'failed', status: 400, reason: 'registration: HTTP 400' },
    ],
    [response(502, '<html>bad gateway</html>'), { result: 'failed', status: 502, reason: 'registration: HTTP 502' }],
    [
      response(0, '', 'dial tcp 127.0.0.1:9: connect: connection refused'),
      { result: 'failed', status: 0, reason: 'registration: dial tcp 127.0.0.1:9: connect: connection refused' },
    ],
    [response(429, '', '', true), { result: 'throttled', status: 429, reason: 'registration: throttled (429)' }],
  ])('%#: says why without echoing the body', (answer, expected) => {
    expect(notCompleted(answer, 'registration')).toEqual(expected);
  });
});
