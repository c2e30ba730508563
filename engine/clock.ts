/**
 * Time for samples and schedules: a monotonic clock anchored to the wall clock once, and Go's
 * RFC 3339 form with nanoseconds that k6 writes in its JSON output.
 */

import { performance } from 'node:perf_hooks';

/** Unix time in milliseconds with sub-millisecond precision, monotonic within the process. */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

/** Monotonic milliseconds, for measuring durations and scheduling. */
export function monoNow(): number {
  return performance.now();
}

let cachedSecond = Number.NaN;
let cachedPrefix = '';
let lastMs = Number.NaN;
let lastText = '';

/**
 * Formats Unix milliseconds as Go's `time.Time` JSON: RFC 3339, nanoseconds with trailing zeros
 * trimmed, in UTC (`Z`), e.g. `2026-08-21T09:00:01.234567891Z` or `2021-02-24T13:37:10Z`.
 */
export function rfc3339Nano(unixMs: number): string {
  // The samples of one request share their time; format it once.
  if (unixMs === lastMs) return lastText;
  lastMs = unixMs;
  lastText = formatNano(unixMs);
  return lastText;
}

function formatNano(unixMs: number): string {
  let seconds = Math.floor(unixMs / 1000);
  let nanos = Math.round((unixMs - seconds * 1000) * 1e6);
  if (nanos >= 1e9) {
    seconds += 1;
    nanos -= 1e9;
  }
  if (seconds !== cachedSecond) {
    cachedSecond = seconds;
    cachedPrefix = new Date(seconds * 1000).toISOString().slice(0, 19);
  }
  if (nanos === 0) return `${cachedPrefix}Z`;
  const fraction = String(nanos).padStart(9, '0').replace(/0+$/, '');
  return `${cachedPrefix}.${fraction}Z`;
}
