/**
 * The data k6 hands to `handleSummary` (the default "legacy" shape, k6-contract.md §3): root
 * group tree with checks, options, state, metrics (with submetrics and thresholds) and
 * setup_data. Also the groups and checks tree the `check()` and `group()` calls fill.
 */

import { createHash } from 'node:crypto';
import type { Metric, Submetric } from './metric.ts';
import { CounterSink, GaugeSink, RateSink, type TrendSink } from './metric.ts';

/** k6's default `summaryTrendStats`. */
export const DEFAULT_TREND_STATS: readonly string[] = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)'];

function md5(text: string): string {
  return createHash('md5').update(text).digest('hex');
}

/** One check in the group tree, with its pass and fail counts. */
export class CheckNode {
  readonly id: string;
  passes = 0;
  fails = 0;
  constructor(
    readonly name: string,
    readonly path: string,
  ) {
    this.id = md5(path);
  }
}

/** One group; the root has name "" and path "". Children keep definition order. */
export class GroupNode {
  readonly id: string;
  readonly groups = new Map<string, GroupNode>();
  readonly checks = new Map<string, CheckNode>();
  constructor(
    readonly name: string,
    readonly path: string,
  ) {
    this.id = md5(path);
  }

  /** The child group called `name`, created on first use. */
  group(name: string): GroupNode {
    let child = this.groups.get(name);
    if (!child) {
      child = new GroupNode(name, `${this.path}::${name}`);
      this.groups.set(name, child);
    }
    return child;
  }

  /** The check called `name` in this group, created on first use. */
  check(name: string): CheckNode {
    let check = this.checks.get(name);
    if (!check) {
      check = new CheckNode(name, `${this.path}::${name}`);
      this.checks.set(name, check);
    }
    return check;
  }

  /** Finds the group at `path` (`::a::b`), creating missing ones. */
  atPath(path: string): GroupNode {
    if (path === '') return this;
    return path
      .split('::')
      .slice(1)
      .reduce<GroupNode>((node, name) => node.group(name), this);
  }
}

/** The JSON shape of a group in the summary data. */
export interface SummaryGroup {
  name: string;
  path: string;
  id: string;
  groups: SummaryGroup[];
  checks: Array<{ name: string; path: string; id: string; passes: number; fails: number }>;
}

function renderGroup(node: GroupNode): SummaryGroup {
  return {
    name: node.name,
    path: node.path,
    id: node.id,
    groups: [...node.groups.values()].map(renderGroup),
    checks: [...node.checks.values()].map((check) => ({
      name: check.name,
      path: check.path,
      id: check.id,
      passes: check.passes,
      fails: check.fails,
    })),
  };
}

/** One metric's entry in the summary data. */
export interface SummaryMetric {
  type: string;
  contains: string;
  values: Record<string, number>;
  thresholds?: Record<string, { ok: boolean }>;
}

/** Computes the `values` of one sink as k6's summarizeMetricsToObject does. */
export function summaryValues(
  sink: Metric['sink'],
  trendStats: readonly string[],
  runDurationMs: number,
): Record<string, number> {
  if (sink instanceof CounterSink)
    return { count: sink.sum, rate: runDurationMs > 0 ? sink.sum / (runDurationMs / 1000) : 0 };
  if (sink instanceof GaugeSink) return { value: sink.value, min: sink.min, max: sink.max };
  if (sink instanceof RateSink) return { rate: sink.rate, passes: sink.trues, fails: sink.count - sink.trues };
  return trendValues(sink, trendStats);
}

function trendValues(sink: TrendSink, trendStats: readonly string[]): Record<string, number> {
  const values: Record<string, number> = {};
  for (const stat of trendStats) {
    const percentile = /^p\(([0-9.]+)\)$/.exec(stat);
    if (percentile) values[stat] = sink.percentile(Number(percentile[1]) / 100);
    else if (stat === 'avg') values[stat] = sink.avg;
    else if (stat === 'min') values[stat] = sink.min;
    else if (stat === 'max') values[stat] = sink.max;
    else if (stat === 'med') values[stat] = sink.percentile(0.5);
    else if (stat === 'count') values[stat] = sink.count;
  }
  return values;
}

/** Checks `summaryTrendStats` entries; returns the first invalid one. */
export function invalidTrendStat(stats: readonly string[]): string | undefined {
  return stats.find(
    (stat) =>
      !/^(avg|min|max|med|count|p\((\d+(\.\d+)?)\))$/.test(stat) ||
      (stat.startsWith('p(') && Number(stat.slice(2, -1)) > 100),
  );
}

function summaryMetric(
  target: Metric | Submetric,
  metric: Metric,
  trendStats: readonly string[],
  runDurationMs: number,
): SummaryMetric {
  const entry: SummaryMetric = {
    type: metric.type,
    contains: metric.contains,
    values: summaryValues(target.sink, trendStats, runDurationMs),
  };
  if (target.thresholds.length > 0) {
    entry.thresholds = {};
    for (const threshold of target.thresholds) {
      entry.thresholds[threshold.source] = { ok: !(threshold as { failed?: boolean }).failed };
    }
  }
  return entry;
}

/** Everything {@link buildSummaryData} needs. */
export interface SummaryInput {
  readonly metrics: readonly Metric[];
  readonly rootGroup: GroupNode;
  readonly trendStats: readonly string[];
  readonly summaryTimeUnit: string;
  readonly noColor: boolean;
  readonly isStdOutTTY: boolean;
  readonly isStdErrTTY: boolean;
  readonly runDurationMs: number;
  /** What setup() returned, already JSON round-tripped; undefined when it returned nothing. */
  readonly setupData: unknown;
}

/** The `data` argument of handleSummary. */
export interface SummaryData {
  root_group: SummaryGroup;
  options: { summaryTrendStats: string[]; summaryTimeUnit: string; noColor: boolean };
  state: { isStdOutTTY: boolean; isStdErrTTY: boolean; testRunDurationMs: number };
  metrics: Record<string, SummaryMetric>;
  setup_data?: unknown;
}

/** Builds the handleSummary data: observed metrics (and those with thresholds), then submetrics. */
export function buildSummaryData(input: SummaryInput): SummaryData {
  const metrics: Record<string, SummaryMetric> = {};
  for (const metric of input.metrics) {
    if (!metric.observed) continue;
    metrics[metric.name] = summaryMetric(metric, metric, input.trendStats, input.runDurationMs);
    for (const submetric of metric.submetrics) {
      if (submetric.observed)
        metrics[submetric.name] = summaryMetric(submetric, metric, input.trendStats, input.runDurationMs);
    }
  }
  const data: SummaryData = {
    root_group: renderGroup(input.rootGroup),
    options: {
      summaryTrendStats: [...input.trendStats],
      summaryTimeUnit: input.summaryTimeUnit,
      noColor: input.noColor,
    },
    state: { isStdOutTTY: input.isStdOutTTY, isStdErrTTY: input.isStdErrTTY, testRunDurationMs: input.runDurationMs },
    metrics,
  };
  if (input.setupData !== undefined) data.setup_data = input.setupData;
  return data;
}
