/**
 * Prometheus native histogram as k6's prometheus-rw output builds it for a Trend with
 * `--features native-histograms` (or the deprecated `K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM`).
 *
 * Follows k6 `internal/output/prometheusrw/remotewrite/trend.go` (`newNativeHistogramSink`:
 * `NativeHistogramBucketFactor: 1.1`, values observed through `adaptUnit`, ms → s for time;
 * `histogramToHistogramProto`: count_int, sum, schema, zero_threshold, zero_count_int, spans and
 * deltas, timestamp) and the vendored `github.com/prometheus/client_golang/prometheus/histogram.go`
 * (`pickSchema`: factor 1.1 → schema 3; `nativeHistogramBounds[3]`; `histogramCounts.observe`:
 * `math.Frexp` + `sort.SearchFloat64s`; zero bucket for |v| <= 2^-128; `makeBuckets`: gaps of at
 * most two empty buckets are filled with zero deltas, larger gaps start a new span; `Write`: a
 * no-op span only when zero threshold, zero count and both span lists are all empty).
 */
import type { PbHistogram } from './prompb.ts';

/** client_golang `DefNativeHistogramZeroThreshold` (2^-128). */
export const DEF_ZERO_THRESHOLD = 2.938735877055719e-39;

/** client_golang `nativeHistogramBounds[3]`, copied as the literal constants. */
const BOUNDS_SCHEMA_3 = [
  0.5, 0.5452538663326288, 0.5946035575013605, 0.6484197773255048, 0.7071067811865475, 0.7711054127039704,
  0.8408964152537144, 0.9170040432046711,
];

/** k6's bucket factor gives schema 3 (`pickSchema(1.1)` = -floor(log2(log2(1.1))) = 3). */
export const K6_NATIVE_SCHEMA = 3;

/** Go's `math.Frexp` for a positive finite number: v = frac × 2^exp, frac in [0.5, 1). */
const view = new DataView(new ArrayBuffer(8));

export function frexp(v: number): [number, number] {
  if (v === 0 || !Number.isFinite(v)) return [v, 0];
  view.setFloat64(0, v);
  let hi = view.getUint32(0);
  let exp = (hi >>> 20) & 0x7ff;
  let extra = 0;
  if (exp === 0) {
    // subnormal: normalise first, as Go does (multiplies by 2^52)
    view.setFloat64(0, v * 2 ** 52);
    hi = view.getUint32(0);
    exp = (hi >>> 20) & 0x7ff;
    extra = -52;
  }
  const e = exp - 1022 + extra;
  view.setUint32(0, (hi & 0x800fffff) | (1022 << 20));
  return [view.getFloat64(0), e];
}

/** `sort.SearchFloat64s`: smallest index i with a[i] >= x. */
function searchFloat64s(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The bucket key client_golang gives an observation at schema 3. */
export function bucketKey(v: number): number {
  let x = v;
  let inf = false;
  if (x === Infinity || x === -Infinity) {
    x = x > 0 ? Number.MAX_VALUE : -Number.MAX_VALUE;
    inf = true;
  }
  const [frac, exp] = frexp(Math.abs(x));
  let key = searchFloat64s(BOUNDS_SCHEMA_3, frac) + (exp - 1) * BOUNDS_SCHEMA_3.length;
  if (inf) key++;
  return key;
}

/** A cumulative native histogram, one per series (k6 never resets it). */
export class NativeHistogram {
  count = 0;
  sum = 0;
  zeroCount = 0;
  readonly positive = new Map<number, number>();
  readonly negative = new Map<number, number>();

  /** Observes one value already in base units (seconds for time trends). */
  observe(v: number): void {
    this.sum += v;
    if (!Number.isNaN(v)) {
      const key = bucketKey(v);
      if (v > DEF_ZERO_THRESHOLD) this.positive.set(key, (this.positive.get(key) ?? 0) + 1);
      else if (v < -DEF_ZERO_THRESHOLD) this.negative.set(key, (this.negative.get(key) ?? 0) + 1);
      else this.zeroCount++;
    }
    this.count++;
  }

  /** The protobuf histogram k6 sends, at `timestamp` ms. */
  toProto(timestamp: number): PbHistogram {
    const neg = makeBuckets(this.negative);
    const pos = makeBuckets(this.positive);
    return {
      countInt: this.count,
      sum: this.sum,
      schema: K6_NATIVE_SCHEMA,
      zeroThreshold: DEF_ZERO_THRESHOLD,
      zeroCountInt: this.zeroCount,
      negativeSpans: neg.spans,
      negativeDeltas: neg.deltas,
      positiveSpans: pos.spans,
      positiveDeltas: pos.deltas,
      timestamp,
    };
    // The no-op span of client_golang's Write needs a zero threshold of 0, which k6 never sets.
  }
}

/** client_golang `makeBuckets`: spans and count deltas from a bucket map. */
export function makeBuckets(buckets: ReadonlyMap<number, number>): {
  spans: { offset: number; length: number }[];
  deltas: number[];
} {
  const keys = [...buckets.keys()].sort((a, b) => a - b);
  const spans: { offset: number; length: number }[] = [];
  const deltas: number[] = [];
  let prev = 0;
  let nextI = 0;
  const appendDelta = (count: number): void => {
    spans[spans.length - 1]!.length++;
    deltas.push(count - prev);
    prev = count;
  };
  keys.forEach((i, n) => {
    const count = buckets.get(i)!;
    const iDelta = i - nextI;
    if (n === 0 || iDelta > 2) spans.push({ offset: iDelta, length: 0 });
    else for (let j = 0; j < iDelta; j++) appendDelta(0);
    appendDelta(count);
    nextI = i + 1;
  });
  return { spans, deltas };
}

/** Upper bound of bucket `key` at schema 3 (2^(key/8)), for tests that recount buckets. */
export function bucketUpperBound(key: number): number {
  return 2 ** (key / 8);
}
