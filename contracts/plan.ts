/**
 * The arrival plan of each scenario: which profile, turned into which k6 executor, how many
 * applicants over how long, at which scales, in which breakpoint steps, with which continuation.
 * Pure: the scenarios build their `options` from it, the planned-rate helper reports it once a
 * second, `floodgate run` prints it before it starts an engine and records it in run.json, and the
 * report reads it from there (it never re-reads the script variables, except for a run.json that
 * holds no plan: {@link planFactsFromVariables}, the one place that does).
 *
 * Over 400 lines on purpose: the three scenarios' plans, their planned rates and the one re-reading
 * of an old run.json share one set of types; the k6 stage conversion is already in k6-stages.ts and
 * the duration grammar in durations.ts.
 */

import { formatK6Duration, parseDurationSeconds } from './durations.ts';
import {
  rampingArrivals,
  rampingRateAt,
  stagesDurationSeconds,
  toRampingArrivalRate,
  type RampingArrivalRate,
} from './k6-stages.ts';
import {
  binnedProfile,
  breakpointProfile,
  breakpointSteps,
  openingExpProfile,
  openingHyperbolicProfile,
  parseProfileCsv,
  type BreakpointParameters,
  type BreakpointStep,
  type TrafficProfile,
} from './profiles.ts';
import { FloodgateError } from './errors.ts';
import { parseProfileFile, profileFromFile, type ProfileFile } from './profile-file.ts';
import {
  SCENARIO_COMMON_DEFAULTS,
  readBreakpointEnv,
  readContinuation,
  readOpeningEnv,
  readSoakEnv,
  type BreakpointEnv,
  type Continuation,
  type OpeningEnv,
  type ScriptVariables,
  type SoakEnv,
} from './script-variables.ts';

/** The scenarios floodgate ships, one script each under load-tests/scenarios/. */
export const SCENARIO_NAMES = ['smoke', 'opening', 'breakpoint', 'soak'] as const;
/** One scenario name. */
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/** k6's `constant-arrival-rate` rate part. */
export interface ConstantArrivalRate {
  readonly executor: 'constant-arrival-rate';
  /** Iterations per `timeUnit` (an integer). */
  readonly rate: number;
  readonly timeUnit: string;
  readonly duration: string;
}

/** What a scenario asks of the load generator. */
export interface ScenarioPlan {
  readonly scenario: ScenarioName;
  /** One line a person can read. */
  readonly description: string;
  /**
   * The open-model executor of the load scenario, or undefined for `smoke` (one applicant on a
   * closed executor).
   */
  readonly arrivals?: RampingArrivalRate | ConstantArrivalRate;
  /** Length of the arrivals, in seconds (journeys may run on for the scenario's gracefulStop). */
  readonly durationSeconds: number;
  /** Applicants the plan starts in total. */
  readonly plannedArrivals: number;
  /** Highest planned rate, new applicants per second. */
  readonly peakRatePerSecond: number;
  /** The profile and its scales (`PROFILE`, `RATE_SCALE`, `TIME_SCALE`, `WINDOW`). */
  readonly traffic: PlanTraffic;
  /** The breakpoint's steps as the script plays them (rates × RATE_SCALE, lengths ÷ TIME_SCALE); breakpoint only. */
  readonly steps?: readonly BreakpointStep[];
}

/** A scenario's profile and scales, as its script read them. */
export interface PlanTraffic {
  /** `opening-exp`, `opening-hyperbolic`, the PROFILE file's path, `breakpoint`, `soak` or `smoke`. */
  readonly name: string;
  /** `RATE_SCALE` (1 for the smoke). */
  readonly rateScale: number;
  /** `TIME_SCALE` (1 for the smoke). */
  readonly timeScale: number;
  /** `WINDOW`, event minutes played; opening only. */
  readonly window?: { readonly fromMinute: number; readonly toMinute: number };
}

/**
 * The whole plan of a run: the scenario's arrivals and how its applicants continue. `floodgate
 * run` writes it into run.json (`plan`), and the report reads it from there.
 */
export interface RunPlan extends ScenarioPlan {
  readonly continuation: Continuation;
}

/** What the report needs of a run's plan: its profile and scales, breakpoint steps and continuation. */
export type PlanFacts = Pick<RunPlan, 'traffic' | 'steps' | 'continuation'>;

/** True when `name` is one of floodgate's scenarios. */
export function isScenarioName(name: string): name is ScenarioName {
  return (SCENARIO_NAMES as readonly string[]).includes(name);
}

/**
 * The plan a scenario script will make from these variables: what `floodgate run` shows before it
 * starts an engine (and where it finds a bad variable before the engine does).
 *
 * @param readProfileFile - reads a PROFILE file (k6: `open`; Node: `readFileSync`)
 */
export function planScenario(
  scenario: ScenarioName,
  variables: ScriptVariables,
  readProfileFile: (path: string) => string,
): RunPlan {
  return { ...arrivalPlan(scenario, variables, readProfileFile), continuation: continuationOf(scenario, variables) };
}

/**
 * The plan's facts re-read from a run's script variables, for a run.json that holds no plan (one
 * written before floodgate recorded the whole plan, a run whose -u/-d/-i/-s replaced it, a
 * script of the user's own). The one place that re-derives them; the same readers and defaults
 * as the scripts. Throws SCRIPT_ENV_INVALID or PROFILE_INVALID as the script would have.
 */
export function planFactsFromVariables(scenario: string, variables: ScriptVariables): PlanFacts {
  const continuation = continuationOf(scenario, variables);
  if (scenario === 'opening') return { traffic: openingTraffic(readOpeningEnv(variables)), continuation };
  if (scenario === 'breakpoint') {
    const env = readBreakpointEnv(variables);
    return {
      traffic: scaledTraffic('breakpoint', env),
      steps: breakpointSteps(breakpointParameters(env)),
      continuation,
    };
  }
  if (scenario === 'soak') return { traffic: scaledTraffic('soak', readSoakEnv(variables)), continuation };
  return { traffic: { name: scenario, rateScale: 1, timeScale: 1 }, continuation };
}

/**
 * {@link planFactsFromVariables}, never throwing: for variables that do not read (a hand-edited
 * run.json; the run itself validated them before it started) the profile is the scenario's name
 * at scales of 1, and the continuation, when it does not read either, the scenario's default.
 */
export function planFactsOrDefaults(scenario: string, variables: ScriptVariables): PlanFacts {
  try {
    return planFactsFromVariables(scenario, variables);
  } catch {
    let continuation: Continuation;
    try {
      continuation = continuationOf(scenario, variables);
    } catch {
      continuation = continuationOf(scenario, {});
    }
    return { traffic: { name: scenario, rateScale: 1, timeScale: 1 }, continuation };
  }
}

/** The continuation a scenario's script reads from `variables`, with the scenario's defaults (SCENARIO_COMMON_DEFAULTS). */
export function continuationOf(scenario: string, variables: ScriptVariables): Continuation {
  return readContinuation(variables, SCENARIO_COMMON_DEFAULTS[scenario] ?? {});
}

function arrivalPlan(
  scenario: ScenarioName,
  variables: ScriptVariables,
  readProfileFile: (path: string) => string,
): ScenarioPlan {
  switch (scenario) {
    case 'smoke':
      return planSmoke();
    case 'opening': {
      const env = readOpeningEnv(variables);
      return planOpening(env, env.profile.kind === 'file' ? readProfileFile(env.profile.path) : undefined);
    }
    case 'breakpoint':
      return planBreakpoint(readBreakpointEnv(variables));
    case 'soak':
      return planSoak(readSoakEnv(variables));
  }
}

function openingTraffic(env: OpeningEnv): PlanTraffic {
  const name = env.profile.kind === 'builtin' ? env.profile.name : env.profile.path;
  return { name, rateScale: env.rateScale, timeScale: env.timeScale, window: env.window };
}

function scaledTraffic(name: string, env: { readonly rateScale: number; readonly timeScale: number }): PlanTraffic {
  return { name, rateScale: env.rateScale, timeScale: env.timeScale };
}

/** The `smoke` plan: one applicant walks every stage. */
export function planSmoke(): ScenarioPlan {
  return {
    scenario: 'smoke',
    description: 'one applicant through every stage',
    durationSeconds: 0,
    plannedArrivals: 1,
    peakRatePerSecond: 0,
    traffic: { name: 'smoke', rateScale: 1, timeScale: 1 },
  };
}

/**
 * The `opening` plan: the seed's surge (or a per-minute CSV profile, or a profile file from
 * `floodgate profile from-logs`) scaled and windowed, as `ramping-arrival-rate` stages.
 *
 * @param profileText - the text of the profile file when `env.profile` is a file (k6 reads it with `open()`)
 */
export function planOpening(env: OpeningEnv, profileText?: string): ScenarioPlan {
  const scaling = { rateScale: env.rateScale, timeScale: env.timeScale, window: env.window };
  let profile: TrafficProfile;
  try {
    if (env.profile.kind === 'builtin') {
      profile = env.profile.name === 'opening-exp' ? openingExpProfile(scaling) : openingHyperbolicProfile(scaling);
    } else {
      if (profileText === undefined) throw new RangeError(`the profile file ${env.profile.path} was not read`);
      profile = /\.json$/i.test(env.profile.path)
        ? profileFromFile(readProfileJson(env.profile.path, profileText), scaling)
        : binnedProfile(env.profile.path, parseProfileCsv(profileText), scaling);
    }
  } catch (error) {
    throw profileError(error);
  }
  return fromRampingProfile('opening', profile, openingTraffic(env));
}

/**
 * The breakpoint's parameters as the script plays them: rates × RATE_SCALE, step lengths ÷
 * TIME_SCALE. The report rebuilds a run's steps with the same function.
 */
export function breakpointParameters(env: BreakpointEnv): BreakpointParameters {
  return {
    startRate: env.startRate,
    stepRate: env.stepRate,
    steps: env.steps,
    stepSeconds: env.stepSeconds / env.timeScale,
    rateScale: env.rateScale,
  };
}

/** The `breakpoint` plan: stepped rates for finding capacity. */
export function planBreakpoint(env: BreakpointEnv): ScenarioPlan {
  let profile: TrafficProfile;
  let steps: BreakpointStep[];
  try {
    profile = breakpointProfile(breakpointParameters(env));
    steps = breakpointSteps(breakpointParameters(env));
  } catch (error) {
    throw profileError(error);
  }
  return { ...fromRampingProfile('breakpoint', profile, scaledTraffic('breakpoint', env)), steps };
}

/** The `soak` plan: one constant rate for a long time. */
export function planSoak(env: SoakEnv): ScenarioPlan {
  const ratePerSecond = env.rate * env.rateScale;
  const durationSeconds = env.durationSeconds / env.timeScale;
  const duration = formatK6Duration(durationSeconds);
  const arrivals = constantArrivalRate(ratePerSecond, duration);
  const perSecond = arrivals.rate / unitSeconds(arrivals.timeUnit);
  return atLeastOneArrival({
    scenario: 'soak',
    description: `steady ${round(perSecond)}/s for ${duration}`,
    arrivals,
    durationSeconds,
    plannedArrivals: perSecond * durationSeconds,
    peakRatePerSecond: perSecond,
    traffic: scaledTraffic('soak', env),
  });
}

/**
 * Planned new applicants per second at `tSeconds` after the start: exactly what the executor
 * was told, so a live view compares the achieved rate with the real plan.
 */
export function plannedRateAt(plan: ScenarioPlan, tSeconds: number): number {
  const arrivals = plan.arrivals;
  if (arrivals === undefined || tSeconds < 0 || tSeconds > plan.durationSeconds) return 0;
  if (arrivals.executor === 'ramping-arrival-rate') return rampingRateAt(arrivals, tSeconds);
  return arrivals.rate / unitSeconds(arrivals.timeUnit);
}

/** One report of the `planned_rate` helper: the rate to add now, and when to report next. */
export interface PlannedRateReport {
  /** Mean planned new applicants per second from now until `untilSeconds`. */
  readonly rate: number;
  /** Seconds after the start of the next report: the next whole second, or the plan's end. */
  readonly untilSeconds: number;
}

/**
 * Shortest time, in seconds, a report may cover before its next whole second: a timer that
 * fires a little early (or a clock read just before the second) does not add a report that
 * lasts a few milliseconds.
 */
const REPORT_EARLY_SECONDS = 0.05;
/**
 * Within this many seconds of the plan's end the plan counts as ended, for the same reason: a
 * wake-up a few milliseconds before the end must not add a report of those milliseconds.
 */
const PLAN_END_SECONDS = REPORT_EARLY_SECONDS;

/**
 * What the `planned_rate` helper reports at `elapsedSeconds` after the start: the mean planned
 * rate from now until its next report (the next whole second, or the plan's end), or undefined
 * once the plan has ended (the helper then reports 0). The mean rather than the rate at this
 * instant, so that holding each report until the next one — how the exporter and the report
 * read a gauge — adds up to the plan's arrivals, also where the rate falls or climbs within the
 * second.
 */
export function plannedRateReport(plan: ScenarioPlan, elapsedSeconds: number): PlannedRateReport | undefined {
  const from = Math.max(0, elapsedSeconds);
  const end = plan.durationSeconds;
  if (plan.arrivals === undefined || end - from < PLAN_END_SECONDS) return undefined;
  const untilSeconds = Math.min(Math.floor(from + REPORT_EARLY_SECONDS) + 1, end);
  if (plan.arrivals.executor === 'constant-arrival-rate') return { rate: plannedRateAt(plan, from), untilSeconds };
  const rate = (plannedArrivalsUntil(plan, untilSeconds) - plannedArrivalsUntil(plan, from)) / (untilSeconds - from);
  return { rate, untilSeconds };
}

/** Applicants the plan has started by `tSeconds` after the start (the integral of the planned rate). */
export function plannedArrivalsUntil(plan: ScenarioPlan, tSeconds: number): number {
  const arrivals = plan.arrivals;
  if (arrivals === undefined) return tSeconds >= 0 ? plan.plannedArrivals : 0;
  const t = Math.max(0, Math.min(tSeconds, plan.durationSeconds));
  if (arrivals.executor === 'constant-arrival-rate') return (arrivals.rate / unitSeconds(arrivals.timeUnit)) * t;
  const unit = unitSeconds(arrivals.timeUnit);
  let total = 0;
  let start = 0;
  let previous = arrivals.startRate;
  for (const stage of arrivals.stages) {
    const length = parseDurationSeconds(stage.duration);
    if (t <= start) break;
    const within = Math.min(t - start, length);
    const rateAtWithin = length > 0 ? previous + ((stage.target - previous) * within) / length : stage.target;
    total += ((previous + rateAtWithin) / 2) * (within / unit);
    previous = stage.target;
    start += length;
  }
  return total;
}

/**
 * Constant `rate` per second as k6's integer rate per time unit: the smallest of 1s, 1m, 1h that
 * holds the rate within 0.5 %.
 */
export function constantArrivalRate(ratePerSecond: number, duration: string): ConstantArrivalRate {
  if (!(ratePerSecond > 0)) throw profileError(new RangeError(`the rate must be > 0, got ${ratePerSecond}/s`));
  for (const [timeUnit, seconds] of [
    ['1s', 1],
    ['1m', 60],
    ['1h', 3600],
  ] as const) {
    const rate = Math.round(ratePerSecond * seconds);
    if (rate >= 1 && Math.abs(rate - ratePerSecond * seconds) <= 0.005 * ratePerSecond * seconds) {
      return { executor: 'constant-arrival-rate', rate, timeUnit, duration };
    }
  }
  return {
    executor: 'constant-arrival-rate',
    rate: Math.max(1, Math.round(ratePerSecond * 3600)),
    timeUnit: '1h',
    duration,
  };
}

// --- internals -------------------------------------------------------------------------------

function fromRampingProfile(scenario: ScenarioName, profile: TrafficProfile, traffic: PlanTraffic): ScenarioPlan {
  let arrivals: RampingArrivalRate;
  try {
    arrivals = toRampingArrivalRate(profile);
  } catch (error) {
    throw profileError(error);
  }
  const unit = unitSeconds(arrivals.timeUnit);
  const peak = Math.max(arrivals.startRate, ...arrivals.stages.map((stage) => stage.target)) / unit;
  return atLeastOneArrival({
    scenario,
    description: profile.description,
    arrivals,
    durationSeconds: stagesDurationSeconds(arrivals.stages),
    plannedArrivals: rampingArrivals(arrivals),
    peakRatePerSecond: peak,
    traffic,
  });
}

/** What raises a scenario's planned arrivals, for the message of a plan with none. */
const MORE_ARRIVALS: Readonly<Record<ScenarioName, string>> = {
  smoke: '',
  opening: 'raise RATE_SCALE (--rate-scale) or widen WINDOW',
  breakpoint:
    'raise BREAKPOINT_START, BREAKPOINT_STEP or RATE_SCALE (--rate-scale), or lengthen BREAKPOINT_STEP_SECONDS',
  soak: 'raise SOAK_RATE or RATE_SCALE (--rate-scale), or lengthen SOAK_DURATION',
};

/**
 * `plan` when it starts at least one applicant; else PROFILE_INVALID. An open-model test with
 * fewer than one planned arrival would run its whole length and measure nothing (say
 * `--rate-scale 1e-9`).
 */
function atLeastOneArrival(plan: ScenarioPlan): ScenarioPlan {
  if (plan.plannedArrivals >= 1) return plan;
  throw new FloodgateError('PROFILE_INVALID', {
    detail:
      `the ${plan.scenario} plan starts ${Number(plan.plannedArrivals.toPrecision(2))} applicants in ${formatK6Duration(plan.durationSeconds)}, ` +
      `fewer than one, so the test would run its full length and measure nothing; ${MORE_ARRIVALS[plan.scenario]}`,
  });
}

function unitSeconds(timeUnit: string): number {
  return parseDurationSeconds(timeUnit);
}

/** A profile file's JSON, checked; a RangeError names the file and the field. */
export function readProfileJson(path: string, text: string): ProfileFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new RangeError(`${path} is not JSON: ${(error as Error).message}`);
  }
  return parseProfileFile(value, path);
}

function profileError(error: unknown): FloodgateError {
  if (error instanceof FloodgateError) return error;
  return new FloodgateError(
    'PROFILE_INVALID',
    { detail: error instanceof Error ? error.message : String(error) },
    { cause: error },
  );
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
