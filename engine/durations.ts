/**
 * k6 durations: Go duration strings (`1h2m3.5s`, `500ms`, `250us`, `10µs`, `5ns`) plus days
 * (`2d`), and bare numbers meaning milliseconds (k6's `types.ParseExtendedDuration`).
 */

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3,
  'μs': 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h|d)/y;

/**
 * Parses a k6 duration into milliseconds. Returns undefined when `value` is not a duration
 * (the caller names the option in its error). Negative durations are accepted as Go does.
 */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(text)) return Number(text);
  let sign = 1;
  let rest = text;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < rest.length) {
    const match = PART.exec(rest);
    if (!match) return undefined;
    total += Number(match[1]) * (UNIT_MS[match[2] as string] as number);
  }
  return sign * total;
}

/** Formats milliseconds the way Go prints a `time.Duration` (`1m30s`, `500ms`, `0s`), for messages. */
export function formatDuration(ms: number): string {
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

function round(value: number): string {
  return String(Math.round(value * 1e6) / 1e6);
}
