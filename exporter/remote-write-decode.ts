/**
 * Decoding a remote-write body bounded by the work it asks for, not only by its bytes.
 *
 * A small snappy body can expand into millions of protobuf messages: 3 MB of compressed `0a 00`
 * (an empty `TimeSeries`, repeated) is 64 MiB once decompressed and 33 million objects once
 * decoded by a generic protobuf library, which blocked the event loop for minutes and ran V8 out
 * of memory. So this module:
 *
 * 1. reads the uncompressed length the snappy block states in its preamble and refuses (413) a
 *    length over the limit before decompressing anything;
 * 2. decompresses with its own snappy block decoder (format: google/snappy `format_description.txt`)
 *    into a buffer of exactly that length and, while decompressing, walks the top level of the
 *    `WriteRequest` as far as the bytes produced allow, counting `TimeSeries`: a request with more
 *    series than the limit stops there, after a few hundred KiB of work;
 * 3. decodes the protobuf by hand (wire format only: varint, fixed64, length-delimited, fixed32),
 *    counting series, labels, samples, histograms and buckets against {@link RemoteWriteLimits},
 *    and answers 413 with the limit that was passed, or 400 with what is malformed.
 *
 * The output has the shape protobufjs' `toObject(…, { longs: Number, enums: String, defaults: true,
 * arrays: true })` gave (remote-write.ts's types), so what happens after decoding is unchanged.
 * Exemplars and metadata are skipped unread (k6 sends neither; they are counted towards the
 * message limit so they cannot be used as a bomb either).
 *
 * Over 400 lines on purpose: one bounded decoder: the snappy block reader and the protobuf walker share one work budget and one error table, which must be read together to see that every path is bounded.
 */

import {
  type RemoteHistogram,
  type RemoteLabel,
  type RemoteSeries,
  RemoteWriteError,
  type WriteRequest,
} from './remote-write.ts';

/** Limits on what one write request may ask the exporter to decode. */
export interface RemoteWriteLimits {
  /** Largest decompressed message, bytes (the snappy preamble is checked before decompressing). */
  readonly maxDecompressedBytes: number;
  /** `TimeSeries` per request. */
  readonly maxSeries: number;
  /** Labels of one series. */
  readonly maxLabelsPerSeries: number;
  /** Labels over the whole request. */
  readonly maxLabels: number;
  /** Samples over the whole request. */
  readonly maxSamples: number;
  /** Native histograms over the whole request. */
  readonly maxHistograms: number;
  /** Buckets (spans, deltas, counts) of one histogram. */
  readonly maxBucketsPerHistogram: number;
  /** Buckets over the whole request. */
  readonly maxBuckets: number;
  /** Exemplars and metadata entries (skipped unread) over the whole request. */
  readonly maxSkipped: number;
}

/**
 * Defaults, far above what k6 sends (one push holds every series that changed in the push
 * interval, typically hundreds to a few thousand; k6's native histograms of durations hold about
 * 130 buckets at schema 3) and far below what would hurt: at these limits a request decodes in
 * well under a second and holds tens of MB at most.
 */
export const REMOTE_WRITE_LIMITS = Object.freeze({
  maxDecompressedBytes: 64 * 1024 * 1024,
  maxSeries: 50_000,
  maxLabelsPerSeries: 128,
  maxLabels: 500_000,
  maxSamples: 200_000,
  maxHistograms: 50_000,
  maxBucketsPerHistogram: 1_000,
  maxBuckets: 1_000_000,
  maxSkipped: 100_000,
}) satisfies RemoteWriteLimits;

/** Decodes a snappy-compressed `WriteRequest` within `limits`; throws {@link RemoteWriteError} (400 or 413). */
export function decodeWriteRequestBounded(
  body: Uint8Array,
  limits: RemoteWriteLimits = REMOTE_WRITE_LIMITS,
): WriteRequest {
  const preamble = readPreamble(body);
  if (!preamble) throw new RemoteWriteError(400, 'body is not a snappy block (bad length preamble)');
  if (preamble.length > limits.maxDecompressedBytes) {
    throw new RemoteWriteError(
      413,
      `decompressed body would be ${preamble.length} bytes, above the limit of ${limits.maxDecompressedBytes}`,
    );
  }
  const raw = new Uint8Array(preamble.length);
  const scan = new TopLevelScan(raw, limits);
  snappyDecompress(body, preamble.start, raw, (produced) => scan.advance(produced));
  return new Decoder(raw, limits).writeRequest();
}

// ---------------------------------------------------------------------------------------------
// snappy block format

function readPreamble(block: Uint8Array): { length: number; start: number } | undefined {
  let length = 0;
  for (let index = 0; index < 5 && index < block.length; index += 1) {
    const byte = block[index]!;
    length += (byte & 0x7f) * 2 ** (7 * index);
    if (byte < 0x80) return length <= 0xffffffff ? { length, start: index + 1 } : undefined;
  }
  return undefined;
}

/** Bytes produced between two progress calls. */
const PROGRESS_STEP = 64 * 1024;

/**
 * Decompresses the elements of a snappy block from `start` into `out` (sized by the preamble),
 * calling `progress(produced)` every {@link PROGRESS_STEP} bytes; throws 400 on a malformed block.
 */
function snappyDecompress(
  block: Uint8Array,
  start: number,
  out: Uint8Array,
  progress: (produced: number) => void,
): void {
  const bad = (what: string): never => {
    throw new RemoteWriteError(400, `body is not valid snappy: ${what}`);
  };
  let input = start;
  let produced = 0;
  let nextProgress = PROGRESS_STEP;
  while (input < block.length) {
    const tag = block[input++]!;
    const kind = tag & 3;
    if (kind === 0) {
      let length = tag >>> 2;
      if (length >= 60) {
        const bytes = length - 59;
        if (input + bytes > block.length) bad('literal length cut short');
        length = 0;
        for (let index = 0; index < bytes; index += 1) length += block[input + index]! * 2 ** (8 * index);
        input += bytes;
      }
      length += 1;
      if (input + length > block.length) bad('literal cut short');
      if (produced + length > out.length) bad('more output than the preamble states');
      out.set(block.subarray(input, input + length), produced);
      input += length;
      produced += length;
    } else {
      let length: number;
      let offset: number;
      if (kind === 1) {
        if (input + 1 > block.length) bad('copy cut short');
        length = 4 + ((tag >>> 2) & 7);
        offset = ((tag >>> 5) << 8) | block[input++]!;
      } else if (kind === 2) {
        if (input + 2 > block.length) bad('copy cut short');
        length = 1 + (tag >>> 2);
        offset = block[input]! | (block[input + 1]! << 8);
        input += 2;
      } else {
        if (input + 4 > block.length) bad('copy cut short');
        length = 1 + (tag >>> 2);
        offset = (block[input]! | (block[input + 1]! << 8) | (block[input + 2]! << 16)) + block[input + 3]! * 2 ** 24;
        input += 4;
      }
      if (offset === 0 || offset > produced) bad('copy from before the start');
      if (produced + length > out.length) bad('more output than the preamble states');
      if (offset >= length) {
        out.copyWithin(produced, produced - offset, produced - offset + length);
        produced += length;
      } else {
        // Overlapping copy (a run): the format defines it byte by byte, which is the pattern of
        // the last `offset` bytes repeated; copied in doubling chunks.
        const from = produced - offset;
        let copied = 0;
        while (copied < length) {
          const chunk = Math.min(length - copied, offset + copied);
          out.copyWithin(produced + copied, from, from + chunk);
          copied += chunk;
        }
        produced += length;
      }
    }
    if (produced >= nextProgress) {
      progress(produced);
      nextProgress = produced + PROGRESS_STEP;
    }
  }
  if (produced !== out.length) bad(`the preamble states ${out.length} bytes, the block holds ${produced}`);
  progress(produced);
}

// ---------------------------------------------------------------------------------------------
// protobuf wire format

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

function tooMany(what: string, limit: number): never {
  throw new RemoteWriteError(
    413,
    `the write request holds more than ${limit} ${what}; send smaller requests (k6: a shorter K6_PROMETHEUS_RW_PUSH_INTERVAL)`,
  );
}

function malformed(what: string): never {
  throw new RemoteWriteError(400, `body is not a protobuf WriteRequest: ${what}`);
}

/**
 * Walks the top level of a `WriteRequest` while it is being decompressed, counting its
 * `TimeSeries` and skipped entries, so that a request of millions of tiny series stops as soon
 * as it passes the limit instead of after decompressing and decoding all of it.
 */
class TopLevelScan {
  private position = 0;
  private series = 0;
  private skipped = 0;
  private readonly bytes: Uint8Array;
  private readonly limits: RemoteWriteLimits;

  constructor(bytes: Uint8Array, limits: RemoteWriteLimits) {
    this.bytes = bytes;
    this.limits = limits;
  }

  /** `produced` bytes of the message exist now. Malformed data is left for the decoder to report. */
  advance(produced: number): void {
    const done = produced === this.bytes.length;
    // A field header is at most 10 + 10 bytes; wait for them unless the message is complete.
    while (this.position < produced && (done || this.position + 20 <= produced)) {
      const reader = new Reader(this.bytes, this.position, this.bytes.length);
      let field: number;
      let wire: number;
      try {
        const key = reader.varint();
        field = Math.floor(key / 8);
        wire = key % 8;
        if (wire === WIRE_LEN) reader.skipBytes(reader.varint());
        else reader.skip(wire);
      } catch {
        // Malformed or cut short: the decoder reports it once the message is complete.
        return;
      }
      if (field === 1 && wire === WIRE_LEN && ++this.series > this.limits.maxSeries)
        tooMany('series', this.limits.maxSeries);
      if (field !== 1 && ++this.skipped > this.limits.maxSkipped) tooMany('metadata entries', this.limits.maxSkipped);
      this.position = reader.position;
    }
  }
}

/** A cursor over `bytes[position, end)`. */
class Reader {
  readonly bytes: Uint8Array;
  position: number;
  readonly end: number;

  constructor(bytes: Uint8Array, position: number, end: number) {
    this.bytes = bytes;
    this.position = position;
    this.end = end;
  }

  get more(): boolean {
    return this.position < this.end;
  }

  /** An unsigned varint of up to 64 bits, as a Number (exact up to 2^53). */
  varint(): number {
    let result = 0;
    let scale = 1;
    for (let index = 0; index < 10; index += 1) {
      if (this.position >= this.end) malformed('a varint is cut short');
      const byte = this.bytes[this.position++]!;
      result += (byte & 0x7f) * scale;
      if (byte < 0x80) return result;
      scale *= 128;
    }
    return malformed('a varint is longer than 10 bytes');
  }

  /** A two's-complement int64 varint (timestamps). */
  int64(): number {
    const start = this.position;
    const value = this.varint();
    if (value < 2 ** 53) return value;
    // Beyond 2^53 (negative numbers are 10-byte varints): exact, through BigInt.
    let big = 0n;
    for (let index = this.position - 1; index >= start; index -= 1)
      big = (big << 7n) | BigInt(this.bytes[index]! & 0x7f);
    return Number(BigInt.asIntN(64, big));
  }

  /** A zigzag-encoded sint32/sint64. */
  sint(): number {
    const value = this.varint();
    return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
  }

  double(): number {
    if (this.position + 8 > this.end) malformed('a double is cut short');
    const view = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.position, 8);
    this.position += 8;
    return view.getFloat64(0, true);
  }

  /** A length-delimited field's bounds; the reader moves past it. */
  delimited(): { start: number; end: number } {
    const length = this.varint();
    const start = this.position;
    if (length > this.end - start) malformed('a field is longer than its message');
    this.position = start + length;
    return { start, end: start + length };
  }

  string(): string {
    const { start, end } = this.delimited();
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset + start, end - start).toString('utf8');
  }

  skipBytes(length: number): void {
    if (length > this.end - this.position) malformed('a field is longer than its message');
    this.position += length;
  }

  /** Skips a field of wire type `wire` whose key was read. */
  skip(wire: number): void {
    if (wire === WIRE_VARINT) this.varint();
    else if (wire === WIRE_FIXED64) this.skipBytes(8);
    else if (wire === WIRE_LEN) this.skipBytes(this.varint());
    else if (wire === WIRE_FIXED32) this.skipBytes(4);
    else malformed(`wire type ${wire} (groups are not used by remote write)`);
  }

  /** The key of the next field. */
  key(): { field: number; wire: number } {
    const key = this.varint();
    const field = Math.floor(key / 8);
    if (field === 0) malformed('field number 0');
    return { field, wire: key % 8 };
  }

  sub(bounds: { start: number; end: number }): Reader {
    return new Reader(this.bytes, bounds.start, bounds.end);
  }
}

const RESET_HINTS = ['UNKNOWN', 'YES', 'NO', 'GAUGE'] as const;

/** The full decode, with every count checked against the limits as it goes. */
class Decoder {
  private readonly bytes: Uint8Array;
  private readonly limits: RemoteWriteLimits;
  private series = 0;
  private labels = 0;
  private samples = 0;
  private histograms = 0;
  private buckets = 0;
  private skipped = 0;

  constructor(bytes: Uint8Array, limits: RemoteWriteLimits) {
    this.bytes = bytes;
    this.limits = limits;
  }

  writeRequest(): WriteRequest {
    const reader = new Reader(this.bytes, 0, this.bytes.length);
    const timeseries: RemoteSeries[] = [];
    while (reader.more) {
      const { field, wire } = reader.key();
      if (field === 1 && wire === WIRE_LEN) {
        if (++this.series > this.limits.maxSeries) tooMany('series', this.limits.maxSeries);
        timeseries.push(this.timeSeries(reader.sub(reader.delimited())));
      } else {
        this.skip(reader, wire);
      }
    }
    return { timeseries };
  }

  private skip(reader: Reader, wire: number): void {
    if (++this.skipped > this.limits.maxSkipped)
      tooMany('exemplars, metadata entries or unknown fields', this.limits.maxSkipped);
    reader.skip(wire);
  }

  private timeSeries(reader: Reader): RemoteSeries {
    const labels: RemoteLabel[] = [];
    const samples: Array<{ value: number; timestamp: number }> = [];
    const histograms: RemoteHistogram[] = [];
    while (reader.more) {
      const { field, wire } = reader.key();
      if (field === 1 && wire === WIRE_LEN) {
        if (labels.length >= this.limits.maxLabelsPerSeries)
          tooMany('labels in one series', this.limits.maxLabelsPerSeries);
        if (++this.labels > this.limits.maxLabels) tooMany('labels', this.limits.maxLabels);
        labels.push(this.label(reader.sub(reader.delimited())));
      } else if (field === 2 && wire === WIRE_LEN) {
        if (++this.samples > this.limits.maxSamples) tooMany('samples', this.limits.maxSamples);
        samples.push(this.sample(reader.sub(reader.delimited())));
      } else if (field === 4 && wire === WIRE_LEN) {
        if (++this.histograms > this.limits.maxHistograms) tooMany('histograms', this.limits.maxHistograms);
        histograms.push(this.histogram(reader.sub(reader.delimited())));
      } else {
        this.skip(reader, wire);
      }
    }
    return { labels, samples, histograms };
  }

  private label(reader: Reader): RemoteLabel {
    let name = '';
    let value = '';
    while (reader.more) {
      const { field, wire } = reader.key();
      if (field === 1 && wire === WIRE_LEN) name = reader.string();
      else if (field === 2 && wire === WIRE_LEN) value = reader.string();
      else this.skip(reader, wire);
    }
    return { name, value };
  }

  private sample(reader: Reader): { value: number; timestamp: number } {
    let value = 0;
    let timestamp = 0;
    while (reader.more) {
      const { field, wire } = reader.key();
      if (field === 1 && wire === WIRE_FIXED64) value = reader.double();
      else if (field === 2 && wire === WIRE_VARINT) timestamp = reader.int64();
      else this.skip(reader, wire);
    }
    return { value, timestamp };
  }

  private histogram(reader: Reader): RemoteHistogram {
    const histogram: RemoteHistogram = {
      sum: 0,
      schema: 0,
      zeroThreshold: 0,
      negativeSpans: [],
      negativeDeltas: [],
      negativeCounts: [],
      positiveSpans: [],
      positiveDeltas: [],
      positiveCounts: [],
      resetHint: 'UNKNOWN',
      timestamp: 0,
    };
    let buckets = 0;
    const bucket = (): void => {
      if (++buckets > this.limits.maxBucketsPerHistogram)
        tooMany('buckets in one histogram', this.limits.maxBucketsPerHistogram);
      if (++this.buckets > this.limits.maxBuckets) tooMany('histogram buckets', this.limits.maxBuckets);
    };
    /** A repeated scalar: packed (one LEN field) or one value per field. */
    const repeated = (wire: number, scalarWire: number, read: (from: Reader) => number, into: number[]): void => {
      if (wire === WIRE_LEN) {
        const packed = reader.sub(reader.delimited());
        while (packed.more) {
          bucket();
          into.push(read(packed));
        }
      } else if (wire === scalarWire) {
        bucket();
        into.push(read(reader));
      } else {
        malformed('a histogram field has the wrong wire type');
      }
    };
    while (reader.more) {
      const { field, wire } = reader.key();
      switch (field) {
        case 1:
          if (wire !== WIRE_VARINT) malformed('count_int is not a varint');
          histogram.countInt = reader.varint();
          delete histogram.countFloat;
          break;
        case 2:
          if (wire !== WIRE_FIXED64) malformed('count_float is not a double');
          histogram.countFloat = reader.double();
          delete histogram.countInt;
          break;
        case 3:
          if (wire !== WIRE_FIXED64) malformed('sum is not a double');
          histogram.sum = reader.double();
          break;
        case 4:
          if (wire !== WIRE_VARINT) malformed('schema is not a varint');
          histogram.schema = reader.sint();
          break;
        case 5:
          if (wire !== WIRE_FIXED64) malformed('zero_threshold is not a double');
          histogram.zeroThreshold = reader.double();
          break;
        case 6:
          if (wire !== WIRE_VARINT) malformed('zero_count_int is not a varint');
          histogram.zeroCountInt = reader.varint();
          delete histogram.zeroCountFloat;
          break;
        case 7:
          if (wire !== WIRE_FIXED64) malformed('zero_count_float is not a double');
          histogram.zeroCountFloat = reader.double();
          delete histogram.zeroCountInt;
          break;
        case 8:
        case 11:
          if (wire !== WIRE_LEN) malformed('a bucket span is not a message');
          bucket();
          (field === 8 ? histogram.negativeSpans : histogram.positiveSpans).push(
            this.span(reader.sub(reader.delimited())),
          );
          break;
        case 9:
          repeated(wire, WIRE_VARINT, (from) => from.sint(), histogram.negativeDeltas);
          break;
        case 10:
          repeated(wire, WIRE_FIXED64, (from) => from.double(), histogram.negativeCounts);
          break;
        case 12:
          repeated(wire, WIRE_VARINT, (from) => from.sint(), histogram.positiveDeltas);
          break;
        case 13:
          repeated(wire, WIRE_FIXED64, (from) => from.double(), histogram.positiveCounts);
          break;
        case 14: {
          if (wire !== WIRE_VARINT) malformed('reset_hint is not a varint');
          const hint = reader.varint();
          histogram.resetHint = RESET_HINTS[hint] ?? String(hint);
          break;
        }
        case 15:
          if (wire !== WIRE_VARINT) malformed('timestamp is not a varint');
          histogram.timestamp = reader.int64();
          break;
        case 16:
          // custom_values (NHCB bounds): not used by k6; read to count them, then dropped.
          repeated(wire, WIRE_FIXED64, (from) => from.double(), []);
          break;
        default:
          this.skip(reader, wire);
      }
    }
    return histogram;
  }

  private span(reader: Reader): { offset: number; length: number } {
    let offset = 0;
    let length = 0;
    while (reader.more) {
      const { field, wire } = reader.key();
      if (field === 1 && wire === WIRE_VARINT) offset = reader.sint();
      else if (field === 2 && wire === WIRE_VARINT) length = reader.varint();
      else this.skip(reader, wire);
    }
    return { offset, length };
  }
}
