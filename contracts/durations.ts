/**
 * k6's duration grammar, the one parser floodgate has (the engine's options, `http` timeouts and
 * thresholds, the scripts' variables and k6 stages all read durations here), and the two ways
 * floodgate prints a duration: as a k6 option value ({@link formatK6Duration}) and as Go prints a
 * `time.Duration` in messages ({@link formatGoDuration}).
 *
 * The grammar is k6's `types.ParseExtendedDuration` (lib/types/types.go): a bare number is
 * milliseconds (`strconv.ParseFloat`); otherwise an integer count of days followed by `d` and an
 * optional non-negative Go duration (`2d`, `1d12h`); otherwise Go's `time.ParseDuration`
 * (`1h2m3.5s`, `500ms`, `250us`, `10µs`, `5ns`, `-1.5h`, `0`). Like k6, no surrounding spaces.
 * Where `strconv.ParseFloat` accepts more than decimals (`inf`, `NaN`, hexadecimal floats such as
 * `0x1p4`), floodgate refuses the value instead of guessing what k6 would make of it.
 */

/** A unit's size in milliseconds and in seconds (time.ParseDuration's unitMap), each exact, so neither is the other times 1000. */
const GO_UNITS: Readonly<Record<string, { readonly ms: number; readonly s: number }>> = {
  ns: { ms: 1e-6, s: 1e-9 },
  us: { ms: 1e-3, s: 1e-6 },
  µs: { ms: 1e-3, s: 1e-6 }, // U+00B5 micro sign
  μs: { ms: 1e-3, s: 1e-6 }, // U+03BC Greek mu
  ms: { ms: 1, s: 1e-3 },
  s: { ms: 1000, s: 1 },
  m: { ms: 60_000, s: 60 },
  h: { ms: 3_600_000, s: 3600 },
};
/** A day in milliseconds and in seconds. */
const DAY = { ms: 86_400_000, s: 86_400 } as const;

/** A decimal `strconv.ParseFloat` reads: sign, digits with an optional fraction, an optional exponent. */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
/** One part of a Go duration: digits, an optional fraction, and the unit (everything up to the next digit or dot). */
const GO_PART = /^(\d*)(?:\.(\d*))?([^\d.]*)/;

/**
 * Parses a k6 duration into milliseconds, as k6's `types.ParseExtendedDuration` does; a number is
 * taken as milliseconds. Undefined when `value` is not a duration (the caller names the option in
 * its error). Negative durations are accepted, as k6 does.
 */
export function parseK6DurationMs(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  return typeof value === 'string' ? parseExtended(value, 'ms') : undefined;
}

/**
 * Parses a k6 duration into seconds (a number is milliseconds, as in k6), for the scripts'
 * variables and k6 stages: surrounding spaces are ignored (variables are read trimmed) and a
 * negative duration is refused. Throws a RangeError saying which forms work.
 */
export function parseDurationSeconds(text: string | number): number {
  if (typeof text === 'number') return text / 1000;
  const seconds = parseExtended(text.trim(), 's');
  if (seconds === undefined || seconds < 0 || Object.is(seconds, -0)) {
    throw new RangeError(`"${text}" is not a duration; use forms like "30s", "5m", "1h30m" or "250ms"`);
  }
  return seconds;
}

/** Formats seconds as a k6 option value (a Go duration): whole seconds as `"90s"`, else whole milliseconds (`"1500ms"`). */
export function formatK6Duration(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** Formats milliseconds the way Go prints a `time.Duration` (`1m30s`, `500ms`, `0s`), for messages that quote k6. */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s';
  const negative = ms < 0;
  let rest = Math.abs(ms);
  if (rest < 1000) {
    const text = rest >= 1 ? `${round(rest)}ms` : rest >= 1e-3 ? `${round(rest * 1e3)}µs` : `${round(rest * 1e6)}ns`;
    return negative ? `-${text}` : text;
  }
  let text = '';
  const hours = Math.floor(rest / 3_600_000);
  if (hours > 0) text += `${hours}h`;
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  if (hours > 0 || minutes > 0) text += `${minutes}m`;
  rest -= minutes * 60_000;
  text += `${round(rest / 1000)}s`;
  return negative ? `-${text}` : text;
}

// --- internals -------------------------------------------------------------------------------

/** k6's `types.ParseExtendedDuration`, in `unit`; undefined where k6 returns an error. */
function parseExtended(value: string, unit: 'ms' | 's'): number | undefined {
  // a bare number is milliseconds; seconds divide, as 1e-3 × n would round differently
  if (DECIMAL.test(value)) return unit === 'ms' ? Number(value) : Number(value) / 1000;
  const dPos = value.indexOf('d');
  if (dPos < 0) return parseGoDuration(value, unit);
  let hours = 0;
  if (dPos + 1 < value.length) {
    const after = parseGoDuration(value.slice(dPos + 1), unit);
    if (after === undefined || after < 0) return undefined;
    hours = after;
  }
  const daysText = value.slice(0, dPos);
  if (!/^[+-]?\d+$/.test(daysText)) return undefined;
  const days = Number(daysText);
  return days * DAY[unit] + (days < 0 ? -hours : hours);
}

/** Go's `time.ParseDuration`, in `unit`; undefined where Go returns an error. */
function parseGoDuration(value: string, unit: 'ms' | 's'): number | undefined {
  let text = value;
  let sign = 1;
  if (text.startsWith('-') || text.startsWith('+')) {
    sign = text.startsWith('-') ? -1 : 1;
    text = text.slice(1);
  }
  if (text === '0') return 0;
  if (text === '') return undefined;
  let total = 0;
  while (text !== '') {
    const [part, whole = '', fraction, name = ''] = GO_PART.exec(text)!;
    if (whole === '' && (fraction ?? '') === '') return undefined;
    const size = GO_UNITS[name];
    if (size === undefined) return undefined;
    total += Number(`${whole === '' ? '0' : whole}.${fraction ?? ''}0`) * size[unit];
    text = text.slice(part.length);
  }
  return sign * total;
}

function round(value: number): string {
  return String(Math.round(value * 1e6) / 1e6);
}
