/**
 * `run.json`: what ran, where, when and how it ended. Written when the run starts (with
 * `endedAt` and `exitCode` null) and again when it ends, also after Ctrl-C, so a crashed or
 * interrupted run still says what it was.
 */

import { writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { ScenarioPlan } from '../load-tests/lib/plan.ts';
import type { Engine } from './engine-choice.ts';
import type { RunProfileRecord } from '../contracts/run-record.ts';

/** The content of `<out>/run.json`. */
export interface RunRecord {
  readonly run: string;
  readonly scenario: string;
  readonly engine: Engine;
  /** Base URL of the target. */
  readonly target: string;
  /** ISO 8601. */
  readonly startedAt: string;
  /** ISO 8601, null while running. */
  readonly endedAt: string | null;
  /** The engine's exit code (k6's codes), null while running. */
  readonly exitCode: number | null;
  /** Every `-e KEY=VALUE` pair passed to the script. */
  readonly env: Readonly<Record<string, string>>;
  /**
   * The arrival plan the script made from `env`, defaults included (load-tests/lib/plan.ts):
   * description, the k6 executor's rate part, length, planned arrivals, peak rate per second.
   * Null for a user's own script, and when -u/-d/-i/-s replaced the scenario's plan.
   */
  readonly plan: ScenarioPlan | null;
  /** The traffic profile the opening played: PROFILE, its fit, replay or fit, scales, RETRY_PROFILE (runner/run-profile.ts); absent for other scenarios. */
  readonly profile?: RunProfileRecord;
  /** The script as k6 got it, for a user's own script (floodgate's scenarios are named by `scenario`); `plan` is then null. */
  readonly script?: string;
  /** argv of k6, when k6 ran. */
  readonly command?: readonly string[];
}

/** File name of the run record in a results folder. */
export const RUN_RECORD_FILE = 'run.json';

/** Writes `record` to `<dir>/run.json` atomically (a reader never sees half a file). */
export function writeRunRecord(dir: string, record: RunRecord): void {
  const path = join(dir, RUN_RECORD_FILE);
  writeFileSync(`${path}.tmp`, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}
