/**
 * The aggregate: k6 samples mapped onto the catalog's run metrics, held per run and per layer.
 *
 * A layer is one input that can be replayed on its own: one followed file, one ingest sender, one
 * remote-write runner (`instance_id`). Every run keeps one slice per layer it appears in; what
 * /metrics shows is the sum of the slices. When a followed file is truncated or replaced, its
 * layer is dropped and re-read, so the totals always equal what the files hold now, which is also
 * what a freshly started exporter would compute.
 *
 * Memory is bounded: label values are capped ({@link LabelGuard}), runs are capped (the run with
 * the oldest last sample is evicted), and series per run are products of capped labels.
 */

import { K6_BUILTIN, K6_METRICS, RUN_METRICS } from '../contracts/metrics.ts';
import { type Clock, systemClock } from './clock.ts';
import type { K6MetricDeclaration, K6MetricType, K6Sample, RejectReason } from './parse.ts';
import {
  type CappedLabel,
  checkLabel,
  type LabelGuard,
  methodLabel,
  NONE,
  OTHER,
  outcomeLabel,
  resultLabel,
  runLabel,
  scenarioLabel,
  stageLabel,
  statusLabel,
} from './labels.ts';
import type { RunSummary } from './summary.ts';
import { MetricTracker, parseThreshold, type ThresholdExpression } from './thresholds.ts';

/** Where samples come from (the `source` label). */
export type SourceKind = 'file' | 'ingest' | 'remote_write';

/** Upper bounds (seconds) of the request-duration histogram, from the catalog. */
export const DURATION_BUCKETS: readonly number[] = RUN_METRICS.httpRequestDuration.buckets;

/** Counters keyed by their label values (in catalog order, `run` excluded). */
export class CounterFamily {
  readonly series = new Map<string, { readonly labels: readonly string[]; value: number }>();

  /** `key` is `labels.join('\u0001')` when the caller has it already. */
  add(labels: readonly string[], value: number, key = labels.join('\u0001')): void {
    const entry = this.series.get(key);
    if (entry) entry.value += value;
    else this.series.set(key, { labels, value });
  }

  /** Adds every series of `other` into this one. */
  merge(other: CounterFamily): void {
    for (const entry of other.series.values()) this.add(entry.labels, entry.value);
  }
}

/** One histogram series: counts per bucket (not cumulative; the last is above every bound). */
export interface HistogramSeries {
  readonly labels: readonly string[];
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

/** Histograms over {@link DURATION_BUCKETS}, keyed by their label values. */
export class HistogramFamily {
  readonly series = new Map<string, HistogramSeries>();

  private entry(labels: readonly string[], key = labels.join('\u0001')): HistogramSeries {
    let entry = this.series.get(key);
    if (!entry)
      this.series.set(
        key,
        (entry = { labels, counts: new Float64Array(DURATION_BUCKETS.length + 1), sum: 0, count: 0 }),
      );
    return entry;
  }

  /** Records one observation, in seconds; `key` as in {@link CounterFamily.add}. */
  observe(labels: readonly string[], seconds: number, key?: string): void {
    const entry = this.entry(labels, key);
    let index = 0;
    while (index < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[index]!) index += 1;
    entry.counts[index]! += 1;
    entry.sum += seconds;
    entry.count += 1;
  }

  /** Adds bucket counts computed elsewhere (remote-write native histograms). */
  addCounts(labels: readonly string[], counts: ArrayLike<number>, sum: number, count: number, key?: string): void {
    const entry = this.entry(labels, key);
    for (let index = 0; index < entry.counts.length; index += 1) entry.counts[index]! += counts[index] ?? 0;
    entry.sum += sum;
    entry.count += count;
  }

  merge(other: HistogramFamily): void {
    for (const entry of other.series.values()) this.addCounts(entry.labels, entry.counts, entry.sum, entry.count);
  }
}

/** A gauge's newest value. */
interface GaugeValue {
  value: number;
  timeMs: number;
}

/** The planned arrival rate of one scenario and its integral so far. */
export interface PlannedRate {
  rate: number;
  timeMs: number;
  /** Applicants planned so far: the left Riemann sum of the rate over sample times. */
  arrivals: number;
  /**
   * The sender said the series ended (a remote-write stale marker): the plan shows 0 until a
   * newer sample arrives. The integral is not extended to the marker's time.
   */
  ended: boolean;
}

/** One run as one layer saw it. */
export class RunSlice {
  firstMs = Number.POSITIVE_INFINITY;
  lastMs = Number.NEGATIVE_INFINITY;
  /** When the exporter last took a sample of this run from this layer, by its clock (Unix ms). */
  receivedMs = Number.NEGATIVE_INFINITY;
  /** Scenario label values seen (for floodgate_run_info). */
  readonly scenarios = new Set<string>();
  /** scenario, stage, method, status, outcome */
  readonly requests = new CounterFamily();
  /** scenario, stage, outcome */
  readonly durations = new HistogramFamily();
  /** scenario, stage, result */
  readonly funnel = new CounterFamily();
  /** by scenario (the `planned_scenario` tag, else `scenario`) */
  readonly planned = new Map<string, PlannedRate>();
  /** scenario */
  readonly iterations = new CounterFamily();
  /** scenario */
  readonly dropped = new CounterFamily();
  vus: GaugeValue | undefined;
  vusMax: GaugeValue | undefined;
  /** check, result */
  readonly checks = new CounterFamily();
  /**
   * stage, outcome, second; and stage, result, second: requests and funnel by the second of their
   * sample time modulo 60 (only with {@link RunStoreOptions.sampleSeconds}; contracts/metrics.ts).
   */
  readonly requestsBySecond = new CounterFamily();
  readonly funnelBySecond = new CounterFamily();
  /** Per k6 metric with thresholds declared in this slice's layer. */
  readonly trackers = new Map<string, MetricTracker>();
}

/** One declared threshold, parsed. */
export interface DeclaredThreshold {
  /** The expression as written (the `threshold` label, capped). */
  readonly label: string;
  readonly expression: ThresholdExpression;
}

/** A threshold's final verdict from the run's summary.json, with capped label values. */
export interface FinalVerdict {
  readonly metricLabel: string;
  readonly label: string;
  readonly ok: boolean;
}

/** What a followed file's summary.json said, and the counts it must agree with to apply. */
export interface LayerSummary {
  readonly verdicts: readonly FinalVerdict[];
  readonly httpReqs: number | undefined;
  readonly iterations: number | undefined;
}

/** One input that can be replayed on its own; see the module comment. */
export interface Layer {
  readonly id: string;
  readonly source: SourceKind;
  /** Thresholds by k6 metric, from this layer's Metric lines. */
  readonly thresholds: Map<
    string,
    { readonly type: K6MetricType; readonly metricLabel: string; readonly list: DeclaredThreshold[] }
  >;
  /** The run's final summary, for a followed file whose folder holds one. */
  summary: LayerSummary | undefined;
  /** A followed file still followed: its runs are not evicted (see {@link RunStore.hold}). */
  held: boolean;
}

/** The target's truth for one run, as last polled. */
export interface TruthSnapshot {
  /** Records stored, per stage, as the target answered. */
  readonly stored: Readonly<Record<string, number>>;
  /** Stage completions acknowledged to the load generator, counted just before the poll. */
  readonly acknowledged: Readonly<Record<string, number>>;
}

/** One run: its slices by layer id, and its truth. */
export interface RunEntry {
  readonly slices: Map<string, RunSlice>;
  truth?: TruthSnapshot;
  /**
   * The run's exposed series of the label-keyed families (requests, durations, funnel,
   * iterations, dropped, checks, planned), each with the number of slices holding it: what the
   * series budget counts.
   */
  readonly keys: Map<string, number>;
  /** Prometheus series those keys make (a histogram counts its buckets, sum and count). */
  series: number;
}

/** What the store needs from outside. */
export interface RunStoreOptions {
  readonly guard: LabelGuard;
  /** Runs held at once; see the module comment. */
  readonly maxRuns: number;
  /**
   * Prometheus series of the label-keyed run metrics over all runs and sources; beyond it new
   * series fold their capped labels into `other` (see the module comment). Unlimited when omitted.
   */
  readonly maxSeries?: number;
  /** How long a run must have received nothing before it may be evicted, ms. Default {@link RUN_IDLE_MS}. */
  readonly runIdleMs?: number;
  /** Called with the run id each time a run is evicted. */
  readonly onEvict?: (run: string) => void;
  /** Called once per label value folded into `other` because the series budget is full. */
  readonly onBudgetFold?: (label: CappedLabel) => void;
  /** Stamps when samples arrive (see {@link RunSlice.receivedMs}); the system clock when omitted. */
  readonly clock?: Clock;
  /**
   * Also count requests and funnel samples by the second of their sample time modulo 60 (the
   * `…_by_second_total` counters), so a report read from Prometheus places them in sample time
   * exactly. At most 60 × stages × outcomes (results) series per run, outside the series budget.
   */
  readonly sampleSeconds?: boolean;
}

const KNOWN = {
  httpReqs: K6_BUILTIN.httpReqs,
  httpReqDuration: K6_BUILTIN.httpReqDuration,
  funnel: K6_METRICS.funnelStage,
  planned: K6_METRICS.plannedArrivalRate,
  iterations: K6_BUILTIN.iterations,
  dropped: K6_BUILTIN.droppedIterations,
  vus: K6_BUILTIN.vus,
  vusMax: K6_BUILTIN.vusMax,
  checks: K6_BUILTIN.checks,
} as const;

/** A run that received nothing for this long, and is not held by a followed file, may be evicted. */
export const RUN_IDLE_MS = 60_000;

/** The label-keyed families the series budget counts, with the Prometheus series one key makes. */
const FAMILY_WEIGHT = {
  requests: 1,
  durations: DURATION_BUCKETS.length + 3,
  funnel: 1,
  iterations: 1,
  dropped: 1,
  checks: 1,
  planned: 2,
} as const;
type FamilyName = keyof typeof FAMILY_WEIGHT;
const SEP = '\u0001';

/** Metrics whose samples are counts that cannot be negative. */
const COUNTS: ReadonlySet<string> = new Set([
  KNOWN.httpReqs,
  KNOWN.funnel,
  KNOWN.iterations,
  KNOWN.dropped,
  KNOWN.httpReqDuration,
]);

/** The aggregate of every run the exporter holds. */
export class RunStore {
  readonly runs = new Map<string, RunEntry>();
  readonly layers = new Map<string, Layer>();
  private readonly guard: LabelGuard;
  private readonly maxRuns: number;
  private readonly maxSeries: number;
  private readonly runIdleMs: number;
  private readonly onEvict: (run: string) => void;
  private readonly onBudgetFold: (label: CappedLabel) => void;
  private readonly clock: Clock;
  private readonly sampleSeconds: boolean;
  /** Series the budget counts, over all runs. */
  private seriesTotal = 0;
  /** The family key (`labels.join`) of the labels {@link budgeted} returned last, so it is joined once. */
  private ownKey = '';

  constructor(options: RunStoreOptions) {
    this.guard = options.guard;
    this.maxRuns = options.maxRuns;
    this.maxSeries = options.maxSeries ?? Number.POSITIVE_INFINITY;
    this.runIdleMs = options.runIdleMs ?? RUN_IDLE_MS;
    this.onEvict = options.onEvict ?? (() => {});
    this.onBudgetFold = options.onBudgetFold ?? (() => {});
    this.clock = options.clock ?? systemClock;
    this.sampleSeconds = options.sampleSeconds ?? false;
  }

  /** Series the budget counts now, over all runs (≤ the budget plus the folded series). */
  get budgetedSeries(): number {
    return this.seriesTotal;
  }

  /** The layer `id`, created on first use. */
  layer(id: string, source: SourceKind): Layer {
    let layer = this.layers.get(id);
    if (!layer) this.layers.set(id, (layer = { id, source, thresholds: new Map(), summary: undefined, held: false }));
    return layer;
  }

  /**
   * Marks `id` as held (a file still followed) or released. The runs of a held layer are never
   * evicted: evicting them would lose counts that are never read again.
   */
  hold(id: string, held: boolean): void {
    const layer = this.layers.get(id);
    if (layer) layer.held = held;
  }

  /** Records the target's truth for `run`, as last polled (nothing when the run is not held). */
  recordTruth(run: string, truth: TruthSnapshot): void {
    const entry = this.runs.get(run);
    if (entry) entry.truth = truth;
  }

  /** Forgets everything `layer` contributed (a truncated or replaced file). */
  dropLayer(id: string): void {
    this.layers.delete(id);
    for (const [run, entry] of this.runs) {
      const slice = entry.slices.get(id);
      if (!slice) continue;
      entry.slices.delete(id);
      this.release(entry, slice);
      if (entry.slices.size === 0) this.removeRun(run, entry);
    }
  }

  /** Records a Metric line: its thresholds become trackers for the runs of `layer`. */
  declare(layer: Layer, declaration: K6MetricDeclaration): void {
    const list: DeclaredThreshold[] = [];
    for (const text of declaration.thresholds) {
      const expression = parseThreshold(text, declaration.type);
      if (expression) list.push({ label: this.guard.value('threshold', text), expression });
    }
    if (list.length === 0) {
      layer.thresholds.delete(declaration.name);
      return;
    }
    layer.thresholds.set(declaration.name, {
      type: declaration.type,
      metricLabel: this.guard.value('metric', declaration.name),
      list,
    });
  }

  /** Records a run summary (handleSummary data) for `layer`: its threshold verdicts, with capped labels. */
  summarize(layer: Layer, summary: RunSummary): void {
    layer.summary = {
      verdicts: summary.thresholds.map(({ metric, threshold, ok }) => ({
        metricLabel: this.guard.value('metric', metric),
        label: this.guard.value('threshold', threshold),
        ok,
      })),
      httpReqs: summary.httpReqs,
      iterations: summary.iterations,
    };
  }

  /**
   * Adds one k6 sample (NDJSON semantics: counters carry increments). Returns why it was rejected,
   * if it was. `checked`: the sample passed contracts/k6-json.ts `sampleRejection` (every k6 line
   * read, every remote-write sample), which includes this method's value and tag checks.
   */
  addSample(layer: Layer, sample: K6Sample, checked = false): RejectReason | undefined {
    const { metric, value, tags, timeMs } = sample;
    if (!checked) {
      if (value < 0 && COUNTS.has(metric)) return 'bad_value';
      if (!labelTagsPrintable(tags)) return 'bad_tags';
    }
    const found = this.slice(runLabel(tags), layer);
    if (!found) return 'series_limit';
    const { entry, slice } = found;
    const scenario = scenarioLabel(this.guard, tags.scenario);
    touch(slice, timeMs, scenario, this.clock.now());
    switch (metric) {
      case KNOWN.httpReqs:
        slice.requests.add(
          this.budgeted(entry, slice.requests.series, 'requests', this.requestLabels(tags, scenario)),
          value,
          this.ownKey,
        );
        if (this.sampleSeconds)
          slice.requestsBySecond.add([stageLabel(tags.stage), outcomeLabel(tags), secondOf(timeMs)], value);
        break;
      case KNOWN.httpReqDuration:
        slice.durations.observe(
          this.budgeted(entry, slice.durations.series, 'durations', [
            scenario,
            stageLabel(tags.stage),
            outcomeLabel(tags),
          ]),
          value / 1000,
          this.ownKey,
        );
        break;
      case KNOWN.funnel:
        slice.funnel.add(
          this.budgeted(entry, slice.funnel.series, 'funnel', [
            scenario,
            stageLabel(tags.stage),
            resultLabel(tags.result),
          ]),
          value,
          this.ownKey,
        );
        if (this.sampleSeconds)
          slice.funnelBySecond.add([stageLabel(tags.stage), resultLabel(tags.result), secondOf(timeMs)], value);
        break;
      case KNOWN.planned: {
        const [planned] = this.budgeted(
          entry,
          slice.planned,
          'planned',
          [scenarioLabel(this.guard, tags.planned_scenario ?? tags.scenario)],
          false,
        );
        addPlanned(slice, planned!, value, timeMs);
        break;
      }
      case KNOWN.iterations:
        slice.iterations.add(
          this.budgeted(entry, slice.iterations.series, 'iterations', [scenario]),
          value,
          this.ownKey,
        );
        break;
      case KNOWN.dropped:
        slice.dropped.add(this.budgeted(entry, slice.dropped.series, 'dropped', [scenario]), value, this.ownKey);
        break;
      case KNOWN.vus:
        slice.vus = newest(slice.vus, value, timeMs);
        break;
      case KNOWN.vusMax:
        slice.vusMax = newest(slice.vusMax, value, timeMs);
        break;
      case KNOWN.checks:
        slice.checks.add(
          this.budgeted(entry, slice.checks.series, 'checks', [
            checkLabel(this.guard, tags.check),
            value !== 0 ? 'pass' : 'fail',
          ]),
          1,
          this.ownKey,
        );
        break;
    }
    const declared = layer.thresholds.get(metric);
    if (declared) {
      let tracker = slice.trackers.get(metric);
      if (!tracker) slice.trackers.set(metric, (tracker = new MetricTracker(declared.type)));
      tracker.add(value, timeMs);
    }
    return undefined;
  }

  /**
   * Adds request-duration bucket counts (per {@link DURATION_BUCKETS}, not cumulative, last = above
   * every bound), with their sum (seconds) and count: the remote-write path for native histograms.
   */
  addDurationCounts(
    layer: Layer,
    tags: Readonly<Record<string, string>>,
    timeMs: number,
    counts: ArrayLike<number>,
    sum: number,
    count: number,
  ): RejectReason | undefined {
    if (!labelTagsPrintable(tags)) return 'bad_tags';
    const found = this.slice(runLabel(tags), layer);
    if (!found) return 'series_limit';
    const { entry, slice } = found;
    const scenario = scenarioLabel(this.guard, tags.scenario);
    touch(slice, timeMs, scenario, this.clock.now());
    slice.durations.addCounts(
      this.budgeted(entry, slice.durations.series, 'durations', [scenario, stageLabel(tags.stage), outcomeLabel(tags)]),
      counts,
      sum,
      count,
      this.ownKey,
    );
    return undefined;
  }

  /**
   * Ends the planned rate a sender stopped (a remote-write stale marker at the end of a k6 test):
   * it shows 0 from now on, and planned arrivals stay where the last sample put them. A later
   * sample starts the plan again. Does not count as a sample of the run.
   */
  endPlanned(layer: Layer, tags: Readonly<Record<string, string>>): void {
    if (!labelTagsPrintable(tags)) return;
    const slice = this.runs.get(runLabel(tags))?.slices.get(layer.id);
    const planned = slice?.planned.get(scenarioLabel(this.guard, tags.planned_scenario ?? tags.scenario));
    if (planned) planned.ended = true;
  }

  /**
   * Ends the VU count a sender stopped (a remote-write stale marker of `k6_vus`): floodgate_vus no
   * longer shows its last value for this layer. A later sample sets it again.
   */
  endVus(layer: Layer, tags: Readonly<Record<string, string>>): void {
    const slice = this.runs.get(runLabel(tags))?.slices.get(layer.id);
    if (slice) slice.vus = undefined;
  }

  /** Completions per stage for `run`, summed over layers and scenarios (what the target acknowledged). */
  acknowledged(run: string): Record<string, number> {
    const totals: Record<string, number> = {};
    for (const slice of this.runs.get(run)?.slices.values() ?? []) {
      for (const { labels, value } of slice.funnel.series.values()) {
        if (labels[2] === 'completed') totals[labels[1]!] = (totals[labels[1]!] ?? 0) + value;
      }
    }
    return totals;
  }

  /** The newest sample time of `run` over its layers, Unix ms. */
  lastSampleMs(run: string): number {
    let last = Number.NEGATIVE_INFINITY;
    for (const slice of this.runs.get(run)?.slices.values() ?? []) last = Math.max(last, slice.lastMs);
    return last;
  }

  private requestLabels(tags: Readonly<Record<string, string>>, scenario: string): string[] {
    return [
      scenario,
      stageLabel(tags.stage),
      methodLabel(this.guard, tags.method),
      statusLabel(this.guard, tags.status),
      outcomeLabel(tags),
    ];
  }

  /** The slice of `run` for `layer`, creating the run (evicting an idle one at the cap); undefined when the run is refused. */
  private slice(run: string, layer: Layer): { entry: RunEntry; slice: RunSlice } | undefined {
    let entry = this.runs.get(run);
    if (!entry) {
      if (this.runs.size >= this.maxRuns && !this.evictIdle()) return undefined;
      this.runs.set(run, (entry = { slices: new Map(), keys: new Map(), series: 0 }));
    }
    let slice = entry.slices.get(layer.id);
    if (!slice) entry.slices.set(layer.id, (slice = new RunSlice()));
    return { entry, slice };
  }

  /**
   * The labels a sample of `family` is counted under: its own while the run already has that
   * series or the budget has room; else its capped labels (scenario, method, status, check) fold
   * into `other`, each fold counted. Folded series are admitted even over the budget: per run
   * they are bounded by the fixed vocabularies (stage, result, outcome), and refusing them would
   * lose counts of an accepted run.
   */
  private budgeted(
    entry: RunEntry,
    onSlice: { has(key: string): boolean },
    family: FamilyName,
    labels: string[],
    joined = true,
  ): string[] {
    const own = joined ? labels.join(SEP) : labels[0]!;
    this.ownKey = own;
    if (onSlice.has(own)) return labels;
    const key = family + SEP + own;
    const holders = entry.keys.get(key);
    if (holders !== undefined) {
      entry.keys.set(key, holders + 1);
      return labels;
    }
    const weight = FAMILY_WEIGHT[family];
    if (this.seriesTotal + weight > this.maxSeries) {
      const folded = this.fold(family, labels);
      if (folded !== labels) {
        const foldedOwn = joined ? folded.join(SEP) : folded[0]!;
        this.ownKey = foldedOwn;
        if (onSlice.has(foldedOwn)) return folded;
        return this.admit(entry, family + SEP + foldedOwn, weight, folded);
      }
    }
    return this.admit(entry, key, weight, labels);
  }

  private admit(entry: RunEntry, key: string, weight: number, labels: string[]): string[] {
    const holders = entry.keys.get(key);
    if (holders !== undefined) {
      entry.keys.set(key, holders + 1);
      return labels;
    }
    entry.keys.set(key, 1);
    entry.series += weight;
    this.seriesTotal += weight;
    return labels;
  }

  /** `labels` with every capped label value folded into `other` (the same array when nothing changes). */
  private fold(family: FamilyName, labels: string[]): string[] {
    const capped = CAPPED_POSITIONS[family];
    let folded: string[] | undefined;
    for (const [position, label] of capped) {
      const value = labels[position]!;
      if (value === OTHER || value === NONE) continue;
      folded ??= [...labels];
      folded[position] = OTHER;
      this.onBudgetFold(label);
    }
    return folded ?? labels;
  }

  /** A slice leaves its run: the series only it held leave the budget. */
  private release(entry: RunEntry, slice: RunSlice): void {
    const families: Array<[FamilyName, Iterable<string>]> = [
      ['requests', slice.requests.series.keys()],
      ['durations', slice.durations.series.keys()],
      ['funnel', slice.funnel.series.keys()],
      ['iterations', slice.iterations.series.keys()],
      ['dropped', slice.dropped.series.keys()],
      ['checks', slice.checks.series.keys()],
      ['planned', slice.planned.keys()],
    ];
    for (const [family, keys] of families) {
      for (const own of keys) {
        const key = `${family}${SEP}${own}`;
        const holders = entry.keys.get(key);
        if (holders === undefined) continue;
        if (holders > 1) {
          entry.keys.set(key, holders - 1);
        } else {
          entry.keys.delete(key);
          entry.series -= FAMILY_WEIGHT[family];
          this.seriesTotal -= FAMILY_WEIGHT[family];
        }
      }
    }
  }

  private removeRun(run: string, entry: RunEntry): void {
    this.runs.delete(run);
    this.seriesTotal -= entry.series;
    entry.series = 0;
    entry.keys.clear();
  }

  /** True when `run` may be evicted: no layer of it is a followed file, and nothing arrived for the idle period. */
  private evictable(entry: RunEntry, nowMs: number): boolean {
    for (const [layerId, slice] of entry.slices) {
      if (this.layers.get(layerId)?.held) return false;
      if (nowMs - slice.receivedMs < this.runIdleMs) return false;
    }
    return true;
  }

  /** Evicts the evictable run with the oldest last sample; false when every run is still live or followed. */
  private evictIdle(): boolean {
    const nowMs = this.clock.now();
    let oldest: string | undefined;
    let oldestMs = Number.POSITIVE_INFINITY;
    for (const [run, entry] of this.runs) {
      if (!this.evictable(entry, nowMs)) continue;
      const last = this.lastSampleMs(run);
      if (oldest === undefined || last < oldestMs) [oldest, oldestMs] = [run, last];
    }
    if (oldest === undefined) return false;
    this.removeRun(oldest, this.runs.get(oldest)!);
    this.onEvict(oldest);
    return true;
  }
}

/** Per family, the label positions whose values are capped, and the label each is. */
const CAPPED_POSITIONS: Readonly<Record<FamilyName, ReadonlyArray<readonly [number, CappedLabel]>>> = {
  requests: [
    [0, 'scenario'],
    [2, 'method'],
    [3, 'status'],
  ],
  durations: [[0, 'scenario']],
  funnel: [[0, 'scenario']],
  iterations: [[0, 'scenario']],
  dropped: [[0, 'scenario']],
  checks: [[0, 'check']],
  planned: [[0, 'scenario']],
};

/** Tags that become label values, or decide one. */
const LABEL_TAGS = [
  'run',
  'testid',
  'scenario',
  'planned_scenario',
  'stage',
  'result',
  'method',
  'status',
  'expected_response',
  'check',
] as const;
/** False when a tag that becomes a label carries a control character (a newline, a NUL): hostile or broken input. */
function labelTagsPrintable(tags: Readonly<Record<string, string>>): boolean {
  for (const name of LABEL_TAGS) {
    const value = tags[name];
    if (value === undefined) continue;
    for (let index = 0; index < value.length; index += 1) {
      const code = value.charCodeAt(index);
      if (code < 0x20 || code === 0x7f) return false;
    }
  }
  return true;
}

/** The `second` label: the whole second of a sample time (Unix ms) modulo 60, "0"–"59". */
export function secondOf(timeMs: number): string {
  return String(((Math.floor(timeMs / 1000) % 60) + 60) % 60);
}

function touch(slice: RunSlice, timeMs: number, scenario: string, receivedMs: number): void {
  if (timeMs < slice.firstMs) slice.firstMs = timeMs;
  if (timeMs > slice.lastMs) slice.lastMs = timeMs;
  slice.receivedMs = receivedMs;
  if (scenario !== NONE) slice.scenarios.add(scenario);
}

function newest(current: GaugeValue | undefined, value: number, timeMs: number): GaugeValue {
  return current === undefined || timeMs >= current.timeMs ? { value, timeMs } : current;
}

function addPlanned(slice: RunSlice, scenario: string, rate: number, timeMs: number): void {
  const current = slice.planned.get(scenario);
  if (!current) {
    slice.planned.set(scenario, { rate, timeMs, arrivals: 0, ended: false });
    return;
  }
  if (timeMs < current.timeMs) return; // late sample: the integral has moved past it
  // Sample and hold: the previous rate holds until this sample, never past the last one; after a
  // stale marker the plan was over, so the gap adds nothing.
  if (!current.ended) current.arrivals += (current.rate * (timeMs - current.timeMs)) / 1000;
  current.rate = rate;
  current.timeMs = timeMs;
  current.ended = false;
}
