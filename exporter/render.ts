/**
 * Rendering: the store and the health counters as prom-client metrics with the catalog's names,
 * help and labels. Values are built fresh on each scrape (a custom collector per metric, as the
 * exporter guidelines advise for mirrored data); nothing here mutates the store.
 *
 * Over 400 lines on purpose: the whole exposition: the catalog’s families, the text writer that matches prom-client byte for byte, and the health counters, kept together so the byte-identity tests cover one file.
 */

import type { Metric, Registry, RegistryContentType } from 'prom-client';
import { EXPORTER_METRICS, type MetricDefinition, RUN_METRICS } from '../contracts/metrics.ts';
import type { ExporterHealth } from './health.ts';
import { NONE } from './labels.ts';
import { thresholdHolds } from './thresholds.ts';
import { escapeLabelValue, labelPairs, metricHeader, sampleLine, sampleValueLine, valueText } from './exposition.ts';
import {
  CounterFamily,
  DURATION_BUCKETS,
  HistogramFamily,
  type HistogramSeries,
  type RunEntry,
  type RunStore,
  type SourceKind,
} from './store.ts';

/** One rendered sample, in prom-client's collector shape. */
interface SampleValue {
  labels: Record<string, string>;
  value: number;
  metricName?: string;
}

/** One run, merged over its layers, ready to render. */
export interface RunView {
  readonly run: string;
  readonly firstMs: number;
  readonly lastMs: number;
  /** Scenarios seen per source. */
  readonly scenarios: ReadonlyMap<SourceKind, ReadonlySet<string>>;
  readonly requests: CounterFamily;
  readonly durations: HistogramFamily;
  readonly funnel: CounterFamily;
  /** Planned rate (sum over layers) and planned arrivals, by scenario. */
  readonly planned: ReadonlyMap<string, { rate: number; arrivals: number }>;
  readonly iterations: CounterFamily;
  readonly dropped: CounterFamily;
  readonly vus: number | undefined;
  readonly vusMax: number | undefined;
  readonly checks: CounterFamily;
  /** stage, outcome, second; stage, result, second (empty unless the exporter runs with `--sample-seconds`). */
  readonly requestsBySecond: CounterFamily;
  readonly funnelBySecond: CounterFamily;
  /** Threshold state by metric and expression; a threshold holds only if it holds in every layer. */
  readonly thresholds: ReadonlyMap<
    string,
    { readonly metric: string; readonly threshold: string; readonly holds: boolean }
  >;
  readonly truth: RunEntry['truth'];
}

/**
 * When a run's plan counts as over although its planned-rate helper never said 0 (a run cut by
 * Ctrl-C or killed): nothing of the run has arrived for `staleMs` by the exporter's clock.
 */
export interface PlanStaleness {
  /** Now, Unix ms. */
  readonly nowMs: number;
  /** Milliseconds without a sample of the run after which its planned rate shows 0. */
  readonly staleMs: number;
}

/**
 * Merges each run's slices into one view. A run's planned rate shows 0 (and planned arrivals stop
 * growing) once its plan is over: the layer's summary.json agrees with the data read, the sender
 * ended the series (remote-write stale marker), or, with `staleness`, nothing of the run arrived
 * for `staleness.staleMs`. Without `staleness` no run goes stale.
 */
export function viewRuns(store: RunStore, staleness?: PlanStaleness): RunView[] {
  const views: RunView[] = [];
  const settled = settledSummaries(store);
  for (const [run, entry] of store.runs) views.push(viewRun(store, run, entry, settled, staleness));
  return views;
}

/** True when no layer of the run took a sample within the stale period. */
function runIsStale(entry: RunEntry, staleness: PlanStaleness | undefined): boolean {
  if (!staleness) return false;
  let receivedMs = Number.NEGATIVE_INFINITY;
  for (const slice of entry.slices.values()) receivedMs = Math.max(receivedMs, slice.receivedMs);
  return staleness.nowMs - receivedMs > staleness.staleMs;
}

/**
 * Layers whose summary.json agrees with what was read from them (same http_reqs count, else
 * same iterations count): a summary left over from an earlier run in the same folder, or one
 * written before the last lines were read, does not apply.
 */
function settledSummaries(store: RunStore): ReadonlySet<string> {
  const pending = [...store.layers.values()].filter((layer) => layer.summary !== undefined);
  if (pending.length === 0) return new Set();
  const totals = new Map<string, { requests: number; iterations: number }>();
  for (const entry of store.runs.values()) {
    for (const [layerId, slice] of entry.slices) {
      const total = totals.get(layerId) ?? { requests: 0, iterations: 0 };
      for (const { value } of slice.requests.series.values()) total.requests += value;
      for (const { value } of slice.iterations.series.values()) total.iterations += value;
      totals.set(layerId, total);
    }
  }
  const settled = new Set<string>();
  for (const layer of pending) {
    const { httpReqs, iterations } = layer.summary!;
    const total = totals.get(layer.id) ?? { requests: 0, iterations: 0 };
    if (
      httpReqs !== undefined ? total.requests === httpReqs : iterations === undefined || total.iterations === iterations
    )
      settled.add(layer.id);
  }
  return settled;
}

function viewRun(
  store: RunStore,
  run: string,
  entry: RunEntry,
  settled: ReadonlySet<string>,
  staleness: PlanStaleness | undefined,
): RunView {
  const slices = [...entry.slices];
  // Per run, not per layer: while one runner of a distributed run still sends, the plan of one
  // that went silent still counts (its missing arrivals are what the alert is for).
  const stale = runIsStale(entry, staleness);
  const single = slices.length === 1 ? slices[0]![1] : undefined;
  const merged = {
    requests: single?.requests ?? new CounterFamily(),
    durations: single?.durations ?? new HistogramFamily(),
    funnel: single?.funnel ?? new CounterFamily(),
    iterations: single?.iterations ?? new CounterFamily(),
    dropped: single?.dropped ?? new CounterFamily(),
    checks: single?.checks ?? new CounterFamily(),
    requestsBySecond: single?.requestsBySecond ?? new CounterFamily(),
    funnelBySecond: single?.funnelBySecond ?? new CounterFamily(),
  };
  let firstMs = Number.POSITIVE_INFINITY;
  let lastMs = Number.NEGATIVE_INFINITY;
  let vus: number | undefined;
  let vusMax: number | undefined;
  const scenarios = new Map<SourceKind, Set<string>>();
  const planned = new Map<string, { rate: number; arrivals: number }>();
  const thresholds = new Map<string, { metric: string; threshold: string; holds: boolean; final?: boolean }>();
  const finals: Array<{ metricLabel: string; label: string; ok: boolean }> = [];
  for (const [layerId, slice] of slices) {
    if (!single) {
      merged.requests.merge(slice.requests);
      merged.durations.merge(slice.durations);
      merged.funnel.merge(slice.funnel);
      merged.iterations.merge(slice.iterations);
      merged.dropped.merge(slice.dropped);
      merged.checks.merge(slice.checks);
      merged.requestsBySecond.merge(slice.requestsBySecond);
      merged.funnelBySecond.merge(slice.funnelBySecond);
    }
    firstMs = Math.min(firstMs, slice.firstMs);
    lastMs = Math.max(lastMs, slice.lastMs);
    // Several layers of one run are parallel generators (segments, runners): their gauges add up.
    if (slice.vus) vus = (vus ?? 0) + slice.vus.value;
    if (slice.vusMax) vusMax = (vusMax ?? 0) + slice.vusMax.value;
    // The helper emits 0 at the end of its plan, but a run cut short never gets there.
    const planOver = stale || settled.has(layerId);
    for (const [scenario, rate] of slice.planned) {
      const sum = planned.get(scenario) ?? { rate: 0, arrivals: 0 };
      planned.set(scenario, {
        rate: sum.rate + (planOver || rate.ended ? 0 : rate.rate),
        arrivals: sum.arrivals + rate.arrivals,
      });
    }
    const layer = store.layers.get(layerId);
    if (!layer) continue;
    let seen = scenarios.get(layer.source);
    if (!seen) scenarios.set(layer.source, (seen = new Set()));
    for (const scenario of slice.scenarios) seen.add(scenario);
    const runSeconds = Math.max(0, slice.lastMs - slice.firstMs) / 1000;
    for (const [metric, declared] of layer.thresholds) {
      // Only runs that sent this metric: one layer can carry several runs (an ingest sender).
      const tracker = slice.trackers.get(metric);
      if (!tracker) continue;
      for (const { label, expression } of declared.list) {
        const key = `${declared.metricLabel}\u0001${label}`;
        const holds = thresholdHolds(expression, tracker, runSeconds);
        const previous = thresholds.get(key);
        thresholds.set(key, {
          metric: declared.metricLabel,
          threshold: label,
          holds: (previous?.holds ?? true) && holds,
        });
      }
    }
    if (settled.has(layerId)) finals.push(...layer.summary!.verdicts);
  }
  // The run's own final verdicts replace what was evaluated on the way.
  for (const { metricLabel, label, ok } of finals) {
    const key = `${metricLabel}\u0001${label}`;
    const previous = thresholds.get(key);
    thresholds.set(key, {
      metric: metricLabel,
      threshold: label,
      holds: (previous?.final ? previous.holds : true) && ok,
      final: true,
    });
  }
  return { run, firstMs, lastMs, scenarios, planned, vus, vusMax, thresholds, truth: entry.truth, ...merged };
}

/** What the collectors read. */
export interface RenderSources {
  readonly store: RunStore;
  readonly health: ExporterHealth;
}

/** The rendered values of every run metric, and how many Prometheus series they make. */
export interface Snapshot {
  readonly values: ReadonlyMap<string, SampleValue[]>;
  readonly series: number;
}

/**
 * Registers one collector per catalog metric (run metrics and exporter health) in `registry`.
 * Call it once per registry: prom-client renames counter objects in OpenMetrics mode, so each
 * registry needs collectors of its own. `snapshot` is shared so one scrape builds the views once.
 */
export function registerCollectors(
  registry: Registry<RegistryContentType>,
  snapshots: Snapshots,
  sources: RenderSources,
): void {
  const { health } = sources;
  const snapshot = snapshots.values;
  for (const definition of Object.values(RUN_METRICS)) {
    register(
      registry,
      definition,
      () => snapshot().values.get(definition.name) ?? [],
      () => snapshots.text().lines.get(definition.name) ?? [],
    );
  }
  const E = EXPORTER_METRICS;
  register(registry, E.ingestLines, () =>
    [...health.lines].map(([source, value]) => sample(E.ingestLines, [source], value)),
  );
  register(registry, E.ingestRejected, () =>
    [...health.rejected].flatMap(([source, reasons]) =>
      [...reasons].map(([reason, value]) => sample(E.ingestRejected, [source, reason], value)),
    ),
  );
  register(registry, E.seriesDropped, () =>
    [...health.folded].map(([label, value]) => sample(E.seriesDropped, [label], value)),
  );
  register(registry, E.ingestLag, () =>
    [...health.lagSeconds].map(([source, value]) => sample(E.ingestLag, [source], value)),
  );
  register(registry, E.sourceErrors, () =>
    [...health.errors].map(([source, value]) => sample(E.sourceErrors, [source], value)),
  );
  register(registry, E.followedFiles, () => [sample(E.followedFiles, [], health.followedFiles)]);
  register(registry, E.runsEvicted, () => [sample(E.runsEvicted, [], health.runsEvicted)]);
  register(
    registry,
    E.exposedSeries,
    () => [sample(E.exposedSeries, [], snapshot().series)],
    () => [sampleLine(E.exposedSeries.name, '', snapshots.text().series)],
  );
  register(registry, E.remoteWriteSeries, () => [sample(E.remoteWriteSeries, [], health.remoteWriteSeries)]);
}

/** The run metrics of one scrape, as sample values (JSON, OpenMetrics) and as text-format lines. */
export interface Snapshots {
  readonly values: () => Snapshot;
  readonly text: () => TextSnapshot;
}

/**
 * Snapshot functions that render the run metrics at most once per scrape and form: the first
 * collector asked builds it, and it is dropped on the next turn of the event loop.
 */
export function snapshotOnce(store: RunStore, staleness?: () => PlanStaleness): Snapshots {
  return {
    values: once(() => renderRuns(viewRuns(store, staleness?.()))),
    text: once(() => renderRunsText(viewRuns(store, staleness?.()))),
  };
}

function once<T>(build: () => T): () => T {
  let cached: T | undefined;
  return () => {
    if (cached === undefined) {
      cached = build();
      setImmediate(() => {
        cached = undefined;
      });
    }
    return cached;
  };
}

/** Receives the samples of the run metrics, in exposition order (see {@link walkRuns}). */
interface SampleSink {
  /** One sample of `definition` with label values `run` and then `labels`. */
  value(definition: MetricDefinition, run: string, labels: readonly string[], value: number): void;
  /** One histogram series: its buckets (cumulative, then `+Inf`), sum and count. */
  histogram(definition: MetricDefinition, run: string, labels: readonly string[], series: HistogramSeries): void;
}

const NO_LABELS: readonly string[] = [];

/** Hands every sample of every run metric of `views` to `sink`, metric by metric in view order. Pure. */
function walkRuns(views: readonly RunView[], sink: SampleSink): void {
  const M = RUN_METRICS;
  for (const view of views) {
    const { run } = view;
    for (const { labels, value } of view.requests.series.values()) sink.value(M.httpRequests, run, labels, value);
    for (const series of view.durations.series.values())
      sink.histogram(M.httpRequestDuration, run, series.labels, series);
    for (const { labels, value } of view.funnel.series.values()) sink.value(M.funnelStage, run, labels, value);
    for (const { labels, value } of view.requestsBySecond.series.values())
      sink.value(M.httpRequestsBySecond, run, labels, value);
    for (const { labels, value } of view.funnelBySecond.series.values())
      sink.value(M.funnelStageBySecond, run, labels, value);
    for (const [scenario, { rate, arrivals }] of view.planned) {
      const labels = [scenario];
      sink.value(M.plannedArrivalRate, run, labels, rate);
      sink.value(M.plannedArrivals, run, labels, arrivals);
    }
    for (const { labels, value } of view.iterations.series.values()) sink.value(M.iterations, run, labels, value);
    for (const { labels, value } of view.dropped.series.values()) sink.value(M.droppedIterations, run, labels, value);
    if (view.vus !== undefined) sink.value(M.vus, run, NO_LABELS, view.vus);
    if (view.vusMax !== undefined) sink.value(M.vusMax, run, NO_LABELS, view.vusMax);
    for (const { labels, value } of view.checks.series.values()) sink.value(M.checks, run, labels, value);
    for (const { metric, threshold, holds } of view.thresholds.values())
      sink.value(M.thresholdPassing, run, [metric, threshold], holds ? 1 : 0);
    for (const [source, scenarios] of view.scenarios) {
      const list = scenarios.size > 0 ? [...scenarios] : [NONE];
      for (const scenario of list) sink.value(M.runInfo, run, [scenario, source], 1);
    }
    if (Number.isFinite(view.firstMs)) sink.value(M.runStart, run, NO_LABELS, view.firstMs / 1000);
    if (Number.isFinite(view.lastMs)) sink.value(M.runLastSample, run, NO_LABELS, view.lastMs / 1000);
    if (view.truth) {
      for (const [stage, stored] of Object.entries(view.truth.stored)) {
        sink.value(M.targetRecords, run, [stage], stored);
        const lost = Math.max(0, (view.truth.acknowledged[stage] ?? 0) - stored);
        sink.value(M.reconciliationLost, run, [stage], lost);
      }
    }
  }
}

/** Renders run views into sample values per catalog metric name. Pure. */
export function renderRuns(views: readonly RunView[]): Snapshot {
  const values = new Map<string, SampleValue[]>(Object.values(RUN_METRICS).map((definition) => [definition.name, []]));
  walkRuns(views, {
    value: (definition, run, labels, value) =>
      values.get(definition.name)!.push(sample(definition, [run, ...labels], value)),
    histogram: (definition, run, labels, series) =>
      values.get(definition.name)!.push(...histogramSamples(definition, [run, ...labels], series)),
  });
  let series = 0;
  for (const list of values.values()) series += list.length;
  return { values, series };
}

/** The run metrics as text-format sample lines per catalog metric name, and how many series they make. */
export interface TextSnapshot {
  readonly lines: ReadonlyMap<string, string[]>;
  readonly series: number;
}

/** Bucket bounds as label text (`le="0.005"`), for every histogram of the catalog. */
const LE_TEXT = DURATION_BUCKETS.map((bound) => `le="${escapeLabelValue(String(bound))}"`);

/**
 * Renders run views straight into text-format sample lines ({@link renderRuns}'s samples, in its
 * order, written as prom-client writes them: exporter/exposition.ts). Pure.
 */
export function renderRunsText(views: readonly RunView[]): TextSnapshot {
  const lines = new Map<string, string[]>(Object.values(RUN_METRICS).map((definition) => [definition.name, []]));
  let series = 0;
  // The `name{run="…"` head of the last (metric, run) written: one run's series come together.
  let headDefinition: MetricDefinition | undefined;
  let headRun = '';
  let head = '';
  const headOf = (definition: MetricDefinition, run: string): string => {
    if (definition !== headDefinition || run !== headRun) {
      [headDefinition, headRun] = [definition, run];
      head = `${definition.labels[0]}="${escapeLabelValue(run)}"`;
    }
    return head;
  };
  walkRuns(views, {
    value: (definition, run, labels, value) => {
      const rest = labelPairs(definition.labels, labels, 1);
      const pairs = rest === '' ? headOf(definition, run) : `${headOf(definition, run)},${rest}`;
      lines.get(definition.name)!.push(sampleLine(definition.name, pairs, value));
      series += 1;
    },
    histogram: (definition, run, labels, histogram) => {
      const rest = labelPairs(definition.labels, labels, 1);
      const base = rest === '' ? headOf(definition, run) : `${headOf(definition, run)},${rest}`;
      const out = lines.get(definition.name)!;
      const bucket = `${definition.name}_bucket{${base},`;
      let cumulative = 0;
      for (let index = 0; index < LE_TEXT.length; index += 1) {
        cumulative += histogram.counts[index]!;
        out.push(`${bucket}${LE_TEXT[index]!}} ${valueText(cumulative)}`);
      }
      out.push(`${bucket}le="+Inf"} ${valueText(histogram.count)}`);
      out.push(sampleLine(`${definition.name}_sum`, base, histogram.sum));
      out.push(sampleLine(`${definition.name}_count`, base, histogram.count));
      series += LE_TEXT.length + 3;
    },
  });
  return { lines, series };
}

function sample(definition: MetricDefinition, labelValues: readonly string[], value: number): SampleValue {
  const labels: Record<string, string> = {};
  definition.labels.forEach((name, index) => {
    labels[name] = labelValues[index]!;
  });
  return { labels, value };
}

function histogramSamples(
  definition: MetricDefinition,
  labelValues: readonly string[],
  series: { counts: Float64Array; sum: number; count: number },
): SampleValue[] {
  const base = sample(definition, labelValues, 0).labels;
  const result: SampleValue[] = [];
  let cumulative = 0;
  DURATION_BUCKETS.forEach((bound, index) => {
    cumulative += series.counts[index]!;
    result.push({ metricName: `${definition.name}_bucket`, labels: { ...base, le: String(bound) }, value: cumulative });
  });
  result.push({ metricName: `${definition.name}_bucket`, labels: { ...base, le: '+Inf' }, value: series.count });
  result.push({ metricName: `${definition.name}_sum`, labels: base, value: series.sum });
  result.push({ metricName: `${definition.name}_count`, labels: base, value: series.count });
  return result;
}

function register(
  registry: Registry<RegistryContentType>,
  definition: MetricDefinition,
  values: () => SampleValue[],
  lines: () => readonly string[] = () => values().map((value) => sampleValueLine(definition.name, value)),
): void {
  const header = metricHeader(definition.name, definition.help, definition.type);
  const collector = {
    name: definition.name,
    help: definition.help,
    type: definition.type,
    aggregator: 'sum' as const,
    // collector.name, not definition.name: in OpenMetrics mode the registry strips `_total` from
    // the registered counter's name and appends it again to each sample.
    get: () => ({
      name: collector.name,
      help: definition.help,
      type: definition.type,
      aggregator: 'sum' as const,
      values: values(),
    }),
    reset: () => {},
    // What exporter/exposition.ts ExpositionRegistry writes for the text format.
    text: () => {
      const list = lines();
      return list.length === 0 ? header : `${header}\n${list.join('\n')}`;
    },
  };
  // prom-client renders any object with get(); its Metric class type does not describe that shape.
  registry.registerMetric(collector as unknown as Metric);
}
