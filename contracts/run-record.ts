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
}

/** Reads a parsed run.json; fields of the wrong type are left out (null endedAt/exitCode while running). Throws TypeError when it is not an object. */
export function readRunManifest(value: unknown): RunManifest {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError('run.json is not a JSON object');
  const record = value as Record<string, unknown>;
  const manifest: Record<string, unknown> = {};
  for (const key of ['run', 'scenario', 'engine', 'target', 'startedAt', 'endedAt'] as const) {
    if (typeof record[key] === 'string') manifest[key] = record[key];
  }
  if (typeof record.exitCode === 'number' && Number.isInteger(record.exitCode)) manifest.exitCode = record.exitCode;
  const env = record.env;
  if (typeof env === 'object' && env !== null && !Array.isArray(env)) {
    manifest.env = Object.fromEntries(Object.entries(env as Record<string, unknown>).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  }
  const plan = readPlanFacts(record.plan);
  if (plan) manifest.plan = plan;
  return manifest as RunManifest;
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
    if (!isObject(step) || !Number.isInteger(step.index) || ![step.rate, step.startSeconds, step.endSeconds].every(isFiniteNumber)) return undefined;
    steps.push({ index: step.index as number, rate: step.rate as number, startSeconds: step.startSeconds as number, endSeconds: step.endSeconds as number });
  }
  return { traffic, steps, continuation };
}

function readTraffic(value: unknown): PlanTraffic | undefined {
  if (!isObject(value) || typeof value.name !== 'string' || !isFiniteNumber(value.rateScale) || !isFiniteNumber(value.timeScale)) return undefined;
  const traffic = { name: value.name, rateScale: value.rateScale, timeScale: value.timeScale };
  if (value.window === undefined) return traffic;
  const window = value.window;
  if (!isObject(window) || !isFiniteNumber(window.fromMinute) || !isFiniteNumber(window.toMinute)) return undefined;
  return { ...traffic, window: { fromMinute: window.fromMinute, toMinute: window.toMinute } };
}

function readContinuationRecord(value: unknown): Continuation | undefined {
  if (!isObject(value) || (value.mode !== 'seed' && value.mode !== 'full')) return undefined;
  if (typeof value.modeSet !== 'boolean' || typeof value.photoShareSet !== 'boolean' || !isFiniteNumber(value.photoShare)) return undefined;
  return { mode: value.mode, modeSet: value.modeSet, photoShare: value.photoShare, photoShareSet: value.photoShareSet };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
