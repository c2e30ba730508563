import { describe, expect, test } from 'vitest';
import { planScenario } from './plan.ts';
import { readRunManifest } from './run-record.ts';

describe('run.json', () => {
  test("carries the plan's facts the report reads: profile, scales, steps, continuation", () => {
    const plan = planScenario('breakpoint', { BREAKPOINT_STEPS: '2', RATE_SCALE: '0.5' }, () => '');
    const manifest = readRunManifest(JSON.parse(JSON.stringify({ run: 'r1', scenario: 'breakpoint', plan })));
    expect(manifest.plan).toEqual({ traffic: plan.traffic, steps: plan.steps, continuation: plan.continuation });
  });

  test.each([
    ['null (a script of your own)', null],
    [
      'an arrival plan from before the whole plan was recorded',
      {
        scenario: 'soak',
        description: 'steady 2/s for 1h',
        durationSeconds: 3600,
        plannedArrivals: 7200,
        peakRatePerSecond: 2,
      },
    ],
    [
      'a plan with a step of the wrong type',
      {
        traffic: { name: 'breakpoint', rateScale: 1, timeScale: 1 },
        continuation: { mode: 'seed', modeSet: false, photoShare: 0.9, photoShareSet: false },
        steps: [{ index: 0, rate: 'fast' }],
      },
    ],
    [
      'a plan with an unknown continuation',
      {
        traffic: { name: 'soak', rateScale: 1, timeScale: 1 },
        continuation: { mode: 'most', modeSet: true, photoShare: 0.9, photoShareSet: false },
      },
    ],
  ])('holds no plan when run.json has %s', (_, plan) => {
    expect(readRunManifest({ run: 'r1', plan }).plan).toBeUndefined();
  });
});
