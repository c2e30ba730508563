/**
 * The exporter's own short memory for the live page when no Prometheus is given: every
 * `intervalMs` it reads its registry as Prometheus would scrape it and keeps the samples for
 * `retentionMs`, with stale markers for series that went away. Recording rules
 * (deploy/prometheus/rules/*.yml) are series computed on demand from those samples, so panels
 * reading recorded series draw here as they do on Prometheus.
 */

import type { Registry } from 'prom-client';
import {
  evaluate,
  labelsKey,
  LOOKBACK_MS,
  parsePromql,
  type Expr,
  type Labels,
  type SampleSource,
  type StoredSeries,
  type Value,
} from './promql.ts';

/** One recording rule, as in a Prometheus rule file. */
export interface LiveRecordingRule {
  readonly record: string;
  readonly expr: string;
  readonly labels?: Readonly<Record<string, string>>;
}

interface MutableSeries {
  labels: Labels;
  times: number[];
  values: number[];
  /** Present in the newest snapshot. */
  live: boolean;
}

/** What {@link createHistory} needs. */
export interface HistoryOptions {
  readonly registry: Registry;
  /** Milliseconds between snapshots. */
  readonly intervalMs: number;
  /** How long samples are kept, ms. */
  readonly retentionMs: number;
  readonly now: () => number;
  /** Recording rules evaluated on demand. */
  readonly rules?: readonly LiveRecordingRule[];
  /** When false, a tick takes no snapshot (nothing to record yet). */
  readonly active?: () => boolean;
}

/** The history and its snapshot timer. */
export interface History {
  /** Takes one snapshot now. */
  snapshot(): Promise<void>;
  /** Starts the snapshot timer (idempotent). */
  start(): void;
  stop(): void;
  /**
   * Samples of every stored and recorded series, for the PromQL evaluator; recorded series are
   * computed at the snapshot times inside `window` (ms) only.
   */
  source(window?: { readonly fromMs: number; readonly toMs: number }): SampleSource;
  /** Names the history can answer: scraped metric names and recorded series. */
  names(): Set<string>;
  /** Milliseconds between snapshots (Prometheus's scrape interval here). */
  readonly intervalMs: number;
  /** Times of the snapshots taken, oldest first. */
  snapshotTimes(): readonly number[];
}

/** Creates the history; nothing is sampled until {@link History.start} or {@link History.snapshot}. */
export function createHistory(options: HistoryOptions): History {
  const byName = new Map<string, Map<string, MutableSeries>>();
  const times: number[] = [];
  const rules = (options.rules ?? []).map((rule) => ({ ...rule, ast: parsePromql(rule.expr) }));
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  const snapshot = async (): Promise<void> => {
    const t = options.now();
    const metrics = await options.registry.getMetricsAsJSON();
    const seen = new Set<MutableSeries>();
    for (const metric of metrics) {
      for (const entry of metric.values as ReadonlyArray<{
        labels: Record<string, string | number>;
        value: number;
        metricName?: string;
      }>) {
        const name = entry.metricName ?? metric.name;
        const labels: Record<string, string> = { __name__: name };
        for (const [key, value] of Object.entries(entry.labels))
          labels[key] = key === 'le' && value === Infinity ? '+Inf' : String(value);
        let series = byName.get(name);
        if (!series) {
          series = new Map();
          byName.set(name, series);
        }
        const key = labelsKey(labels);
        let stored = series.get(key);
        if (!stored) {
          stored = { labels, times: [], values: [], live: true };
          series.set(key, stored);
        }
        stored.times.push(t);
        stored.values.push(entry.value);
        stored.live = true;
        seen.add(stored);
      }
    }
    // A series gone since the last snapshot gets a stale marker, as Prometheus writes one.
    for (const series of byName.values()) {
      for (const stored of series.values()) {
        if (seen.has(stored) || !stored.live) continue;
        stored.live = false;
        stored.times.push(t);
        stored.values.push(NaN);
      }
    }
    times.push(t);
    trim(t - options.retentionMs);
  };

  const trim = (oldest: number): void => {
    while (times.length > 0 && times[0]! < oldest) times.shift();
    for (const [name, series] of byName) {
      for (const [key, stored] of series) {
        let drop = 0;
        while (drop < stored.times.length && stored.times[drop]! < oldest) drop += 1;
        if (drop > 0) {
          stored.times.splice(0, drop);
          stored.values.splice(0, drop);
        }
        if (stored.times.length === 0) series.delete(key);
      }
      if (series.size === 0) byName.delete(name);
    }
  };

  const tick = (): void => {
    if (running || (options.active && !options.active())) return;
    running = snapshot().finally(() => {
      running = undefined;
    });
  };

  const source = (window?: { readonly fromMs: number; readonly toMs: number }): SampleSource => {
    const evaluationTimes = window ? times.filter((t) => t >= window.fromMs && t <= window.toMs) : times;
    // Recorded series are computed at every snapshot time they are asked for, once per query.
    const recorded = new Map<string, StoredSeries[]>();
    const self: SampleSource = {
      series(name) {
        if (name === undefined) return [...byName.values()].flatMap((series) => [...series.values()]);
        const matching = rules.filter((rule) => rule.record === name);
        if (matching.length === 0) return [...(byName.get(name)?.values() ?? [])];
        let series = recorded.get(name);
        if (!series) {
          series = recordSeries(name, matching, evaluationTimes, self);
          recorded.set(name, series);
        }
        return series;
      },
    };
    return self;
  };

  return {
    intervalMs: options.intervalMs,
    snapshot,
    start() {
      if (timer) return;
      tick();
      timer = setInterval(tick, options.intervalMs);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
    source,
    names() {
      return new Set([...byName.keys(), ...rules.map((rule) => rule.record)]);
    },
    snapshotTimes: () => times,
  };
}

/** Evaluates the rules recording `name` at each snapshot time, as Prometheus's rule manager would have. */
function recordSeries(
  name: string,
  rules: ReadonlyArray<LiveRecordingRule & { ast: Expr }>,
  times: readonly number[],
  source: SampleSource,
): StoredSeries[] {
  const out = new Map<string, { labels: Labels; times: number[]; values: number[] }>();
  for (const t of times) {
    for (const rule of rules) {
      let value: Value;
      try {
        value = evaluate(rule.ast, t, source);
      } catch {
        continue;
      }
      if (value.kind !== 'vector') continue;
      for (const sample of value.samples) {
        const { __name__: _name, ...rest } = sample.labels;
        const labels: Labels = { ...rest, ...(rule.labels ?? {}), __name__: name };
        const key = labelsKey(labels);
        let series = out.get(key);
        if (!series) {
          series = { labels, times: [], values: [] };
          out.set(key, series);
        }
        series.times.push(t);
        series.values.push(sample.value);
      }
    }
  }
  // A recorded series missing at a later evaluation is stale from then on.
  for (const series of out.values()) {
    const last = series.times[series.times.length - 1]!;
    const after = times.find((t) => t > last);
    if (after !== undefined && after - last <= LOOKBACK_MS) {
      series.times.push(after);
      series.values.push(NaN);
    }
  }
  return [...out.values()];
}
