/**
 * k6's end-of-test summaries (k6-contract.md §3): the one reader of every shape a user can hand
 * floodgate, for the exporter and the report alike. Pure: parsing only, no I/O.
 *
 * Three shapes, told apart by their structure (not by file name):
 * - `handleSummary`: the `data` argument of `handleSummary()` as k6 v2.2 passes it by default
 *   (the "legacy" summary; `internal/js/summary.go` summarizeMetricsToObject). Each metric is
 *   `{type, contains, values, thresholds?: {expr: {ok}}}`.
 * - `summary-export`: the `--summary-export=FILE` file (`internal/js/summary-wrapper.js`
 *   oldJSONSummary): values flattened to the top of each metric, a Rate's `rate` renamed
 *   `value`, and thresholds `{expr: bool}` where **true means the threshold FAILED**.
 * - `machine-readable`: the new machine-readable summary, schema 1.0.0
 *   (`--new-machine-readable-summary`; `internal/lib/summary/machinereadable/types_gen.go`): it
 *   replaces both of the above and **carries no thresholds**, so thresholds read from it are
 *   unknown, never invented.
 */

/** The summary shapes floodgate reads. */
export const K6_SUMMARY_SHAPES = ['handleSummary', 'summary-export', 'machine-readable'] as const;
/** One summary shape. */
export type K6SummaryShape = (typeof K6_SUMMARY_SHAPES)[number];

/** What each shape is called where a person reads it. */
export const K6_SUMMARY_SHAPE_NAMES: Readonly<Record<K6SummaryShape, string>> = {
  handleSummary: "k6's handleSummary data (the default summary shape)",
  'summary-export': "k6's --summary-export file (thresholds map true = failed)",
  'machine-readable': "k6's machine-readable summary, schema 1.0.0 (it carries no threshold results)",
};

/** One threshold's final verdict. */
export interface K6SummaryThreshold {
  /** Metric or submetric name as k6 keys it, e.g. `http_req_duration{stage:register}`. */
  readonly metric: string;
  /** The expression, e.g. `p(95)<1500`. */
  readonly expression: string;
  /** True when it held. */
  readonly ok: boolean;
}

/** One metric's end-of-run values, with a Rate's ratio always under `rate`. */
export interface K6SummaryMetric {
  /** `counter`, `gauge`, `rate`, `trend`; undefined when the shape does not say (summary-export). */
  readonly type?: string;
  /** `default`, `time` (values in ms) or `data` (bytes); undefined when the shape does not say. */
  readonly contains?: string;
  /** `count`, `rate`, `avg`, `p(95)`, `value`, `passes`, … as numbers. */
  readonly values: Readonly<Record<string, number>>;
}

/** A summary, read. */
export interface K6Summary {
  readonly shape: K6SummaryShape;
  /** Every threshold verdict the summary holds; undefined when its shape carries none (machine-readable). */
  readonly thresholds: readonly K6SummaryThreshold[] | undefined;
  /** Metrics by name (submetrics keyed as k6 keys them). */
  readonly metrics: Readonly<Record<string, K6SummaryMetric>>;
  /** `http_reqs` count and `iterations` count, to check the summary belongs to the data read. */
  readonly httpReqs: number | undefined;
  readonly iterations: number | undefined;
}

/**
 * Reads a summary of any of the three shapes from its JSON text (or the value JSON.parse gave).
 * Throws a TypeError that says what is wrong when it is none of them.
 */
export function parseK6Summary(input: string | unknown): K6Summary {
  const data: unknown = typeof input === 'string' ? JSON.parse(input) : input;
  if (!isObject(data)) throw new TypeError('the summary is not a JSON object');
  if (typeof data.version === 'string' && isObject(data.results)) return machineReadable(data);
  const metrics = data.metrics;
  if (!isObject(metrics)) throw new TypeError('the summary has no "metrics" object (nor a machine-readable "results")');
  const entries = Object.entries(metrics);
  for (const [name, entry] of entries)
    if (!isObject(entry)) throw new TypeError(`summary metric ${name} is not an object`);
  const nested = entries.some(([, entry]) => isObject((entry as Record<string, unknown>).values));
  const flat = entries.some(([, entry]) => !isObject((entry as Record<string, unknown>).values));
  if (nested && flat)
    throw new TypeError(
      'the summary mixes handleSummary metrics ({values}) and --summary-export metrics (flat values)',
    );
  // An empty metrics object: handleSummary data carries `options` and `state`; an export does not.
  const legacy = nested || (entries.length === 0 && (isObject(data.options) || isObject(data.state)));
  // k6's --summary-export lists every metric of the run (summary-wrapper.js oldJSONSummary), so an
  // empty one is not k6's (a script's handleSummary may have written its own JSON there).
  if (!legacy && entries.length === 0)
    throw new TypeError('the summary has an empty "metrics" object, which no k6 summary of a run has');
  return legacy ? handleSummaryData(metrics) : summaryExport(metrics);
}

function handleSummaryData(metrics: Record<string, unknown>): K6Summary {
  const thresholds: K6SummaryThreshold[] = [];
  const read: Record<string, K6SummaryMetric> = {};
  for (const [name, raw] of Object.entries(metrics)) {
    const entry = raw as Record<string, unknown>;
    read[name] = { ...typeAndContains(entry), values: numbers(entry.values, name) };
    if (entry.thresholds === undefined) continue;
    if (!isObject(entry.thresholds))
      throw new TypeError(`summary metric ${name} has thresholds that are not an object`);
    for (const [expression, verdict] of Object.entries(entry.thresholds)) {
      const ok = isObject(verdict) ? verdict.ok : undefined;
      if (typeof ok !== 'boolean') throw new TypeError(`threshold ${name}: ${expression} has no boolean "ok"`);
      thresholds.push({ metric: name, expression, ok });
    }
  }
  return finish('handleSummary', thresholds, read);
}

function summaryExport(metrics: Record<string, unknown>): K6Summary {
  const thresholds: K6SummaryThreshold[] = [];
  const read: Record<string, K6SummaryMetric> = {};
  for (const [name, raw] of Object.entries(metrics)) {
    const { thresholds: verdicts, ...rest } = raw as Record<string, unknown>;
    const values = { ...numbers(rest, name) };
    if (Object.keys(values).length === 0)
      throw new TypeError(
        `summary metric ${name} holds no numbers (k6's --summary-export gives each metric its values)`,
      );
    // A Rate carries {value, passes, fails}; a Gauge {value, min, max}: oldJSONSummary renamed rate → value.
    const isRate = 'passes' in values && 'fails' in values && 'value' in values;
    if (isRate) {
      values.rate = values.value!;
      delete values.value;
    }
    read[name] = { ...(isRate ? { type: 'rate' } : {}), values };
    if (verdicts === undefined) continue;
    if (!isObject(verdicts)) throw new TypeError(`summary metric ${name} has thresholds that are not an object`);
    for (const [expression, failed] of Object.entries(verdicts)) {
      if (typeof failed !== 'boolean')
        throw new TypeError(`threshold ${name}: ${expression} is not true (failed) or false (passed)`);
      thresholds.push({ metric: name, expression, ok: !failed });
    }
  }
  return finish('summary-export', thresholds, read);
}

function machineReadable(data: Record<string, unknown>): K6Summary {
  if (!/^1\.\d+\.\d+$/.test(data.version as string)) {
    throw new TypeError(
      `machine-readable summary version ${JSON.stringify(data.version)} is not 1.x (floodgate reads schema 1.0.0)`,
    );
  }
  const results = data.results as Record<string, unknown>;
  const list = results.metrics ?? [];
  if (!Array.isArray(list)) throw new TypeError('machine-readable summary: results.metrics is not a list');
  const read: Record<string, K6SummaryMetric> = {};
  for (const raw of list as unknown[]) {
    if (!isObject(raw) || typeof raw.name !== 'string')
      throw new TypeError('machine-readable summary: a metric without a name');
    const values = { ...numbers(raw.values, raw.name) };
    // Rate values are {rate, matches, total}: passes/fails as the other shapes call them.
    if (raw.type === 'rate' && 'matches' in values && 'total' in values) {
      values.passes = values.matches!;
      values.fails = values.total! - values.matches!;
    }
    read[raw.name] = { ...typeAndContains(raw), values };
  }
  return finish('machine-readable', undefined, read);
}

function finish(
  shape: K6SummaryShape,
  thresholds: K6SummaryThreshold[] | undefined,
  metrics: Record<string, K6SummaryMetric>,
): K6Summary {
  const count = (name: string): number | undefined => metrics[name]?.values.count;
  return { shape, thresholds, metrics, httpReqs: count('http_reqs'), iterations: count('iterations') };
}

function typeAndContains(entry: Record<string, unknown>): { type?: string; contains?: string } {
  return {
    ...(typeof entry.type === 'string' ? { type: entry.type } : {}),
    ...(typeof entry.contains === 'string' ? { contains: entry.contains } : {}),
  };
}

/** The numeric fields of `values` (k6 writes NaN as null for empty trends: those are left out). */
function numbers(values: unknown, metric: string): Record<string, number> {
  if (!isObject(values)) throw new TypeError(`summary metric ${metric} has no values object`);
  const result: Record<string, number> = {};
  for (const [key, value] of Object.entries(values))
    if (typeof value === 'number' && Number.isFinite(value)) result[key] = value;
  return result;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
