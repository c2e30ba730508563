/**
 * k6 thresholds as the report shows them: without the bookkeeping ones that can never fail, and
 * a failed one described by what was measured against what was asked ("p(95)=3,120 ms ≥ 3,000 ms").
 */

import type { ThresholdResult } from '../../contracts/run-result.ts';
import { parseThresholdExpression, type ThresholdOperator } from '../../contracts/thresholds.ts';

/** Aggregations that are never negative, so `>= 0` always holds on them. */
const NON_NEGATIVE = new Set(['count', 'rate']);

/**
 * True for a threshold that holds whatever the run does: `count>=0` (and the like) on a counter.
 * The scripts declare them on every `funnel_stage{stage,result}` pair and on `iterations` only so
 * that handleSummary receives those submetrics' counts (k6 keeps submetrics that a threshold names).
 */
export function isBookkeepingThreshold(threshold: Pick<ThresholdResult, 'expression'>): boolean {
  let parsed;
  try {
    parsed = parseThresholdExpression(threshold.expression);
  } catch {
    return false; // not an expression this parser reads: keep it visible
  }
  if (!NON_NEGATIVE.has(parsed.aggregation)) return false;
  return (parsed.operator === '>=' && parsed.bound <= 0) || (parsed.operator === '>' && parsed.bound < 0);
}

/** The thresholds a report shows and judges: all but the bookkeeping ones. */
export function reportedThresholds(thresholds: readonly ThresholdResult[]): ThresholdResult[] {
  return thresholds.filter((threshold) => !isBookkeepingThreshold(threshold));
}

/** The comparison that makes an expression fail: `p(95)<3000` fails when p(95) ≥ 3000. */
const NEGATED: Readonly<Record<ThresholdOperator, string>> = {
  '<': '≥',
  '<=': '>',
  '>': '≤',
  '>=': '<',
  '==': '≠',
  '===': '≠',
  '!=': '=',
};

/**
 * Why a failed threshold failed, with the measured value when summary.json gave it:
 * `http_req_duration{stage:verify_nik}: p(95)=3,120 ms ≥ 3,000 ms (threshold p(95)<3000)`;
 * without it: `threshold p(95)<3000 on http_req_duration{stage:verify_nik} failed`.
 */
export function describeThresholdFailure(threshold: ThresholdResult): string {
  const fallback = `threshold ${threshold.expression} on ${threshold.metric} failed`;
  if (threshold.measured === undefined) return fallback;
  let parsed;
  try {
    parsed = parseThresholdExpression(threshold.expression);
  } catch {
    return fallback;
  }
  const aggregation =
    parsed.aggregation === 'p' ? `p(${Number((parsed.percentile! * 100).toPrecision(6))})` : parsed.aggregation;
  const unit = threshold.unit ? ` ${threshold.unit}` : '';
  return (
    `${threshold.metric}: ${aggregation}=${formatMeasured(threshold.measured)}${unit} ${NEGATED[parsed.operator]} ${formatMeasured(parsed.bound)}${unit}` +
    ` (threshold ${threshold.expression})`
  );
}

/** A measured or threshold value: 3,120 for large values, three significant digits for small ones (0.0125, 4.58). */
export function formatMeasured(value: number): string {
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  return String(Number(value.toPrecision(3)));
}
