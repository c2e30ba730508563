/** Run ids `floodgate run` assigns when none is given. */

import { FloodgateError } from '../contracts/errors.ts';
import { isRunId } from '../contracts/identity.ts';

/**
 * `<yyyymmdd>-<hhmmss>-<scenario>` in UTC, lower case: sorts by time, says what ran, and
 * matches RUN_ID_PATTERN.
 */
export function defaultRunId(scenario: string, now: Date): string {
  const iso = now.toISOString(); // 2026-11-27T10:15:00.000Z
  const stamp = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}-${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
  return `${stamp}-${scenario.toLowerCase().replace(/[^a-z0-9_-]/g, '-')}`.slice(0, 48);
}

/** `runId` when valid, else RUN_ID_INVALID. */
export function checkRunId(runId: string): string {
  if (!isRunId(runId)) throw new FloodgateError('RUN_ID_INVALID', { run: runId });
  return runId;
}
