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
  /** Seconds the request took, when the format records it. */
  readonly durationSeconds?: number;
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
  Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11,
};

/**
 * nginx's `$time_local`: `10/Apr/2020:10:00:00 +0700` → ms since the epoch, or NaN. Four-digit
 * years only (Date.UTC would read 0050 as 1950).
 */
export function parseTimeLocal(text: string): number {
  const match = /^(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))? ([+-])(\d{2})(\d{2})$/.exec(text);
  if (!match) return Number.NaN;
  const month = MONTHS[match[2]!];
  if (month === undefined) return Number.NaN;
  const date = new Date(0);
  date.setUTCFullYear(Number(match[3]), month, Number(match[1]));
  date.setUTCHours(Number(match[4]), Number(match[5]), Number(match[6]), match[7] ? Number(match[7].padEnd(3, '0').slice(0, 3)) : 0);
  const offsetMinutes = (Number(match[9]) * 60 + Number(match[10])) * (match[8] === '-' ? -1 : 1);
  // a day or time out of range rolls over in Date: refuse it instead
  if (date.getUTCDate() !== Number(match[1]) || date.getUTCHours() !== Number(match[4]) || Number(match[5]) > 59 || Number(match[6]) > 59) return Number.NaN;
  return date.getTime() - offsetMinutes * 60_000;
}

/** An ISO 8601 / RFC 3339 time with a zone (`Z` or ±hh:mm) → ms, or NaN when it has none. */
export function parseIsoTime(text: string): number {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/.test(text)) return Number.NaN;
  return Date.parse(text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
}

/** `POST /api/register?x=1 HTTP/1.1` (or a full URL, as ALB writes it) → method and path. */
export function parseRequestLine(text: string): { method: string; path: string } | undefined {
  const match = /^([A-Z]{3,10}) (\S+)(?: HTTP\/[\d.]+)?$/.exec(text);
  if (!match) return undefined;
  let path = match[2]!;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\/[^/]*/i.exec(path);
  if (scheme) path = path.slice(scheme[0].length) || '/';
  if (!path.startsWith('/')) return undefined;
  return { method: match[1]!, path };
}

/** A status field: 100–599, or 0 for "no answer" (ALB `-`, nginx 499 stays 499). */
export function parseStatus(text: string): number | undefined {
  if (text === '-' || text === '0') return 0;
  if (!/^\d{3}$/.test(text)) return undefined;
  const status = Number(text);
  return status >= 100 && status <= 599 ? status : undefined;
}
