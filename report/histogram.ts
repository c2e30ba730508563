/**
 * Mergeable latency histograms: record durations into the fixed log buckets of the run-result
 * contract, merge histograms of slots and runners, and read quantiles from the merged buckets.
 * Quantiles are never averaged: two windows' p95 is the p95 of their merged histogram.
 */

import {
  LOG_HISTOGRAM_FLOOR_MS,
  LOG_HISTOGRAM_GROWTH,
  type ExplicitHistogram,
  type LatencyHistogram,
  type LogHistogram,
} from '../contracts/run-result.ts';

const LOG_GROWTH = Math.log(LOG_HISTOGRAM_GROWTH);

/** Bucket index of a duration in ms on the log scale. */
export function logBucketIndex(ms: number): number {
  return Math.ceil(Math.log(Math.max(ms, LOG_HISTOGRAM_FLOOR_MS)) / LOG_GROWTH - 1e-9);
}

/** Upper bound (ms) of a log bucket. */
export function logBucketUpper(index: number): number {
  return LOG_HISTOGRAM_GROWTH ** index;
}

/** A log histogram being filled; `toJSON()` freezes it into the contract's shape. */
export class LogHistogramBuilder {
  private readonly buckets = new Map<number, number>();
  count = 0;
  sumMs = 0;
  minMs = Infinity;
  maxMs = -Infinity;

  /** Records `weight` observations of `ms` milliseconds. */
  record(ms: number, weight = 1): void {
    const index = logBucketIndex(ms);
    this.buckets.set(index, (this.buckets.get(index) ?? 0) + weight);
    this.count += weight;
    this.sumMs += ms * weight;
    if (ms < this.minMs) this.minMs = ms;
    if (ms > this.maxMs) this.maxMs = ms;
  }

  /** Adds every observation of a log histogram. */
  add(histogram: LogHistogram): void {
    for (const [index, count] of histogram.buckets) this.buckets.set(index, (this.buckets.get(index) ?? 0) + count);
    this.count += histogram.count;
    this.sumMs += histogram.sumMs;
    if (histogram.count > 0) {
      this.minMs = Math.min(this.minMs, histogram.minMs);
      this.maxMs = Math.max(this.maxMs, histogram.maxMs);
    }
  }

  toJSON(): LogHistogram {
    const buckets = [...this.buckets.entries()].filter(([, count]) => count > 0).sort((a, b) => a[0] - b[0]);
    return {
      kind: 'log',
      buckets: buckets.map(([index, count]) => [index, count] as const),
      count: this.count,
      sumMs: this.sumMs,
      minMs: this.count > 0 ? this.minMs : 0,
      maxMs: this.count > 0 ? this.maxMs : 0,
    };
  }
}

/** An empty log histogram. */
export function emptyHistogram(): LogHistogram {
  return { kind: 'log', buckets: [], count: 0, sumMs: 0, minMs: 0, maxMs: 0 };
}

/**
 * Merges histograms. Log histograms merge exactly; explicit ones merge when their bounds agree.
 * Throws RangeError when kinds or bounds differ: such histograms cannot be merged without error.
 */
export function mergeHistograms(histograms: ReadonlyArray<LatencyHistogram | undefined>): LatencyHistogram | undefined {
  const present = histograms.filter(
    (histogram): histogram is LatencyHistogram => histogram !== undefined && histogram.count > 0,
  );
  if (present.length === 0) return undefined;
  const first = present[0]!;
  if (first.kind === 'log') {
    const builder = new LogHistogramBuilder();
    for (const histogram of present) {
      if (histogram.kind !== 'log') throw new RangeError('cannot merge a log histogram with an explicit one');
      builder.add(histogram);
    }
    return builder.toJSON();
  }
  const counts = first.counts.map(() => 0);
  let count = 0;
  let sumMs = 0;
  for (const histogram of present) {
    if (histogram.kind !== 'explicit' || !sameBounds(histogram.boundsMs, first.boundsMs)) {
      throw new RangeError('cannot merge histograms with different bucket bounds');
    }
    histogram.counts.forEach((value, index) => (counts[index]! += value));
    count += histogram.count;
    sumMs += histogram.sumMs;
  }
  const merged: ExplicitHistogram = { kind: 'explicit', boundsMs: first.boundsMs, counts, count, sumMs };
  return merged;
}

/**
 * The q-quantile (0..1) of a histogram in ms, interpolated inside the bucket that holds it
 * (geometrically on the log scale, linearly for explicit bounds, as Prometheus'
 * `histogram_quantile` does). Undefined for an empty histogram. For explicit histograms a
 * quantile in the +Inf bucket returns the largest finite bound.
 */
export function quantile(histogram: LatencyHistogram | undefined, q: number): number | undefined {
  if (!histogram || histogram.count <= 0) return undefined;
  const rank = Math.min(Math.max(q, 0), 1) * histogram.count;
  if (histogram.kind === 'log') {
    let seen = 0;
    for (const [index, count] of histogram.buckets) {
      if (seen + count >= rank) {
        const lower = Math.max(logBucketUpper(index - 1), histogram.minMs);
        const upper = Math.min(logBucketUpper(index), histogram.maxMs);
        if (upper <= lower) return upper;
        const share = count > 0 ? (rank - seen) / count : 1;
        return lower * (upper / lower) ** Math.min(Math.max(share, 0), 1);
      }
      seen += count;
    }
    return histogram.maxMs;
  }
  let seen = 0;
  for (let index = 0; index < histogram.counts.length; index += 1) {
    const count = histogram.counts[index]!;
    if (seen + count >= rank && count > 0) {
      if (index >= histogram.boundsMs.length) return histogram.boundsMs[histogram.boundsMs.length - 1];
      const lower = index === 0 ? 0 : histogram.boundsMs[index - 1]!;
      const upper = histogram.boundsMs[index]!;
      return lower + ((upper - lower) * (rank - seen)) / count;
    }
    seen += count;
  }
  return histogram.boundsMs[histogram.boundsMs.length - 1];
}

/** Mean of a histogram in ms (exact: from the sum), undefined when empty. */
export function mean(histogram: LatencyHistogram | undefined): number | undefined {
  return histogram && histogram.count > 0 ? histogram.sumMs / histogram.count : undefined;
}

/** Share of observations at or below `ms` (0..1), read from the buckets. */
export function shareAtOrBelow(histogram: LatencyHistogram | undefined, ms: number): number | undefined {
  if (!histogram || histogram.count <= 0) return undefined;
  let below = 0;
  if (histogram.kind === 'log') {
    const limit = logBucketIndex(ms);
    for (const [index, count] of histogram.buckets) if (index <= limit) below += count;
  } else {
    histogram.counts.forEach((count, index) => {
      if (index < histogram.boundsMs.length && histogram.boundsMs[index]! <= ms) below += count;
    });
  }
  return below / histogram.count;
}

function sameBounds(a: readonly number[], b: readonly number[]): boolean {
  return (
    a.length === b.length &&
    a.every((value, index) => Math.abs(value - b[index]!) <= 1e-9 * Math.max(1, Math.abs(value)))
  );
}
