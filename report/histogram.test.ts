import { describe, expect, test } from 'vitest';
import type { ExplicitHistogram } from '../contracts/run-result.ts';
import {
  LogHistogramBuilder,
  logBucketIndex,
  logBucketUpper,
  mean,
  mergeHistograms,
  quantile,
  shareAtOrBelow,
} from './histogram.ts';
import { seededRandom } from '../contracts/random.ts';

/** Log-normal durations (ms), seeded. */
function durations(count: number, medianMs: number, sigma: number, seed: number): number[] {
  const random = seededRandom(seed);
  return Array.from(
    { length: count },
    () => medianMs * Math.exp(sigma * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())),
  );
}

function exactQuantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

describe('the log-bucket latency histogram', () => {
  test.each([0.5, 0.9, 0.95, 0.99])('reads the %f quantile within 2.5 %% of the exact value', (q) => {
    const values = durations(20_000, 120, 0.8, 11);
    const builder = new LogHistogramBuilder();
    for (const value of values) builder.record(value);
    const estimate = quantile(builder.toJSON(), q)!;
    const exact = exactQuantile(values, q);
    expect(Math.abs(estimate - exact) / exact).toBeLessThan(0.025);
  });

  test('every duration lands in the bucket whose bounds hold it', () => {
    for (const ms of [0.0004, 0.001, 0.37, 1, 1.0001, 42, 999.9, 30_000]) {
      const index = logBucketIndex(ms);
      const clamped = Math.max(ms, 0.001);
      expect(logBucketUpper(index)).toBeGreaterThanOrEqual(clamped * (1 - 1e-9));
      expect(logBucketUpper(index - 1)).toBeLessThan(clamped);
    }
  });

  test('merging two halves gives exactly the histogram of the whole', () => {
    const values = durations(5_000, 80, 1, 3);
    const whole = new LogHistogramBuilder();
    const first = new LogHistogramBuilder();
    const second = new LogHistogramBuilder();
    values.forEach((value, index) => {
      whole.record(value);
      (index % 2 === 0 ? first : second).record(value);
    });
    const merged = mergeHistograms([first.toJSON(), undefined, second.toJSON()])!;
    expect(merged.kind).toBe('log');
    const expected = whole.toJSON();
    expect(merged.count).toBe(expected.count);
    expect(merged.sumMs).toBeCloseTo(expected.sumMs, 6);
    if (merged.kind === 'log') {
      expect(merged.buckets).toEqual(expected.buckets);
      expect([merged.minMs, merged.maxMs]).toEqual([expected.minMs, expected.maxMs]);
    }
  });

  test('the p95 of two windows is read from the merged histogram, not averaged', () => {
    const fast = new LogHistogramBuilder();
    const slow = new LogHistogramBuilder();
    for (let i = 0; i < 900; i += 1) fast.record(10);
    for (let i = 0; i < 100; i += 1) slow.record(1000);
    const merged = quantile(mergeHistograms([fast.toJSON(), slow.toJSON()]), 0.95)!;
    const averaged = (quantile(fast.toJSON(), 0.95)! + quantile(slow.toJSON(), 0.95)!) / 2;
    expect(Math.abs(merged - 1000) / 1000).toBeLessThan(0.025);
    expect(Math.abs(averaged - 505) / 505).toBeLessThan(0.025);
  });

  test('an empty histogram has no quantile and no mean', () => {
    expect(quantile(new LogHistogramBuilder().toJSON(), 0.5)).toBeUndefined();
    expect(mean(undefined)).toBeUndefined();
    expect(mergeHistograms([undefined])).toBeUndefined();
  });
});

describe('explicit-bound histograms (from Prometheus)', () => {
  const histogram = (counts: number[]): ExplicitHistogram => ({
    kind: 'explicit',
    boundsMs: [100, 200, 500],
    counts,
    count: counts.reduce((sum, count) => sum + count, 0),
    sumMs: 0,
  });

  test('interpolate linearly inside a bucket, as histogram_quantile does', () => {
    expect(quantile(histogram([0, 10, 0, 0]), 0.5)).toBeCloseTo(150, 9);
    expect(quantile(histogram([10, 10, 0, 0]), 0.25)).toBeCloseTo(50, 9);
  });

  test('a quantile in the +Inf bucket is the largest finite bound', () => {
    expect(quantile(histogram([1, 0, 0, 9]), 0.95)).toBe(500);
  });

  test('merge when the bounds agree and refuse when they do not', () => {
    expect(mergeHistograms([histogram([1, 2, 3, 4]), histogram([4, 3, 2, 1])])).toMatchObject({
      counts: [5, 5, 5, 5],
      count: 20,
    });
    expect(() => mergeHistograms([histogram([1, 0, 0, 0]), { ...histogram([1, 0, 0]), boundsMs: [100, 300] }])).toThrow(
      /different bucket bounds/,
    );
    const log = new LogHistogramBuilder();
    log.record(5);
    expect(() => mergeHistograms([log.toJSON(), histogram([1, 0, 0, 0])])).toThrow(/cannot merge/);
  });

  test('share at or below a bound counts whole buckets', () => {
    expect(shareAtOrBelow(histogram([2, 3, 5, 0]), 200)).toBeCloseTo(0.5, 9);
  });
});
