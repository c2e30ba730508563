/**
 * Builds a {@link RunResult} from Prometheus, for a distributed run that has no single NDJSON file:
 * range queries of the catalog's run metrics (contracts/metrics.ts) as the exporter exposes them.
 *
 * Counters are read as their raw values on a grid of `resolutionSeconds` and differenced here, so
 * slot counts add up exactly to the totals (no `increase()` extrapolation); histograms likewise,
 * bucket by bucket. Gauges are read as `max_over_time` per slot.
 *
 * So that the report equals the one built from the run's NDJSON (same steps, capacity and verdict):
 * - the slot length is the scrape interval Prometheus actually used (read from the raw samples),
 *   not a fixed 10 s: a 10-s slot never fits the judged part of a 10-s breakpoint step. Longer runs
 *   take a whole multiple of it (at most {@link MAX_SLOTS} slots); `resolutionSeconds` asks for
 *   more, never less than one scrape;
 * - the grid points sit halfway between scrapes, so each slot holds one scrape's growth whatever
 *   the scrape jitter;
 * - a grid point holds what the exporter had read by the scrape before it, i.e. the samples up to
 *   the run's newest sample time then ({@link RUN_METRICS.runLastSample}); slots are labelled in
 *   sample time (grid time minus the median of that delay), the time the NDJSON's slots use;
 * - the scenario starts where the NDJSON path says (its first load sample): in the first slot with
 *   load, at the run's first sample or that slot's start, whichever is later.
 *
 * Over 400 lines on purpose: one reader: every query is built from the same grid, run filter and catalog names, and the step placement (interpolated or by sample second) needs them all; the query builders would be the seam to split at.
 */

import { FloodgateError } from '../contracts/errors.ts';
import {
  FUNNEL_STAGES,
  STAGE_RESULTS,
  isFunnelStage,
  type FunnelStage,
  type StageResult,
} from '../contracts/funnel.ts';
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
import { profileFromPlan, runPlanFacts, withRecordedProfile, type RunManifest } from './read-run.ts';

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
export function httpPrometheus(
  url: string,
  options: { signal?: AbortSignal; timeoutMs?: number } = {},
): PrometheusApi & { queries: () => number } {
  const base = url.replace(/\/+$/, '');
  let queries = 0;
  const call = async (path: string, params: Record<string, string>): Promise<PromSeries[]> => {
    queries += 1;
    let body: { status?: string; error?: string; data?: { result?: PromSeries[] } };
    try {
      const signals = [AbortSignal.timeout(options.timeoutMs ?? 30_000), ...(options.signal ? [options.signal] : [])];
      const response = await fetch(`${base}${path}`, {
        method: 'POST',
        body: new URLSearchParams(params),
        signal: AbortSignal.any(signals),
      });
      body = (await response.json()) as typeof body;
    } catch (error) {
      options.signal?.throwIfAborted();
      throw new FloodgateError(
        'PROMETHEUS_UNAVAILABLE',
        { url: base, detail: (error as Error).message },
        { cause: error },
      );
    }
    if (body.status !== 'success') {
      throw new FloodgateError('PROMETHEUS_UNAVAILABLE', {
        url: base,
        detail: `query ${params.query} failed: ${body.error ?? 'unknown error'}`,
      });
    }
    return body.data?.result ?? [];
  };
  return {
    query: (expr, time) =>
      call('/api/v1/query', time === undefined ? { query: expr } : { query: expr, time: String(time) }),
    queryRange: (expr, start, end, step) =>
      call('/api/v1/query_range', { query: expr, start: String(start), end: String(end), step: String(step) }),
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
/** Slot length when the scrape interval cannot be read (a run seen by one scrape only). */
const FALLBACK_RESOLUTION = 10;
/** Longest stretch of raw samples read to find the scrape interval, seconds. */
const SCRAPE_PROBE_SECONDS = 600;

/** Reads one run from Prometheus. Throws RESULTS_NOT_FOUND when Prometheus holds nothing for it. */
export async function readPrometheusRun(options: ReadPrometheusOptions): Promise<RunResult> {
  const client = options.api ?? httpPrometheus(options.url, { signal: options.signal });
  const run = options.run;
  const selector = `{run="${run.replace(/["\\]/g, '')}"}`;
  const lookback = `${Math.round(options.lookbackSeconds ?? 7 * 86_400)}s`;
  const first = await scalar(client, `min(last_over_time(${RUN_METRICS.runStart.name}${selector}[${lookback}]))`);
  const last = await scalar(client, `max(last_over_time(${RUN_METRICS.runLastSample.name}${selector}[${lookback}]))`);
  if (first === undefined || last === undefined) {
    throw new FloodgateError('RESULTS_NOT_FOUND', {
      dir: options.url,
      detail: `Prometheus holds no ${RUN_METRICS.runStart.name} for run "${run}"`,
    });
  }
  const duration = Math.max(1, last - first);
  const scrape = await scrapeInterval(client, selector, first, duration);
  const unit = scrape ? Math.max(1, Math.round(scrape.seconds)) : (options.resolutionSeconds ?? FALLBACK_RESOLUTION);
  const wanted = Math.max(options.resolutionSeconds ?? unit, unit, duration / MAX_SLOTS);
  const resolution = unit * Math.ceil(wanted / unit - 1e-9);
  // The run's slots, as the NDJSON path cuts them: from the whole second of the first sample.
  const origin = Math.floor(first);
  const slotCount = Math.floor((last - origin) / resolution) + 1;
  // The query grid: points halfway between two scrapes, from a slot before the first sample to a
  // few scrapes after the last (the exporter reads the last lines a little after they are written).
  const phase = scrape ? scrape.phase + unit / 2 : 0;
  const start = phase + Math.floor((first - phase) / resolution) * resolution - resolution;
  const gridCount = Math.ceil((last - start) / resolution) + 3;
  const end = start + gridCount * resolution;
  const grid = (expr: string): Promise<PromSeries[]> => client.queryRange(expr, start, end, resolution);
  // The newest sample time the exporter had read at each grid point: the counters there hold the
  // run's samples up to that time, so they are the run's cumulative counts at that sample time.
  const newest = new Array<number | undefined>(gridCount + 1).fill(undefined);
  for (const series of await grid(`max(${RUN_METRICS.runLastSample.name}${selector})`)) {
    for (const [time, text] of series.values ?? []) {
      const index = Math.round((time - start) / resolution);
      if (index >= 0 && index <= gridCount && Number.isFinite(Number(text))) newest[index] = Number(text);
    }
  }
  const clock: SampleClock = { first, origin, resolution, slotCount, start, gridCount, newest };
  /** Load seen so far at each grid point (requests, funnel and planned arrivals), for the scenario's start. */
  const load = new Array<number>(gridCount + 1).fill(0);
  const slotsOf = (series: PromSeries, options: { round: boolean; load?: boolean }): number[] => {
    const cumulative = cumulativeOnGrid(series, clock);
    if (options.load) cumulative.forEach((value, index) => (load[index]! += value));
    return resample(cumulative, clock, options.round);
  };

  const stages = Array.from({ length: slotCount }, () => new Map<FunnelStage, MutableStage>());
  const stageAt = (slot: number, stage: FunnelStage): MutableStage => {
    let entry = stages[slot]!.get(stage);
    if (!entry) stages[slot]!.set(stage, (entry = { requests: {}, funnel: {}, latency: {} }));
    return entry;
  };

  // Requests and funnel: by the second of their sample time when the exporter exposes that
  // (`--sample-seconds`), exact; else the totals, interpolated between scrapes.
  const slotsBySecond = (series: PromSeries): number[] => {
    const cumulative = cumulativeOnGrid(series, clock);
    cumulative.forEach((value, index) => (load[index]! += value));
    return placeBySecond(cumulative, Number(series.metric.second), clock);
  };
  const requestSeries = await grid(
    `sum by (stage, outcome, second) (${RUN_METRICS.httpRequestsBySecond.name}${selector})`,
  );
  const funnelSeries = await grid(
    `sum by (stage, result, second) (${RUN_METRICS.funnelStageBySecond.name}${selector})`,
  );
  const exact = requestSeries.length > 0 || funnelSeries.length > 0;
  const requestSlots = exact
    ? requestSeries.map((series) => [series, slotsBySecond(series)] as const)
    : (await grid(`sum by (stage, outcome) (${RUN_METRICS.httpRequests.name}${selector})`)).map(
        (series) => [series, slotsOf(series, { round: true, load: true })] as const,
      );
  for (const [series, values] of requestSlots) {
    const stage = series.metric.stage;
    const outcome = series.metric.outcome as RequestOutcome;
    if (!stage || !isFunnelStage(stage) || !REQUEST_OUTCOMES.includes(outcome)) continue;
    values.forEach((value, slot) => {
      if (value > 0) stageAt(slot, stage).requests[outcome] = (stageAt(slot, stage).requests[outcome] ?? 0) + value;
    });
  }
  const funnelSlots = exact
    ? funnelSeries.map((series) => [series, slotsBySecond(series)] as const)
    : (await grid(`sum by (stage, result) (${RUN_METRICS.funnelStage.name}${selector})`)).map(
        (series) => [series, slotsOf(series, { round: true, load: true })] as const,
      );
  for (const [series, values] of funnelSlots) {
    const stage = series.metric.stage;
    const result = series.metric.result as StageResult;
    if (!stage || !isFunnelStage(stage) || !STAGE_RESULTS.includes(result)) continue;
    values.forEach((value, slot) => {
      if (value > 0) stageAt(slot, stage).funnel[result] = (stageAt(slot, stage).funnel[result] ?? 0) + value;
    });
  }
  await readHistograms(grid, selector, slotCount, (series, round) => slotsOf(series, { round }), stageAt);

  const perSlot = async (expr: string, round: boolean, countsAsLoad = false): Promise<number[]> => {
    const total = new Array<number>(slotCount).fill(0);
    for (const series of await grid(expr))
      slotsOf(series, { round, load: countsAsLoad }).forEach((value, slot) => (total[slot]! += value));
    return total;
  };
  const gaugeMax = async (expr: string): Promise<number[]> => {
    const values = new Array<number>(slotCount).fill(0);
    for (const series of await grid(`max(max_over_time(${expr}[${resolution}s]))`)) {
      for (const [time, text] of series.values ?? []) {
        // The scrapes since the previous grid point, placed at the newest sample time they held.
        const seen = newest[Math.round((time - start) / resolution)];
        if (seen === undefined) continue;
        const slot = Math.min(slotCount - 1, Math.max(0, Math.floor((seen - origin) / resolution)));
        values[slot] = Math.max(values[slot]!, Number(text));
      }
    }
    return values;
  };
  const planned = await plannedPerSlot(
    grid,
    `sum(${RUN_METRICS.plannedArrivalRate.name}${selector})`,
    clock,
    (series) => {
      cumulativeOnGrid(series, clock).forEach((value, index) => (load[index]! += value));
    },
  );
  const dropped = await perSlot(`sum(${RUN_METRICS.droppedIterations.name}${selector})`, true);
  const iterations = await perSlot(`sum(${RUN_METRICS.iterations.name}${selector})`, true);
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
  const byScenario = await client.query(
    `sum by (scenario) (last_over_time(${RUN_METRICS.httpRequests.name}${selector}[${lookback}]))`,
    end,
  );
  const busiest = [...byScenario].sort((a, b) => Number(b.value?.[1] ?? 0) - Number(a.value?.[1] ?? 0))[0]?.metric
    .scenario;
  const scenario = options.manifest?.scenario ?? busiest ?? 'unknown';
  const info = await client.query(`last_over_time(${RUN_METRICS.runInfo.name}${selector}[${lookback}])`, end);
  const remote = info.some((series) => series.metric.source === 'remote_write');
  const env = options.manifest?.env ?? {};
  // The NDJSON path's rule: the scenario starts with the first sample of the load (or of its
  // planned rate). It lies after the newest sample read at the last grid point without load.
  const firstLoad = load.findIndex((value) => value > 0);
  const before =
    firstLoad > 0
      ? newest
          .slice(0, firstLoad)
          .reduce<number | undefined>((latest, value) => (value === undefined ? latest : value), undefined)
      : undefined;
  const scenarioStartSeconds = Math.max(0, Math.max(first, before ?? first) - origin);

  const thresholds: ThresholdResult[] = (
    await client.query(`last_over_time(${RUN_METRICS.thresholdPassing.name}${selector}[${lookback}])`, end)
  )
    .filter((series) => series.metric.metric && series.metric.threshold)
    .map((series) => ({
      metric: series.metric.metric!,
      expression: series.metric.threshold!,
      ok: Number(series.value?.[1]) === 1,
    }));
  const checkCounts = new Map<string, { passes: number; fails: number }>();
  for (const series of await client.query(
    `sum by (check, result) (last_over_time(${RUN_METRICS.checks.name}${selector}[${lookback}]))`,
    end,
  )) {
    const name = series.metric.check ?? '';
    const counts = checkCounts.get(name) ?? { passes: 0, fails: 0 };
    if (series.metric.result === 'pass') counts.passes += Number(series.value?.[1] ?? 0);
    else counts.fails += Number(series.value?.[1] ?? 0);
    checkCounts.set(name, counts);
  }
  const truthStages: Partial<Record<FunnelStage, number>> = {};
  for (const series of await client.query(
    `max by (stage) (last_over_time(${RUN_METRICS.targetRecords.name}${selector}[${lookback}]))`,
    end,
  )) {
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
    origin: new Date(origin * 1000).toISOString(),
    scenarioStartSeconds,
    durationSeconds: last - origin,
    resolutionSeconds: resolution,
    slots,
    // with a run.json, its plan (or, without one, its variables re-read, which the report notes)
    ...planParts(options.manifest, scenario, slots, resolution, scenarioStartSeconds),
    env,
    ...(typeof options.manifest?.exitCode === 'number' ? { exitCode: options.manifest.exitCode } : {}),
    thresholds,
    checks: [...checkCounts.entries()].map(([name, counts]) => ({ name, ...counts })),
    ...(Object.keys(truthStages).length > 0
      ? { truth: { source: `${options.url} (${RUN_METRICS.targetRecords.name})`, stages: truthStages } }
      : {}),
    source: {
      kind: 'prometheus',
      url: options.url,
      queries: 'queries' in client ? (client as { queries: () => number }).queries() : 0,
      ...(scrape ? { scrapeIntervalSeconds: scrape.seconds } : {}),
      resolution: [
        resolutionNote(resolution, scrape?.seconds, options.resolutionSeconds, duration),
        placementNote(
          exact,
          scrape?.seconds ?? resolution,
          slots,
          resolution,
          options.manifest,
          scenario,
          scenarioStartSeconds,
        ),
      ].join('; '),
    },
  };
}

interface MutableStage {
  requests: Partial<Record<RequestOutcome, number>>;
  funnel: Partial<Record<StageResult, number>>;
  latency: Partial<Record<RequestOutcome, ExplicitHistogram>>;
}

/** Bucket counters per slot, turned into explicit histograms (ms bounds). */
async function readHistograms(
  grid: (expr: string) => Promise<PromSeries[]>,
  selector: string,
  slotCount: number,
  slotsOf: (series: PromSeries, round: boolean) => number[],
  stageAt: (slot: number, stage: FunnelStage) => MutableStage,
): Promise<void> {
  const name = RUN_METRICS.httpRequestDuration.name;
  const boundsSeconds = [...(RUN_METRICS.httpRequestDuration.buckets ?? [])];
  const boundsMs = boundsSeconds.map((seconds) => seconds * 1000);
  // cumulative[stage|outcome][slot][bucket]
  const cumulative = new Map<string, number[][]>();
  for (const series of await grid(`sum by (stage, outcome, le) (${name}_bucket${selector})`)) {
    const { stage, outcome, le } = series.metric;
    if (!stage || !isFunnelStage(stage) || !REQUEST_OUTCOMES.includes(outcome as RequestOutcome) || le === undefined)
      continue;
    const bucket =
      le === '+Inf' ? boundsSeconds.length : boundsSeconds.findIndex((bound) => Math.abs(bound - Number(le)) < 1e-9);
    if (bucket < 0) continue;
    const key = `${stage}|${outcome}`;
    let table = cumulative.get(key);
    if (!table)
      cumulative.set(
        key,
        (table = Array.from({ length: slotCount }, () => new Array<number>(boundsSeconds.length + 1).fill(0))),
      );
    slotsOf(series, true).forEach((value, slot) => (table![slot]![bucket] = value));
  }
  const sums = new Map<string, number[]>();
  for (const series of await grid(`sum by (stage, outcome) (${name}_sum${selector})`)) {
    sums.set(`${series.metric.stage}|${series.metric.outcome}`, slotsOf(series, false));
  }
  for (const [key, table] of cumulative) {
    const [stage, outcome] = key.split('|') as [FunnelStage, RequestOutcome];
    table.forEach((cumulativeCounts, slot) => {
      const count = cumulativeCounts[cumulativeCounts.length - 1]!;
      if (!(count > 0)) return;
      const counts = cumulativeCounts.map((value, index) =>
        Math.max(0, value - (index > 0 ? cumulativeCounts[index - 1]! : 0)),
      );
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

/** Where the query grid lies and what sample time each of its points had read (see {@link resample}). */
export interface SampleClock {
  /** The run's first sample time, and the start of slot 0 (Unix seconds). */
  readonly first: number;
  readonly origin: number;
  readonly resolution: number;
  readonly slotCount: number;
  /** The grid: points start + k × resolution, k = 0 … gridCount. */
  readonly start: number;
  readonly gridCount: number;
  /** The run's newest sample time at each grid point (undefined before Prometheus saw the run). */
  readonly newest: ReadonlyArray<number | undefined>;
}

/** A counter's growth since the run began, at each grid point (a missing point repeats the last; a drop is a reset). */
function cumulativeOnGrid(series: PromSeries, clock: SampleClock): number[] {
  const at = new Array<number | undefined>(clock.gridCount + 1).fill(undefined);
  for (const [time, text] of series.values ?? []) {
    const index = Math.round((time - clock.start) / clock.resolution);
    if (index >= 0 && index <= clock.gridCount) at[index] = Number(text);
  }
  const cumulative = new Array<number>(clock.gridCount + 1).fill(0);
  let previous = 0;
  let total = 0;
  for (let index = 0; index <= clock.gridCount; index += 1) {
    const value = at[index];
    if (value !== undefined && Number.isFinite(value)) {
      total += value >= previous ? value - previous : value;
      previous = value;
    }
    cumulative[index] = total;
  }
  return cumulative;
}

/**
 * A counter's growth per slot of the run, in sample time. At each grid point the counter holds
 * the samples up to the newest sample time read then, so (newest time, cumulative count) pairs
 * are points of the run's cumulative count; between them it is interpolated linearly and read
 * at the slot bounds, as the NDJSON cuts them. Nothing is lost or made up: the slots add up to
 * the counter's growth, and with `round` each bound is a whole count.
 */
export function resample(cumulative: readonly number[], clock: SampleClock, round: boolean): number[] {
  const times = [clock.first - 1e-3];
  const values = [0];
  cumulative.forEach((value, index) => {
    const time = clock.newest[index];
    if (time === undefined) return;
    if (time <= times[times.length - 1]!) values[values.length - 1] = Math.max(values[values.length - 1]!, value);
    else {
      times.push(time);
      values.push(Math.max(values[values.length - 1]!, value));
    }
  });
  const final = cumulative[cumulative.length - 1] ?? 0;
  values[values.length - 1] = Math.max(values[values.length - 1]!, final);
  let knot = 0;
  const countAt = (time: number): number => {
    while (knot < times.length - 1 && times[knot + 1]! <= time) knot += 1;
    if (time <= times[0]!) return values[0]!;
    if (knot >= times.length - 1) return values[values.length - 1]!;
    const share = (time - times[knot]!) / (times[knot + 1]! - times[knot]!);
    const value = values[knot]! + share * (values[knot + 1]! - values[knot]!);
    return round ? Math.round(value) : value;
  };
  const bounds = Array.from({ length: clock.slotCount + 1 }, (_, slot) =>
    slot === clock.slotCount ? values[values.length - 1]! : countAt(clock.origin + slot * clock.resolution),
  );
  return bounds.slice(1).map((value, slot) => Math.max(0, value - bounds[slot]!));
}

/**
 * A per-second counter's growth per slot of the run (the exporter's `…_by_second_total`, label
 * `second` = the whole second of each sample's time modulo 60). The growth seen at a grid point
 * came from samples no newer than the newest sample time read then, so it belongs to the latest
 * second at or before that time with this `second` label: exact as long as no sample reaches the
 * exporter 60 s or more after the run's newest one, and Prometheus misses no minute of scrapes.
 */
export function placeBySecond(cumulative: readonly number[], second: number, clock: SampleClock): number[] {
  const slots = new Array<number>(clock.slotCount).fill(0);
  let previous = 0;
  let newest: number | undefined;
  for (let index = 0; index < cumulative.length; index += 1) {
    newest = clock.newest[index] ?? newest;
    const growth = cumulative[index]! - previous;
    previous = cumulative[index]!;
    if (!(growth > 0)) continue;
    const latest = Math.floor(newest ?? clock.first);
    const at = Number.isInteger(second) ? latest - ((((latest - second) % 60) + 60) % 60) : latest;
    const slot = Math.min(clock.slotCount - 1, Math.max(0, Math.floor((at - clock.origin) / clock.resolution)));
    slots[slot]! += growth;
  }
  return slots;
}

/**
 * Planned arrivals per slot, from the planned rate (the gauge, sample and hold, as the NDJSON path
 * spreads `planned_arrival_rate`): the rate read at a grid point holds until the newest sample
 * time of the next. The exporter's planned-arrivals counter is not used here: it grows only when
 * the next rate sample arrives, so in 1-s slots it reads 0 in one slot and twice the rate in the next.
 */
async function plannedPerSlot(
  grid: (expr: string) => Promise<PromSeries[]>,
  expr: string,
  clock: SampleClock,
  onSeries: (series: PromSeries) => void,
): Promise<number[]> {
  const total = new Array<number>(clock.slotCount).fill(0);
  for (const series of await grid(expr)) {
    onSeries(series);
    const rate = new Array<number | undefined>(clock.gridCount + 1).fill(undefined);
    for (const [time, text] of series.values ?? []) {
      const index = Math.round((time - clock.start) / clock.resolution);
      if (index >= 0 && index <= clock.gridCount && Number.isFinite(Number(text)))
        rate[index] = Math.max(0, Number(text));
    }
    const cumulative = new Array<number>(clock.gridCount + 1).fill(0);
    let sum = 0;
    let held: { rate: number; time: number } | undefined;
    for (let index = 0; index <= clock.gridCount; index += 1) {
      const time = clock.newest[index];
      if (time !== undefined && rate[index] !== undefined) {
        sum += held ? held.rate * Math.max(0, time - held.time) : rate[index]! * Math.max(0, time - clock.first);
        held = { rate: rate[index]!, time };
      }
      cumulative[index] = sum;
    }
    resample(cumulative, clock, false).forEach((value, slot) => (total[slot]! += value));
  }
  return total;
}

/**
 * The scrape interval Prometheus used for the run (median gap between the raw samples of the run's
 * newest-sample gauge, which the exporter exposes at every scrape), and the phase of the scrapes
 * (a scrape time); undefined when fewer than three scrapes are stored.
 */
export async function scrapeInterval(
  client: PrometheusApi,
  selector: string,
  first: number,
  duration: number,
): Promise<{ seconds: number; phase: number } | undefined> {
  const window = Math.ceil(Math.min(SCRAPE_PROBE_SECONDS, duration + 120));
  const gaps: number[] = [];
  let times: number[] = [];
  for (const series of await client.query(`${RUN_METRICS.runLastSample.name}${selector}[${window}s]`, first + window)) {
    const seriesTimes = (series.values ?? []).map(([time]) => time).sort((a, b) => a - b);
    for (let index = 1; index < seriesTimes.length; index += 1)
      gaps.push(seriesTimes[index]! - seriesTimes[index - 1]!);
    if (seriesTimes.length > times.length) times = seriesTimes;
  }
  if (gaps.length < 2) return undefined;
  const seconds = Math.round(median(gaps) * 1000) / 1000;
  if (!(seconds > 0)) return undefined;
  // The scrapes' phase: the median offset of the scrape times from the first, modulo the interval.
  const unit = Math.max(1, Math.round(seconds));
  const reference = times[0]!;
  const offsets = times.map((time) => {
    const offset = (time - reference) % unit;
    return offset >= unit / 2 ? offset - unit : offset;
  });
  return { seconds, phase: reference + median(offsets) };
}

/**
 * Scrape intervals a step must last for its throughput read between scrapes to stay within 2 %:
 * each edge of its judged part is uncertain by up to one interval's samples.
 */
export const SCRAPES_PER_STEP = 100;

/**
 * What the report says about where inside a scrape interval its counts lie: exact to the second
 * of sample time (the exporter's per-second counters), or interpolated, with the steps too short
 * for that to be within 2 %.
 */
function placementNote(
  exact: boolean,
  scrapeSeconds: number,
  slots: readonly RunSlot[],
  resolution: number,
  manifest: RunManifest | undefined,
  scenario: string,
  scenarioStartSeconds: number,
): string {
  if (exact)
    return 'requests and funnel placed by the second of their sample time (the exporter runs with --sample-seconds); latency interpolated between scrapes';
  const steps = planParts(manifest, scenario, slots, resolution, scenarioStartSeconds).profile.steps ?? [];
  const short = steps.filter((step) => step.endSeconds - step.startSeconds < SCRAPES_PER_STEP * scrapeSeconds);
  const base = `counts interpolated between scrapes: each edge of a judged part is uncertain by up to one scrape interval's samples (run the exporter with --sample-seconds for exact counts)`;
  return short.length === 0
    ? base
    : `${base}; ${short.length} of ${steps.length} steps last less than ${SCRAPES_PER_STEP} scrape intervals (${Math.round(SCRAPES_PER_STEP * scrapeSeconds)} s), so their throughput may be off by more than 2 %`;
}

/** What the report says about the slot length it read Prometheus at. */
function resolutionNote(
  resolution: number,
  scrapeSeconds: number | undefined,
  requested: number | undefined,
  duration: number,
): string {
  const why =
    scrapeSeconds === undefined
      ? `the scrape interval could not be read (too few scrapes stored), so ${requested === undefined ? 'the default' : 'the requested'} ${resolution} s`
      : requested !== undefined && requested < scrapeSeconds
        ? `${requested} s asked for is shorter than one scrape, so the scrape interval Prometheus used (${scrapeSeconds} s)`
        : requested !== undefined && requested > scrapeSeconds && resolution >= requested
          ? `${requested} s asked for, in whole scrape intervals (${scrapeSeconds} s)`
          : duration / MAX_SLOTS > scrapeSeconds
            ? `whole scrape intervals (${scrapeSeconds} s), at most ${MAX_SLOTS} slots for this ${Math.round(duration)}-s run`
            : `the scrape interval Prometheus used (${scrapeSeconds} s)`;
  return `slots of ${resolution} s: ${why}`;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

async function scalar(client: PrometheusApi, expr: string): Promise<number | undefined> {
  const result = await client.query(expr);
  const value = result[0]?.value?.[1];
  return value === undefined ? undefined : Number(value);
}

/** The run-result's profile, continuation and plan source: from run.json when the caller passed one, else from no variables at all. */
function planParts(
  manifest: RunManifest | undefined,
  scenario: string,
  slots: readonly RunSlot[],
  resolution: number,
  scenarioStartSeconds: number,
): Pick<RunResult, 'profile' | 'continuation' | 'planSource'> {
  const { facts, source } = runPlanFacts(manifest ?? {}, scenario);
  const profile = withRecordedProfile(
    profileFromPlan(scenario, facts, slots, resolution, scenarioStartSeconds),
    manifest?.profile,
  );
  return manifest ? { profile, continuation: facts.continuation, planSource: source } : { profile };
}
