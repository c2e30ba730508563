/**
 * The scenarios' plans (contracts/plan.ts): opening, soak, breakpoint and their planned rates.
 * The k6 scripts and `floodgate run` both read them (moved from test/loadtests-lib.test.ts).
 */

import { describe, expect, test } from 'vitest';
import { isFloodgateError } from './errors.ts';
import { readBreakpointEnv, readOpeningEnv, readSoakEnv } from './script-variables.ts';
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
} from './plan.ts';

function codeAndName(action: () => unknown): { code: string; name: string | number | undefined } {
  try {
    action();
  } catch (error) {
    if (isFloodgateError(error)) return { code: error.code, name: error.details.name };
    throw error;
  }
  throw new Error('expected a FloodgateError');
}

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
