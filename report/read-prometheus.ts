/**
 * Builds a {@link RunResult} from Prometheus, for a distributed run that has no single NDJSON file:
 * range queries of the catalog's run metrics (contracts/metrics.ts) as the exporter exposes them.
 *
 * Counters are read as their raw values on a grid of `resolutionSeconds` and differenced here, so
 * slot counts add up exactly to the totals (no `increase()` extrapolation); histograms likewise,
 * bucket by bucket. Gauges are read as `max_over_time` per slot.
 */

import { FloodgateError } from '../contracts/errors.ts';
import { FUNNEL_STAGES, STAGE_RESULTS, isFunnelStage, type FunnelStage, type StageResult } from '../contracts/funnel.ts';
import { REQUEST_OUTCOMES, RUN_METRICS, type RequestOutcome } from '../contracts/metrics.ts';
import {
  RUN_RESULT_KIND,
  RUN_RESULT_VERSION,
  type ExplicitHistogram,
  type RunResult,
  type RunSlot,
  type StageSlot,
  type ThresholdResult,
} from '../contracts/run-result.ts';
import { profileFromEnv, withRecordedProfile, type RunManifest } from './read-run.ts';

/** One series of a Prometheus answer. */
export interface PromSeries {
  readonly metric: Record<string, string>;
  readonly values?: ReadonlyArray<readonly [number, string]>;
  readonly value?: readonly [number, string];
}

/** The two Prometheus API calls the reader needs; {@link httpPrometheus} makes them over HTTP. */
export interface PrometheusApi {
  /** Instant query at `time` (Unix seconds). */
  query(expr: string, time?: number): Promise<PromSeries[]>;
  /** Range query over [start, end] with `step` (Unix seconds). */
  queryRange(expr: string, start: number, end: number, step: number): Promise<PromSeries[]>;
}

/** A Prometheus HTTP API client. Errors become PROMETHEUS_UNAVAILABLE. */
export function httpPrometheus(url: string, options: { signal?: AbortSignal; timeoutMs?: number } = {}): PrometheusApi & { queries: () => number } {
  const base = url.replace(/\/+$/, '');
  let queries = 0;
  const call = async (path: string, params: Record<string, string>): Promise<PromSeries[]> => {
    queries += 1;
    let body: { status?: string; error?: string; data?: { result?: PromSeries[] } };
    try {
      const signals = [AbortSignal.timeout(options.timeoutMs ?? 30_000), ...(options.signal ? [options.signal] : [])];
      const response = await fetch(`${base}${path}`, { method: 'POST', body: new URLSearchParams(params), signal: AbortSignal.any(signals) });
      body = (await response.json()) as typeof body;
    } catch (error) {
      options.signal?.throwIfAborted();
      throw new FloodgateError('PROMETHEUS_UNAVAILABLE', { url: base, detail: (error as Error).message }, { cause: error });
    }
    if (body.status !== 'success') {
      throw new FloodgateError('PROMETHEUS_UNAVAILABLE', { url: base, detail: `query ${params.query} failed: ${body.error ?? 'unknown error'}` });
    }
    return body.data?.result ?? [];
  };
  return {
    query: (expr, time) => call('/api/v1/query', time === undefined ? { query: expr } : { query: expr, time: String(time) }),
    queryRange: (expr, start, end, step) => call('/api/v1/query_range', { query: expr, start: String(start), end: String(end), step: String(step) }),
    queries: () => queries,
  };
}

/** Options of {@link readPrometheusRun}. */
export interface ReadPrometheusOptions {
  readonly url: string;
  readonly run: string;
  /** Slot length in seconds; default 10 (two scrapes at the project's 5-s interval), more for long runs. */
  readonly resolutionSeconds?: number;
  /** run.json of the run when there is one (scenario, env, target). */
  readonly manifest?: RunManifest;
  /** How far back to look for the run, seconds. Default 7 days. */
  readonly lookbackSeconds?: number;
  readonly api?: PrometheusApi;
  readonly signal?: AbortSignal;
}

/** Most slots read; longer runs get longer slots. */
const MAX_SLOTS = 1800;

/** Reads one run from Prometheus. Throws RESULTS_NOT_FOUND when Prometheus holds nothing for it. */
export async function readPrometheusRun(options: ReadPrometheusOptions): Promise<RunResult> {
  const client = options.api ?? httpPrometheus(options.url, { signal: options.signal });
  const run = options.run;
  const selector = `{run="${run.replace(/["\\]/g, '')}"}`;
  const lookback = `${Math.round(options.lookbackSeconds ?? 7 * 86_400)}s`;
  const first = await scalar(client, `min(last_over_time(${RUN_METRICS.runStart.name}${selector}[${lookback}]))`);
  const last = await scalar(client, `max(last_over_time(${RUN_METRICS.runLastSample.name}${selector}[${lookback}]))`);
  if (first === undefined || last === undefined) {
    throw new FloodgateError('RESULTS_NOT_FOUND', { dir: options.url, detail: `Prometheus holds no ${RUN_METRICS.runStart.name} for run "${run}"` });
  }
  const duration = Math.max(1, last - first);
  const resolution = Math.max(options.resolutionSeconds ?? 10, Math.ceil(duration / MAX_SLOTS));
  const start = Math.floor(first / resolution) * resolution - resolution;
  const slotCount = Math.ceil((last - start) / resolution) + 1;
  const end = start + slotCount * resolution;
  const grid = (expr: string): Promise<PromSeries[]> => client.queryRange(expr, start, end, resolution);

  const stages = Array.from({ length: slotCount }, () => new Map<FunnelStage, MutableStage>());
  const stageAt = (slot: number, stage: FunnelStage): MutableStage => {
    let entry = stages[slot]!.get(stage);
    if (!entry) stages[slot]!.set(stage, (entry = { requests: {}, funnel: {}, latency: {} }));
    return entry;
  };

  for (const series of await grid(`sum by (stage, outcome) (${RUN_METRICS.httpRequests.name}${selector})`)) {
    const stage = series.metric.stage;
    const outcome = series.metric.outcome as RequestOutcome;
    if (!stage || !isFunnelStage(stage) || !REQUEST_OUTCOMES.includes(outcome)) continue;
    differences(series, start, resolution, slotCount).forEach((value, slot) => {
      if (value > 0) stageAt(slot, stage).requests[outcome] = (stageAt(slot, stage).requests[outcome] ?? 0) + value;
    });
  }
  for (const series of await grid(`sum by (stage, result) (${RUN_METRICS.funnelStage.name}${selector})`)) {
    const stage = series.metric.stage;
    const result = series.metric.result as StageResult;
    if (!stage || !isFunnelStage(stage) || !STAGE_RESULTS.includes(result)) continue;
    differences(series, start, resolution, slotCount).forEach((value, slot) => {
      if (value > 0) stageAt(slot, stage).funnel[result] = (stageAt(slot, stage).funnel[result] ?? 0) + value;
    });
  }
  await readHistograms(grid, selector, start, resolution, slotCount, stageAt);

  const perSlot = async (expr: string): Promise<number[]> => {
    const total = new Array<number>(slotCount).fill(0);
    for (const series of await grid(expr)) differences(series, start, resolution, slotCount).forEach((value, slot) => (total[slot]! += value));
    return total;
  };
  const gaugeMax = async (expr: string): Promise<number[]> => {
    const values = new Array<number>(slotCount).fill(0);
    for (const series of await grid(`max(max_over_time(${expr}[${resolution}s]))`)) {
      for (const [time, text] of series.values ?? []) {
        const slot = Math.round((time - start) / resolution) - 1;
        if (slot >= 0 && slot < slotCount) values[slot] = Math.max(values[slot]!, Number(text));
      }
    }
    return values;
  };
  const planned = await perSlot(`sum(${RUN_METRICS.plannedArrivals.name}${selector})`);
  const dropped = await perSlot(`sum(${RUN_METRICS.droppedIterations.name}${selector})`);
  const iterations = await perSlot(`sum(${RUN_METRICS.iterations.name}${selector})`);
  const vus = await gaugeMax(`${RUN_METRICS.vus.name}${selector}`);
  const vusMax = await gaugeMax(`${RUN_METRICS.vusMax.name}${selector}`);
  const hasPlanned = planned.some((value) => value > 0);

  const slots: RunSlot[] = stages.map((map, slot) => {
    const stageSlots: Partial<Record<FunnelStage, StageSlot>> = {};
    for (const stage of FUNNEL_STAGES) {
      const entry = map.get(stage);
      if (entry) stageSlots[stage] = { requests: entry.requests, latency: entry.latency, funnel: entry.funnel };
    }
    return {
      t: slot * resolution,
      stages: stageSlots,
      ...(hasPlanned ? { planned: planned[slot]! } : {}),
      ...(iterations[slot]! > 0 ? { iterations: iterations[slot]! } : {}),
      ...(dropped[slot]! > 0 ? { dropped: dropped[slot]! } : {}),
      ...(vus[slot]! > 0 ? { vus: vus[slot]! } : {}),
      ...(vusMax[slot]! > 0 ? { vusMax: vusMax[slot]! } : {}),
    };
  });

  // Scenario: run.json's, else the load scenario with most requests (helpers send none).
  const byScenario = await client.query(`sum by (scenario) (last_over_time(${RUN_METRICS.httpRequests.name}${selector}[${lookback}]))`, end);
  const busiest = [...byScenario].sort((a, b) => Number(b.value?.[1] ?? 0) - Number(a.value?.[1] ?? 0))[0]?.metric.scenario;
  const scenario = options.manifest?.scenario ?? busiest ?? 'unknown';
  const info = await client.query(`last_over_time(${RUN_METRICS.runInfo.name}${selector}[${lookback}])`, end);
  const remote = info.some((series) => series.metric.source === 'remote_write');
  const env = options.manifest?.env ?? {};
  const scenarioStartSeconds = Math.max(0, first - start);

  const thresholds: ThresholdResult[] = (await client.query(`last_over_time(${RUN_METRICS.thresholdPassing.name}${selector}[${lookback}])`, end))
    .filter((series) => series.metric.metric && series.metric.threshold)
    .map((series) => ({ metric: series.metric.metric!, expression: series.metric.threshold!, ok: Number(series.value?.[1]) === 1 }));
  const checkCounts = new Map<string, { passes: number; fails: number }>();
  for (const series of await client.query(`sum by (check, result) (last_over_time(${RUN_METRICS.checks.name}${selector}[${lookback}]))`, end)) {
    const name = series.metric.check ?? '';
    const counts = checkCounts.get(name) ?? { passes: 0, fails: 0 };
    if (series.metric.result === 'pass') counts.passes += Number(series.value?.[1] ?? 0);
    else counts.fails += Number(series.value?.[1] ?? 0);
    checkCounts.set(name, counts);
  }
  const truthStages: Partial<Record<FunnelStage, number>> = {};
  for (const series of await client.query(`max by (stage) (last_over_time(${RUN_METRICS.targetRecords.name}${selector}[${lookback}]))`, end)) {
    const stage = series.metric.stage;
    if (stage && isFunnelStage(stage)) truthStages[stage] = Number(series.value?.[1] ?? 0);
  }

  return {
    kind: RUN_RESULT_KIND,
    version: RUN_RESULT_VERSION,
    run,
    scenario,
    engine: options.manifest?.engine ?? (remote ? 'k6' : 'unknown'),
    ...(options.manifest?.target ? { target: options.manifest.target } : {}),
    origin: new Date(start * 1000).toISOString(),
    scenarioStartSeconds,
    durationSeconds: last - start,
    resolutionSeconds: resolution,
    slots,
    profile: withRecordedProfile(profileFromEnv(scenario, env, slots, resolution, scenarioStartSeconds), options.manifest?.profile),
    env,
    ...(typeof options.manifest?.exitCode === 'number' ? { exitCode: options.manifest.exitCode } : {}),
    thresholds,
    checks: [...checkCounts.entries()].map(([name, counts]) => ({ name, ...counts })),
    ...(Object.keys(truthStages).length > 0 ? { truth: { source: `${options.url} (${RUN_METRICS.targetRecords.name})`, stages: truthStages } } : {}),
    source: { kind: 'prometheus', url: options.url, queries: 'queries' in client ? (client as { queries: () => number }).queries() : 0 },
  };
}

interface MutableStage {
  requests: Partial<Record<RequestOutcome, number>>;
  funnel: Partial<Record<StageResult, number>>;
  latency: Partial<Record<RequestOutcome, ExplicitHistogram>>;
}

/** Bucket counters differenced per slot, turned into explicit histograms (ms bounds). */
async function readHistograms(
  grid: (expr: string) => Promise<PromSeries[]>,
  selector: string,
  start: number,
  resolution: number,
  slotCount: number,
  stageAt: (slot: number, stage: FunnelStage) => MutableStage,
): Promise<void> {
  const name = RUN_METRICS.httpRequestDuration.name;
  const boundsSeconds = [...(RUN_METRICS.httpRequestDuration.buckets ?? [])];
  const boundsMs = boundsSeconds.map((seconds) => seconds * 1000);
  // cumulative[stage|outcome][slot][bucket]
  const cumulative = new Map<string, number[][]>();
  for (const series of await grid(`sum by (stage, outcome, le) (${name}_bucket${selector})`)) {
    const { stage, outcome, le } = series.metric;
    if (!stage || !isFunnelStage(stage) || !REQUEST_OUTCOMES.includes(outcome as RequestOutcome) || le === undefined) continue;
    const bucket = le === '+Inf' ? boundsSeconds.length : boundsSeconds.findIndex((bound) => Math.abs(bound - Number(le)) < 1e-9);
    if (bucket < 0) continue;
    const key = `${stage}|${outcome}`;
    let table = cumulative.get(key);
    if (!table) cumulative.set(key, (table = Array.from({ length: slotCount }, () => new Array<number>(boundsSeconds.length + 1).fill(0))));
    differences(series, start, resolution, slotCount).forEach((value, slot) => (table![slot]![bucket] = value));
  }
  const sums = new Map<string, number[]>();
  for (const series of await grid(`sum by (stage, outcome) (${name}_sum${selector})`)) {
    sums.set(`${series.metric.stage}|${series.metric.outcome}`, differences(series, start, resolution, slotCount));
  }
  for (const [key, table] of cumulative) {
    const [stage, outcome] = key.split('|') as [FunnelStage, RequestOutcome];
    table.forEach((cumulativeCounts, slot) => {
      const count = cumulativeCounts[cumulativeCounts.length - 1]!;
      if (!(count > 0)) return;
      const counts = cumulativeCounts.map((value, index) => Math.max(0, value - (index > 0 ? cumulativeCounts[index - 1]! : 0)));
      stageAt(slot, stage).latency[outcome] = {
        kind: 'explicit',
        boundsMs,
        counts,
        count,
        sumMs: (sums.get(key)?.[slot] ?? 0) * 1000,
      };
    });
  }
}

/**
 * Per-slot increases of a counter sampled on the grid: slot k = value(t_{k+1}) − value(t_k), a
 * missing point counting as 0 (the series did not exist yet) and a drop as a counter reset.
 */
export function differences(series: PromSeries, start: number, resolution: number, slotCount: number): number[] {
  const at = new Array<number | undefined>(slotCount + 1).fill(undefined);
  for (const [time, text] of series.values ?? []) {
    const index = Math.round((time - start) / resolution);
    if (index >= 0 && index <= slotCount) at[index] = Number(text);
  }
  const result = new Array<number>(slotCount).fill(0);
  let previous = 0;
  for (let index = 0; index <= slotCount; index += 1) {
    const value = at[index];
    if (value === undefined || !Number.isFinite(value)) continue;
    if (index > 0) result[index - 1] = value >= previous ? value - previous : value;
    previous = value;
  }
  return result;
}

async function scalar(client: PrometheusApi, expr: string): Promise<number | undefined> {
  const result = await client.query(expr);
  const value = result[0]?.value?.[1];
  return value === undefined ? undefined : Number(value);
}
