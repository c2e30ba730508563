/**
 * `run.json`, the record `floodgate run` writes in a results folder (runner/run-record.ts writes
 * it): the one reader of it for the report and the exporter, checking each field's type instead of
 * trusting a cast. Pure: parsing only.
 */

import type { PlanFacts, PlanTraffic } from './plan.ts';
import type { BreakpointStep } from './profiles.ts';
import type { Continuation } from './script-variables.ts';

/** The fields of `run.json` readers use; each is present only when the file holds it with the right type. */
export interface RunManifest {
  readonly run?: string;
  readonly scenario?: string;
  readonly engine?: string;
  /** Base URL of the target the run was made against. */
  readonly target?: string;
  /** ISO 8601. */
  readonly startedAt?: string;
  readonly endedAt?: string;
  readonly exitCode?: number;
  /** The `-e KEY=VALUE` pairs the script ran with. */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * What the report needs of the run's plan (`plan` in run.json: profile, scales, window,
   * breakpoint steps, continuation); absent when run.json holds no plan, or one without these
   * fields (written before floodgate recorded them) or with a field of the wrong type.
   */
  readonly plan?: PlanFacts;
  /** The traffic profile the run played (the opening's PROFILE, its fit, its scales), when recorded. */
  readonly profile?: RunProfileRecord;
}

/** The curve a run played: a built-in shape, a CSV's minutes, or a profile file's fitted curve or per-minute replay. */
export const RUN_PROFILE_CURVES = ['builtin', 'csv', 'fit', 'replay'] as const;
export type RunProfileCurve = (typeof RUN_PROFILE_CURVES)[number];

/**
 * run.json's `profile` block: which profile, which fit and which scales the run played, as the
 * runner read them before the engine started (runner/run-profile.ts). Self-contained: it repeats
 * what it needs rather than pointing into the plan, so it reads the same however the plan travels.
 */
export interface RunProfileRecord {
  /** PROFILE as given: the built-in shape's name, or the file's path. */
  readonly source: string;
  readonly curve: RunProfileCurve;
  /** A profile file's own `name` (floodgate profile from-logs --name). */
  readonly name?: string;
  /** A profile file's fits: the one AIC chose, with its parameters, and every model's AIC. */
  readonly fit?: {
    readonly model: string;
    /** e.g. `{ amplitudePerMinute, tauMinutes }` or `{ amplitudePerMinute, cMinutes }`. */
    readonly parameters: Readonly<Record<string, number>>;
    readonly aic: number;
    readonly candidates: ReadonlyArray<{ readonly model: string; readonly aic: number }>;
    /** Event minutes the fit treated as right-censored (saturated in the logs). */
    readonly censoredMinutes: number;
  };
  /** Requests per applicant the logs showed: over the whole log, at the peak, off it. */
  readonly logAmplification?: { readonly overall: number; readonly peak: number; readonly offPeak: number };
  /** RATE_SCALE, TIME_SCALE and WINDOW as the script read them (defaults included). */
  readonly rateScale: number;
  readonly timeScale: number;
  readonly window: { readonly fromMinute: number; readonly toMinute: number };
  /** RETRY_PROFILE: `off`, `logs` or `storm`. */
  readonly retryProfile: string;
}

/** Reads a parsed run.json; fields of the wrong type are left out (null endedAt/exitCode while running). Throws TypeError when it is not an object. */
export function readRunManifest(value: unknown): RunManifest {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new TypeError('run.json is not a JSON object');
  const record = value as Record<string, unknown>;
  const manifest: Record<string, unknown> = {};
  for (const key of ['run', 'scenario', 'engine', 'target', 'startedAt', 'endedAt'] as const) {
    if (typeof record[key] === 'string') manifest[key] = record[key];
  }
  if (typeof record.exitCode === 'number' && Number.isInteger(record.exitCode)) manifest.exitCode = record.exitCode;
  const env = record.env;
  if (typeof env === 'object' && env !== null && !Array.isArray(env)) {
    manifest.env = Object.fromEntries(
      Object.entries(env as Record<string, unknown>).filter(
        (entry): entry is [string, string] => typeof entry[1] === 'string',
      ),
    );
  }
  const plan = readPlanFacts(record.plan);
  if (plan) manifest.plan = plan;
  const profile = readRunProfileRecord(record.profile);
  if (profile) manifest.profile = profile;
  return manifest as RunManifest;
}

/** Reads run.json's `profile` block; undefined when it is absent or not of this shape (an older or hand-edited run.json). */
export function readRunProfileRecord(value: unknown): RunProfileRecord | undefined {
  if (!isObject(value)) return undefined;
  const { source, curve, rateScale, timeScale, window, retryProfile } = value;
  if (
    typeof source !== 'string' ||
    !(RUN_PROFILE_CURVES as readonly unknown[]).includes(curve) ||
    !isFiniteNumber(rateScale) ||
    !isFiniteNumber(timeScale)
  )
    return undefined;
  if (
    !isObject(window) ||
    !isFiniteNumber(window.fromMinute) ||
    !isFiniteNumber(window.toMinute) ||
    typeof retryProfile !== 'string'
  )
    return undefined;
  const profile: Record<string, unknown> = {
    source,
    curve,
    rateScale,
    timeScale,
    window: { fromMinute: window.fromMinute, toMinute: window.toMinute },
    retryProfile,
  };
  if (typeof value.name === 'string') profile.name = value.name;
  const fit = value.fit;
  if (
    isObject(fit) &&
    typeof fit.model === 'string' &&
    isFiniteNumber(fit.aic) &&
    isObject(fit.parameters) &&
    Array.isArray(fit.candidates)
  ) {
    profile.fit = {
      model: fit.model,
      parameters: Object.fromEntries(
        Object.entries(fit.parameters).filter((entry): entry is [string, number] => isFiniteNumber(entry[1])),
      ),
      aic: fit.aic,
      candidates: fit.candidates
        .filter(
          (item): item is { model: string; aic: number } =>
            isObject(item) && typeof item.model === 'string' && isFiniteNumber(item.aic),
        )
        .map(({ model, aic }) => ({ model, aic })),
      censoredMinutes: isFiniteNumber(fit.censoredMinutes) ? fit.censoredMinutes : 0,
    };
  }
  const amplification = value.logAmplification;
  if (
    isObject(amplification) &&
    isFiniteNumber(amplification.overall) &&
    isFiniteNumber(amplification.peak) &&
    isFiniteNumber(amplification.offPeak)
  ) {
    profile.logAmplification = {
      overall: amplification.overall,
      peak: amplification.peak,
      offPeak: amplification.offPeak,
    };
  }
  return profile as unknown as RunProfileRecord;
}

/** The plan's facts of a run.json `plan`, or undefined when a field is missing or of the wrong type. */
function readPlanFacts(value: unknown): PlanFacts | undefined {
  if (!isObject(value)) return undefined;
  const traffic = readTraffic(value.traffic);
  const continuation = readContinuationRecord(value.continuation);
  if (!traffic || !continuation) return undefined;
  if (value.steps === undefined) return { traffic, continuation };
  if (!Array.isArray(value.steps)) return undefined;
  const steps: BreakpointStep[] = [];
  for (const step of value.steps as unknown[]) {
    if (
      !isObject(step) ||
      !Number.isInteger(step.index) ||
      ![step.rate, step.startSeconds, step.endSeconds].every(isFiniteNumber)
    )
      return undefined;
    steps.push({
      index: step.index as number,
      rate: step.rate as number,
      startSeconds: step.startSeconds as number,
      endSeconds: step.endSeconds as number,
    });
  }
  return { traffic, steps, continuation };
}

function readTraffic(value: unknown): PlanTraffic | undefined {
  if (
    !isObject(value) ||
    typeof value.name !== 'string' ||
    !isFiniteNumber(value.rateScale) ||
    !isFiniteNumber(value.timeScale)
  )
    return undefined;
  const traffic = { name: value.name, rateScale: value.rateScale, timeScale: value.timeScale };
  if (value.window === undefined) return traffic;
  const window = value.window;
  if (!isObject(window) || !isFiniteNumber(window.fromMinute) || !isFiniteNumber(window.toMinute)) return undefined;
  return { ...traffic, window: { fromMinute: window.fromMinute, toMinute: window.toMinute } };
}

function readContinuationRecord(value: unknown): Continuation | undefined {
  if (!isObject(value) || (value.mode !== 'seed' && value.mode !== 'full')) return undefined;
  if (
    typeof value.modeSet !== 'boolean' ||
    typeof value.photoShareSet !== 'boolean' ||
    !isFiniteNumber(value.photoShare)
  )
    return undefined;
  return { mode: value.mode, modeSet: value.modeSet, photoShare: value.photoShare, photoShareSet: value.photoShareSet };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
