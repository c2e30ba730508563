/**
 * k6's JSON result stream (`k6 run --out json=FILE`, k6-contract.md §1): the one reader of a k6
 * line for every floodgate component (the exporter, the report, `floodgate run`'s progress), with
 * one list of rejection reasons, so that two components reading the same file count the same
 * lines and reject the same lines for the same reasons. Pure: no I/O, no Node imports.
 *
 * Followed from k6's source: `internal/output/json/json.go` (one line per Metric/Point, HTML
 * escaping off) and `internal/output/json/wrapper.go` (the line shapes). Key order is never relied
 * on. A change in k6's format is an edit here.
 */

import { FUNNEL_STAGES, STAGE_RESULTS } from './funnel.ts';
import { K6_BUILTIN, K6_METRICS } from './metrics.ts';

/**
 * Why a k6 line was rejected; a bounded set (it is a label value of
 * `floodgate_ingest_rejected_total` and a key of a report's `source.rejected`).
 */
export const K6_LINE_REJECTIONS = [
  /** Not JSON: a bad character, `NaN`, trailing garbage. */
  'bad_json',
  /** JSON that stops mid-value: a cut line. */
  'truncated',
  /** Longer than the line limit ({@link K6_MAX_LINE_BYTES} by default). */
  'too_long',
  /** JSON, but not an object. */
  'not_object',
  /** An object whose `type` is neither `Point` nor `Metric`. */
  'unknown_type',
  /** A field k6 always writes is missing (`type`, `metric`, `data`, `time`, `value`). */
  'missing_field',
  /** A metric name k6 would not accept (metrics/registry.go). */
  'bad_name',
  /** A value that is not a finite number, a negative count, or a Metric line of an unknown type. */
  'bad_value',
  /** A value beyond ±{@link K6_MAX_ABS_VALUE}: no k6 sample is that large, and sums of such values overflow to infinity. */
  'out_of_range',
  /** A time that is not RFC 3339 or not a real date. */
  'bad_time',
  /** Tags that are not an object of strings, a label tag with a control character, or a funnel sample without a stage or result. */
  'bad_tags',
] as const;

/** One reason a k6 line was rejected. */
export type K6LineRejection = (typeof K6_LINE_REJECTIONS)[number];

/** Longest k6 line kept by default, in bytes (newline excluded); k6's lines are well under 4 KiB. */
export const K6_MAX_LINE_BYTES = 64 * 1024;

/**
 * Largest magnitude a sample value may have: 2^53 − 1. A counter increment, a duration in ms or a
 * byte count above it is not a measurement, and summing two values near 1e308 gives +Inf, which a
 * counter would keep forever.
 */
export const K6_MAX_ABS_VALUE = Number.MAX_SAFE_INTEGER;

/** k6 metric types. */
export const K6_METRIC_TYPES = ['counter', 'gauge', 'rate', 'trend'] as const;
/** One k6 metric type. */
export type K6MetricType = (typeof K6_METRIC_TYPES)[number];

/** One k6 sample: a Point line, or a sample derived from remote write. */
export interface K6Sample {
  /** k6 metric name, e.g. `http_reqs`. */
  readonly metric: string;
  /** Sample time, Unix milliseconds (microsecond digits kept as a fraction). */
  readonly timeMs: number;
  /** Counter increment, gauge value, 0/1 for rates, milliseconds for time trends. */
  readonly value: number;
  /** The sample's indexed tags (k6 writes them sorted; order does not matter here). */
  readonly tags: Readonly<Record<string, string>>;
}

/** A Metric line: written once per metric before its first Point; carries its thresholds. */
export interface K6MetricDeclaration {
  readonly name: string;
  readonly type: K6MetricType;
  /** `default`, `time` or `data`. */
  readonly contains: string;
  /** Threshold expressions keyed on this metric, e.g. `p(95)<500`. */
  readonly thresholds: readonly string[];
}

/** What one line turned out to be. Blank lines are not lines: nobody counts them. */
export type ParsedK6Line =
  | { readonly kind: 'point'; readonly sample: K6Sample }
  | { readonly kind: 'metric'; readonly declaration: K6MetricDeclaration }
  | { readonly kind: 'rejected'; readonly reason: K6LineRejection }
  | { readonly kind: 'blank' };

/** k6's rule for metric names (metrics/registry.go). */
export const K6_METRIC_NAME = /^[a-zA-Z_][a-zA-Z0-9_]{1,128}$/;

/** Metrics whose samples are counts (or durations) that cannot be negative. */
const COUNTS: ReadonlySet<string> = new Set([
  K6_BUILTIN.httpReqs,
  K6_BUILTIN.httpReqDuration,
  K6_METRICS.funnelStage,
  K6_BUILTIN.iterations,
  K6_BUILTIN.droppedIterations,
]);

/** Tags that become label values somewhere, or decide one: a control character in them is hostile or broken input. */
export const K6_LABEL_TAGS = [
  'run',
  'testid',
  'scenario',
  'planned_scenario',
  'stage',
  'result',
  'method',
  'status',
  'expected_response',
  'check',
] as const;

const STAGES: ReadonlySet<string> = new Set(FUNNEL_STAGES);
const RESULTS: ReadonlySet<string> = new Set(STAGE_RESULTS);

const BLANK: ParsedK6Line = Object.freeze({ kind: 'blank' });
const rejections = Object.fromEntries(
  K6_LINE_REJECTIONS.map((reason) => [reason, Object.freeze({ kind: 'rejected', reason })]),
) as Record<K6LineRejection, ParsedK6Line>;

/**
 * Parses one line (without its newline; a trailing CR is ignored). Lines longer than
 * `maxLineLength` characters are rejected before JSON.parse sees them; {@link K6LineSplitter}
 * enforces the byte limit on streams.
 */
export function parseK6Line(line: string, maxLineLength = Number.POSITIVE_INFINITY): ParsedK6Line {
  if (line.length > maxLineLength) return rejections.too_long;
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  if (text.trim() === '') return BLANK;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return rejections[endedEarly(text, (error as Error).message) ? 'truncated' : 'bad_json'];
  }
  if (!isPlainObject(parsed)) return rejections.not_object;
  if (parsed.type === 'Point') return parsePoint(parsed);
  if (parsed.type === 'Metric') return parseDeclaration(parsed);
  return parsed.type === undefined ? rejections.missing_field : rejections.unknown_type;
}

/**
 * Why a sample must not be counted, or undefined when it may: the checks every reader applies to
 * a sample whatever its source (a Point line, a remote-write series), so that none of them counts
 * what another rejects.
 */
export function sampleRejection(
  metric: string,
  value: number,
  tags: Readonly<Record<string, string>>,
): K6LineRejection | undefined {
  if (!Number.isFinite(value)) return 'bad_value';
  if (Math.abs(value) > K6_MAX_ABS_VALUE) return 'out_of_range';
  if (value < 0 && COUNTS.has(metric)) return 'bad_value';
  for (const name of K6_LABEL_TAGS) {
    const tag = tags[name];
    if (tag !== undefined && hasControlCharacter(tag)) return 'bad_tags';
  }
  if (metric === K6_METRICS.funnelStage) {
    const { stage, result } = tags;
    if (stage === undefined || !STAGES.has(stage) || result === undefined || !RESULTS.has(result)) return 'bad_tags';
  }
  return undefined;
}

function parsePoint(line: Record<string, unknown>): ParsedK6Line {
  const { metric, data } = line;
  if (metric === undefined || !isPlainObject(data)) return rejections.missing_field;
  if (typeof metric !== 'string' || !K6_METRIC_NAME.test(metric)) return rejections.bad_name;
  if (data.time === undefined || data.value === undefined) return rejections.missing_field;
  if (typeof data.value !== 'number' || !Number.isFinite(data.value)) return rejections.bad_value;
  const timeMs = typeof data.time === 'string' ? parseRfc3339(data.time) : undefined;
  if (timeMs === undefined) return rejections.bad_time;
  const tags = data.tags === undefined || data.tags === null ? {} : data.tags;
  if (!isStringRecord(tags)) return rejections.bad_tags;
  const reason = sampleRejection(metric, data.value, tags);
  if (reason) return rejections[reason];
  return { kind: 'point', sample: { metric, timeMs, value: data.value, tags } };
}

function parseDeclaration(line: Record<string, unknown>): ParsedK6Line {
  const { data } = line;
  if (!isPlainObject(data)) return rejections.missing_field;
  const name = data.name ?? line.metric;
  if (typeof name !== 'string' || !K6_METRIC_NAME.test(name)) return rejections.bad_name;
  const type = data.type;
  if (typeof type !== 'string' || !(K6_METRIC_TYPES as readonly string[]).includes(type)) return rejections.bad_value;
  const thresholds: string[] = [];
  if (data.thresholds !== undefined && data.thresholds !== null) {
    if (!Array.isArray(data.thresholds)) return rejections.bad_value;
    for (const entry of data.thresholds as unknown[]) {
      // A plain threshold is a string; one with abortOnFail is an object holding it.
      const expression = typeof entry === 'string' ? entry : isPlainObject(entry) ? entry.threshold : undefined;
      if (typeof expression !== 'string') return rejections.bad_value;
      thresholds.push(expression);
    }
  }
  const contains = typeof data.contains === 'string' ? data.contains : 'default';
  return { kind: 'metric', declaration: { name, type: type as K6MetricType, contains, thresholds } };
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** The last whole-second part parsed and its Unix ms: k6 writes many lines per second. */
let cachedSecondKey = '';
let cachedSecondMs: number | undefined;

/**
 * Parses Go's RFC 3339 time (`time.Time` JSON: up to nanosecond digits, trailing zeros trimmed,
 * the host's offset, e.g. `2026-08-21T09:00:01.234567891Z` or `2026-08-21T16:00:01+07:00`) into
 * Unix milliseconds with a fraction; undefined when it is not a real time. Years 0000–0099 are
 * those years, not 1900–1999 (Date.UTC's two-digit rule). Digits beyond microseconds are dropped:
 * added to a Unix ms value, nanoseconds could round up across a second.
 */
export function parseRfc3339(text: string): number | undefined {
  const match = RFC3339.exec(text);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second, fraction, zulu, sign, offsetHours, offsetMinutes] = match;
  const key = `${year}-${month}-${day}T${hour}:${minute}:${second}${zulu ? 'Z' : `${sign}${offsetHours}:${offsetMinutes}`}`;
  let ms: number | undefined;
  if (key === cachedSecondKey) ms = cachedSecondMs;
  else {
    ms = wholeSecondMs(year!, month!, day!, hour!, minute!, second!, zulu, sign, offsetHours, offsetMinutes);
    cachedSecondKey = key;
    cachedSecondMs = ms;
  }
  if (ms === undefined) return undefined;
  return fraction ? ms + Number(fraction.slice(0, 6).padEnd(6, '0')) / 1000 : ms;
}

function wholeSecondMs(
  year: string,
  month: string,
  day: string,
  hour: string,
  minute: string,
  second: string,
  zulu: string | undefined,
  sign: string | undefined,
  offsetHours: string | undefined,
  offsetMinutes: string | undefined,
): number | undefined {
  const [y, mo, d, h, mi, s] = [Number(year), Number(month), Number(day), Number(hour), Number(minute), Number(second)];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return undefined;
  if (!zulu && (Number(offsetHours) > 23 || Number(offsetMinutes) > 59)) return undefined;
  const date = new Date(0);
  // setUTCFullYear takes the year as written; Date.UTC(50, …) would mean 1950.
  date.setUTCFullYear(y, mo - 1, d);
  if (date.getUTCDate() !== d) return undefined; // 31 April and the like
  date.setUTCHours(h, mi, s, 0);
  let ms = date.getTime();
  if (!zulu) {
    const offset = (Number(offsetHours) * 60 + Number(offsetMinutes)) * 60_000;
    ms -= sign === '+' ? offset : -offset;
  }
  return ms;
}

/** True when JSON.parse failed because the text stopped mid-value (a cut line), not on a bad character. */
function endedEarly(text: string, message: string): boolean {
  if (/end of JSON input|Unterminated string/i.test(message)) return true;
  const position = /at position (\d+)/.exec(message);
  return position !== null && Number(position[1]) >= text.length;
}

function hasControlCharacter(value: string): boolean {
  for (let index = 0; index < value.length; index += 1) {
    const code = value.charCodeAt(index);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringRecord(value: unknown): value is Record<string, string> {
  if (!isPlainObject(value)) return false;
  for (const key in value) if (typeof value[key] !== 'string') return false;
  return true;
}

// --- splitting a stream into lines ----------------------------------------------------------------

/** Receives what a push produced. */
export interface K6LineSink {
  /** A complete line, without its newline, decoded as UTF-8. */
  line(text: string): void;
  /** A line longer than the limit was skipped (count it as one line rejected `too_long`). */
  tooLong(): void;
  /**
   * When present, called instead of `line` with the line's bytes, `chunk[start, end)`, valid only
   * during the call: no string is made (the access-log reader parses bytes in place).
   */
  bytes?(chunk: Uint8Array, start: number, end: number): void;
}

/** The WHATWG decoder of Node (and browsers); declared here because load-tests type-check contracts/ with k6's types only, and no k6 script loads this splitter. */
declare const TextDecoder: new (label: 'utf-8') => { decode(bytes: Uint8Array): string };
const utf8 = new TextDecoder('utf-8');

/**
 * Splits a byte stream into lines with a bounded buffer: a partial last line waits for its
 * newline, and a line longer than the limit is skipped up to its newline and reported once, so a
 * hostile 1 GB line costs at most `maxLineBytes` of memory. One instance per stream (a file, a
 * request body). The exporter's follower and the report's reader both split with it, so they
 * agree on what a line and a too-long line are.
 */
export class K6LineSplitter {
  private readonly maxLineBytes: number;
  private parts: Uint8Array[] = [];
  private partBytes = 0;
  /** Inside an over-long line: drop bytes until the next newline. */
  private skipping = false;

  /** @param maxLineBytes - longest line kept, in bytes (newline excluded); default {@link K6_MAX_LINE_BYTES}. */
  constructor(maxLineBytes: number = K6_MAX_LINE_BYTES) {
    this.maxLineBytes = maxLineBytes;
  }

  /** Bytes of the partial line waiting for its newline. */
  get pendingBytes(): number {
    return this.partBytes;
  }

  /** Feeds one chunk. */
  push(chunk: Uint8Array, sink: K6LineSink): void {
    let start = 0;
    for (let newline = chunk.indexOf(0x0a, start); newline !== -1; newline = chunk.indexOf(0x0a, start)) {
      if (this.skipping) {
        this.skipping = false;
      } else if (this.partBytes + newline - start > this.maxLineBytes) {
        sink.tooLong();
      } else if (this.partBytes === 0) {
        if (sink.bytes) sink.bytes(chunk, start, newline);
        else sink.line(utf8.decode(chunk.subarray(start, newline)));
      } else {
        this.parts.push(chunk.subarray(start, newline));
        emitJoined(sink, concat(this.parts, this.partBytes + newline - start));
      }
      this.parts = [];
      this.partBytes = 0;
      start = newline + 1;
    }
    if (start >= chunk.length || this.skipping) return;
    const rest = chunk.length - start;
    if (this.partBytes + rest > this.maxLineBytes) {
      sink.tooLong();
      this.skipping = true;
      this.parts = [];
      this.partBytes = 0;
      return;
    }
    // Copy, so a small tail does not keep a whole read buffer alive.
    this.parts.push(new Uint8Array(chunk.subarray(start))); // a copy: slice() of a Node buffer would be a view
    this.partBytes += rest;
  }

  /** The stream ended: a partial last line counts as a line (HTTP bodies, finished files; not growing files). */
  end(sink: K6LineSink): void {
    if (this.partBytes > 0) emitJoined(sink, concat(this.parts, this.partBytes));
    this.reset();
  }

  /** Forgets the partial line (the file was truncated or replaced). */
  reset(): void {
    this.parts = [];
    this.partBytes = 0;
    this.skipping = false;
  }
}

function emitJoined(sink: K6LineSink, line: Uint8Array): void {
  if (sink.bytes) sink.bytes(line, 0, line.length);
  else sink.line(utf8.decode(line));
}

function concat(parts: readonly Uint8Array[], length: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const joined = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}

/** True when `bytes` start like a gzip stream (RFC 1952 magic 1f 8b): k6 gzips `--out json=FILE.gz`. */
export function isGzipMagic(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

// --- scanning k6's own Point lines ------------------------------------------------------------------

/**
 * Tags a reader keeps from a scanned Point line (every other tag is skipped without making a
 * string of it). A reader that keeps only some tags must read only those.
 */
export interface K6TagSelection {
  /** Kept tag names by their length, for matching a key in place without slicing it. */
  readonly byLength: ReadonlyArray<readonly string[] | undefined>;
}

/**
 * A {@link K6TagSelection} of `names`. The checks every reader applies ({@link sampleRejection})
 * read {@link K6_LABEL_TAGS}: they are always kept.
 */
export function k6TagSelection(names: Iterable<string>): K6TagSelection {
  const byLength: string[][] = [];
  for (const name of new Set([...K6_LABEL_TAGS, ...names])) (byLength[name.length] ??= []).push(name);
  return { byLength };
}

/** A character that sends a line to JSON.parse: an escape, a control character (JSON forbids them raw), DEL (a label tag with it is rejected). */
// eslint-disable-next-line no-control-regex -- control characters are what it finds
const NOT_SCANNED = /[\u0000-\u001f\u007f\\]/;
const POINT_HEAD = '{"metric":"';
const POINT_TYPE = '","type":"Point","data":{"time":"';
const POINT_VALUE = '","value":';
const POINT_TAGS = ',"tags":';
const POINT_METADATA = ',"metadata":';

/** The whole-second part (19 characters) and zone of the last time scanned, and its Unix ms. */
let scanSecond = '';
let scanZone = '';
let scanSecondMs = 0;
/** A tags text scanned (from `{` to `}`), the tags kept from it, and for which selection. */
interface ScannedTags {
  readonly text: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly keep: K6TagSelection;
}
/**
 * Tags texts scanned lately, in slots picked by length and a middle character: k6 writes a
 * request's http_req_* samples with one tag set, and a funnel stage's or an iteration's tags are
 * the same in every iteration. Bounded: {@link TAG_SLOTS} texts of at most a line each.
 */
const TAG_SLOTS = 64;
const scannedTags: Array<ScannedTags | undefined> = new Array<ScannedTags | undefined>(TAG_SLOTS).fill(undefined);
function tagSlot(line: string, start: number, length: number): number {
  return (length * 31 + line.charCodeAt(start + (length >> 1)) + line.charCodeAt(start + length - 3)) & (TAG_SLOTS - 1);
}

/**
 * Reads one k6 line as {@link parseK6Line} does, with the same result and the same rejection
 * reasons, except that a Point's tags hold only the tags of `keep`. A line in the one shape k6's
 * JSON encoder writes for a Point (`internal/output/json/wrapper.go` `sampleEnvelope`: metric,
 * type, data{time, value, tags, metadata}; no whitespace; Go's string escapes only where needed)
 * and free of escapes and control characters is scanned in place: no JSON.parse, no objects or
 * strings for the tags it drops, and the tags object of the line before when the tags text is the
 * same (k6 writes a request's http_req_* samples with one tag set). Every other line (Metric
 * lines, other key orders, escapes, hostile input, and any Point a check would reject) goes to
 * {@link parseK6Line} and gets exactly its treatment. The tags of a scanned Point may be shared
 * with other Points: read them, never change them.
 */
export function readK6Line(line: string, maxLineLength: number, keep: K6TagSelection): ParsedK6Line {
  if (line.length > maxLineLength) return rejections.too_long;
  const scanned = scanPoint(line, keep);
  return scanned ?? parseK6Line(line, maxLineLength);
}

/** The Point of `line` when it has k6's shape and passes every check (see {@link readK6Line}); undefined to fall back on JSON.parse. */
function scanPoint(line: string, keep: K6TagSelection): ParsedK6Line | undefined {
  if (!literalAt(line, 0, POINT_HEAD)) return undefined;
  const metricEnd = line.indexOf('"', POINT_HEAD.length);
  if (metricEnd < 0 || !textAt(line, metricEnd, POINT_TYPE)) return undefined;
  const timeStart = metricEnd + POINT_TYPE.length;
  const timeEnd = line.indexOf('"', timeStart);
  if (timeEnd < 0 || !literalAt(line, timeEnd, POINT_VALUE)) return undefined;
  const valueStart = timeEnd + POINT_VALUE.length;
  const valueEnd = jsonNumberEnd(line, valueStart);
  if (valueEnd < 0 || !literalAt(line, valueEnd, POINT_TAGS)) return undefined;
  const tagsStart = valueEnd + POINT_TAGS.length;
  let tags: Readonly<Record<string, string>>;
  const tagsLength = line.length - 2 - tagsStart;
  const slot = tagsLength > 2 ? tagSlot(line, tagsStart, tagsLength) : 0;
  const seen = scannedTags[slot];
  if (
    seen !== undefined &&
    seen.keep === keep &&
    tagsLength === seen.text.length &&
    textAt(line, tagsStart, seen.text) &&
    line.charCodeAt(line.length - 2) === 0x7d &&
    line.charCodeAt(line.length - 1) === 0x7d
  ) {
    // A tags text seen before, which was checked: the rest of the line is checked field by field
    // below (name pattern, time, number grammar), so no escape or control character can hide in it.
    tags = seen.tags;
  } else {
    if (NOT_SCANNED.test(line)) return undefined;
    const into: Record<string, string> = {};
    let at = tagsStart;
    if (literalAt(line, at, 'null')) at += 4;
    else if ((at = scanStringMap(line, at, keep, into)) < 0) return undefined;
    const tagsEnd = at;
    if (
      literalAt(line, at, POINT_METADATA) &&
      (at = scanStringMap(line, at + POINT_METADATA.length, undefined, into)) < 0
    )
      return undefined;
    if (at !== line.length - 2 || line.charCodeAt(at) !== 0x7d || line.charCodeAt(at + 1) !== 0x7d) return undefined;
    tags = into;
    if (tagsEnd === at && tagsLength > 2)
      scannedTags[slot] = { text: line.slice(tagsStart, tagsEnd), tags: into, keep };
  }
  // The line is JSON of k6's shape. A check that fails sends it to parseK6Line for its reason.
  const metric = line.slice(POINT_HEAD.length, metricEnd);
  if (!K6_METRIC_NAME.test(metric)) return undefined;
  const value =
    valueEnd === valueStart + 1 ? line.charCodeAt(valueStart) - 0x30 : Number(line.slice(valueStart, valueEnd));
  if (!Number.isFinite(value)) return undefined;
  const timeMs = scanTime(line, timeStart, timeEnd);
  if (timeMs === undefined) return undefined;
  // sampleRejection without its control-character test: a scanned line has none.
  if (Math.abs(value) > K6_MAX_ABS_VALUE || (value < 0 && COUNTS.has(metric))) return undefined;
  if (metric === K6_METRICS.funnelStage) {
    const { stage, result } = tags;
    if (stage === undefined || !STAGES.has(stage) || result === undefined || !RESULTS.has(result)) return undefined;
  }
  return { kind: 'point', sample: { metric, timeMs, value, tags } };
}

/**
 * Reads `{"k":"v",…}` at `at` (strings without escapes: checked by the caller), putting the
 * pairs whose key `keep` selects into `into` (none when `keep` is undefined); returns the index
 * after the closing brace, or -1 when the text is not such an object. A repeated key keeps its
 * last value, as JSON.parse does; `__proto__` falls back on JSON.parse.
 */
function scanStringMap(
  line: string,
  at: number,
  keep: K6TagSelection | undefined,
  into: Record<string, string>,
): number {
  if (line.charCodeAt(at) !== 0x7b) return -1;
  let index = at + 1;
  if (line.charCodeAt(index) === 0x7d) return index + 1;
  for (;;) {
    if (line.charCodeAt(index) !== 0x22) return -1;
    const keyStart = index + 1;
    const keyEnd = line.indexOf('"', keyStart);
    if (keyEnd < 0 || line.charCodeAt(keyEnd + 1) !== 0x3a || line.charCodeAt(keyEnd + 2) !== 0x22) return -1;
    const valueStart = keyEnd + 3;
    const valueEnd = line.indexOf('"', valueStart);
    if (valueEnd < 0) return -1;
    const length = keyEnd - keyStart;
    if (length === 9 && literalAt(line, keyStart, '__proto__')) return -1;
    const candidates = keep?.byLength[length];
    if (candidates) {
      const first = line.charCodeAt(keyStart);
      for (const name of candidates) {
        if (name.charCodeAt(0) === first && literalAt(line, keyStart, name)) {
          into[name] = line.slice(valueStart, valueEnd);
          break;
        }
      }
    }
    index = valueEnd + 1;
    const next = line.charCodeAt(index);
    if (next === 0x7d) return index + 1;
    if (next !== 0x2c) return -1;
    index += 1;
  }
}

/** The index after the JSON number at `at` (RFC 8259 §6 grammar), or -1 when there is none. */
function jsonNumberEnd(line: string, at: number): number {
  let index = at;
  if (line.charCodeAt(index) === 0x2d) index += 1;
  const first = line.charCodeAt(index);
  if (first === 0x30) index += 1;
  else if (first >= 0x31 && first <= 0x39) index = digitsEnd(line, index + 1);
  else return -1;
  if (line.charCodeAt(index) === 0x2e) {
    const end = digitsEnd(line, index + 1);
    if (end === index + 1) return -1;
    index = end;
  }
  const exponent = line.charCodeAt(index);
  if (exponent === 0x65 || exponent === 0x45) {
    index += 1;
    const sign = line.charCodeAt(index);
    if (sign === 0x2b || sign === 0x2d) index += 1;
    const end = digitsEnd(line, index);
    if (end === index) return -1;
    index = end;
  }
  return index;
}

/** True when `line` holds the short `literal` at `at`, compared in place (startsWith with a position costs more in V8). */
function literalAt(line: string, at: number, literal: string): boolean {
  if (at + literal.length > line.length) return false;
  for (let index = 0; index < literal.length; index += 1)
    if (line.charCodeAt(at + index) !== literal.charCodeAt(index)) return false;
  return true;
}

/** True when `line` holds the long `text` at `at`: a substring compared to it is one memory compare. */
function textAt(line: string, at: number, text: string): boolean {
  return line.substring(at, at + text.length) === text;
}

function digitsEnd(line: string, at: number): number {
  let index = at;
  for (let code = line.charCodeAt(index); code >= 0x30 && code <= 0x39; code = line.charCodeAt(index)) index += 1;
  return index;
}

/**
 * {@link parseRfc3339} of the time between `start` and `end`, without a regex or a string for
 * the lines of a second already seen: k6 writes `YYYY-MM-DDTHH:MM:SS[.fraction]zone`, many lines
 * per second, so the whole second and the zone are compared in place and the fraction's digits
 * added as parseRfc3339 adds them (microseconds, the rest dropped).
 */
function scanTime(line: string, start: number, end: number): number | undefined {
  if (scanSecond !== '' && literalAt(line, start, scanSecond)) {
    let index = start + 19;
    let micros = 0;
    let digits = 0;
    if (line.charCodeAt(index) === 0x2e) {
      index += 1;
      for (let code = line.charCodeAt(index); code >= 0x30 && code <= 0x39; code = line.charCodeAt(++index)) {
        if (digits < 6) micros = micros * 10 + (code - 0x30);
        digits += 1;
      }
      if (digits === 0 || digits > 9) return parseRfc3339(line.slice(start, end));
      for (let pad = digits; pad < 6; pad += 1) micros *= 10;
    }
    if (end - index === scanZone.length && literalAt(line, index, scanZone))
      return digits === 0 ? scanSecondMs : scanSecondMs + micros / 1000;
  }
  const text = line.slice(start, end);
  const timeMs = parseRfc3339(text);
  if (timeMs !== undefined && text.length >= 20) {
    // Remember this second for the next lines: its ms is the time without the fraction.
    const zoneStart = text.charCodeAt(19) === 0x2e ? digitsEnd(text, 20) : 19;
    const second = text.slice(0, 19);
    const zone = text.slice(zoneStart);
    const secondMs = parseRfc3339(second + zone);
    if (secondMs !== undefined) [scanSecond, scanZone, scanSecondMs] = [second, zone, secondMs];
  }
  return timeMs;
}
