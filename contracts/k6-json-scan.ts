/**
 * Scanning k6's own Point lines in place (issue #15): {@link readK6Line} reads a line in the one
 * shape k6's JSON encoder writes faster than JSON.parse can, with exactly the result, counts and
 * rejection reasons of contracts/k6-json.ts parseK6Line, to which every other line goes. Split
 * from k6-json.ts along its seam: that file owns the format and its checks, this one a faster way
 * to read the common case. Pure: no I/O, no Node imports.
 */

import { K6_METRICS } from './metrics.ts';
import {
  funnelTagsValid,
  K6_COUNT_METRICS,
  K6_LABEL_TAGS,
  K6_MAX_ABS_VALUE,
  K6_METRIC_NAME,
  type K6SharedTags,
  parseK6Line,
  type ParsedK6Line,
  parseRfc3339,
} from './k6-json.ts';

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
interface ScannedTags extends K6SharedTags {
  readonly text: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly keep: K6TagSelection;
}
/**
 * Tags texts scanned lately, in slots picked by length and a middle character: k6 writes a
 * request's http_req_* samples with one tag set, and a funnel stage's or an iteration's tags are
 * the same in every iteration. Bounded: {@link TAG_SLOTS} texts of at most a line each.
 */
const TAG_SLOTS = 512;
/** The tags of the last line scanned, when they were kept. */
let lastTags: ScannedTags | undefined;
const scannedTags: Array<ScannedTags | undefined> = new Array<ScannedTags | undefined>(TAG_SLOTS).fill(undefined);
/**
 * A slot by the length, the last 24 characters (tags are written sorted by key, so the last values
 * differ most between tag sets: url, status, stage, result) and eight characters spread over the rest.
 */
function tagSlot(line: string, start: number, length: number): number {
  let hash = length;
  const end = start + length;
  const dense = Math.max(start, end - 24);
  for (let at = dense; at < end; at += 1) hash = (hash * 31 + line.charCodeAt(at)) | 0;
  const step = ((dense - start) >> 3) + 1;
  for (let at = start; at < dense; at += step) hash = (hash * 31 + line.charCodeAt(at)) | 0;
  return (hash ^ (hash >>> 15)) & (TAG_SLOTS - 1);
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
  if (line.length > maxLineLength) return parseK6Line(line, maxLineLength); // too_long
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
  let shared: ScannedTags | undefined;
  const tagsLength = line.length - 2 - tagsStart;
  const closed = line.charCodeAt(line.length - 2) === 0x7d && line.charCodeAt(line.length - 1) === 0x7d;
  // The line before's tags first (a request's samples follow each other), then the slot's.
  let seen = lastTags;
  let slot = -1;
  if (
    seen === undefined ||
    seen.text.length !== tagsLength ||
    seen.keep !== keep ||
    !textAt(line, tagsStart, seen.text)
  ) {
    slot = tagsLength > 2 ? tagSlot(line, tagsStart, tagsLength) : 0;
    seen = scannedTags[slot];
    if (
      seen !== undefined &&
      (seen.keep !== keep || seen.text.length !== tagsLength || !textAt(line, tagsStart, seen.text))
    )
      seen = undefined;
  }
  if (seen !== undefined && closed) {
    // A tags text seen before, which was checked: the rest of the line is checked field by field
    // below (name pattern, time, number grammar), so no escape or control character can hide in it.
    tags = seen.tags;
    shared = seen;
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
    if (tagsEnd === at && tagsLength > 2) {
      shared = { text: line.slice(tagsStart, tagsEnd), tags: into, keep, memo: undefined };
      scannedTags[slot < 0 ? tagSlot(line, tagsStart, tagsLength) : slot] = shared;
    }
  }
  lastTags = shared;
  // The line is JSON of k6's shape. A check that fails sends it to parseK6Line for its reason.
  const metric = metricName(line, metricEnd);
  if (metric === undefined) return undefined;
  const value = scanNumber(line, valueStart, valueEnd);
  if (!Number.isFinite(value)) return undefined;
  const timeMs = scanTime(line, timeStart, timeEnd);
  if (timeMs === undefined) return undefined;
  // sampleRejection without its control-character test: a scanned line has none.
  if (Math.abs(value) > K6_MAX_ABS_VALUE || (value < 0 && K6_COUNT_METRICS.has(metric))) return undefined;
  if (metric === K6_METRICS.funnelStage && !funnelTagsValid(tags)) return undefined;
  return { kind: 'point', sample: shared ? { metric, timeMs, value, tags, shared } : { metric, timeMs, value, tags } };
}

/** Metric names scanned lately, by length: a k6 run has a handful, each on many lines. */
const metricNames: Array<string | undefined> = [];

/** The metric name of a Point line (between its head and `end`), or undefined when k6 would not accept it. */
function metricName(line: string, end: number): string | undefined {
  const length = end - POINT_HEAD.length;
  const known = length < 131 ? metricNames[length] : undefined;
  if (known !== undefined && literalAt(line, POINT_HEAD.length, known)) return known;
  const metric = line.slice(POINT_HEAD.length, end);
  if (!K6_METRIC_NAME.test(metric)) return undefined;
  metricNames[length] = metric;
  return metric;
}

/** 10^0 … 10^22: every one exact in a double. */
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, power) => 10 ** power);

/**
 * The JSON number between `start` and `end` (grammar checked by {@link jsonNumberEnd}) as Number()
 * reads it. Without an exponent and with at most 15 digits, the digits make an exact integer and
 * one division by an exact power of ten rounds correctly (the fast path of correctly rounded
 * decimal conversion, W. D. Clinger, "How to read floating point numbers accurately", 1990), so
 * the result is Number()'s bit for bit; every other number goes to Number().
 */
function scanNumber(line: string, start: number, end: number): number {
  if (end - start > 15) return Number(line.slice(start, end)); // more than 15 digits, perhaps
  let index = start;
  const negative = line.charCodeAt(index) === 0x2d;
  if (negative) index += 1;
  let digits = 0;
  let fraction = -1;
  for (; index < end; index += 1) {
    const code = line.charCodeAt(index);
    if (code === 0x2e) fraction = end - index - 1;
    else if (code >= 0x30 && code <= 0x39) digits = digits * 10 + (code - 0x30);
    else return Number(line.slice(start, end)); // an exponent
  }
  const magnitude = fraction > 0 ? digits / POWERS_OF_TEN[fraction]! : digits;
  return negative ? -magnitude : magnitude;
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
