/** Wall-clock time, injectable so tests can fix it. */
export interface Clock {
  /** Unix milliseconds. */
  now(): number;
}

/** The real clock. */
export const systemClock: Clock = { now: () => Date.now() };
