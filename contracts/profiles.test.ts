import { describe, expect, test } from 'vitest';
import { SEED_FIGURES } from './funnel.ts';
import { parseDurationSeconds } from './durations.ts';
import { rampingArrivals, rampingRateAt, stagesDurationSeconds, toRampingArrivalRate } from './k6-stages.ts';
import {
  SEED_OPENING,
  binnedProfile,
  breakpointProfile,
  breakpointSteps,
  openingExpProfile,
  openingHyperbolicProfile,
  parseProfileCsv,
  steadyProfile,
  type TrafficProfile,
} from './profiles.ts';

const openings = [
  ['opening-exp', openingExpProfile],
  ['opening-hyperbolic', openingHyperbolicProfile],
] as const;

describe('the opening profiles are calibrated to the seed', () => {
  test.each(openings)('%s holds 80,000 arrivals in its first minute, within 0.1 %%', (_name, make) => {
    const profile = make();
    expect(Math.abs(profile.arrivalsBetween(0, 60) - 80_000) / 80_000).toBeLessThan(0.001);
  });

  test.each(openings)('%s holds 1,432,133 arrivals in its first 1,260 minutes, within 0.1 %%', (_name, make) => {
    const profile = make();
    const total = profile.arrivalsBetween(0, 1260 * 60);
    expect(Math.abs(total - SEED_FIGURES.registrations) / SEED_FIGURES.registrations).toBeLessThan(0.001);
  });

  test('the fitted parameters match capacity-model.md §3.3', () => {
    expect(SEED_OPENING.exponential.tauMinutes).toBeCloseTo(17.397, 2);
    expect(SEED_OPENING.hyperbolic.cMinutes).toBeCloseTo(2.383, 2);
    expect(SEED_OPENING.hyperbolic.amplitudePerMinute).toBeGreaterThan(95_700);
    expect(SEED_OPENING.hyperbolic.amplitudePerMinute).toBeLessThan(95_900);
  });

  test('the exponential shape front-loads the day, the hyperbolic one does not', () => {
    const total = SEED_FIGURES.registrations;
    expect(openingExpProfile().arrivalsBetween(0, 3600) / total).toBeCloseTo(0.968, 2);
    expect(openingHyperbolicProfile().arrivalsBetween(0, 3600) / total).toBeCloseTo(0.521, 2);
  });

  test('the arrivals integral agrees with a numeric integral of the rate', () => {
    for (const [, make] of openings) {
      const profile = make({ rateScale: 0.01, timeScale: 60, window: { fromMinute: 0, toMinute: 30 } });
      let numeric = 0;
      const step = 0.01;
      for (let t = 0; t < profile.durationSeconds; t += step) numeric += profile.rateAt(t + step / 2) * step;
      expect(numeric).toBeCloseTo(profile.arrivalsBetween(0, profile.durationSeconds), 0);
    }
  });
});

describe('scaling', () => {
  test('rateScale 0.01 turns the first minute into 800 arrivals', () => {
    expect(openingExpProfile({ rateScale: 0.01 }).arrivalsBetween(0, 60)).toBeCloseTo(800, 0);
  });

  test('timeScale compresses time and keeps the count', () => {
    const real = openingExpProfile({ window: { fromMinute: 0, toMinute: 60 } });
    const fast = openingExpProfile({ timeScale: 60, window: { fromMinute: 0, toMinute: 60 } });
    expect(fast.durationSeconds).toBe(60);
    expect(fast.arrivalsBetween(0, 60)).toBeCloseTo(real.arrivalsBetween(0, 3600), 3);
    expect(fast.rateAt(0)).toBeCloseTo(real.rateAt(0) * 60, 6);
  });

  test('a window plays only part of the event', () => {
    const late = openingHyperbolicProfile({ window: { fromMinute: 60, toMinute: 120 } });
    expect(late.durationSeconds).toBe(3600);
    expect(late.arrivalsBetween(0, 3600)).toBeCloseTo(openingHyperbolicProfile().arrivalsBetween(3600, 7200), 3);
  });

  test.each([
    [{ rateScale: 0 }, /rateScale/],
    [{ timeScale: 0.5 }, /timeScale/],
    [{ window: { fromMinute: 10, toMinute: 5 } }, /window/],
  ])('rejects %j', (scaling, message) => {
    expect(() => openingExpProfile(scaling)).toThrow(message);
  });
});

describe('breakpoint and steady profiles', () => {
  const parameters = { startRate: 5, stepRate: 5, steps: 4, stepSeconds: 30 };

  test('breakpoint steps climb by the step rate', () => {
    expect(breakpointSteps(parameters).map((step) => step.rate)).toEqual([5, 10, 15, 20]);
    expect(breakpointSteps(parameters)[3]).toMatchObject({ startSeconds: 90, endSeconds: 120 });
  });

  test('a breakpoint holds each step rate after its ramp', () => {
    const profile = breakpointProfile(parameters);
    expect(profile.durationSeconds).toBe(120);
    expect(profile.rateAt(10)).toBe(5);
    expect(profile.rateAt(50)).toBe(10);
    expect(profile.rateAt(119)).toBe(20);
    // each later step loses half its ramp (3 s) × the rate difference (5/s)
    expect(profile.arrivalsBetween(0, 120)).toBeCloseTo(30 * (5 + 10 + 15 + 20) - 3 * 1.5 * 5, 6);
  });

  test('a steady profile is flat', () => {
    const profile = steadyProfile(40, 30);
    expect(profile.arrivalsBetween(0, 30)).toBe(1200);
    expect(profile.rateAt(12.5)).toBe(40);
  });

  test.each([[{ ...parameters, steps: 0 }], [{ ...parameters, startRate: -1 }], [{ ...parameters, stepSeconds: 0 }]])(
    'breakpoint rejects %j',
    (bad) => {
      expect(() => breakpointProfile(bad)).toThrow(/breakpoint needs/);
    },
  );
});

describe('profiles from per-minute counts', () => {
  test('parses minute,arrivals CSV with a header and comments', () => {
    expect(parseProfileCsv('minute,arrivals\n0,100\n1,50 # after the peak\n\n2,25\n')).toEqual([100, 50, 25]);
  });

  test.each([
    ['0,100\n2,50', /expected minute 1/],
    ['0,abc', /line 1/],
    ['', /no rows/],
  ])('rejects %j', (text, message) => {
    expect(() => parseProfileCsv(text)).toThrow(message);
  });

  test('a binned profile keeps each minute’s count', () => {
    const profile = binnedProfile('logs', [600, 300, 60]);
    expect(profile.arrivalsBetween(0, 60)).toBeCloseTo(600, 6);
    expect(profile.arrivalsBetween(60, 180)).toBeCloseTo(360, 6);
  });
});

describe('conversion to k6 ramping-arrival-rate stages', () => {
  const cases: Array<[string, TrafficProfile]> = [
    ['opening-exp, seed scale, 21 h', openingExpProfile()],
    ['opening-hyperbolic, seed scale, 21 h', openingHyperbolicProfile()],
    [
      'opening-exp ×0.01, first 30 min',
      openingExpProfile({ rateScale: 0.01, window: { fromMinute: 0, toMinute: 30 } }),
    ],
    ['opening-hyperbolic ×0.001, compressed 60×', openingHyperbolicProfile({ rateScale: 0.001, timeScale: 60 })],
    [
      'opening-exp ×0.0005, compressed 120×, 1 h',
      openingExpProfile({ rateScale: 0.0005, timeScale: 120, window: { fromMinute: 0, toMinute: 60 } }),
    ],
    ['breakpoint 5..50/s', breakpointProfile({ startRate: 5, stepRate: 5, steps: 10, stepSeconds: 20 })],
    ['steady 40/s', steadyProfile(40, 30)],
    ['binned log profile', binnedProfile('logs', [1200, 900, 700, 400, 100, 30, 5])],
  ];

  test.each(cases)('%s: the stages integrate to within 1 %% of the profile', (_name, profile) => {
    const config = toRampingArrivalRate(profile);
    const exact = profile.arrivalsBetween(0, profile.durationSeconds);
    expect(Math.abs(rampingArrivals(config) - exact) / exact).toBeLessThan(0.01);
    expect(stagesDurationSeconds(config.stages)).toBeCloseTo(profile.durationSeconds, 3);
  });

  test.each(cases)('%s: every target is an integer, as k6 requires', (_name, profile) => {
    const config = toRampingArrivalRate(profile);
    expect(Number.isInteger(config.startRate)).toBe(true);
    for (const stage of config.stages) expect(Number.isInteger(stage.target)).toBe(true);
    expect(config.stages.length).toBeLessThan(2000);
  });

  test('the planned rate follows the stages', () => {
    const config = toRampingArrivalRate(steadyProfile(40, 30));
    expect(rampingRateAt(config, 0)).toBe(40);
    expect(rampingRateAt(config, 29.5)).toBe(40);
    expect(rampingRateAt(config, 31)).toBe(0);
  });

  test.each([
    ['30s', 30],
    ['1m30s', 90],
    ['250ms', 0.25],
    ['1h', 3600],
    ['1d', 86400],
    ['1500', 1.5],
  ])('parses the duration %s', (text, seconds) => {
    expect(parseDurationSeconds(text)).toBeCloseTo(seconds, 9);
  });

  test.each(['', 'soon', '10 s', '5x'])('rejects the duration %j', (text) => {
    expect(() => parseDurationSeconds(text)).toThrow(/not a duration/);
  });
});

describe('compressed per-minute bins', () => {
  test('keep each bin’s rate for most of its (one-second) length', () => {
    const profile = binnedProfile('logs', [60, 120, 60], { rateScale: 0.1, timeScale: 60 });
    const config = toRampingArrivalRate(profile);
    expect(rampingRateAt(config, 1.5)).toBeCloseTo(12, 9);
    expect(rampingRateAt(config, 1.95)).toBeCloseTo(12, 9);
    expect(rampingArrivals(config)).toBeCloseTo(24, 6);
  });
});
