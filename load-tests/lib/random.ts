/**
 * Seeded randomness for journeys: every draw of one applicant comes from a stream seeded by
 * (seed, vu, iteration), so a run replays the same choices on k6 and on the local engine, and
 * two applicants never share a stream. Pure: no k6 imports.
 */

import { seededRandom, seedFrom } from '../../contracts/random.ts';

/** A stream of pseudo-random numbers in [0, 1). */
export interface RandomStream {
  /** The next number in [0, 1). */
  next(): number;
}

/** A stream seeded from the given parts (contracts/random.ts: mulberry32 over an FNV-1a seed). */
export function seededStream(...parts: ReadonlyArray<number | string>): RandomStream {
  return { next: seededRandom(seedFrom(...parts)) };
}

/** A standard normal draw (Box–Muller). */
export function normalDraw(stream: RandomStream): number {
  // 1 - u keeps the logarithm's argument in (0, 1].
  const u = 1 - stream.next();
  const v = stream.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** A lognormal distribution given by its median and log-scale spread σ. */
export interface Lognormal {
  /** Median, in seconds. */
  readonly medianSeconds: number;
  /** σ of the underlying normal; 0 makes every draw the median. */
  readonly sigma: number;
}

/** A draw from a lognormal distribution, in the distribution's unit (seconds). */
export function lognormalDraw(stream: RandomStream, distribution: Lognormal): number {
  return distribution.medianSeconds * Math.exp(distribution.sigma * normalDraw(stream));
}

/** Mean of a lognormal distribution: median · e^(σ²/2). */
export function lognormalMean(distribution: Lognormal): number {
  return distribution.medianSeconds * Math.exp((distribution.sigma * distribution.sigma) / 2);
}
