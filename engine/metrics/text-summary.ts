/**
 * The readable end-of-test summary printed when a script has no handleSummary: k6's own layout
 * (contracts/end-of-test-summary.ts), plus the older time and byte formatters.
 */

import { renderEndOfTestSummary } from '../../contracts/end-of-test-summary.ts';
import type { SummaryData } from './summary.ts';

/** Formats milliseconds like k6: `812µs`, `52.1ms`, `1.2s`, `1m3s`. */
export function formatTime(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 0.001) return `${round(ms * 1e6)}ns`;
  if (ms < 1) return `${round(ms * 1e3)}µs`;
  if (ms < 1000) return `${round(ms)}ms`;
  if (ms < 60_000) return `${round(ms / 1000)}s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes}m${round((ms - minutes * 60_000) / 1000)}s`;
}

/** Formats bytes like k6: `512 B`, `1.2 kB`, `3.4 MB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${unit === 0 ? value : round(value, 1)} ${units[unit]}`;
}

function round(value: number, digits = 2): string {
  const factor = 10 ** digits;
  return String(Math.round(value * factor) / factor);
}

/**
 * Renders the summary data as text: k6's own end-of-test summary (contracts/end-of-test-summary.ts,
 * ported from k6's internal/js/summary.js), coloured only on a terminal as k6 does.
 */
export function renderTextSummary(data: SummaryData): string {
  return renderEndOfTestSummary(data, { enableColors: data.state.isStdOutTTY && !data.options.noColor });
}
