/**
 * Seeded randomness for journeys: every draw of one applicant comes from a stream seeded by
 * (seed, vu, iteration), so a run replays the same choices on k6 and on the local engine, and
 * two applicants never share a stream. Pure: no k6 imports.
 */

/** A stream of pseudo-random numbers in [0, 1). */
export interface RandomStream {
  /** The next number in [0, 1). */
  next(): number;
}

/**
 * A mulberry32 stream seeded from the given integers (each mixed in with FNV-1a). Small, fast and
 * good enough for behavioural draws; not for anything secret.
 */
export function seededStream(...parts: ReadonlyArray<number | string>): RandomStream {
  let state = 0x811c9dc5;
  for (const part of parts) {
    const text = String(part);
    for (let i = 0; i < text.length; i += 1) {
      state ^= text.charCodeAt(i);
      state = Math.imul(state, 0x01000193);
    }
    state ^= 0x2f; // separator, so ("1", "23") and ("12", "3") differ
    state = Math.imul(state, 0x01000193);
  }
  return {
    next() {
      state = (state + 0x6d2b79f5) | 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
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
