import { describe, expect, test } from 'vitest';
import { analyseRun, type Analysis } from './analysis/index.ts';
import { linearSteps, simulateRun, simulatedRunResult } from './fixtures/simulated-run.ts';
import { FAIL_ON_CHOICES, gateFailure, type FailOn } from './gate.ts';

const base = analyseRun(simulatedRunResult(simulateRun({ steps: linearSteps(2, 2, 3, 20), seed: 5 })));

/** The analysis with its verdict status, validity and lost records set as a case needs them. */
function withVerdict(
  status: Analysis['verdict']['status'],
  options: { valid?: boolean; lost?: number; truth?: boolean } = {},
): Analysis {
  const valid = options.valid ?? status !== 'invalid';
  return {
    ...base,
    valid,
    validity: { ...base.validity, valid, reasons: valid ? [] : ['the load generator dropped 120 iterations'] },
    verdict: { status, headline: `headline of ${status}`, text: 'text' },
    reconciliation: { ...base.reconciliation, available: options.truth ?? true, lost: options.lost ?? 0 },
  };
}

describe('--fail-on', () => {
  test('offers invalid, slo and any', () => {
    expect(FAIL_ON_CHOICES).toEqual(['invalid', 'slo', 'any']);
  });

  test.each<[string, Analysis, FailOn, string | undefined]>([
    ['a passing run', withVerdict('pass'), 'any', undefined],
    ['a ready breakpoint', withVerdict('ready'), 'any', undefined],
    ['an invalid run', withVerdict('invalid'), 'invalid', 'REPORT_RUN_INVALID'],
    ['an invalid run', withVerdict('invalid'), 'slo', 'REPORT_RUN_INVALID'],
    ['an invalid run', withVerdict('invalid'), 'any', 'REPORT_RUN_INVALID'],
    ['a run that broke its SLOs', withVerdict('fail'), 'invalid', undefined],
    ['a run that broke its SLOs', withVerdict('fail'), 'slo', 'REPORT_GATE_FAILED'],
    ['a breakpoint not ready for the opening', withVerdict('not-ready'), 'slo', 'REPORT_GATE_FAILED'],
    ['a breakpoint that did not reach its limit', withVerdict('limit-not-reached'), 'slo', undefined],
    ['a breakpoint that did not reach its limit', withVerdict('limit-not-reached'), 'any', 'REPORT_GATE_FAILED'],
    ['a run too small to judge', withVerdict('unknown'), 'slo', undefined],
    ['a run too small to judge', withVerdict('unknown'), 'any', 'REPORT_GATE_FAILED'],
    ['a passing run that lost records', withVerdict('pass', { lost: 3 }), 'slo', undefined],
    ['a passing run that lost records', withVerdict('pass', { lost: 3 }), 'any', 'REPORT_GATE_FAILED'],
  ])('%s with --fail-on %s: %s', (_case, analysis, failOn, code) => {
    expect(gateFailure(analysis, failOn)?.code).toBe(code);
  });

  test("a passing run whose target's truth could not be read fails --fail-on any, passes slo, and passes any with --target-truth off", () => {
    const unreconciled = withVerdict('pass', { truth: false });
    const failure = gateFailure(unreconciled, 'any');
    expect(failure?.code).toBe('REPORT_GATE_FAILED');
    expect(failure?.detail).toMatch(/truth could not be read, so lost records cannot be ruled out/);
    expect(gateFailure(unreconciled, 'slo')).toBeUndefined();
    expect(gateFailure(unreconciled, 'any', { truthSkipped: true })).toBeUndefined();
  });

  test('the failure says why, in the words of the report', () => {
    expect(gateFailure(withVerdict('invalid'), 'invalid')?.detail).toContain(
      'the load generator dropped 120 iterations',
    );
    expect(gateFailure(withVerdict('fail'), 'slo')?.detail).toContain('headline of fail');
    expect(gateFailure(withVerdict('pass', { lost: 3 }), 'any')?.detail).toContain(
      '3 acknowledged records were not stored',
    );
  });
});
