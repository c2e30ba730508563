import { describe, expect, test } from 'vitest';
import { planFactsFromVariables, planFactsOrDefaults, planScenario, SCENARIO_NAMES } from './plan.ts';

const noFile = (path: string): string => {
  throw new Error(`no file ${path}`);
};

describe('the whole plan of a run', () => {
  test('a breakpoint plan carries its scales and the steps as the script plays them', () => {
    const plan = planScenario(
      'breakpoint',
      {
        BREAKPOINT_START: '5',
        BREAKPOINT_STEP: '5',
        BREAKPOINT_STEPS: '3',
        BREAKPOINT_STEP_SECONDS: '120',
        RATE_SCALE: '0.5',
        TIME_SCALE: '4',
      },
      noFile,
    );
    expect(plan.traffic).toEqual({ name: 'breakpoint', rateScale: 0.5, timeScale: 4 });
    expect(plan.steps!.map((step) => [step.rate, step.startSeconds, step.endSeconds])).toEqual([
      [2.5, 0, 30],
      [5, 30, 60],
      [7.5, 60, 90],
    ]);
  });

  test('an opening plan carries its profile, scales and window', () => {
    const plan = planScenario(
      'opening',
      { PROFILE: 'opening-hyperbolic', RATE_SCALE: '0.001', TIME_SCALE: '60', WINDOW: '0-30' },
      noFile,
    );
    expect(plan.traffic).toEqual({
      name: 'opening-hyperbolic',
      rateScale: 0.001,
      timeScale: 60,
      window: { fromMinute: 0, toMinute: 30 },
    });
    expect(plan.steps).toBeUndefined();
  });

  test("the continuation follows the scenario's defaults and says which variable set it", () => {
    expect(planScenario('smoke', {}, noFile).continuation).toEqual({
      mode: 'full',
      modeSet: false,
      photoShare: 0.9,
      photoShareSet: false,
    });
    expect(planScenario('soak', { CONTINUATION: 'full', PHOTO_SHARE: '0.7' }, noFile).continuation).toEqual({
      mode: 'full',
      modeSet: true,
      photoShare: 0.7,
      photoShareSet: true,
    });
  });

  test.each(SCENARIO_NAMES)('the %s facts re-read from variables equal the facts its plan records', (scenario) => {
    const variables = { RATE_SCALE: '0.2', TIME_SCALE: '2', PHOTO_SHARE: '0.8' };
    const plan = planScenario(scenario, variables, noFile);
    const facts = planFactsFromVariables(scenario, variables);
    expect(facts).toEqual({
      traffic: plan.traffic,
      continuation: plan.continuation,
      ...(plan.steps ? { steps: plan.steps } : {}),
    });
  });

  test('variables that do not read leave the scenario name at scales of 1, and a continuation that still reads', () => {
    expect(planFactsOrDefaults('opening', { PROFILE: 'nonsense', CONTINUATION: 'full' })).toEqual({
      traffic: { name: 'opening', rateScale: 1, timeScale: 1 },
      continuation: { mode: 'full', modeSet: true, photoShare: 0.9, photoShareSet: false },
    });
    expect(planFactsOrDefaults('smoke', { PHOTO_SHARE: 'lots' }).continuation).toEqual({
      mode: 'full',
      modeSet: false,
      photoShare: 0.9,
      photoShareSet: false,
    });
  });
});
