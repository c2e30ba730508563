/**
 * Sums of slots over a time range, per funnel stage: request counts by outcome, funnel counts,
 * merged latency histograms. Every section of the analysis reads the run through these.
 */

import { FUNNEL_STAGES, type FunnelStage, type StageResult } from '../../contracts/funnel.ts';
import { REQUEST_OUTCOMES, type RequestOutcome } from '../../contracts/metrics.ts';
import type { LatencyHistogram, RunResult, RunSlot } from '../../contracts/run-result.ts';
import { mean, mergeHistograms, quantile } from '../histogram.ts';

/** One stage over a time range. */
export interface StageTotals {
  readonly requests: Readonly<Record<RequestOutcome, number>>;
  /** All requests, whatever the outcome. */
  readonly requestCount: number;
  readonly funnel: Readonly<Record<StageResult, number>>;
  readonly latency: Readonly<Partial<Record<RequestOutcome, LatencyHistogram>>>;
}

/** Everything over a time range. */
export interface RangeTotals {
  /** Seconds covered (whole slots). */
  readonly seconds: number;
  readonly slotCount: number;
  readonly stages: Readonly<Record<FunnelStage, StageTotals>>;
  readonly planned: number;
  /** True when at least one slot of the range carried a planned count. */
  readonly hasPlanned: boolean;
  readonly dropped: number;
  readonly iterations: number;
  readonly vus: number;
  readonly vusMax: number;
  /** Slots where the generator ran at its VU ceiling and dropped iterations. */
  readonly saturatedSlots: number;
  /** Journeys started: `funnel_stage{stage=landing,result=entered}`. */
  readonly arrivals: number;
}

/**
 * The slots whose whole length lies in [fromSeconds, toSeconds) from the run's origin: for rates
 * over a part of the run (a window, a step's judged part), where a partial slot would skew them.
 * Whole-run sums use {@link runSlots}.
 */
export function slotsBetween(result: RunResult, fromSeconds: number, toSeconds: number): RunSlot[] {
  const resolution = result.resolutionSeconds;
  const epsilon = 1e-9;
  return result.slots.filter((slot) => slot.t >= fromSeconds - epsilon && slot.t + resolution <= toSeconds + epsilon);
}

/**
 * Every slot of the run from the one holding the scenario's start through the one holding the
 * last sample: what whole-run totals (validity, funnel, reconciliation, the stage table) sum, so
 * they equal the counts in the NDJSON. The scenario rarely starts on a slot boundary (k6 samples
 * arrive 0.1–0.5 s after the first whole second), and dropping its first slot lost the first
 * journeys of a run — all of them in a smoke run. A slot that ends at or before the start holds
 * only what ran before the scenario (setup) and is left out.
 */
export function runSlots(result: RunResult): RunSlot[] {
  const epsilon = 1e-9;
  return result.slots.filter((slot) => slot.t + result.resolutionSeconds > result.scenarioStartSeconds + epsilon);
}

/** Sums `slots` (of a run with slot length `resolutionSeconds`). */
export function totalsOf(slots: readonly RunSlot[], resolutionSeconds: number): RangeTotals {
  const stages = {} as Record<FunnelStage, StageTotals>;
  for (const stage of FUNNEL_STAGES) {
    const requests = { ok: 0, error: 0, throttled: 0 };
    const funnel = { entered: 0, completed: 0, failed: 0, throttled: 0, abandoned: 0 };
    const histograms: Record<RequestOutcome, Array<LatencyHistogram | undefined>> = {
      ok: [],
      error: [],
      throttled: [],
    };
    for (const slot of slots) {
      const stageSlot = slot.stages[stage];
      if (!stageSlot) continue;
      for (const outcome of REQUEST_OUTCOMES) {
        requests[outcome] += stageSlot.requests[outcome] ?? 0;
        histograms[outcome].push(stageSlot.latency[outcome]);
      }
      for (const result of Object.keys(funnel) as StageResult[]) funnel[result] += stageSlot.funnel[result] ?? 0;
    }
    const latency: Partial<Record<RequestOutcome, LatencyHistogram>> = {};
    for (const outcome of REQUEST_OUTCOMES) {
      const merged = mergeHistograms(histograms[outcome]);
      if (merged) latency[outcome] = merged;
    }
    stages[stage] = { requests, requestCount: requests.ok + requests.error + requests.throttled, funnel, latency };
  }
  let planned = 0;
  let hasPlanned = false;
  let dropped = 0;
  let iterations = 0;
  let vus = 0;
  let vusMax = 0;
  let saturatedSlots = 0;
  for (const slot of slots) {
    if (slot.planned !== undefined) hasPlanned = true;
    planned += slot.planned ?? 0;
    dropped += slot.dropped ?? 0;
    iterations += slot.iterations ?? 0;
    vus = Math.max(vus, slot.vus ?? 0);
    vusMax = Math.max(vusMax, slot.vusMax ?? 0);
    if ((slot.dropped ?? 0) > 0 && (slot.vusMax ?? 0) > 0 && (slot.vus ?? 0) >= (slot.vusMax ?? 0)) saturatedSlots += 1;
  }
  return {
    seconds: slots.length * resolutionSeconds,
    slotCount: slots.length,
    stages,
    planned,
    hasPlanned,
    dropped,
    iterations,
    vus,
    vusMax,
    saturatedSlots,
    arrivals: stages.landing.funnel.entered,
  };
}

/** Quantiles and rates of one stage's totals over `seconds`. */
export interface StageStats {
  readonly requests: number;
  readonly requestsPerSecond: number;
  readonly okPerSecond: number;
  /** Funnel completions per second (goodput). */
  readonly completedPerSecond: number;
  /** Errors / all requests (throttling counted apart), undefined without requests. */
  readonly errorRate?: number;
  /** Throttled (429) / all requests. */
  readonly throttleRate?: number;
  /** Quantiles of the durations of `ok` requests, ms. */
  readonly p50Ms?: number;
  readonly p95Ms?: number;
  readonly p99Ms?: number;
  /** Mean duration of all requests, ms. */
  readonly meanMs?: number;
  /** Requests in flight on average (Little's law: Σ rate × mean duration). */
  readonly inFlight: number;
  /** Applicants who entered the stage, and who got an answer (completed, failed or throttled). */
  readonly entered: number;
  readonly answered: number;
  /**
   * (entered − answered) / entered: the share of the stage's arrivals still waiting at the end of
   * the range. Near 0 in a steady state whatever the latency; it grows when a queue grows.
   */
  readonly backlogGrowth?: number;
}

/** Rates and quantiles of a stage over a range of `seconds`. */
export function stageStats(totals: StageTotals, seconds: number): StageStats {
  const per = (count: number): number => (seconds > 0 ? count / seconds : 0);
  const ok = totals.latency.ok;
  let inFlight = 0;
  let sumMs = 0;
  let count = 0;
  for (const outcome of REQUEST_OUTCOMES) {
    const histogram = totals.latency[outcome];
    if (!histogram) continue;
    sumMs += histogram.sumMs;
    count += histogram.count;
    inFlight += per(histogram.count) * ((mean(histogram) ?? 0) / 1000);
  }
  const requests = totals.requestCount;
  const answered = totals.funnel.completed + totals.funnel.failed + totals.funnel.throttled;
  return {
    requests,
    requestsPerSecond: per(requests),
    okPerSecond: per(totals.requests.ok),
    completedPerSecond: per(totals.funnel.completed),
    ...(requests > 0
      ? { errorRate: totals.requests.error / requests, throttleRate: totals.requests.throttled / requests }
      : {}),
    ...optional('p50Ms', quantile(ok, 0.5)),
    ...optional('p95Ms', quantile(ok, 0.95)),
    ...optional('p99Ms', quantile(ok, 0.99)),
    ...(count > 0 ? { meanMs: sumMs / count } : {}),
    inFlight,
    entered: totals.funnel.entered,
    answered,
    ...(totals.funnel.entered > 0 ? { backlogGrowth: (totals.funnel.entered - answered) / totals.funnel.entered } : {}),
  };
}

/** `{ [key]: value }` when value is defined, else `{}`: keeps optional fields absent in JSON. */
export function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** Rounds for display and JSON: `digits` significant decimals after the point. */
export function round(value: number, digits = 3): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
