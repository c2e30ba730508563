/**
 * The readable end-of-test summary printed when a script has no handleSummary: checks by group,
 * then one line per metric in k6's style (✓/✗ where thresholds apply).
 */

import type { SummaryData, SummaryGroup, SummaryMetric } from './summary.ts';

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

function formatValue(value: number, contains: string): string {
  if (contains === 'time') return formatTime(value);
  if (contains === 'data') return formatBytes(value);
  return round(value, 6);
}

function metricText(entry: SummaryMetric): string {
  const { values } = entry;
  switch (entry.type) {
    case 'counter':
      return `${formatValue(values.count ?? 0, entry.contains)}  ${entry.contains === 'data' ? `${formatBytes(values.rate ?? 0)}/s` : `${round(values.rate ?? 0, 6)}/s`}`;
    case 'gauge':
      return `${formatValue(values.value ?? 0, entry.contains)}  min=${formatValue(values.min ?? 0, entry.contains)} max=${formatValue(values.max ?? 0, entry.contains)}`;
    case 'rate': {
      const passes = values.passes ?? 0;
      const fails = values.fails ?? 0;
      return `${round((values.rate ?? 0) * 100)}%  ${passes} out of ${passes + fails}`;
    }
    default:
      return Object.entries(values)
        .map(([stat, value]) => `${stat}=${stat === 'count' ? value : formatValue(value, entry.contains)}`)
        .join(' ');
  }
}

function groupLines(group: SummaryGroup, indent: string, lines: string[]): void {
  for (const check of group.checks) {
    const total = check.passes + check.fails;
    if (check.fails === 0) lines.push(`${indent}✓ ${check.name}`);
    else lines.push(`${indent}✗ ${check.name}`, `${indent}  ↳  ${round((check.passes / Math.max(1, total)) * 100)}% — ✓ ${check.passes} / ✗ ${check.fails}`);
  }
  for (const child of group.groups) {
    lines.push(`${indent}█ ${child.name}`);
    groupLines(child, `${indent}  `, lines);
  }
}

/** Renders the summary data as text. */
export function renderTextSummary(data: SummaryData): string {
  const lines: string[] = [''];
  const groups: string[] = [];
  groupLines(data.root_group, '    ', groups);
  if (groups.length > 0) lines.push(...groups, '');
  const names = Object.keys(data.metrics).sort((a, b) => {
    const [baseA, baseB] = [a.split('{')[0] as string, b.split('{')[0] as string];
    return baseA === baseB ? a.length - b.length : baseA < baseB ? -1 : 1;
  });
  const width = Math.max(20, ...names.map((name) => displayName(name).length + 4));
  for (const name of names) {
    const entry = data.metrics[name] as SummaryMetric;
    const thresholds = entry.thresholds ? Object.values(entry.thresholds) : [];
    const mark = thresholds.length === 0 ? ' ' : thresholds.every((threshold) => threshold.ok) ? '✓' : '✗';
    const label = displayName(name);
    lines.push(`  ${mark} ${label}${'.'.repeat(Math.max(3, width - label.length))}: ${metricText(entry)}`);
  }
  lines.push('');
  return lines.join('\n');
}

function displayName(name: string): string {
  const brace = name.indexOf('{');
  return brace < 0 ? name : `  { ${name.slice(brace + 1, -1)} }`;
}
