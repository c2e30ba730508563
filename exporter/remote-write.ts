/**
 * Prometheus remote write v1 (snappy block + protobuf `WriteRequest`) as k6's
 * `experimental-prometheus-rw` output sends it (k6-contract.md §4), turned into k6 samples.
 *
 * k6 pushes cumulative values: counters are running sums, native histograms running bucket
 * counts, and each push repeats the totals of every series that changed. The exporter keeps, per
 * runner (`instance_id`) and input series, the last cumulative value and adds only the growth; a
 * value below the last one is a restarted runner (a counter reset), whose whole new value is new.
 * So re-pushed values are never counted twice and the merged counter is the sum over runners.
 *
 * Native histograms (`k6_<trend>_seconds`, with `--features native-histograms`) are folded into
 * the catalog's fixed buckets: each native bucket (lower, upper] is counted in the first catalog
 * bucket whose bound is ≥ its upper edge. Quantiles read from the result are therefore at most
 * one native bucket width (×1.09 at k6's schema 3) above the truth, never below.
 */

import { createHash } from 'node:crypto';
import protobuf from 'protobufjs';
import { compress, uncompress } from 'snappyjs';
import { K6_BUILTIN, K6_METRICS } from '../contracts/metrics.ts';
import type { RejectReason } from './parse.ts';
import { DURATION_BUCKETS } from './store.ts';

/** The messages of prompb/remote.proto and prompb/types.proto that remote write v1 uses. */
export const REMOTE_WRITE_PROTO = `
syntax = "proto3";
package prometheus;

message WriteRequest {
  repeated TimeSeries timeseries = 1;
  reserved 2;
  repeated MetricMetadata metadata = 3;
}

message TimeSeries {
  repeated Label labels = 1;
  repeated Sample samples = 2;
  repeated Exemplar exemplars = 3;
  repeated Histogram histograms = 4;
}

message Label {
  string name = 1;
  string value = 2;
}

message Sample {
  double value = 1;
  int64 timestamp = 2;
}

message Exemplar {
  repeated Label labels = 1;
  double value = 2;
  int64 timestamp = 3;
}

message Histogram {
  enum ResetHint {
    UNKNOWN = 0;
    YES = 1;
    NO = 2;
    GAUGE = 3;
  }
  oneof count {
    uint64 count_int = 1;
    double count_float = 2;
  }
  double sum = 3;
  sint32 schema = 4;
  double zero_threshold = 5;
  oneof zero_count {
    uint64 zero_count_int = 6;
    double zero_count_float = 7;
  }
  repeated BucketSpan negative_spans = 8;
  repeated sint64 negative_deltas = 9;
  repeated double negative_counts = 10;
  repeated BucketSpan positive_spans = 11;
  repeated sint64 positive_deltas = 12;
  repeated double positive_counts = 13;
  ResetHint reset_hint = 14;
  int64 timestamp = 15;
  repeated double custom_values = 16;
}

message BucketSpan {
  sint32 offset = 1;
  uint32 length = 2;
}

message MetricMetadata {
  enum MetricType {
    UNKNOWN = 0;
    COUNTER = 1;
    GAUGE = 2;
    HISTOGRAM = 3;
    GAUGEHISTOGRAM = 4;
    SUMMARY = 5;
    INFO = 6;
    STATESET = 7;
  }
  MetricType type = 1;
  string metric_family_name = 2;
  string help = 4;
  string unit = 5;
}
`;

const WRITE_REQUEST = protobuf.parse(REMOTE_WRITE_PROTO).root.lookupType('prometheus.WriteRequest');

/** A decoded label pair. */
export interface RemoteLabel {
  readonly name: string;
  readonly value: string;
}

/** A decoded native histogram (counts as absolute numbers whatever the wire form). */
export interface RemoteHistogram {
  countInt?: number;
  countFloat?: number;
  sum: number;
  schema: number;
  zeroThreshold: number;
  zeroCountInt?: number;
  zeroCountFloat?: number;
  negativeSpans: Array<{ offset: number; length: number }>;
  negativeDeltas: number[];
  negativeCounts: number[];
  positiveSpans: Array<{ offset: number; length: number }>;
  positiveDeltas: number[];
  positiveCounts: number[];
  resetHint: string;
  timestamp: number;
}

/** One decoded series. */
export interface RemoteSeries {
  readonly labels: RemoteLabel[];
  readonly samples: Array<{ value: number; timestamp: number }>;
  readonly histograms: RemoteHistogram[];
}

/** A decoded write request. */
export interface WriteRequest {
  readonly timeseries: RemoteSeries[];
}

/** Why a body could not be decoded, mapped to the HTTP status the spec asks for. */
export class RemoteWriteError extends Error {
  readonly status: 400 | 413;
  constructor(status: 400 | 413, message: string) {
    super(message);
    this.status = status;
  }
}

/**
 * The uncompressed length a snappy block announces (its varint preamble), read before
 * decompressing so that a small body cannot claim gigabytes. Undefined when malformed.
 */
export function snappyUncompressedLength(block: Uint8Array): number | undefined {
  let result = 0;
  for (let index = 0; index < 5 && index < block.length; index += 1) {
    const byte = block[index]!;
    result += (byte & 0x7f) * 2 ** (7 * index);
    if (byte < 0x80) return result;
  }
  return undefined;
}

/** Decodes a snappy-compressed `WriteRequest`; throws {@link RemoteWriteError} (400 or 413). */
export function decodeWriteRequest(body: Uint8Array, maxUncompressedBytes: number): WriteRequest {
  const length = snappyUncompressedLength(body);
  if (length === undefined) throw new RemoteWriteError(400, 'body is not a snappy block (bad length preamble)');
  if (length > maxUncompressedBytes) {
    throw new RemoteWriteError(413, `decompressed body would be ${length} bytes, above the limit of ${maxUncompressedBytes}`);
  }
  let raw: Uint8Array;
  try {
    raw = uncompress(body instanceof Buffer ? new Uint8Array(body.buffer, body.byteOffset, body.byteLength) : body, maxUncompressedBytes);
  } catch (error) {
    throw new RemoteWriteError(400, `body is not valid snappy: ${(error as Error).message}`);
  }
  try {
    const message = WRITE_REQUEST.decode(raw);
    return WRITE_REQUEST.toObject(message, { longs: Number, enums: String, defaults: true, arrays: true }) as WriteRequest;
  } catch (error) {
    throw new RemoteWriteError(400, `body is not a protobuf WriteRequest: ${(error as Error).message}`);
  }
}

/** Encodes a `WriteRequest` the way a sender does (protobuf, then snappy). For tests and tools. */
export function encodeWriteRequest(request: {
  timeseries: Array<{ labels: RemoteLabel[]; samples?: Array<{ value: number; timestamp: number }>; histograms?: Array<Record<string, unknown>> }>;
}): Buffer {
  const message = WRITE_REQUEST.fromObject(request);
  const raw = WRITE_REQUEST.encode(message).finish();
  return Buffer.from(compress(new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength)));
}

/** A Prometheus stale marker: one NaN bit pattern (spec: check the bits, not isNaN). */
export function isStaleMarker(value: number): boolean {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  return view.getUint32(0) === 0x7ff00000 && view.getUint32(4) === 0x00000002;
}

/** What one input series maps to. */
export type SeriesKind =
  | { readonly kind: 'counter'; readonly metric: string }
  | { readonly kind: 'gauge'; readonly metric: string }
  | { readonly kind: 'duration' }
  | { readonly kind: 'ignored' };

const COUNTERS: ReadonlySet<string> = new Set([K6_BUILTIN.httpReqs, K6_METRICS.funnelStage, K6_BUILTIN.iterations, K6_BUILTIN.droppedIterations]);
const GAUGES: ReadonlySet<string> = new Set([K6_BUILTIN.vus, K6_BUILTIN.vusMax, K6_METRICS.plannedArrivalRate]);

/** Maps a k6 remote-write series name (`k6_http_reqs_total`, `k6_vus`, …) to what the exporter does with it. */
export function seriesKind(name: string): SeriesKind {
  if (!name.startsWith('k6_')) return { kind: 'ignored' };
  const bare = name.slice(3);
  if (bare.endsWith('_total') && COUNTERS.has(bare.slice(0, -6))) return { kind: 'counter', metric: bare.slice(0, -6) };
  if (GAUGES.has(bare)) return { kind: 'gauge', metric: bare };
  if (bare === `${K6_BUILTIN.httpReqDuration}_seconds`) return { kind: 'duration' };
  return { kind: 'ignored' };
}

/** Bucket counts over the catalog's duration buckets (last = above every bound), with sum and count. */
export interface FoldedHistogram {
  readonly counts: Float64Array;
  readonly sum: number;
  readonly count: number;
}

/** Folds one native histogram into the catalog buckets (see the module comment); throws on a malformed one. */
export function foldNativeHistogram(histogram: RemoteHistogram, bounds: readonly number[] = DURATION_BUCKETS): FoldedHistogram {
  const { schema } = histogram;
  if (!Number.isInteger(schema) || schema < -4 || schema > 8) throw new RangeError(`schema ${schema} is outside −4…8`);
  const counts = new Float64Array(bounds.length + 1);
  const slot = (upper: number): number => {
    let index = 0;
    // A tiny tolerance: native bucket edges are powers of 2^(2^-schema), computed in floating point.
    while (index < bounds.length && upper > bounds[index]! * (1 + 1e-9)) index += 1;
    return index;
  };
  const zero = histogram.zeroCountFloat || histogram.zeroCountInt || 0;
  counts[slot(histogram.zeroThreshold)]! += zero;
  // Durations are never negative; anything on the negative side counts as the smallest values.
  for (const value of bucketCounts(histogram.negativeSpans, histogram.negativeDeltas, histogram.negativeCounts)) counts[0]! += value.count;
  const base = 2 ** (2 ** -schema);
  for (const { index, count } of bucketCounts(histogram.positiveSpans, histogram.positiveDeltas, histogram.positiveCounts)) {
    counts[slot(base ** index)]! += count;
  }
  const count = histogram.countFloat || histogram.countInt || counts.reduce((total, value) => total + value, 0);
  if (!Number.isFinite(count) || count < 0 || !Number.isFinite(histogram.sum)) throw new RangeError('count or sum is not a finite number');
  return { counts, sum: histogram.sum, count };
}

/** Absolute bucket counts with their indexes, from spans and either deltas (integer) or counts (float). */
function* bucketCounts(
  spans: ReadonlyArray<{ offset: number; length: number }>,
  deltas: readonly number[],
  absolute: readonly number[],
): Generator<{ index: number; count: number }> {
  const useDeltas = deltas.length > 0;
  const values = useDeltas ? deltas : absolute;
  let position = 0;
  let index = 0;
  let running = 0;
  for (const span of spans) {
    index += span.offset;
    for (let step = 0; step < span.length; step += 1) {
      if (position >= values.length) throw new RangeError('spans describe more buckets than the histogram holds');
      running = useDeltas ? running + values[position]! : values[position]!;
      if (running < 0) throw new RangeError('a bucket count is negative');
      yield { index, count: running };
      position += 1;
      index += 1;
    }
  }
}

/** The last cumulative state of one tracked input series. */
type Tracked = { kind: 'counter'; value: number } | { kind: 'histogram'; counts: Float64Array; sum: number; count: number };

/** What the tracker wants done with one sample. */
export type TrackedDelta =
  | { readonly kind: 'counter'; readonly increment: number }
  | { readonly kind: 'histogram'; readonly counts: Float64Array; readonly sum: number; readonly count: number };

/**
 * Per (runner, input series) last cumulative values, bounded by `maxSeries`: turns cumulative
 * pushes into increments, treating a decrease as a reset (see the module comment).
 */
export class CumulativeTracker {
  private readonly last = new Map<string, Tracked>();
  private readonly maxSeries: number;
  /** Last push per key, by the exporter's clock; the map is kept in that order (oldest first). */
  private readonly seenMs = new Map<string, number>();
  private readonly idleMs: number;
  private readonly now: () => number;

  /**
   * @param maxSeries - series tracked at once
   * @param expiry - when the table is full, series not pushed for `idleMs` (default 10 min) are
   *   forgotten, oldest first, to make room; a forgotten series that comes back counts its whole
   *   value again, so the idle period must be far above any push interval (k6: 5 s).
   */
  constructor(maxSeries: number, expiry: { idleMs?: number; now?: () => number } = {}) {
    this.maxSeries = maxSeries;
    this.idleMs = expiry.idleMs ?? 10 * 60 * 1000;
    this.now = expiry.now ?? Date.now;
  }

  /** True when a new series may be added, after forgetting idle ones if the table is full. */
  private room(key: string, known: boolean): boolean {
    const nowMs = this.now();
    if (known) this.seenMs.delete(key);
    else if (this.last.size >= this.maxSeries) {
      for (const [oldest, seen] of this.seenMs) {
        if (nowMs - seen < this.idleMs || this.last.size < this.maxSeries) break;
        this.seenMs.delete(oldest);
        this.last.delete(oldest);
      }
      if (this.last.size >= this.maxSeries) return false;
    }
    this.seenMs.set(key, nowMs);
    return true;
  }

  /** Series tracked now. */
  get size(): number {
    return this.last.size;
  }

  /** A stable key for (instance, series labels); hashed so hostile label sizes do not grow memory. */
  static key(instance: string, labels: readonly RemoteLabel[]): string {
    const hash = createHash('sha1');
    for (const { name, value } of labels) hash.update(`${name}\u0000${value}\u0001`);
    return `${instance}\u0000${hash.digest('base64')}`;
  }

  /** The growth of a counter since its last push; `series_limit` when a new series would exceed the cap. */
  counter(key: string, value: number): TrackedDelta | RejectReason {
    const previous = this.last.get(key);
    if (!this.room(key, previous !== undefined)) return 'series_limit';
    const before = previous?.kind === 'counter' ? previous.value : 0;
    this.last.set(key, { kind: 'counter', value });
    return { kind: 'counter', increment: value >= before ? value - before : value };
  }

  /** The growth of a folded histogram since its last push; a lower count (or reset hint) is a reset. */
  histogram(key: string, folded: FoldedHistogram, resetHint: boolean): TrackedDelta | RejectReason {
    const previous = this.last.get(key);
    if (!this.room(key, previous !== undefined)) return 'series_limit';
    this.last.set(key, { kind: 'histogram', counts: folded.counts, sum: folded.sum, count: folded.count });
    if (previous?.kind !== 'histogram' || resetHint || !grew(previous.counts, folded.counts) || folded.count < previous.count) {
      return { kind: 'histogram', counts: folded.counts, sum: folded.sum, count: folded.count };
    }
    const counts = folded.counts.map((value, index) => value - previous.counts[index]!);
    return { kind: 'histogram', counts, sum: folded.sum - previous.sum, count: folded.count - previous.count };
  }
}

function grew(before: Float64Array, after: Float64Array): boolean {
  for (let index = 0; index < before.length; index += 1) if (after[index]! < before[index]!) return false;
  return true;
}
