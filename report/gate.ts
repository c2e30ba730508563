/**
 * `floodgate report --fail-on`: whether the report's findings fail a CI gate, and with which error
 * code. Opt-in; without it `floodgate report` exits 0 whatever the run showed.
 *
 * - `invalid`: the run is invalid (the load generator, not the target, was the bottleneck, or no
 *   journey started) → REPORT_RUN_INVALID (exit 7).
 * - `slo`: also when the verdict says SLOs broke: a load run broke a stage SLO or a k6 threshold
 *   (`fail`), or a breakpoint's capacity is short of the opening (`not-ready`) → REPORT_GATE_FAILED
 *   (exit 99, k6's code for failed thresholds). An invalid run fails this gate too: its SLOs could
 *   not be judged.
 * - `any`: also when the report could not conclude (`unknown`: too little traffic;
 *   `limit-not-reached`: a breakpoint whose capacity is only a lower bound short of the opening),
 *   when the target lost acknowledged records, or when its truth could not be read (unless
 *   `--target-truth off` said to go without) → REPORT_GATE_FAILED.
 */

import type { ErrorCode } from '../contracts/errors.ts';
import type { Analysis } from './analysis/index.ts';
import type { Verdict } from './analysis/verdict.ts';

/** The `--fail-on` levels, each including the one before. */
export const FAIL_ON_CHOICES = ['invalid', 'slo', 'any'] as const;
/** One `--fail-on` level. */
export type FailOn = (typeof FAIL_ON_CHOICES)[number];

/** Why a gate fails: the error code (contracts/errors.ts) and the detail of its message. */
export interface GateFailure {
  readonly code: Extract<ErrorCode, 'REPORT_RUN_INVALID' | 'REPORT_GATE_FAILED'>;
  readonly detail: string;
}

/**
 * What a verdict status means to a gate: `pass` (SLOs met, or ready), `fail` (SLOs broke, or not
 * ready), `inconclusive` (nothing to judge, or the limit not reached), `invalid`.
 */
export function verdictOutcome(status: Verdict['status']): 'pass' | 'fail' | 'inconclusive' | 'invalid' {
  switch (status) {
    case 'pass':
    case 'ready':
      return 'pass';
    case 'fail':
    case 'not-ready':
      return 'fail';
    case 'invalid':
      return 'invalid';
    case 'unknown':
    case 'limit-not-reached':
      return 'inconclusive';
  }
}

/** What the gate knows beyond the analysis. */
export interface GateContext {
  /** The user turned reconciliation off (`--target-truth off`): no truth is then no failure. */
  readonly truthSkipped?: boolean;
}

/** The first reason `analysis` fails the `failOn` gate, or undefined when it passes. */
export function gateFailure(analysis: Analysis, failOn: FailOn, context: GateContext = {}): GateFailure | undefined {
  const level = FAIL_ON_CHOICES.indexOf(failOn);
  if (!analysis.valid) return { code: 'REPORT_RUN_INVALID', detail: analysis.validity.reasons.join('; ') };
  const outcome = verdictOutcome(analysis.verdict.status);
  const verdict = `${analysis.verdict.headline} (verdict ${analysis.verdict.status})`;
  if (level >= FAIL_ON_CHOICES.indexOf('slo') && outcome === 'fail')
    return { code: 'REPORT_GATE_FAILED', detail: verdict };
  if (level >= FAIL_ON_CHOICES.indexOf('any')) {
    if (outcome !== 'pass') return { code: 'REPORT_GATE_FAILED', detail: `the report could not conclude: ${verdict}` };
    const { reconciliation } = analysis;
    if (!reconciliation.available && !context.truthSkipped) {
      return {
        code: 'REPORT_GATE_FAILED',
        detail:
          "the target's truth could not be read, so lost records cannot be ruled out (pass --target-truth <url> of the run's target, or --target-truth off to gate without it)",
      };
    }
    if (reconciliation.available && reconciliation.lost > 0) {
      return {
        code: 'REPORT_GATE_FAILED',
        detail: `${reconciliation.lost.toLocaleString('en-US')} acknowledged records were not stored`,
      };
    }
  }
  return undefined;
}
