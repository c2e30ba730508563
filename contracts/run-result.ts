/**
 * The run-result: what one load-test run measured, aggregated into time slots × funnel stages with
 * mergeable latency histograms. It is the versioned contract between reading a run (k6 NDJSON or
 * Prometheus) and analysing it (report/): `floodgate report` writes it as `run-result.json`.
 *
 * Pure TypeScript, no imports outside contracts/. Bump {@link RUN_RESULT_VERSION} on any change a
 * reader of an older file could misread; additive optional fields keep the version.
 *
 * Over 400 lines on purpose: the shapes and their validator (validateRunResult) are one versioned
 * contract and change together; a field added without its check is the drift this file prevents.
 */

import { FUNNEL_STAGES, STAGE_RESULTS, type FunnelStage, type StageResult } from './funnel.ts';
import { readRunProfileRecord, type RunProfileRecord } from './run-record.ts';
import type { K6SummaryShape } from './k6-summary.ts';
import { REQUEST_OUTCOMES, type RequestOutcome } from './metrics.ts';
import type { Continuation } from './script-variables.ts';

/** `kind` of every run-result document. */
export const RUN_RESULT_KIND = 'floodgate.run-result';

/** Version of the run-result schema this code writes and reads. */
export const RUN_RESULT_VERSION = 1;

/**
 * Growth factor of the log-bucket latency histogram: bucket `i` holds durations in
 * (g^(i−1), g^i] milliseconds with g = 2^(1/16) ≈ 1.0443, so a quantile read from it is within
 * ±2.2 % of the true value. Indexes may be negative (durations below 1 ms).
 */
export const LOG_HISTOGRAM_GROWTH = 2 ** (1 / 16);

/** Durations at or below this (ms) share the lowest bucket; k6 may report 0 for a refused request. */
export const LOG_HISTOGRAM_FLOOR_MS = 0.001;

/** A histogram of durations on the fixed log scale of {@link LOG_HISTOGRAM_GROWTH}; sparse. */
export interface LogHistogram {
  readonly kind: 'log';
  /** `[bucketIndex, count]` pairs, ascending by index, counts > 0. */
  readonly buckets: ReadonlyArray<readonly [number, number]>;
  /** Number of observations. */
  readonly count: number;
  /** Sum of the observations, ms. */
  readonly sumMs: number;
  /** Smallest and largest observation, ms. */
  readonly minMs: number;
  readonly maxMs: number;
}

/** A histogram with explicit upper bounds, as Prometheus histograms give them (`le`). */
export interface ExplicitHistogram {
  readonly kind: 'explicit';
  /** Upper bounds in ms, ascending; an implicit +Inf bucket follows the last. */
  readonly boundsMs: readonly number[];
  /** Observations per bucket (not cumulative); length = boundsMs.length + 1. */
  readonly counts: readonly number[];
  readonly count: number;
  readonly sumMs: number;
}

/** A mergeable latency histogram (two histograms merge when they have the same kind and bounds). */
export type LatencyHistogram = LogHistogram | ExplicitHistogram;

/** What one funnel stage saw in one slot. */
export interface StageSlot {
  /** HTTP requests of the stage by outcome (`ok` expected answer, `error`, `throttled` = 429). */
  readonly requests: Readonly<Partial<Record<RequestOutcome, number>>>;
  /** HTTP requests by status code text (`"0"` is a network error); at most 32 values, then `other`. */
  readonly statuses?: Readonly<Record<string, number>>;
  /** Request durations (k6 `http_req_duration`) by outcome. */
  readonly latency: Readonly<Partial<Record<RequestOutcome, LatencyHistogram>>>;
  /** `funnel_stage` counts by result. */
  readonly funnel: Readonly<Partial<Record<StageResult, number>>>;
}

/** One time slot of a run: [t, t + resolutionSeconds) seconds from the run's origin. */
export interface RunSlot {
  /** Start of the slot, seconds from {@link RunResult.origin}. */
  readonly t: number;
  /** Per funnel stage; stages with nothing in this slot are left out. */
  readonly stages: Readonly<Partial<Record<FunnelStage, StageSlot>>>;
  /** HTTP requests that carried no funnel `stage` tag, by outcome. */
  readonly unstagedRequests?: Readonly<Partial<Record<RequestOutcome, number>>>;
  /** Planned arrivals in the slot: the integral of `planned_arrival_rate` (or of the profile). */
  readonly planned?: number;
  /** Journeys (k6 `iterations`) that ended in the slot, helper scenarios excluded. */
  readonly iterations?: number;
  /** k6 `dropped_iterations` in the slot. */
  readonly dropped?: number;
  /** Largest `vus` and `vus_max` seen in the slot. */
  readonly vus?: number;
  readonly vusMax?: number;
}

/** A k6 threshold and whether it held. */
export interface ThresholdResult {
  /** The metric or submetric, e.g. `http_req_duration{stage:verify_nik}`. */
  readonly metric: string;
  /** The expression, e.g. `p(95)<3000`. */
  readonly expression: string;
  /** True when it held; undefined when the run has no summary to say. */
  readonly ok?: boolean;
  /**
   * The value the expression's aggregation had at the end of the run (summary.json's
   * `values[<aggregation>]`, e.g. `p(95)`), when the summary gives it; in {@link unit}.
   */
  readonly measured?: number;
  /** Unit of `measured` and of the expression's number: `ms` for time metrics; absent for plain numbers. */
  readonly unit?: string;
}

/** One k6 check and its counts. */
export interface CheckResult {
  readonly name: string;
  readonly passes: number;
  readonly fails: number;
}

/** Where the numbers came from. */
export type RunSource =
  | {
      readonly kind: 'ndjson';
      /** File name as given, e.g. `results/r1/k6.ndjson`. */
      readonly path: string;
      /** Lines read, and lines rejected by reason (malformed input is counted, never silently dropped). */
      readonly lines: number;
      readonly rejected: Readonly<Record<string, number>>;
      /** True when the file was gzip (`--out json=FILE.gz`). */
      readonly gzip?: boolean;
      /** Samples of other runs in the same file, left out (absent when there were none), and their ids (the first few). */
      readonly otherRuns?: { readonly points: number; readonly runs: readonly string[] };
    }
  | {
      readonly kind: 'prometheus';
      readonly url: string;
      /** Range queries made. */
      readonly queries: number;
      /** The scrape interval Prometheus used for the run, read from its raw samples. */
      readonly scrapeIntervalSeconds?: number;
      /** How the slot length was chosen, e.g. `slots of 1 s: the scrape interval Prometheus used (1 s)`. */
      readonly resolution?: string;
    };

/** The traffic profile the run played, as far as the run's env tells. */
export interface RunProfile {
  /** Profile name (`breakpoint`, `opening-exp`, …) or the scenario name when unknown. */
  readonly name: string;
  /** Rate multiplier (RATE_SCALE), 1 when unset. */
  readonly rateScale: number;
  /** Time compression (TIME_SCALE), 1 when unset. */
  readonly timeScale: number;
  /** Event minutes played (WINDOW), when set. */
  readonly window?: { readonly fromMinute: number; readonly toMinute: number };
  /** Breakpoint steps: rates in new applicants per second, times in seconds from scenario start. */
  readonly steps?: ReadonlyArray<{
    readonly index: number;
    readonly rate: number;
    readonly startSeconds: number;
    readonly endSeconds: number;
  }>;
  /** run.json's `profile` block: the profile file, its fit, replay or fit, scales and RETRY_PROFILE the runner recorded. */
  readonly recorded?: RunProfileRecord;
}

/** Where a run-result's profile and continuation came from (RunResult `planSource`). */
export const RUN_PLAN_SOURCES = ['run.json', 'script variables'] as const;
/** One plan source. */
export type RunPlanSource = (typeof RUN_PLAN_SOURCES)[number];

/** Records the target stored for the run, per stage (its `/truth` endpoint). */
export interface RunTruth {
  /** URL fetched, or the file read. */
  readonly source: string;
  readonly stages: Readonly<Partial<Record<FunnelStage, number>>>;
}

/** One run, measured. */
export interface RunResult {
  readonly kind: typeof RUN_RESULT_KIND;
  readonly version: typeof RUN_RESULT_VERSION;
  /** Run id (RUN_ID_PATTERN). */
  readonly run: string;
  /** Load scenario: `smoke`, `opening`, `breakpoint`, `soak`, or another name. */
  readonly scenario: string;
  /** Engine that generated the load (`k6`, `local`), or `unknown`. */
  readonly engine: string;
  /** Target base URL, when known. */
  readonly target?: string;
  /** Time of slot 0's start, ISO 8601. */
  readonly origin: string;
  /** Seconds from the origin at which the load scenario began (steps are counted from here). */
  readonly scenarioStartSeconds: number;
  /** Seconds from the origin to the last sample. */
  readonly durationSeconds: number;
  /** Length of one slot in seconds (1, or doubled for long runs to keep memory bounded). */
  readonly resolutionSeconds: number;
  /** The slots, ascending by `t`, consecutive (empty slots included). */
  readonly slots: readonly RunSlot[];
  readonly profile: RunProfile;
  /**
   * How applicants continued (CONTINUATION, PHOTO_SHARE, with the scenario's defaults), from the
   * plan in run.json. Absent in a run-result from before floodgate recorded it; the report then
   * reads it from `env` (contracts/plan.ts `continuationOf`).
   */
  readonly continuation?: Continuation;
  /**
   * Where `profile` and `continuation` came from: the plan in run.json, or the script variables
   * re-read because run.json held no plan (the report says so).
   */
  readonly planSource?: RunPlanSource;
  /** The `-e KEY=VALUE` pairs the script ran with (run.json `env`). */
  readonly env: Readonly<Record<string, string>>;
  /** k6's exit code, when known. */
  readonly exitCode?: number;
  readonly thresholds: readonly ThresholdResult[];
  readonly checks: readonly CheckResult[];
  readonly truth?: RunTruth;
  /** The end-of-test summary the threshold verdicts came from, when the folder held one. */
  readonly summary?: RunSummarySource;
  readonly source: RunSource;
}

/** Which k6 summary a report read (contracts/k6-summary.ts reads every shape). */
export interface RunSummarySource {
  /** The file read, e.g. `results/r1/summary.json`. */
  readonly file: string;
  /** `handleSummary`, `summary-export` or `machine-readable`. */
  readonly shape: K6SummaryShape;
  /** False when the shape carries no threshold verdicts (the machine-readable summary): thresholds are unknown, not passed. */
  readonly thresholds: boolean;
}

/** The outcome of {@link validateRunResult}. */
export type RunResultValidation =
  { readonly ok: true; readonly value: RunResult } | { readonly ok: false; readonly problems: readonly string[] };

/**
 * Checks that `value` is a run-result this code can read: the kind, the version, and the shape of
 * every slot, histogram and count. Returns every problem found (at most 20), with its path.
 */
export function validateRunResult(value: unknown): RunResultValidation {
  const problems: string[] = [];
  const problem = (path: string, text: string): void => {
    if (problems.length < 20) problems.push(`${path}: ${text}`);
  };
  if (!isRecord(value)) return { ok: false, problems: ['$: expected an object'] };
  if (value.kind !== RUN_RESULT_KIND)
    problem('$.kind', `expected "${RUN_RESULT_KIND}", got ${JSON.stringify(value.kind)}`);
  if (value.version !== RUN_RESULT_VERSION) {
    problem(
      '$.version',
      `expected ${RUN_RESULT_VERSION}, got ${JSON.stringify(value.version)}; rebuild it with this floodgate`,
    );
  }
  for (const key of ['run', 'scenario', 'engine', 'origin'] as const) {
    if (typeof value[key] !== 'string' || value[key] === '') problem(`$.${key}`, 'expected a non-empty string');
  }
  if (typeof value.origin === 'string' && Number.isNaN(Date.parse(value.origin)))
    problem('$.origin', 'expected an ISO 8601 time');
  for (const key of ['scenarioStartSeconds', 'durationSeconds'] as const) {
    if (!isNumber(value[key]) || (value[key] as number) < 0) problem(`$.${key}`, 'expected a number ≥ 0');
  }
  const resolution = value.resolutionSeconds;
  if (!isNumber(resolution) || resolution <= 0) problem('$.resolutionSeconds', 'expected a number > 0');
  if (!Array.isArray(value.slots)) problem('$.slots', 'expected an array');
  else {
    value.slots.forEach((slot: unknown, index: number) => {
      const path = `$.slots[${index}]`;
      if (!isRecord(slot)) return problem(path, 'expected an object');
      if (!isNumber(slot.t)) problem(`${path}.t`, 'expected a number');
      else if (isNumber(resolution) && Math.abs(slot.t - index * resolution) > 1e-6) {
        problem(`${path}.t`, `expected ${index * resolution} (slots are consecutive)`);
      }
      checkStages(slot.stages, `${path}.stages`, problem);
      if (slot.unstagedRequests !== undefined)
        checkCounts(slot.unstagedRequests, REQUEST_OUTCOMES, `${path}.unstagedRequests`, problem);
      for (const key of ['planned', 'iterations', 'dropped', 'vus', 'vusMax'] as const) {
        if (slot[key] !== undefined && !(isNumber(slot[key]) && (slot[key] as number) >= 0))
          problem(`${path}.${key}`, 'expected a number ≥ 0');
      }
    });
  }
  checkProfile(value.profile, problem);
  if (value.continuation !== undefined) {
    const continuation = value.continuation;
    if (
      !isRecord(continuation) ||
      (continuation.mode !== 'seed' && continuation.mode !== 'full') ||
      typeof continuation.modeSet !== 'boolean' ||
      !isNumber(continuation.photoShare) ||
      typeof continuation.photoShareSet !== 'boolean'
    ) {
      problem('$.continuation', 'expected {mode: "seed" | "full", modeSet, photoShare, photoShareSet}');
    }
  }
  if (value.planSource !== undefined && !(RUN_PLAN_SOURCES as readonly unknown[]).includes(value.planSource)) {
    problem('$.planSource', `expected one of ${RUN_PLAN_SOURCES.join(', ')}`);
  }
  if (!isStringRecord(value.env)) problem('$.env', 'expected an object of strings');
  if (!Array.isArray(value.thresholds)) problem('$.thresholds', 'expected an array');
  else {
    value.thresholds.forEach((threshold: unknown, index: number) => {
      if (!isRecord(threshold) || typeof threshold.metric !== 'string' || typeof threshold.expression !== 'string') {
        problem(`$.thresholds[${index}]`, 'expected {metric, expression, ok?}');
      } else {
        if (threshold.ok !== undefined && typeof threshold.ok !== 'boolean')
          problem(`$.thresholds[${index}].ok`, 'expected a boolean');
        if (threshold.measured !== undefined && !isNumber(threshold.measured))
          problem(`$.thresholds[${index}].measured`, 'expected a number');
        if (threshold.unit !== undefined && typeof threshold.unit !== 'string')
          problem(`$.thresholds[${index}].unit`, 'expected a string');
      }
    });
  }
  if (!Array.isArray(value.checks)) problem('$.checks', 'expected an array');
  else {
    value.checks.forEach((check: unknown, index: number) => {
      if (!isRecord(check) || typeof check.name !== 'string' || !isCount(check.passes) || !isCount(check.fails)) {
        problem(`$.checks[${index}]`, 'expected {name, passes, fails}');
      }
    });
  }
  if (value.truth !== undefined) {
    if (!isRecord(value.truth) || typeof value.truth.source !== 'string')
      problem('$.truth', 'expected {source, stages}');
    else checkCounts(value.truth.stages, FUNNEL_STAGES, '$.truth.stages', problem);
  }
  checkSource(value.source, problem);
  return problems.length === 0 ? { ok: true, value: value as unknown as RunResult } : { ok: false, problems };
}

// --- internals -------------------------------------------------------------------------------

type Problem = (path: string, text: string) => void;

function checkStages(stages: unknown, path: string, problem: Problem): void {
  if (!isRecord(stages)) return problem(path, 'expected an object');
  for (const [stage, slot] of Object.entries(stages)) {
    const at = `${path}.${stage}`;
    if (!(FUNNEL_STAGES as readonly string[]).includes(stage)) {
      problem(at, `not a funnel stage (${FUNNEL_STAGES.join(', ')})`);
      continue;
    }
    if (!isRecord(slot)) {
      problem(at, 'expected an object');
      continue;
    }
    checkCounts(slot.requests, REQUEST_OUTCOMES, `${at}.requests`, problem);
    checkCounts(slot.funnel, STAGE_RESULTS, `${at}.funnel`, problem);
    if (slot.statuses !== undefined) checkCounts(slot.statuses, undefined, `${at}.statuses`, problem);
    if (!isRecord(slot.latency)) problem(`${at}.latency`, 'expected an object');
    else {
      for (const [outcome, histogram] of Object.entries(slot.latency)) {
        if (!(REQUEST_OUTCOMES as readonly string[]).includes(outcome))
          problem(`${at}.latency.${outcome}`, 'not a request outcome');
        else checkHistogram(histogram, `${at}.latency.${outcome}`, problem);
      }
    }
  }
}

function checkHistogram(value: unknown, path: string, problem: Problem): void {
  if (!isRecord(value)) return problem(path, 'expected a histogram');
  if (!isCount(value.count) || !isNumber(value.sumMs)) problem(path, 'expected count ≥ 0 and sumMs');
  if (value.kind === 'log') {
    if (!isNumber(value.minMs) || !isNumber(value.maxMs)) problem(path, 'expected minMs and maxMs');
    if (!Array.isArray(value.buckets)) return problem(`${path}.buckets`, 'expected [index, count] pairs');
    let previous = -Infinity;
    let total = 0;
    for (const pair of value.buckets as unknown[]) {
      if (
        !Array.isArray(pair) ||
        pair.length !== 2 ||
        !Number.isInteger(pair[0]) ||
        !isCount(pair[1]) ||
        pair[0] <= previous
      ) {
        return problem(`${path}.buckets`, 'expected [integer index, count] pairs, ascending by index');
      }
      previous = pair[0];
      total += pair[1];
    }
    if (isCount(value.count) && Math.abs(total - value.count) > 1e-6 * Math.max(1, total))
      problem(path, `bucket counts sum to ${total}, count says ${value.count}`);
  } else if (value.kind === 'explicit') {
    const bounds = value.boundsMs;
    const counts = value.counts;
    if (
      !Array.isArray(bounds) ||
      !bounds.every(isNumber) ||
      bounds.some((bound: number, i: number) => i > 0 && bound <= (bounds[i - 1] as number))
    ) {
      return problem(`${path}.boundsMs`, 'expected ascending numbers');
    }
    if (!Array.isArray(counts) || counts.length !== bounds.length + 1 || !counts.every(isCount)) {
      problem(`${path}.counts`, 'expected one count ≥ 0 per bound plus one for +Inf');
    }
  } else problem(`${path}.kind`, 'expected "log" or "explicit"');
}

function checkCounts(value: unknown, keys: readonly string[] | undefined, path: string, problem: Problem): void {
  if (!isRecord(value)) return problem(path, 'expected an object of counts');
  for (const [key, count] of Object.entries(value)) {
    if (keys && !keys.includes(key)) problem(`${path}.${key}`, `unexpected key (expected one of ${keys.join(', ')})`);
    else if (!isCount(count)) problem(`${path}.${key}`, 'expected a number ≥ 0');
  }
}

function checkProfile(value: unknown, problem: Problem): void {
  if (!isRecord(value)) return problem('$.profile', 'expected an object');
  if (typeof value.name !== 'string') problem('$.profile.name', 'expected a string');
  if (value.recorded !== undefined && !readRunProfileRecord(value.recorded))
    problem(
      '$.profile.recorded',
      "expected run.json's profile block {source, curve, rateScale, timeScale, window, retryProfile}",
    );
  if (!isNumber(value.rateScale) || value.rateScale <= 0) problem('$.profile.rateScale', 'expected a number > 0');
  if (!isNumber(value.timeScale) || value.timeScale < 1) problem('$.profile.timeScale', 'expected a number ≥ 1');
  if (value.steps !== undefined) {
    if (!Array.isArray(value.steps)) return problem('$.profile.steps', 'expected an array');
    value.steps.forEach((step: unknown, index: number) => {
      if (
        !isRecord(step) ||
        !isNumber(step.rate) ||
        !isNumber(step.startSeconds) ||
        !isNumber(step.endSeconds) ||
        step.index !== index
      ) {
        problem(`$.profile.steps[${index}]`, 'expected {index, rate, startSeconds, endSeconds}');
      }
    });
  }
}

function checkSource(value: unknown, problem: Problem): void {
  if (!isRecord(value)) return problem('$.source', 'expected an object');
  if (value.kind === 'ndjson') {
    if (typeof value.path !== 'string' || !isCount(value.lines))
      problem('$.source', 'expected {kind: "ndjson", path, lines, rejected}');
    checkCounts(value.rejected, undefined, '$.source.rejected', problem);
    if (
      value.otherRuns !== undefined &&
      (!isRecord(value.otherRuns) ||
        !isCount(value.otherRuns.points) ||
        !Array.isArray(value.otherRuns.runs) ||
        !value.otherRuns.runs.every((run) => typeof run === 'string'))
    )
      problem('$.source.otherRuns', 'expected {points, runs}');
  } else if (value.kind === 'prometheus') {
    if (typeof value.url !== 'string' || !isCount(value.queries))
      problem('$.source', 'expected {kind: "prometheus", url, queries}');
  } else problem('$.source.kind', 'expected "ndjson" or "prometheus"');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringRecord(value: unknown): boolean {
  return isRecord(value) && Object.values(value).every((item) => typeof item === 'string');
}

function isNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function isCount(value: unknown): value is number {
  return isNumber(value) && value >= 0;
}
