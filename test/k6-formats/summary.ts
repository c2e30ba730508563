/**
 * The three end-of-test summary shapes k6 v2.x hands a user, computed from one k6 process's
 * samples (k6 computes summaries per process; under k6-operator each pod has its own).
 *
 * (a) `handleSummaryData`: the `data` argument of `handleSummary(data)` (the default, "legacy"
 *     shape). Follows k6 `internal/js/summary.go` `summarizeMetricsToObject` + `exportGroup` +
 *     `metricValueGetter` (counter {count, rate}, gauge {value, min, max}, rate {rate, passes,
 *     fails} where passes counts NON-ZERO samples, trend keyed by summaryTrendStats; thresholds
 *     `{expr: {ok}}` only on metrics that have thresholds), `lib/models.go` (group and check ids
 *     are md5 of the path; a check's path is `<group path>::<name>`), and which metrics appear:
 *     `internal/metrics/engine/engine.go` (observed metrics, metrics with thresholds even without
 *     samples, submetrics that got samples; `http_req_duration{expected_response:true}` always
 *     registered) and `internal/metrics/engine/ingester.go`. Checked against the fixture
 *     `expectedHandleSummaryRawData` of `internal/js/summary_test.go`.
 * (b) `summaryExport`: the `--summary-export` file. Follows `internal/js/summary-wrapper.js`
 *     `oldJSONSummary`: options/state dropped, each metric flattened to its values, thresholds
 *     `{expr: !ok}` (true = FAILED), rate's `rate` renamed `value`, groups/checks turned into
 *     objects keyed by name, `JSON.stringify(results, null, 4)`. Checked against
 *     `expectedOldJSONExportResult`.
 * (c) `machineReadableSummary`: `--new-machine-readable-summary` (schema 1.0.0), which replaces
 *     both (a) and the `--summary-export` content. Follows `internal/lib/summary/machine_readable.go`
 *     and `internal/output/summary/{summary.go,data.go}` (checks metrics total/failed/succeeded in
 *     that order, checks_failed's matches = failed checks; `checks`, `group_duration` and, in the
 *     default compact mode, the six http phase trends are left out; no thresholds at all). The
 *     object reaches JS as a Go struct, so its keys are k6's JS field names (`js/common/bridge.go`
 *     `FieldName`: snake_case), not the schema's json tags: `generated_at`, `k6_version`, trend
 *     `p90`/`p95`. Confirmed by `TestMachineReadableSummary` in `internal/cmd/tests/cmd_run_test.go`.
 *
 * Over 400 lines on purpose: the three summary shapes are computed from the same per-process aggregation; one port of k6’s summary code, checked side by side.
 */
import { createHash } from 'node:crypto';
import { goRfc3339Nano } from './go-json.ts';
import { evaluateThreshold, k6Percentile, sortFloats, thresholdSupported, type ThresholdOutcome } from './expected.ts';
import type { K6Run, MetricType, ValueType } from './model.ts';
import { matchesTags, parseSubmetric, registeredName, submetricsFor } from './model.ts';

/** Default `summaryTrendStats` (`lib/options.go`). */
export const DEFAULT_SUMMARY_TREND_STATS = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)'] as const;

/** One metric or submetric as a summary sees it: its sink's raw values and threshold outcomes. */
export interface SummaryMetricInput {
  /** Metric name, or submetric name `parent{k:v}`. */
  readonly name: string;
  readonly type: MetricType;
  readonly contains: ValueType;
  readonly values: readonly number[];
  readonly thresholds?: readonly { source: string; ok: boolean }[];
}

/** A group, with its checks and subgroups in definition order. */
export interface SummaryGroupInput {
  readonly name: string;
  readonly groups: readonly SummaryGroupInput[];
  readonly checks: readonly { name: string; passes: number; fails: number }[];
}

/** What one k6 process knows at the end of its run. */
export interface SummaryInput {
  readonly metrics: readonly SummaryMetricInput[];
  readonly rootGroup: SummaryGroupInput;
  readonly testRunDurationMs: number;
  readonly summaryTrendStats: readonly string[];
  readonly setupData?: unknown;
  /** Every threshold outcome (also inside `metrics`), for test assertions. */
  readonly thresholdOutcomes: readonly ThresholdOutcome[];
}

/** Options of the summary generators. */
export interface SummaryOptions {
  readonly runner?: string;
  readonly process?: number;
  readonly summaryTrendStats?: readonly string[];
}

/** Builds a `SummaryInput` from one runner process of a kit run. */
export function summaryInputOf(run: K6Run, options: SummaryOptions = {}): SummaryInput {
  const runner = options.runner ?? run.runners[0]?.id;
  const process = options.process ?? 1;
  const samples = run.samples.filter((s) => s.runner === runner && s.process === process);
  const first = process === 1 ? run.startUnixNano : (samples[0]?.unixNano ?? run.startUnixNano);
  const last = samples.reduce((m, s) => (s.unixNano > m ? s.unixNano : m), first);
  const durationMs = Math.ceil(Number(last - first) / 1e6) + 500;
  const outcomes: ThresholdOutcome[] = [];
  const byName = new Map<string, SummaryMetricInput>();
  const valuesOf = (metric: string, tags?: Record<string, string>): number[] =>
    samples.filter((s) => s.metric === metric && matchesTags(s, tags)).map((s) => s.value);

  for (const def of run.metrics.values()) {
    const values = valuesOf(def.name);
    if (values.length > 0) byName.set(def.name, { name: def.name, type: def.type, contains: def.contains, values });
  }
  // Summary names are k6's submetric names (`Submetric.Name`, trimmed, reused per tag set).
  for (const sub of submetricsFor(run.thresholds)) {
    const def = run.metrics.get(sub.parent);
    if (!def) continue;
    const values = valuesOf(sub.parent, sub.tags);
    if (values.length > 0 || sub.keys.some((k) => run.thresholds[k]))
      byName.set(sub.name, { name: sub.name, type: def.type, contains: def.contains, values });
  }
  for (const [key, defs] of Object.entries(run.thresholds)) {
    const { parent } = parseSubmetric(key);
    const def = run.metrics.get(parent);
    if (!def) continue;
    const results = defs
      .filter((d) => !run.unvalidatedThresholds || thresholdSupported(key, d.source, run.metrics))
      .map((d) => evaluateThreshold(samples, key, d.source, run.metrics, durationMs));
    outcomes.push(...results);
    const name = registeredName(run.thresholds, key);
    const existing = byName.get(name) ?? { name, type: def.type, contains: def.contains, values: [] };
    byName.set(name, { ...existing, thresholds: results.map((r) => ({ source: r.source, ok: r.ok })) });
    if (!byName.has(parent)) byName.set(parent, { name: parent, type: def.type, contains: def.contains, values: [] });
  }

  const checks = new Map<string, { name: string; passes: number; fails: number }>();
  for (const s of samples) {
    if (s.metric !== 'checks') continue;
    const name = s.tags.check ?? '';
    const c = checks.get(name) ?? { name, passes: 0, fails: 0 };
    if (s.value === 0) c.fails++;
    else c.passes++;
    checks.set(name, c);
  }
  return {
    metrics: [...byName.values()],
    rootGroup: { name: '', groups: [], checks: [...checks.values()] },
    testRunDurationMs: durationMs,
    summaryTrendStats: options.summaryTrendStats ?? DEFAULT_SUMMARY_TREND_STATS,
    setupData: run.setupData,
    thresholdOutcomes: outcomes,
  };
}

const md5 = (text: string): string => createHash('md5').update(text).digest('hex');

function trendStat(stat: string, values: readonly number[]): number {
  const n = values.length;
  const sum = values.reduce((a, v) => a + v, 0);
  switch (stat) {
    case 'avg':
      return n ? sum / n : 0;
    case 'min':
      return n ? values.reduce((a, v) => (v < a ? v : a)) : 0;
    case 'max':
      return n ? values.reduce((a, v) => (v > a ? v : a)) : 0;
    case 'med':
      return k6Percentile(sortFloats(values), 0.5);
    case 'count':
      return n;
    default:
      return k6Percentile(sortFloats(values), Number(stat.slice(2, -1)) / 100);
  }
}

/** `metricValueGetter`: the `values` object of one metric. */
export function metricValues(
  m: SummaryMetricInput,
  durationMs: number,
  trendStats: readonly string[],
): Record<string, number> {
  const n = m.values.length;
  switch (m.type) {
    case 'counter': {
      const count = m.values.reduce((a, v) => a + v, 0);
      return { count, rate: durationMs > 0 ? count / (durationMs / 1000) : 0 };
    }
    case 'gauge': {
      if (n === 0) return { value: 0, min: 0, max: 0 };
      let min = m.values[0]!;
      let max = m.values[0]!;
      for (const v of m.values) {
        if (v > max) max = v;
        if (v < min) min = v;
      }
      return { value: m.values[n - 1]!, min, max };
    }
    case 'rate': {
      const passes = m.values.filter((v) => v !== 0).length;
      return { rate: n ? passes / n : 0, passes, fails: n - passes };
    }
    case 'trend':
      return Object.fromEntries(trendStats.map((stat) => [stat, trendStat(stat, m.values)]));
  }
}

interface LegacyGroup {
  name: string;
  path: string;
  id: string;
  groups: LegacyGroup[];
  checks: { name: string; path: string; id: string; passes: number; fails: number }[];
}

function exportGroup(g: SummaryGroupInput, parentPath: string | null): LegacyGroup {
  const path = parentPath === null ? '' : parentPath + '::' + g.name;
  return {
    name: g.name,
    path,
    id: md5(path),
    groups: g.groups.map((sub) => exportGroup(sub, path)),
    checks: g.checks.map((c) => ({
      name: c.name,
      path: path + '::' + c.name,
      id: md5(path + '::' + c.name),
      passes: c.passes,
      fails: c.fails,
    })),
  };
}

/** The legacy `handleSummary(data)` argument, built from a `SummaryInput`. */
export function legacySummaryData(input: SummaryInput): Record<string, unknown> {
  const metrics: Record<string, unknown> = {};
  for (const m of input.metrics) {
    const entry: Record<string, unknown> = {
      type: m.type,
      contains: m.contains,
      values: metricValues(m, input.testRunDurationMs, input.summaryTrendStats),
    };
    if (m.thresholds && m.thresholds.length > 0)
      entry.thresholds = Object.fromEntries(m.thresholds.map((t) => [t.source, { ok: t.ok }]));
    metrics[m.name] = entry;
  }
  const data: Record<string, unknown> = {
    root_group: exportGroup(input.rootGroup, null),
    options: { summaryTrendStats: [...input.summaryTrendStats], summaryTimeUnit: '', noColor: false },
    state: { isStdOutTTY: false, isStdErrTTY: false, testRunDurationMs: input.testRunDurationMs },
    metrics,
  };
  // setup_data is `undefined` (absent once stringified) when setup returned nothing
  if (input.setupData !== undefined) data.setup_data = JSON.parse(JSON.stringify(input.setupData));
  return data;
}

/** (a) The `data` a script's `handleSummary(data)` receives, for one runner process of a run. */
export function handleSummaryData(run: K6Run, options: SummaryOptions = {}): Record<string, unknown> {
  return legacySummaryData(summaryInputOf(run, options));
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function transformGroup(group: { [k: string]: Json }): { [k: string]: Json } {
  if (Array.isArray(group.groups)) {
    const list = group.groups as { [k: string]: Json }[];
    group.groups = {};
    for (const g of list) (group.groups as { [k: string]: Json })[g.name as string] = transformGroup(g);
  }
  if (Array.isArray(group.checks)) {
    const list = group.checks as { [k: string]: Json }[];
    group.checks = {};
    for (const c of list) (group.checks as { [k: string]: Json })[c.name as string] = c;
  }
  return group;
}

/** `oldJSONSummary` of summary-wrapper.js over a legacy data object; returns the file text. */
export function oldJsonSummary(data: Record<string, unknown>): string {
  const results = JSON.parse(JSON.stringify(data)) as { [k: string]: Json };
  delete results.options;
  delete results.state;
  const metrics = results.metrics as { [k: string]: { [k: string]: Json } };
  for (const [name, metric] of Object.entries(metrics)) {
    const old = metric.values as { [k: string]: Json };
    const thresholds = metric.thresholds as { [k: string]: { ok: boolean } } | undefined;
    if (thresholds && Object.keys(thresholds).length > 0) {
      const flipped: { [k: string]: Json } = {};
      for (const [expr, t] of Object.entries(thresholds)) flipped[expr] = !t.ok;
      old.thresholds = flipped;
    }
    if (metric.type === 'rate' && Object.prototype.hasOwnProperty.call(old, 'rate')) {
      old.value = old.rate!;
      delete old.rate;
    }
    metrics[name] = old;
  }
  results.root_group = transformGroup(results.root_group as { [k: string]: Json });
  return JSON.stringify(results, null, 4);
}

/** (b) The `--summary-export=FILE` text for one runner process of a run. */
export function summaryExport(run: K6Run, options: SummaryOptions = {}): string {
  return oldJsonSummary(handleSummaryData(run, options));
}

/** Options of `machineReadableSummary`. */
export interface MachineReadableOptions extends SummaryOptions {
  /** `metadata.generated_at`, Unix ns. Default: the end of the run. */
  readonly generatedAtUnixNano?: bigint;
  /** Zone offset of the k6 host for `generated_at`, minutes. Default 0. */
  readonly zoneOffsetMinutes?: number;
  /** `config.script` (k6 puts the whole script source here). Default a short script. */
  readonly script?: string;
  /** `metadata.k6_version`. Default "2.2.0" (`internal/build/version.go` at the cited commit). */
  readonly k6Version?: string;
}

const SECTIONS: readonly ((name: string) => boolean)[] = [
  (n) =>
    [
      'http_reqs',
      'http_req_failed',
      'http_req_duration',
      'http_req_blocked',
      'http_req_connecting',
      'http_req_tls_handshaking',
      'http_req_sending',
      'http_req_waiting',
      'http_req_receiving',
    ].some((p) => n.startsWith(p)),
  (n) => ['vus', 'vus_max', 'iterations', 'iteration_duration', 'dropped_iterations'].some((p) => n.startsWith(p)),
  (n) => ['data_sent', 'data_received'].some((p) => n.startsWith(p)),
];
const COMPACT_SKIPPED = [
  'checks',
  'group_duration',
  'http_req_blocked',
  'http_req_connecting',
  'http_req_receiving',
  'http_req_sending',
  'http_req_tls_handshaking',
  'http_req_waiting',
];

function mrMetric(
  name: string,
  type: MetricType,
  contains: ValueType,
  values: Record<string, number>,
): Record<string, unknown> {
  let v: Record<string, unknown>;
  switch (type) {
    case 'counter':
      v = { count: values.count ?? 0 };
      break;
    case 'gauge':
      v = { max: values.max ?? 0, min: values.min ?? 0, value: values.value ?? 0 };
      break;
    case 'rate':
      v = {
        matches: Math.trunc(values.passes ?? 0),
        rate: values.rate ?? 0,
        total: Math.trunc((values.passes ?? 0) + (values.fails ?? 0)),
      };
      break;
    case 'trend':
      // pointer fields; nil pointers reach JS as null (uncertain, see README)
      v = {
        avg: values.avg ?? null,
        max: values.max ?? null,
        med: values.med ?? null,
        min: values.min ?? null,
        p90: values['p(90)'] ?? null,
        p95: values['p(95)'] ?? null,
      };
      break;
  }
  return { contains, name, type, values: v };
}

/** (c) The new machine-readable summary (schema 1.0.0) for one runner process of a run. */
export function machineReadableSummary(run: K6Run, options: MachineReadableOptions = {}): Record<string, unknown> {
  const input = summaryInputOf(run, options);
  const durationMs = input.testRunDurationMs;
  const metrics = input.metrics
    .filter((m) => !COMPACT_SKIPPED.some((p) => m.name.startsWith(p)))
    .map((m) => ({ m, section: SECTIONS.findIndex((f) => f(m.name)) }))
    .map(({ m, section }) => ({ m, section: section < 0 ? SECTIONS.length : section }))
    .sort((a, b) => a.section - b.section || (a.m.name < b.m.name ? -1 : a.m.name > b.m.name ? 1 : 0))
    .map(({ m }) => mrMetric(m.name, m.type, m.contains, metricValues(m, durationMs, input.summaryTrendStats)));
  const checkSamples = input.metrics.find((m) => m.name === 'checks');
  const results: Record<string, unknown> = {};
  if (checkSamples && checkSamples.values.length > 0) {
    const total = checkSamples.values.length;
    const ok = checkSamples.values.filter((v) => v !== 0).length;
    results.checks = {
      metrics: [
        mrMetric('checks_total', 'counter', 'default', { count: total }),
        mrMetric('checks_failed', 'rate', 'default', { passes: total - ok, fails: ok, rate: (total - ok) / total }),
        mrMetric('checks_succeeded', 'rate', 'default', { passes: ok, fails: total - ok, rate: ok / total }),
      ],
      results: input.rootGroup.checks.map((c) => ({ fails: c.fails, name: c.name, passes: c.passes })),
    };
  } else {
    // No check ran: k6 still writes `checks`, empty. `machineReadableSummaryResultsChecksBuilder`
    // returns an empty builder when `s.Checks` is nil (`internal/output/summary/data.go`
    // `populateSummaryChecks` leaves it nil without a `checks` sample), so `Results.Checks` points
    // to a struct whose `Metrics` and `Results` are nil slices. The summary reaches JS through
    // `rt.ToValue` (`internal/js/runner.go`), not encoding/json: `omitempty` does not apply, and
    // sobek turns a nil slice into an empty array (`runtime.go` `toValue`, `reflect.Slice`).
    results.checks = { metrics: [], results: [] };
  }
  results.metrics = metrics;
  const generatedAt = options.generatedAtUnixNano ?? run.startUnixNano + BigInt(durationMs) * 1_000_000n;
  return {
    config: { duration: durationMs / 1000, execution: 'local', script: options.script ?? KIT_SCRIPT },
    metadata: {
      generated_at: goRfc3339Nano(generatedAt, options.zoneOffsetMinutes ?? 0),
      k6_version: options.k6Version ?? '2.2.0',
    },
    results,
    version: '1.0.0',
  };
}

/** The script source the machine-readable summary's `config.script` carries by default. */
export const KIT_SCRIPT =
  "import http from 'k6/http';\nexport default function () {\n  http.get('http://127.0.0.1:8080/');\n}\n";

/** The machine-readable summary as k6 writes it to `--summary-export` (4-space JSON). */
export function machineReadableSummaryFile(run: K6Run, options: MachineReadableOptions = {}): string {
  return JSON.stringify(machineReadableSummary(run, options), null, 4);
}
