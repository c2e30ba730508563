/**
 * k6's `--summary-export FILE` content, for the local engine: the handleSummary data in the old
 * JSON shape k6's `internal/js/summary-wrapper.js` (`oldJSONSummary`) writes: no `options` or
 * `state`, each metric flattened to its values, a Rate's `rate` renamed `value`, thresholds as
 * `{expression: failed}` (true means the threshold FAILED), groups and checks keyed by name;
 * JSON indented by 4 spaces. Pure.
 */

/** The handleSummary data, as far as the export reads it (reference/k6-contract.md §3). */
export interface LegacySummaryData {
  readonly metrics: Readonly<
    Record<
      string,
      {
        readonly type: string;
        readonly values: Readonly<Record<string, number>>;
        readonly thresholds?: Readonly<Record<string, { readonly ok: boolean }>>;
      }
    >
  >;
  readonly root_group: LegacyGroup;
  readonly [key: string]: unknown;
}

interface LegacyGroup {
  readonly name: string;
  readonly groups: readonly LegacyGroup[];
  readonly checks: ReadonlyArray<{ readonly name: string }>;
  readonly [key: string]: unknown;
}

/** The export file's text. */
export function summaryExport(data: LegacySummaryData): string {
  const copy = JSON.parse(JSON.stringify(data)) as Record<string, unknown>;
  delete copy.options;
  delete copy.state;
  const metrics: Record<string, Record<string, unknown>> = {};
  for (const [name, metric] of Object.entries(data.metrics)) {
    const values: Record<string, unknown> = { ...metric.values };
    const thresholds = Object.entries(metric.thresholds ?? {});
    if (thresholds.length > 0)
      values.thresholds = Object.fromEntries(thresholds.map(([expression, result]) => [expression, !result.ok]));
    if (metric.type === 'rate' && 'rate' in values) {
      values.value = values.rate;
      delete values.rate;
    }
    metrics[name] = values;
  }
  copy.metrics = metrics;
  copy.root_group = keyedGroup(data.root_group);
  return JSON.stringify(copy, null, 4);
}

function keyedGroup(group: LegacyGroup): Record<string, unknown> {
  return {
    ...group,
    groups: Object.fromEntries(group.groups.map((child) => [child.name, keyedGroup(child)])),
    checks: Object.fromEntries(group.checks.map((check) => [check.name, check])),
  };
}
