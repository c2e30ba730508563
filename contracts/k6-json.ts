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

export { isGzipMagic, K6_MAX_LINE_BYTES, type K6LineSink, K6LineSplitter } from './k6-lines.ts';

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
  /**
   * Set by {@link readK6Line} on a scanned Point: one handle per tags text, shared by every sample
   * whose line had the same tags text (and so the same `tags` object), for a reader to remember
   * what it derived from those tags. Absent on every other sample.
   */
  readonly shared?: K6SharedTags;
}

/**
 * What samples with one tags text share (see {@link K6Sample.shared}). `memo` belongs to whichever
 * reader set it last: a reader checks that it is its own before using it.
 */
export interface K6SharedTags {
  memo: unknown;
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
export const K6_COUNT_METRICS: ReadonlySet<string> = new Set([
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

/** True when a funnel_stage sample's tags name a known stage and result (else it is rejected `bad_tags`). */
export function funnelTagsValid(tags: Readonly<Record<string, string>>): boolean {
  const { stage, result } = tags;
  return stage !== undefined && STAGES.has(stage) && result !== undefined && RESULTS.has(result);
}

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
  if (value < 0 && K6_COUNT_METRICS.has(metric)) return 'bad_value';
  for (const name of K6_LABEL_TAGS) {
    const tag = tags[name];
    if (tag !== undefined && hasControlCharacter(tag)) return 'bad_tags';
  }
  if (metric === K6_METRICS.funnelStage && !funnelTagsValid(tags)) return 'bad_tags';
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
