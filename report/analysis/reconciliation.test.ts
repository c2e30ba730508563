import { describe, expect, test } from 'vitest';
import { linearSteps, simulateRun, simulatedRunResult } from '../fixtures/simulated-run.ts';
import { reconcile } from './reconciliation.ts';
import { totalsOf } from './totals.ts';

function reconciled(lostWriteShare: number) {
  const result = simulatedRunResult(simulateRun({ steps: linearSteps(50, 0, 1, 60), seed: 9, lostWriteShare }));
  return reconcile(totalsOf(result.slots, result.resolutionSeconds), result.truth);
}

describe('reconciliation of acknowledged against stored records', () => {
  test('nothing lost reports 0', () => {
    const result = reconciled(0);
    expect(result).toMatchObject({ available: true, lost: 0, lostShare: 0, unacknowledged: 0 });
    expect(result.stages.register!.acknowledged).toBe(3000);
  });

  test('a 2 % lost-write rate is reported within 1 percentage point', () => {
    const result = reconciled(0.02);
    expect(Math.abs(result.stages.register!.lostShare - 0.02)).toBeLessThan(0.01);
    expect(result.lost).toBe(result.stages.register!.lost);
    expect(result.stages.verify_email!.lost).toBe(0);
  });

  test('records stored but never acknowledged are counted apart, not as negative losses', () => {
    const totals = totalsOf(
      [{ t: 0, stages: { register: { requests: { ok: 5 }, latency: {}, funnel: { entered: 5, completed: 5 } } } }],
      1,
    );
    const result = reconcile(totals, { source: 'test', stages: { register: 7 } });
    expect(result.stages.register).toEqual({ acknowledged: 5, stored: 7, lost: 0, lostShare: 0, unacknowledged: 2 });
  });

  test('without truth the reconciliation says it is unavailable', () => {
    expect(reconcile(totalsOf([], 1), undefined)).toMatchObject({ available: false, lost: 0 });
  });
});
