import { describe, expect, test } from 'vitest';
import { linearSteps, simulateRun, simulatedRunResult } from '../fixtures/simulated-run.ts';
import { analyseRun } from './index.ts';

const run = (servers: number, seed: number) =>
  analyseRun(
    simulatedRunResult(
      simulateRun({
        steps: linearSteps(6, 4, 8, 30),
        stages: { verify_nik: { baseMs: 50, servers, serviceMs: 200 } },
        seed,
      }),
    ),
  );

describe('comparison with a baseline run', () => {
  const baseline = run(3, 1);

  test('a run against itself shows no regression', () => {
    const comparison = analyseRun(
      simulatedRunResult(
        simulateRun({
          steps: linearSteps(6, 4, 8, 30),
          stages: { verify_nik: { baseMs: 50, servers: 3, serviceMs: 200 } },
          seed: 1,
        }),
      ),
      { baseline },
    ).comparison!;
    expect(comparison.regressions).toEqual([]);
    expect(comparison.capacityPerMinute.relative).toBe(0);
  });

  test('a smaller ministry is a capacity regression', () => {
    const current = analyseRun(
      simulatedRunResult(
        simulateRun({
          steps: linearSteps(6, 4, 8, 30),
          stages: { verify_nik: { baseMs: 50, servers: 2, serviceMs: 200 } },
          seed: 2,
        }),
      ),
      { baseline },
    );
    const comparison = current.comparison!;
    expect(comparison.baselineRun).toBe(baseline.run);
    expect(comparison.capacityPerMinute.relative!).toBeLessThan(-0.1);
    expect(comparison.regressions.join(' ')).toMatch(/^capacity −/);
  });
});
