import { describe, expect, test } from 'vitest';
import { FUNNEL_STAGES } from '../../contracts/funnel.ts';
import type { RunResult } from '../../contracts/run-result.ts';
import { simulateRun, simulatedRunResult } from '../fixtures/simulated-run.ts';
import { analyseRun } from './index.ts';
import { runSlots, totalsOf } from './totals.ts';

const SECOND = Date.UTC(2026, 7, 21, 9, 0, 0);

/** A steady 10/s run whose first sample lands `offsetMs` into its first one-second slot. */
function offsetRun(offsetMs: number): { result: RunResult; ndjsonArrivals: number } {
  const simulation = simulateRun({
    scenario: 'soak',
    steps: [{ rate: 10, seconds: 7 }],
    startMs: SECOND + offsetMs,
    seed: 3,
  });
  const ndjsonArrivals = simulation.lines.filter((line) =>
    line.includes('"stage":"landing","result":"entered"'),
  ).length;
  return { result: simulatedRunResult(simulation), ndjsonArrivals };
}

/** Sum of one funnel count over the NDJSON lines of a run-result's slots (every slot). */
function everySlot(result: RunResult, stage: (typeof FUNNEL_STAGES)[number]): number {
  return result.slots.reduce((sum, slot) => sum + (slot.stages[stage]?.funnel.entered ?? 0), 0);
}

describe('whole-run totals when the scenario starts inside a slot', () => {
  test.each([0, 90, 440, 999])('a run starting %i ms into its first second keeps that second', (offsetMs) => {
    const { result, ndjsonArrivals } = offsetRun(offsetMs);
    expect(result.scenarioStartSeconds).toBeCloseTo(offsetMs / 1000, 3);
    expect(ndjsonArrivals).toBe(70);
    const totals = totalsOf(runSlots(result), result.resolutionSeconds);
    for (const stage of FUNNEL_STAGES) expect(totals.stages[stage].funnel.entered).toBe(everySlot(result, stage));
    expect(totals.arrivals).toBe(ndjsonArrivals);
  });

  test('a run whose scenario starts at 0.44 s is valid, and its achieved arrivals are the NDJSON count', () => {
    const { result, ndjsonArrivals } = offsetRun(440);
    const analysis = analyseRun(result);
    expect(analysis.validity.reasons).toEqual([]);
    expect(analysis.valid).toBe(true);
    expect(analysis.validity.achievedArrivals).toBe(ndjsonArrivals);
    expect(analysis.validity.plannedArrivals).toBeCloseTo(70, 6);
    expect(analysis.validity.achievedShare).toBeCloseTo(1, 6);
    expect(analysis.funnel.arrivals).toBe(ndjsonArrivals);
  });

  test('the slot holding the last sample is part of the run', () => {
    const { result } = offsetRun(440);
    const slots = runSlots(result);
    expect(slots[slots.length - 1]!.t).toBeLessThanOrEqual(result.durationSeconds);
    expect(slots[slots.length - 1]!.t + result.resolutionSeconds).toBeGreaterThan(result.durationSeconds);
  });

  test('a slot that ends exactly where the scenario starts is setup, not the run', () => {
    const { result } = offsetRun(0);
    const shifted: RunResult = {
      ...result,
      scenarioStartSeconds: 1,
      slots: [
        { t: 0, stages: { landing: { requests: { ok: 1 }, latency: {}, funnel: { entered: 1 } } } },
        ...result.slots.map((slot) => ({ ...slot, t: slot.t + 1 })),
      ],
    };
    expect(totalsOf(runSlots(shifted), 1).arrivals).toBe(70);
  });
});

describe('a run that exited 99', () => {
  test('warns when none of the thresholds read failed: the verdicts are not the run’s (review F24)', () => {
    const result = simulatedRunResult(simulateRun({ steps: [{ rate: 2, seconds: 30 }], stages: {}, seed: 3 }));
    const passing = {
      ...result,
      exitCode: 99,
      thresholds: [{ metric: 'http_req_failed', expression: 'rate<0.5', ok: true }],
    };
    expect(analyseRun(passing).validity.warnings.join('\n')).toMatch(
      /exited 99 \(k6: a threshold failed\), but none of the 1 thresholds/,
    );
    const failing = { ...passing, thresholds: [{ metric: 'http_req_failed', expression: 'rate<0.5', ok: false }] };
    expect(analyseRun(failing).validity.warnings.join('\n')).not.toMatch(/exited 99/);
  });
});
