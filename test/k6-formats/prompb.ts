/**
 * A tiny protobuf writer for the remote-write `prompb.WriteRequest`, writing fields in the order
 * Go's `google.golang.org/protobuf` marshaller does (ascending field number; proto3 scalars left
 * out when zero, oneof members always written once set; repeated scalars packed).
 *
 * Field numbers and wire types from k6's vendored
 * `vendor/buf.build/gen/go/prometheus/prometheus/protocolbuffers/go/{remote,types}.pb.go`:
 * WriteRequest{timeseries=1, metadata=3}; TimeSeries{labels=1, samples=2, exemplars=3,
 * histograms=4}; Label{name=1, value=2}; Sample{value=1 fixed64, timestamp=2 varint};
 * Histogram{count_int=1 (oneof), count_float=2, sum=3 fixed64, schema=4 zigzag32,
 * zero_threshold=5 fixed64, zero_count_int=6 (oneof), zero_count_float=7, negative_spans=8,
 * negative_deltas=9 packed zigzag64, negative_counts=10, positive_spans=11, positive_deltas=12,
 * positive_counts=13, reset_hint=14, timestamp=15, custom_values=16};
 * BucketSpan{offset=1 zigzag32, length=2 varint}.
 */

/** Bits of Prometheus's stale marker NaN (k6 `internal/output/prometheusrw/stale/stale.go`). */
export const STALE_NAN_BITS = 0x7ff0000000000002n;

export interface PbLabel {
  readonly name: string;
  readonly value: string;
}
export interface PbSample {
  /** The value; ignored when `stale` is set. */
  readonly value: number;
  /** Write the stale-marker NaN bits 0x7ff0000000000002 instead of `value`. */
  readonly stale?: boolean;
  readonly timestamp: number;
}
export interface PbBucketSpan {
  readonly offset: number;
  readonly length: number;
}
export interface PbHistogram {
  readonly countInt: number;
  readonly sum: number;
  readonly schema: number;
  readonly zeroThreshold: number;
  readonly zeroCountInt: number;
  readonly negativeSpans: readonly PbBucketSpan[];
  readonly negativeDeltas: readonly number[];
  readonly positiveSpans: readonly PbBucketSpan[];
  readonly positiveDeltas: readonly number[];
  readonly timestamp: number;
}
export interface PbTimeSeries {
  readonly labels: readonly PbLabel[];
  readonly samples: readonly PbSample[];
  readonly histograms: readonly PbHistogram[];
}
export interface PbWriteRequest {
  readonly timeseries: readonly PbTimeSeries[];
}

/** A growable byte buffer with the protobuf primitives. */
class Writer {
  private buf: Buffer;
  len = 0;

  constructor(initialSize = 64) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  private ensure(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + extra) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  result(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.len));
  }

  /** Unsigned varint of a non-negative integer up to 2^53. */
  varint(n: number): void {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`varint out of range: ${n}`);
    this.ensure(10);
    while (n >= 0x80) {
      this.buf[this.len++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.len++] = n;
  }

  /** An int64 as a varint (negative: two's complement, 10 bytes). */
  int64(n: number): void {
    if (n >= 0) return this.varint(n);
    this.ensure(10);
    let v = BigInt.asUintN(64, BigInt(n));
    while (v >= 0x80n) {
      this.buf[this.len++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.len++] = Number(v);
  }

  tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  fixed64Bits(bits: bigint): void {
    this.ensure(8);
    this.buf.writeBigUInt64LE(bits, this.len);
    this.len += 8;
  }

  double(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.len);
    this.len += 8;
  }

  raw(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  lengthDelimited(field: number, body: Uint8Array): void {
    this.tag(field, 2);
    this.varint(body.length);
    this.raw(body);
  }

  string(field: number, s: string): void {
    const n = Buffer.byteLength(s, 'utf8');
    this.tag(field, 2);
    this.varint(n);
    this.ensure(n);
    this.buf.write(s, this.len, n, 'utf8');
    this.len += n;
  }
}

const zigzag = (n: number): number => (n >= 0 ? n * 2 : -n * 2 - 1);
const isPositiveZero = (v: number): boolean => v === 0 && !Object.is(v, -0);
const varintSize = (n: number): number => {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    size++;
  }
  return size;
};
const int64Size = (n: number): number => (n < 0 ? 10 : varintSize(n));

/**
 * A cache of encoded label sets, keyed by the labels array: remote-write generation reuses one
 * array per series across every push of a run, so each set is encoded once.
 */
export type LabelBytesCache = Map<readonly PbLabel[], Buffer>;

/** The `labels` fields (tag 1, each a Label message) of one TimeSeries. */
function encodeLabels(labels: readonly PbLabel[], cache?: LabelBytesCache): Buffer {
  const hit = cache?.get(labels);
  if (hit) return hit;
  const w = new Writer(256);
  for (const l of labels) {
    const nameLen = l.name === '' ? 0 : Buffer.byteLength(l.name, 'utf8');
    const valueLen = l.value === '' ? 0 : Buffer.byteLength(l.value, 'utf8');
    const size =
      (nameLen ? 1 + varintSize(nameLen) + nameLen : 0) + (valueLen ? 1 + varintSize(valueLen) + valueLen : 0);
    w.tag(1, 2);
    w.varint(size);
    if (l.name !== '') w.string(1, l.name);
    if (l.value !== '') w.string(2, l.value);
  }
  const bytes = w.result();
  cache?.set(labels, bytes);
  return bytes;
}

function sampleSize(s: PbSample): number {
  const valueSize = s.stale || !isPositiveZero(s.value) ? 9 : 0;
  return valueSize + (s.timestamp !== 0 ? 1 + int64Size(s.timestamp) : 0);
}

function writeSample(w: Writer, s: PbSample): void {
  if (s.stale) {
    w.tag(1, 1);
    w.fixed64Bits(STALE_NAN_BITS);
  } else if (!isPositiveZero(s.value)) {
    w.tag(1, 1);
    w.double(s.value);
  }
  if (s.timestamp !== 0) {
    w.tag(2, 0);
    w.int64(s.timestamp);
  }
}

function encodeSpan(s: PbBucketSpan): Buffer {
  const w = new Writer();
  if (s.offset !== 0) {
    w.tag(1, 0);
    w.varint(zigzag(s.offset));
  }
  if (s.length !== 0) {
    w.tag(2, 0);
    w.varint(s.length);
  }
  return w.result();
}

function packedZigzag(field: number, w: Writer, values: readonly number[]): void {
  if (values.length === 0) return;
  const inner = new Writer();
  for (const v of values) inner.varint(zigzag(v));
  w.lengthDelimited(field, inner.result());
}

function encodeHistogram(h: PbHistogram): Buffer {
  const w = new Writer();
  w.tag(1, 0); // count_int: a oneof member, written even when 0
  w.varint(h.countInt);
  if (!isPositiveZero(h.sum)) {
    w.tag(3, 1);
    w.double(h.sum);
  }
  if (h.schema !== 0) {
    w.tag(4, 0);
    w.varint(zigzag(h.schema));
  }
  if (!isPositiveZero(h.zeroThreshold)) {
    w.tag(5, 1);
    w.double(h.zeroThreshold);
  }
  w.tag(6, 0); // zero_count_int: oneof, always written
  w.varint(h.zeroCountInt);
  for (const s of h.negativeSpans) w.lengthDelimited(8, encodeSpan(s));
  packedZigzag(9, w, h.negativeDeltas);
  for (const s of h.positiveSpans) w.lengthDelimited(11, encodeSpan(s));
  packedZigzag(12, w, h.positiveDeltas);
  if (h.timestamp !== 0) {
    w.tag(15, 0);
    w.int64(h.timestamp);
  }
  return w.result();
}

/** `proto.Marshal(&prompb.WriteRequest{Timeseries: ...})` as Go writes it. */
export function encodeWriteRequest(req: PbWriteRequest, cache?: LabelBytesCache): Buffer {
  const w = new Writer(1 << 16);
  for (const ts of req.timeseries) {
    const labels = encodeLabels(ts.labels, cache);
    const histograms = ts.histograms.map(encodeHistogram);
    let size = labels.length;
    for (const s of ts.samples) {
      const n = sampleSize(s);
      size += 1 + varintSize(n) + n;
    }
    for (const h of histograms) size += 1 + varintSize(h.length) + h.length;
    w.tag(1, 2);
    w.varint(size);
    w.raw(labels);
    for (const s of ts.samples) {
      w.tag(2, 2);
      w.varint(sampleSize(s));
      writeSample(w, s);
    }
    for (const h of histograms) w.lengthDelimited(4, h);
  }
  return w.result();
}
