/**
 * The PromQL vocabulary of the dashboards and rules: series selectors built from the metric
 * catalog (never a metric name typed by hand), the dashboard variables as matchers, and the few
 * expression shapes every board repeats (a rate by labels, a ratio that reads 0 instead of
 * nothing, a quantile from a histogram).
 */

import type { MetricDefinition } from './metrics.ts';

/** Grafana's rate window: at least four scrapes, widened with the zoom. */
export const RATE_INTERVAL = '$__rate_interval';
/** The whole time range of the dashboard. */
export const RANGE = '$__range';

/** A label matcher, rendered `label="value"`, `label=~"regex"` or `label!="value"`. */
export type Matcher = string;

/** `label="value"`. */
export const eq = (label: string, value: string): Matcher => `${label}="${value}"`;
/** `label=~"regex"`. */
export const re = (label: string, regex: string): Matcher => `${label}=~"${regex}"`;
/** `label!="value"`. */
export const ne = (label: string, value: string): Matcher => `${label}!="${value}"`;

/** Matches the runs picked in the dashboard's `run` variable (multi-valued, so a regex). */
export const RUN_VARIABLE: Matcher = re('run', '$run');
/** Matches the stages picked in the dashboard's `stage` variable. */
export const STAGE_VARIABLE: Matcher = re('stage', '$stage');

/** `name{matchers}`; `name` is a catalog definition, a histogram part, or a recorded series name. */
export function series(name: MetricDefinition | string, ...matchers: readonly Matcher[]): string {
  const metric = typeof name === 'string' ? name : name.name;
  return matchers.length === 0 ? metric : `${metric}{${matchers.join(', ')}}`;
}

/** The `_bucket`, `_sum` or `_count` series of a histogram from the catalog. */
export function histogramPart(metric: MetricDefinition, part: 'bucket' | 'sum' | 'count'): string {
  if (metric.type !== 'histogram') throw new TypeError(`${metric.name} is a ${metric.type}, not a histogram`);
  return `${metric.name}_${part}`;
}

/** The name a counter goes by once rated: the catalog name without `_total` (Prometheus rule naming). */
export function ratedName(metric: MetricDefinition): string {
  return metric.name.replace(/_total$/, '');
}

/** `by (a, b)`, or nothing for no labels. */
function by(labels: readonly string[]): string {
  return labels.length === 0 ? '' : ` by (${labels.join(', ')})`;
}

/** `sum by (labels) (rate(selector[window]))`. */
export function sumRate(selector: string, labels: readonly string[], window: string = RATE_INTERVAL): string {
  return `sum${by(labels)} (rate(${selector}[${window}]))`;
}

/** `sum by (labels) (increase(selector[window]))`. */
export function sumIncrease(selector: string, labels: readonly string[], window: string): string {
  return `sum${by(labels)} (increase(${selector}[${window}]))`;
}

/** `sum by (labels) (selector)`. */
export function sumBy(selector: string, labels: readonly string[]): string {
  return `sum${by(labels)} (${selector})`;
}

/**
 * The share of `part` in `whole`, both already aggregated by the same labels. Where the part has
 * no series (no errors yet) the share reads 0, not "no data": a healthy stage shows a flat zero.
 */
export function shareOf(part: string, whole: string): string {
  return `(${part} or (${whole}) * 0) / (${whole})`;
}

/**
 * `expr`, or zero for every series of `sibling` (same labels) where `expr` has none: a counter
 * that only appears once something happens (dropped iterations) then draws a flat zero, not a gap.
 */
export function orZero(expr: string, sibling: string): string {
  return `${expr} or (${sibling}) * 0`;
}

/**
 * `histogram_quantile(q, sum by (labels, le) (rate(bucket[window])))` for a catalog histogram.
 * `matchers` select the runs, stages and outcomes the quantile covers.
 */
export function quantile(
  q: number,
  metric: MetricDefinition,
  matchers: readonly Matcher[],
  labels: readonly string[],
  window: string = RATE_INTERVAL,
): string {
  return `histogram_quantile(${q}, ${sumRate(series(histogramPart(metric, 'bucket'), ...matchers), [...labels, 'le'], window)})`;
}

/** A regex matching exactly the given values, for a `=~` matcher. */
export function oneOf(values: readonly string[]): string {
  return values.join('|');
}

const PROMQL_WORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'inf',
  'nan',
]);

/**
 * The metric names an expression reads: identifiers that are not functions, keywords, label
 * names, durations or strings. For checks that every series exists in the catalog.
 */
export function seriesNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const name = match[0];
    const at = match.index;
    if (PROMQL_WORDS.has(name.toLowerCase())) continue;
    if (/[0-9.]$/.test(stripped.slice(0, at))) continue; // part of a number, e.g. 1e3
    if (
      stripped
        .slice(at + name.length)
        .trimStart()
        .startsWith('(')
    )
      continue; // a function
    names.add(name);
  }
  return [...names];
}
