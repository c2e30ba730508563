/**
 * Parsing one k6 NDJSON line (`k6 run --out json`, k6-contract.md §1) into a typed record or a
 * rejection reason. Pure: no I/O, no state. Key order is never relied on.
 */

/** Why an input line or remote-write series was rejected; a bounded set (it is a label value). */
export const REJECT_REASONS = [
  'bad_json',
  'truncated',
  'too_long',
  'not_object',
  'unknown_type',
  'missing_field',
  'bad_name',
  'bad_value',
  'bad_time',
  'bad_tags',
  'bad_histogram',
  'series_limit',
] as const;

/** One rejection reason. */
export type RejectReason = (typeof REJECT_REASONS)[number];

/** k6 metric types. */
export const K6_METRIC_TYPES = ['counter', 'gauge', 'rate', 'trend'] as const;
/** One k6 metric type. */
export type K6MetricType = (typeof K6_METRIC_TYPES)[number];

/** One k6 sample: a Point line, or a sample derived from remote write. */
export interface K6Sample {
  /** k6 metric name, e.g. `http_reqs`. */
  readonly metric: string;
  /** Sample time, Unix milliseconds (sub-millisecond digits kept as a fraction). */
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

/** What one line turned out to be. */
export type ParsedLine =
  | { readonly kind: 'point'; readonly sample: K6Sample }
  | { readonly kind: 'metric'; readonly declaration: K6MetricDeclaration }
  | { readonly kind: 'rejected'; readonly reason: RejectReason }
  | { readonly kind: 'blank' };

/** k6's rule for metric names (metrics/registry.go). */
export const K6_METRIC_NAME = /^[a-zA-Z_][a-zA-Z0-9_]{1,128}$/;

const BLANK: ParsedLine = Object.freeze({ kind: 'blank' });
const rejections = Object.fromEntries(REJECT_REASONS.map((reason) => [reason, Object.freeze({ kind: 'rejected', reason })])) as Record<
  RejectReason,
  ParsedLine
>;

/**
 * Parses one line (without its newline). Lines longer than `maxLineBytes` characters are
 * rejected before JSON.parse sees them; the line splitter enforces the byte limit on streams.
 */
export function parseK6Line(line: string, maxLineBytes = Number.POSITIVE_INFINITY): ParsedLine {
  if (line.length > maxLineBytes) return rejections.too_long;
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

function parsePoint(line: Record<string, unknown>): ParsedLine {
  const { metric, data } = line;
  if (metric === undefined || !isPlainObject(data)) return rejections.missing_field;
  if (typeof metric !== 'string' || !K6_METRIC_NAME.test(metric)) return rejections.bad_name;
  if (data.time === undefined || data.value === undefined) return rejections.missing_field;
  if (typeof data.value !== 'number' || !Number.isFinite(data.value)) return rejections.bad_value;
  const timeMs = typeof data.time === 'string' ? parseRfc3339(data.time) : undefined;
  if (timeMs === undefined) return rejections.bad_time;
  const tags = data.tags === undefined || data.tags === null ? {} : data.tags;
  if (!isStringRecord(tags)) return rejections.bad_tags;
  return { kind: 'point', sample: { metric, timeMs, value: data.value, tags } };
}

function parseDeclaration(line: Record<string, unknown>): ParsedLine {
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

/**
 * Parses Go's RFC 3339 time with up to nanosecond digits (`2026-08-21T09:00:01.234567891Z`)
 * into Unix milliseconds with a fraction; undefined when it is not a real time.
 */
export function parseRfc3339(text: string): number | undefined {
  const match = RFC3339.exec(text);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second, fraction, zulu, sign, offsetHours, offsetMinutes] = match;
  const fields = [Number(month), Number(day), Number(hour), Number(minute), Number(second)] as const;
  if (fields[0] < 1 || fields[0] > 12 || fields[1] < 1 || fields[1] > 31 || fields[2] > 23 || fields[3] > 59 || fields[4] > 60) {
    return undefined;
  }
  let ms = Date.UTC(Number(year), fields[0] - 1, fields[1], fields[2], fields[3], fields[4]);
  if (new Date(ms).getUTCDate() !== fields[1]) return undefined; // 31 April and the like
  if (fraction) ms += Number(`0.${fraction}`) * 1000;
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

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringRecord(value: unknown): value is Record<string, string> {
  if (!isPlainObject(value)) return false;
  for (const key in value) if (typeof value[key] !== 'string') return false;
  return true;
}
