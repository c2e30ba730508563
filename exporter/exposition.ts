/**
 * The Prometheus text format (0.0.4) written by the exporter itself, byte for byte as prom-client
 * 15 writes it (lib/registry.js `getMetricsAsString`, lib/util.js `getValueAsString`): a `# HELP`
 * and a `# TYPE` line per metric, one line per sample, metrics separated by a blank line and the
 * text ended by a newline. Names and help escape `\` and newline; label values also `"`; values
 * are JavaScript's number text, `Nan`, `+Inf` or `-Inf` (prom-client's spellings, which Prometheus
 * parses). `exporter/exposition.test.ts` compares it with prom-client's own output.
 *
 * Why: prom-client renders a collector's samples from fresh label objects per scrape
 * (Object.entries, three regex replaces per label value, template strings); at 5,000 series that
 * cost more than prom-client's own Counter (issue #15). Here label values are escaped only when
 * they hold a character to escape, and each sample line is written from the label arrays the
 * store holds. The OpenMetrics registry and the JSON read of the registry (live page) still use
 * prom-client's collectors.
 */

import { Registry, type MetricObject } from 'prom-client';

/** A registered metric that can write its own text (its HELP, TYPE and sample lines, no trailing newline). */
export interface TextCollector {
  readonly name: string;
  text(): string;
}

/** `value` as prom-client writes it. */
export function valueText(value: number): string {
  if (Number.isNaN(value)) return 'Nan';
  if (!Number.isFinite(value)) return value < 0 ? '-Inf' : '+Inf';
  return `${value}`;
}

/** A metric name or help text escaped as prom-client escapes them (`\` and newline). */
export function escapeText(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** A label value escaped as prom-client escapes it (`\`, newline, `"`); unchanged (no new string) when nothing needs it. */
export function escapeLabelValue(value: string): string {
  for (let index = 0; index < value.length; index += 1) {
    const code = value.charCodeAt(index);
    if (code === 0x5c || code === 0x0a || code === 0x22) return escapeText(value).replace(/"/g, '\\"');
  }
  return value;
}

/** `a="x",b="y"` for `names` and `values` (same length), escaped. */
export function labelPairs(names: readonly string[], values: readonly string[], from = 0): string {
  let text = '';
  for (let index = from; index < names.length; index += 1) {
    if (text !== '') text += ',';
    text += `${names[index]}="${escapeLabelValue(values[index - from]!)}"`;
  }
  return text;
}

/** `# HELP` and `# TYPE` lines of one metric, without a trailing newline. */
export function metricHeader(name: string, help: string, type: string): string {
  const escaped = escapeText(name);
  return `# HELP ${escaped} ${escapeText(help)}\n# TYPE ${escaped} ${type}`;
}

/** A sample in prom-client's collector shape, as prom-client writes it (labels in their key order). */
export function sampleValueLine(
  name: string,
  sample: { readonly labels: Readonly<Record<string, string>>; readonly value: number; readonly metricName?: string },
): string {
  let pairs = '';
  for (const [label, value] of Object.entries(sample.labels)) {
    if (pairs !== '') pairs += ',';
    pairs += `${label}="${escapeLabelValue(value)}"`;
  }
  return sampleLine(sample.metricName ?? name, pairs, sample.value);
}

/** One sample line: `name{labels} value`, without braces when there are no labels. */
export function sampleLine(name: string, labels: string, value: number): string {
  return labels === '' ? `${name} ${valueText(value)}` : `${name}{${labels}} ${valueText(value)}`;
}

/**
 * The text-format registry of the exporter: metrics that write their own text
 * ({@link TextCollector}) are written by it, any other metric registered here by prom-client, in
 * registration order, joined as prom-client joins them. With default labels set (prom-client adds
 * them to every sample) the whole text is prom-client's.
 */
export class ExpositionRegistry extends Registry {
  private defaultLabels = false;

  override setDefaultLabels(labels: object): void {
    this.defaultLabels = Object.keys(labels).length > 0;
    super.setDefaultLabels(labels);
  }

  override async metrics(): Promise<string> {
    if (this.defaultLabels) return super.metrics();
    const parts: string[] = [];
    for (const metric of this.getMetricsAsArray() as Array<MetricObject & Partial<TextCollector>>) {
      parts.push(typeof metric.text === 'function' ? metric.text() : await this.getSingleMetricAsString(metric.name));
    }
    return `${parts.join('\n\n')}\n`;
  }
}
