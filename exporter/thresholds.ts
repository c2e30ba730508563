/**
 * k6 thresholds evaluated on the data the exporter has seen (k6-contract.md §6). Metric lines
 * carry the expressions keyed on the parent metric; each run keeps one tracker per such metric.
 *
 * Evaluated: counter `count` and `rate` (per second over the run's first-to-last sample time),
 * gauge `value`, rate `rate`, trend `avg`, `min`, `max`, `med`, `p(N)`, with the operators
 * `> >= < <= == === !=`. Trend percentiles interpolate between neighbouring order statistics as
 * k6 does; each order statistic comes from log buckets 1 % wide, so `p(N)` and `med` are within
 * 1 % of k6's exact value. Counter `rate` divides by the first-to-last sample time of the run,
 * while k6 divides by the test's whole duration (setup included): live it can read a little higher
 * than k6's verdict. Thresholds on submetrics (`http_req_duration{stage:register}`) are not
 * in k6's NDJSON and so are not evaluated here.
 */

import {
  compareThreshold,
  parseThresholdExpression,
  supportsAggregation,
  type ThresholdExpression,
} from '../contracts/thresholds.ts';
import type { K6MetricType } from './parse.ts';

export type { ThresholdExpression };

/** Parses an expression for a metric of `type`; undefined when k6 would reject it. */
export function parseThreshold(text: string, type: K6MetricType): ThresholdExpression | undefined {
  try {
    const expression = parseThresholdExpression(text);
    return supportsAggregation(type, expression.aggregation) ? expression : undefined;
  } catch {
    return undefined; // k6 refuses such a script before it runs, so real output never carries one
  }
}

/** Relative width of the trend buckets used for percentiles. */
const BUCKET_GROWTH = 1.01;
const LOG_GROWTH = Math.log(BUCKET_GROWTH);

/** What one run saw of one metric, enough to evaluate its thresholds. Memory is bounded by the bucket range. */
export class MetricTracker {
  readonly type: K6MetricType;
  private count = 0;
  private sum = 0;
  private nonZero = 0;
  private min = Number.POSITIVE_INFINITY;
  private max = Number.NEGATIVE_INFINITY;
  private last = 0;
  private lastTimeMs = Number.NEGATIVE_INFINITY;
  /** Trend values by log bucket index; values ≤ 0 go to the `zero` count. */
  private readonly buckets = new Map<number, number>();
  private zero = 0;

  constructor(type: K6MetricType) {
    this.type = type;
  }

  /** Adds one sample value (the metric's own unit: ms for time trends). */
  add(value: number, timeMs: number): void {
    this.count += 1;
    this.sum += value;
    if (value !== 0) this.nonZero += 1;
    if (this.type === 'gauge') {
      if (timeMs >= this.lastTimeMs) [this.last, this.lastTimeMs] = [value, timeMs];
      return;
    }
    if (this.type !== 'trend') return;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (value <= 0) {
      this.zero += 1;
      return;
    }
    const index = Math.ceil(Math.log(value) / LOG_GROWTH);
    this.buckets.set(index, (this.buckets.get(index) ?? 0) + 1);
  }

  /** The aggregation's current value; `runSeconds` is the run's duration so far (for counter rate). */
  aggregate(expression: ThresholdExpression, runSeconds: number): number {
    switch (expression.aggregation) {
      case 'count':
        return this.sum;
      case 'rate':
        if (this.type === 'counter') return runSeconds > 0 ? this.sum / runSeconds : 0;
        return this.count === 0 ? 0 : this.nonZero / this.count;
      case 'value':
        return this.last;
      case 'avg':
        return this.count === 0 ? 0 : this.sum / this.count;
      case 'min':
        return this.count === 0 ? 0 : this.min;
      case 'max':
        return this.count === 0 ? 0 : this.max;
      case 'med':
        return this.percentile(0.5);
      case 'p':
        return this.percentile(expression.percentile ?? 0);
    }
  }

  /**
   * k6's percentile (metrics/sink.go `TrendSink.P`): i = p·(n−1), the order statistics at
   * floor(i) and ceil(i), interpolated by i − floor(i). Each order statistic is the geometric
   * middle of its log bucket (within 1 % of the value), exact for the smallest and largest value.
   */
  private percentile(p: number): number {
    if (this.count === 0) return 0;
    const rank = p * (this.count - 1);
    const low = Math.floor(rank);
    const high = Math.ceil(rank);
    const [below, above] = this.orderStatistics(low, high);
    return below + (above - below) * (rank - low);
  }

  /** The approximate values at sorted positions `low` ≤ `high` (0-based). */
  private orderStatistics(low: number, high: number): [number, number] {
    const at: number[] = [];
    const last = this.count - 1;
    const wanted = [low, high];
    let seen = this.zero;
    const indexes = [...this.buckets.keys()].sort((a, b) => a - b);
    let next = 0;
    // Values ≤ 0 are not bucketed: the smallest is known, the rest count as 0.
    for (; next < 2 && wanted[next]! < this.zero; next += 1) at.push(wanted[next] === 0 ? this.min : 0);
    for (const index of indexes) {
      if (next === 2) break;
      seen += this.buckets.get(index)!;
      const middle = Math.min(this.max, Math.max(this.min, BUCKET_GROWTH ** (index - 0.5)));
      for (; next < 2 && wanted[next]! < seen; next += 1) at.push(middle);
    }
    for (; next < 2; next += 1) at.push(this.max);
    // The extremes are known exactly.
    const exact = (position: number, value: number): number =>
      position === 0 ? this.min : position === last ? this.max : value;
    return [exact(low, at[0]!), exact(high, at[1]!)];
  }
}

/** True when the threshold holds for `tracker` (an empty tracker evaluates as k6's zero values). */
export function thresholdHolds(expression: ThresholdExpression, tracker: MetricTracker, runSeconds: number): boolean {
  return compareThreshold(tracker.aggregate(expression, runSeconds), expression.operator, expression.bound);
}
