/** The two deadlines of a scenario (regular end, then gracefulStop) and waiting on the clock. */

import { setMaxListeners } from 'node:events';
import { monoNow } from '../clock.ts';

/** Signals for the end of a scenario's regular duration and for the hard stop after gracefulStop. */
export interface ScenarioDeadlines {
  /** Aborted at the end of the regular duration: start no new iterations. */
  readonly regular: AbortSignal;
  /** Aborted after gracefulStop more: interrupt iterations still running. */
  readonly hard: AbortSignal;
  /** Clears the timers. */
  dispose(): void;
}

/**
 * Creates the deadlines of a scenario started at `startMono`. Both fire at once when
 * `testStop` aborts.
 */
export function scenarioDeadlines(
  startMono: number,
  regularMs: number,
  gracefulStopMs: number,
  testStop: AbortSignal,
): ScenarioDeadlines {
  const regular = new AbortController();
  const hard = new AbortController();
  // Every running iteration listens on these: one listener per VU is expected, not a leak.
  setMaxListeners(0, regular.signal, hard.signal);
  const now = monoNow();
  const regularTimer = setTimeout(() => regular.abort(), Math.max(0, startMono + regularMs - now));
  const hardTimer = setTimeout(
    () => {
      regular.abort();
      hard.abort();
    },
    Math.max(0, startMono + regularMs + gracefulStopMs - now),
  );
  const onStop = (): void => {
    regular.abort();
    hard.abort();
  };
  testStop.addEventListener('abort', onStop, { once: true });
  if (testStop.aborted) onStop();
  return {
    regular: regular.signal,
    hard: hard.signal,
    dispose() {
      clearTimeout(regularTimer);
      clearTimeout(hardTimer);
      testStop.removeEventListener('abort', onStop);
    },
  };
}

/** Waits until the monotonic time `due`; resolves false if `signal` aborts first. */
export function waitUntil(due: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  const delay = due - monoNow();
  if (delay <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(!signal.aborted);
    }, Math.ceil(delay));
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Resolves when `signal` aborts. */
export function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
