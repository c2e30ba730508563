/**
 * Builds a {@link RunResult} from a results folder written by `floodgate run`: `k6.ndjson`
 * (aggregated in one streaming pass), `run.json` (scenario, engine, target, env), `summary.json`
 * (k6's handleSummary data: threshold results) and the target's truth (`truth.json` in the folder,
 * or fetched from the target's `/truth` endpoint).
 *
 * Over 400 lines on purpose: one reader, in the order it reads the folder (NDJSON, run.json and its
 * plan, summary.json, truth); each part is a small function used nowhere else.
 */

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FloodgateError } from '../contracts/errors.ts';
import { FUNNEL_STAGES, type FunnelStage } from '../contracts/funnel.ts';
import {
  RUN_RESULT_KIND,
  RUN_RESULT_VERSION,
  type RunPlanSource,
  type RunProfile,
  type RunResult,
  type RunSlot,
  type RunTruth,
  type ThresholdResult,
} from '../contracts/run-result.ts';
import { planFactsOrDefaults, type PlanFacts } from '../contracts/plan.ts';
import { readRunManifest, type RunManifest, type RunProfileRecord } from '../contracts/run-record.ts';
import { K6_SUMMARY_SHAPE_NAMES, parseK6Summary, type K6Summary } from '../contracts/k6-summary.ts';
import { MAX_OTHER_RUNS, readNdjson, type NdjsonAggregate } from './read-ndjson.ts';

/**
 * Names of k6's JSON result stream in a results folder, in the order looked for: `floodgate run`
 * writes `k6.ndjson`; `k6 run --out json=k6.ndjson.gz` writes it gzipped.
 */
export const NDJSON_FILES = ['k6.ndjson', 'k6.ndjson.gz'] as const;

/**
 * Names of k6's end-of-test summary in a results folder, in the order looked for: `summary.json`
 * (handleSummary, or whatever shape the user wrote there), then `summary-export.json`
 * (`k6 run --summary-export=summary-export.json`). The shape is read from the content.
 */
export const SUMMARY_FILES = ['summary.json', 'summary-export.json'] as const;

/** The NDJSON file of a results folder, or undefined when it has none. */
export function findNdjson(dir: string): string | undefined {
  for (const name of NDJSON_FILES) if (existsSync(join(dir, name))) return join(dir, name);
  return undefined;
}

/** The summary of a results folder, read whatever its shape; INPUT_INVALID when it is no k6 summary. */
export function readSummaryFile(dir: string): { file: string; summary: K6Summary } | undefined {
  for (const name of SUMMARY_FILES) {
    const file = join(dir, name);
    const data = readJsonFile<unknown>(file);
    if (data === undefined) continue;
    try {
      return { file, summary: parseK6Summary(data) };
    } catch (error) {
      throw new FloodgateError(
        'INPUT_INVALID',
        {
          what: file,
          detail: `${(error as Error).message} (floodgate reads ${Object.values(K6_SUMMARY_SHAPE_NAMES).join('; ')})`,
        },
        { cause: error },
      );
    }
  }
  return undefined;
}

/** The fields of `run.json` the report reads: one type and one reader, in contracts/run-record.ts. */
export type { RunManifest } from '../contracts/run-record.ts';

/** The run.json of `dir`, each field type-checked; {} when there is none; INPUT_INVALID when it is not a JSON object. */
export function readRunJson(dir: string): RunManifest {
  const path = join(dir, 'run.json');
  const value = readJsonFile<unknown>(path);
  if (value === undefined) return {};
  try {
    return readRunManifest(value);
  } catch (error) {
    throw new FloodgateError('INPUT_INVALID', { what: path, detail: (error as Error).message }, { cause: error });
  }
}

/** Where to get the target's truth: `auto` (truth.json, else the run's target), `off`, or a base URL. */
export type TruthSource = 'auto' | 'off' | string;

/** Options of {@link readRunDirectory}. */
export interface ReadRunOptions {
  /** Run id to keep when the NDJSON holds several; default from run.json. */
  readonly run?: string;
  readonly truth?: TruthSource;
  /** Fetch timeout for the truth endpoint, ms. Default 3000. */
  readonly truthTimeoutMs?: number;
  readonly signal?: AbortSignal;
  readonly maxSlots?: number;
}

/** Reads a results folder into a run-result. Throws RESULTS_NOT_FOUND when there is no k6.ndjson. */
export async function readRunDirectory(dir: string, options: ReadRunOptions = {}): Promise<RunResult> {
  const ndjsonPath = findNdjson(dir);
  if (!ndjsonPath)
    throw new FloodgateError('RESULTS_NOT_FOUND', { dir, detail: `${NDJSON_FILES.join(' and ')} are missing` });
  const manifest = readRunJson(dir);
  const summaryFile = readSummaryFile(dir);
  const summary = summaryFile?.summary;
  const aggregate = await readNdjson(ndjsonPath, {
    run: options.run ?? manifest.run,
    signal: options.signal,
    maxSlots: options.maxSlots,
  });
  const run = options.run ?? manifest.run ?? aggregate.run;
  if (run === undefined) {
    throw new FloodgateError('RESULTS_NOT_FOUND', {
      dir,
      detail: 'no run id: run.json is missing and no sample carries a run tag',
    });
  }
  const missing = missingRun(aggregate, run, options.run !== undefined ? '--run' : 'run.json');
  if (missing) throw new FloodgateError('RESULTS_NOT_FOUND', { dir, detail: missing });
  const result = assembleRunResult({ manifest, aggregate, summary, summaryPath: summaryFile?.file, run, ndjsonPath });
  const truth = await readTruth(dir, run, manifest.target, options);
  return truth ? { ...result, truth } : result;
}

/**
 * Why the NDJSON holds nothing to report on for `run`, or undefined when it holds the run: no
 * sample at all, or only samples of other runs (a mistyped `--run`, a run.json copied into the
 * wrong folder). Samples without a `run` tag count as the run's (hand-made files lack the tag).
 */
export function missingRun(aggregate: NdjsonAggregate, run: string, source: string): string | undefined {
  if (aggregate.points === 0 && aggregate.otherRuns.length === 0)
    return `k6.ndjson holds no samples (${aggregate.lines} lines read)`;
  if (aggregate.pointsOfRun > 0 || aggregate.otherRuns.length === 0) return undefined;
  const held = [
    ...new Set([
      ...(aggregate.run !== undefined && aggregate.run !== run ? [aggregate.run] : []),
      ...aggregate.otherRuns,
    ]),
  ];
  const more = held.length >= MAX_OTHER_RUNS ? ' (and maybe more)' : '';
  return `k6.ndjson holds no samples of run "${run}" (from ${source}); it holds run${held.length === 1 ? '' : 's'} ${held.join(', ')}${more}: pass one of them with --run`;
}

/** The parts a run-result is assembled from; pure, for tests. */
export interface RunParts {
  readonly manifest: RunManifest;
  readonly aggregate: NdjsonAggregate;
  readonly summary?: K6Summary;
  /** The file the summary came from. */
  readonly summaryPath?: string;
  readonly run: string;
  readonly ndjsonPath: string;
}

/** Assembles a run-result from the parsed parts of a results folder. */
export function assembleRunResult(parts: RunParts): RunResult {
  const { manifest, aggregate, summary, run } = parts;
  const env = manifest.env ?? {};
  const scenario = manifest.scenario ?? aggregate.scenario ?? 'unknown';
  const { facts, source: planSource } = runPlanFacts(manifest, scenario);
  const origin = aggregate.originMs ?? (manifest.startedAt ? Date.parse(manifest.startedAt) : Date.now());
  return {
    kind: RUN_RESULT_KIND,
    version: RUN_RESULT_VERSION,
    run,
    scenario,
    engine: manifest.engine ?? 'unknown',
    ...(manifest.target ? { target: manifest.target } : {}),
    origin: new Date(origin).toISOString(),
    scenarioStartSeconds: aggregate.scenarioStartSeconds,
    durationSeconds: aggregate.durationSeconds,
    resolutionSeconds: aggregate.resolutionSeconds,
    slots: aggregate.slots,
    profile: withRecordedProfile(
      profileFromPlan(scenario, facts, aggregate.slots, aggregate.resolutionSeconds, aggregate.scenarioStartSeconds),
      manifest.profile,
    ),
    continuation: facts.continuation,
    planSource,
    env,
    ...(typeof manifest.exitCode === 'number' ? { exitCode: manifest.exitCode } : {}),
    thresholds: thresholdResults(aggregate.declaredThresholds, summary, aggregate.metricContains),
    checks: aggregate.checks,
    ...(summary
      ? {
          summary: {
            file: parts.summaryPath ?? 'summary.json',
            shape: summary.shape,
            thresholds: summary.thresholds !== undefined,
          },
        }
      : {}),
    source: {
      kind: 'ndjson',
      path: parts.ndjsonPath,
      lines: aggregate.lines,
      rejected: aggregate.rejected as Record<string, number>,
      ...(aggregate.gzip ? { gzip: true } : {}),
      // absent when the file holds one run, so run-result files of single runs are unchanged
      ...(aggregate.otherRunPoints > 0
        ? { otherRuns: { points: aggregate.otherRunPoints, runs: [...aggregate.otherRuns] } }
        : {}),
    },
  };
}

/**
 * The plan's facts of a run: the plan `floodgate run` recorded in run.json, or, when run.json holds
 * none (written before floodgate recorded the whole plan, -u/-d/-i/-s replaced it, a script of the
 * user's own), re-read from its script variables by contracts/plan.ts — the one place that does,
 * with the scripts' own readers and defaults. The report says which.
 */
export function runPlanFacts(manifest: RunManifest, scenario: string): { facts: PlanFacts; source: RunPlanSource } {
  if (manifest.plan) return { facts: manifest.plan, source: 'run.json' };
  return { facts: planFactsOrDefaults(scenario, manifest.env ?? {}), source: 'script variables' };
}

/**
 * The profile a run played, from its plan's facts: profile name, RATE_SCALE, TIME_SCALE, WINDOW and,
 * for a breakpoint, its steps. A step's rate is the planned rate measured over the step when the
 * run emitted `planned_arrival_rate` (that is what the generator was asked for), else the plan's.
 * Without planned steps (a plan that could not be read) the steps are found as plateaus of the
 * planned rate.
 */
export function profileFromPlan(
  scenario: string,
  facts: PlanFacts,
  slots: readonly RunSlot[],
  resolutionSeconds: number,
  scenarioStartSeconds: number,
): RunProfile {
  const { traffic } = facts;
  const base: RunProfile = {
    name: traffic.name,
    rateScale: traffic.rateScale,
    timeScale: traffic.timeScale,
    ...(traffic.window ? { window: traffic.window } : {}),
  };
  if (scenario !== 'breakpoint') return base;
  let steps: RunProfile['steps'] = facts.steps?.map((planned) => {
    const measured = plannedRateBetween(
      slots,
      resolutionSeconds,
      scenarioStartSeconds + planned.startSeconds,
      scenarioStartSeconds + planned.endSeconds,
    );
    return { ...planned, rate: measured ?? planned.rate };
  });
  if (!steps) steps = stepsFromPlannedRate(slots, resolutionSeconds, scenarioStartSeconds);
  return steps && steps.length > 0 ? { ...base, steps } : base;
}

/**
 * The profile of a run known only by its script variables (a source without run.json's plan,
 * such as Prometheus): {@link profileFromPlan} of the facts contracts/plan.ts re-reads from them.
 */
export function profileFromEnv(
  scenario: string,
  env: Readonly<Record<string, string>>,
  slots: readonly RunSlot[],
  resolutionSeconds: number,
  scenarioStartSeconds: number,
): RunProfile {
  return profileFromPlan(scenario, planFactsOrDefaults(scenario, env), slots, resolutionSeconds, scenarioStartSeconds);
}

/**
 * Finds breakpoint steps as plateaus of the planned arrival rate: runs of slots whose planned
 * rate stays within 5 % of the run's median, at least 3 slots long. Ramps between steps join the
 * step they lead into.
 */
export function stepsFromPlannedRate(
  slots: readonly RunSlot[],
  resolutionSeconds: number,
  scenarioStartSeconds: number,
): RunProfile['steps'] {
  const rates = slots.map((slot) => (slot.planned ?? 0) / resolutionSeconds);
  const plateaus: Array<{ from: number; to: number; rate: number }> = [];
  let from = 0;
  for (let index = 1; index <= rates.length; index += 1) {
    const rate = rates[from]!;
    if (index < rates.length && Math.abs(rates[index]! - rate) <= 0.05 * Math.max(rate, 1e-9)) continue;
    if (rate > 0 && index - from >= 3) plateaus.push({ from, to: index, rate: mean(rates.slice(from, index)) });
    from = index;
  }
  const merged: typeof plateaus = [];
  for (const plateau of plateaus) {
    const last = merged[merged.length - 1];
    if (last && Math.abs(plateau.rate - last.rate) <= 0.05 * last.rate)
      merged[merged.length - 1] = { ...last, to: plateau.to };
    else merged.push(plateau);
  }
  return merged.map((plateau, index) => ({
    index,
    rate: plateau.rate,
    startSeconds: Math.max(
      0,
      (index === 0 ? plateau.from : merged[index - 1]!.to) * resolutionSeconds - scenarioStartSeconds,
    ),
    endSeconds: plateau.to * resolutionSeconds - scenarioStartSeconds,
  }));
}

/** Units of summary.json values by the metric's `contains`. */
const SUMMARY_UNITS: Readonly<Record<string, string>> = { time: 'ms', data: 'B' };

/**
 * Threshold results: every threshold named in the summary with its `ok` and the value its
 * aggregation measured, plus thresholds declared on NDJSON Metric lines that the summary does not
 * cover (their result unknown). A machine-readable summary carries no verdicts: every threshold
 * stays unknown, never guessed from the values.
 */
export function thresholdResults(
  declared: ReadonlyArray<{ metric: string; expression: string }>,
  summary: K6Summary | undefined,
  metricContains: Readonly<Record<string, string>> = {},
): ThresholdResult[] {
  const results: ThresholdResult[] = [];
  for (const { metric, expression, ok } of summary?.thresholds ?? []) {
    const entry = summary?.metrics[metric];
    const measured = entry?.values[aggregationKey(expression)];
    // A --summary-export file does not say what a metric contains; the NDJSON's Metric lines do.
    const contains = entry?.contains ?? metricContains[metric.replace(/\{.*$/, '')];
    const unit = contains === undefined ? undefined : SUMMARY_UNITS[contains];
    results.push({
      metric,
      expression,
      ok,
      ...(typeof measured === 'number' && Number.isFinite(measured) ? { measured, ...(unit ? { unit } : {}) } : {}),
    });
  }
  for (const threshold of declared) {
    if (!results.some((seen) => seen.metric === threshold.metric && seen.expression === threshold.expression)) {
      results.push({ metric: threshold.metric, expression: threshold.expression });
    }
  }
  return results;
}

/** The key of summary.json's `values` an expression's aggregation reads: `p( 95 ) < 500` → `p(95)`. */
function aggregationKey(expression: string): string {
  return (/^\s*([a-z]+(?:\(\s*[0-9.]+\s*\))?)/.exec(expression)?.[1] ?? '').replace(/\s+/g, '');
}

/**
 * The target's truth for `run`: `<dir>/truth.json` when present, else (truth `auto` or a URL)
 * `GET <base>/truth?run=<run>`. Undefined when neither answers; the report then says the
 * reconciliation could not be done.
 */
export async function readTruth(
  dir: string,
  run: string,
  target: string | undefined,
  options: ReadRunOptions,
): Promise<RunTruth | undefined> {
  const mode = options.truth ?? 'auto';
  if (mode === 'off') return undefined;
  const file = join(dir, 'truth.json');
  if (mode === 'auto' && existsSync(file)) {
    const stages = truthStages(readJsonFile<unknown>(file));
    if (stages) return { source: 'truth.json', stages };
  }
  const base = mode === 'auto' ? target : mode;
  if (!base) return undefined;
  const url = `${base.replace(/\/+$/, '')}/truth?run=${encodeURIComponent(run)}`;
  try {
    const signals = [AbortSignal.timeout(options.truthTimeoutMs ?? 3000), ...(options.signal ? [options.signal] : [])];
    const response = await fetch(url, { signal: AbortSignal.any(signals) });
    if (!response.ok) return undefined;
    const stages = truthStages(await response.json());
    return stages ? { source: url, stages } : undefined;
  } catch {
    options.signal?.throwIfAborted();
    return undefined;
  }
}

/** The per-stage counts of a truth answer `{run, stages: {stage: n}}`, or undefined when malformed. */
export function truthStages(value: unknown): Partial<Record<FunnelStage, number>> | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const stages = (value as { stages?: unknown }).stages;
  if (typeof stages !== 'object' || stages === null) return undefined;
  const result: Partial<Record<FunnelStage, number>> = {};
  for (const stage of FUNNEL_STAGES) {
    const count = (stages as Record<string, unknown>)[stage];
    if (typeof count === 'number' && Number.isFinite(count) && count >= 0) result[stage] = count;
  }
  return Object.keys(result).length > 0 ? result : undefined;
}

/** Reads and parses a JSON file; undefined when it does not exist. Throws INPUT_INVALID when it is not JSON. */
export function readJsonFile<T>(path: string): T | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (error) {
    throw new FloodgateError('INPUT_INVALID', { what: path, detail: (error as Error).message }, { cause: error });
  }
}

function plannedRateBetween(
  slots: readonly RunSlot[],
  resolution: number,
  fromSeconds: number,
  toSeconds: number,
): number | undefined {
  // Skip the ramp into the step: the middle half of the step is at the step's rate.
  const length = toSeconds - fromSeconds;
  const from = fromSeconds + length / 4;
  const to = toSeconds - length / 4;
  let planned = 0;
  let covered = 0;
  for (const slot of slots) {
    if (slot.t >= from && slot.t + resolution <= to) {
      planned += slot.planned ?? 0;
      covered += resolution;
    }
  }
  return covered > 0 && planned > 0 ? planned / covered : undefined;
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);
}

/** The profile with run.json's `profile` block (which file, which fit, which scales the runner recorded) beside it, when there is one. */
export function withRecordedProfile(profile: RunProfile, recorded: RunProfileRecord | undefined): RunProfile {
  return recorded ? { ...profile, recorded } : profile;
}
