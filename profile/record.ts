/**
 * One access-log line, read: the fields every log format yields, and the reasons a line can fail
 * to be read. Formats live in ./formats/, one file each, listed in ./formats/index.ts.
 */

/** What a log format gives for one request. */
export interface LogRecord {
  /** When the request was logged, ms since the epoch (time zones applied). */
  readonly timeMs: number;
  readonly method: string;
  /** Path and query, without scheme and host. */
  readonly path: string;
  /** HTTP status; 0 when the request got no answer (timeout, reset). */
  readonly status: number;
  /** Who sent it: the client address, as the log names it. */
  readonly client: string;
  readonly userAgent: string;
  /** Seconds the request took, when the format records it (undefined otherwise). */
  readonly durationSeconds?: number | undefined;
}

/** Why a line could not be read. One list, counted per reason, never fatal. */
export const LOG_REJECTION_REASONS = [
  'unparsable_line',
  'bad_time',
  'bad_request',
  'bad_status',
  'bad_json',
  'line_too_long',
] as const;
export type LogRejectionReason = (typeof LOG_REJECTION_REASONS)[number];

/** A line a format could not read. */
export interface LogRejection {
  readonly rejected: LogRejectionReason;
}

/** Reads one line of one format. Header lines (CSV) return undefined. */
export type LogLineParser = (line: string) => LogRecord | LogRejection | undefined;

/** A log format: its name, how to recognise its lines, and its parser. */
export interface LogFormat {
  readonly name: string;
  /** The format string it follows, for people and the README. */
  readonly documented: string;
  /** A fresh parser (CSV keeps its header between lines). */
  createParser(): LogLineParser;
  /** True when `line` looks like this format (used by format detection). */
  looksLike(line: string): boolean;
}

const MONTHS: Readonly<Record<string, number>> = {
  Jan: 1,
  Feb: 2,
  Mar: 3,
  Apr: 4,
  May: 5,
  Jun: 6,
  Jul: 7,
  Aug: 8,
  Sep: 9,
  Oct: 10,
  Nov: 11,
  Dec: 12,
};
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

const isLeap = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
const digits = (text: string, from: number, count: number): number => {
  let value = 0;
  for (let i = from; i < from + count; i += 1) {
    const code = text.charCodeAt(i) - 48;
    if (code < 0 || code > 9) return Number.NaN;
    value = value * 10 + code;
  }
  return value;
};

/**
 * nginx's `$time_local`: `10/Apr/2020:10:00:00 +0700` → ms since the epoch, or NaN. Read by
 * position with calendar arithmetic (no Date, no regex: it runs once a line); the year is read as
 * written, so 0050 stays 50.
 */
export function parseTimeLocal(text: string): number {
  if (
    text.length !== 26 ||
    text.charCodeAt(2) !== 47 ||
    text.charCodeAt(6) !== 47 ||
    text.charCodeAt(11) !== 58 ||
    text.charCodeAt(20) !== 32
  )
    return Number.NaN;
  const day = digits(text, 0, 2);
  const month = MONTHS[text.slice(3, 6)];
  const year = digits(text, 7, 4);
  const hour = digits(text, 12, 2);
  const minute = digits(text, 15, 2);
  const second = digits(text, 18, 2);
  const sign = text.charCodeAt(21) === 45 ? -1 : text.charCodeAt(21) === 43 ? 1 : 0;
  const offset = sign * (digits(text, 22, 2) * 60 + digits(text, 24, 2));
  if (month === undefined || !(day >= 1 && day <= (month === 2 && !isLeap(year) ? 28 : DAYS_IN_MONTH[month - 1]!)))
    return Number.NaN;
  if (!(hour <= 23 && minute <= 59 && second <= 60 && sign !== 0 && Number.isFinite(offset))) return Number.NaN;
  return ((daysFromCivil(year, month, day) * 24 + hour) * 60 + minute - offset) * 60_000 + second * 1000;
}

/** An ISO 8601 / RFC 3339 time with a zone (`Z` or ±hh:mm) → ms, or NaN when it has none. */
export function parseIsoTime(text: string): number {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/.test(text)) return Number.NaN;
  return Date.parse(text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
}

/** `POST /api/register?x=1 HTTP/1.1` (or a full URL, as ALB writes it) → method and path. */
export function parseRequestLine(text: string): { method: string; path: string } | undefined {
  // by position, not by regex: every line has one
  const space = text.indexOf(' ');
  if (space < 3 || space > 10) return undefined;
  for (let i = 0; i < space; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 65 || code > 90) return undefined; // A–Z
  }
  let end = text.length;
  const version = text.lastIndexOf(' HTTP/');
  if (version > space) end = version;
  else if (text.indexOf(' ', space + 1) !== -1) return undefined;
  let start = space + 1;
  if (text.charCodeAt(start) !== 47) {
    // a full URL: scheme://host[:port]/path
    const scheme = text.indexOf('://', start);
    if (scheme < 0 || scheme > end) return undefined;
    const slash = text.indexOf('/', scheme + 3);
    if (slash < 0 || slash > end) return end > scheme + 3 ? { method: text.slice(0, space), path: '/' } : undefined;
    start = slash;
  }
  if (start >= end) return undefined;
  return { method: text.slice(0, space), path: text.slice(start, end) };
}

/** A status field: 100–599, or 0 for "no answer" (ALB `-`, nginx 499 stays 499). */
export function parseStatus(text: string): number | undefined {
  if (text === '-' || text === '0') return 0;
  if (!/^\d{3}$/.test(text)) return undefined;
  const status = Number(text);
  return status >= 100 && status <= 599 ? status : undefined;
}
