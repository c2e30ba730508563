/**
 * What the store holds, per run and layer: counter and histogram families keyed by label values,
 * the slice of a run one layer saw, layers and their thresholds and summaries. Split from
 * exporter/store.ts along its seam: the data here, the rules that fill it (labels, budget,
 * eviction, memo) there.
 */

import { RUN_METRICS } from '../contracts/metrics.ts';
import type { K6MetricType } from './parse.ts';
import type { MetricTracker, ThresholdExpression } from './thresholds.ts';

/** Where samples come from (the `source` label). */
export type SourceKind = 'file' | 'ingest' | 'remote_write';

/** Upper bounds (seconds) of the request-duration histogram, from the catalog. */
export const DURATION_BUCKETS: readonly number[] = RUN_METRICS.httpRequestDuration.buckets;

/** One counter series. */
export interface CounterSeries {
  readonly labels: readonly string[];
  value: number;
}

/** Counters keyed by their label values (in catalog order, `run` excluded). */
export class CounterFamily {
  readonly series = new Map<string, CounterSeries>();

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

  /** Records one observation, in seconds; `key` as in {@link CounterFamily.add}. Returns the series. */
  observe(labels: readonly string[], seconds: number, key?: string): HistogramSeries {
    const entry = this.entry(labels, key);
    observeInto(entry, seconds);
    return entry;
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

/** Records one observation of `seconds` in `series`. */
export function observeInto(series: HistogramSeries, seconds: number): void {
  let index = 0;
  while (index < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[index]!) index += 1;
  series.counts[index]! += 1;
  series.sum += seconds;
  series.count += 1;
}

/** A gauge's newest value. */
export interface GaugeValue {
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
   * sample time modulo 60 (only with `RunStoreOptions.sampleSeconds`; contracts/metrics.ts).
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
