/**
 * The Universal Scalability Law (Gunther; capacity-model §2.3):
 *
 *   X(N) = λN / (1 + σ(N − 1) + κN(N − 1))
 *
 * fitted by bounded nonlinear least squares on (λ, σ, κ) with 0 ≤ σ, κ ≤ 1, and a seeded residual
 * bootstrap for 5–95 % ranges. λ enters linearly, so for given (σ, κ) its best value has a closed
 * form (variable projection); the search runs over (σ, κ) only: a coarse log grid, then a compass
 * search. Only fitted with at least {@link USL_MIN_POINTS} load levels.
 */

import { seededRandom } from '../../contracts/random.ts';

/** Fewest load levels the fit accepts (R's `usl` warns below this too). */
export const USL_MIN_POINTS = 6;

/** One load level: concurrency N and throughput X. */
export interface UslPoint {
  readonly n: number;
  readonly x: number;
}

/** A 5–95 % range. */
export type Range = readonly [number, number];

/** The fitted law and its uncertainty. */
export interface UslFit {
  /** Throughput at N = 1. */
  readonly lambda: number;
  /** Contention: the serialised share of the work. */
  readonly sigma: number;
  /** Coherency: crosstalk that makes throughput fall past the peak. */
  readonly kappa: number;
  /** N* = √((1 − σ)/κ); null when κ = 0 (no peak: throughput approaches λ/σ). */
  readonly peakConcurrency: number | null;
  /** X(N*), or the asymptote λ/σ when κ = 0; null when both σ and κ are 0 (linear scaling). */
  readonly peakThroughput: number | null;
  /** Coefficient of determination of the fit. */
  readonly rSquared: number;
  readonly points: readonly UslPoint[];
  /** Largest measured N; do not read the curve beyond about twice this. */
  readonly maxMeasuredConcurrency: number;
  readonly bootstrap: {
    readonly samples: number;
    readonly sigma: Range;
    readonly kappa: Range;
    readonly peakConcurrency: Range | null;
    readonly peakThroughput: Range | null;
  };
}

/** Throughput the law predicts at concurrency `n`. */
export function uslThroughput(parameters: { lambda: number; sigma: number; kappa: number }, n: number): number {
  const { lambda, sigma, kappa } = parameters;
  return (lambda * n) / (1 + sigma * (n - 1) + kappa * n * (n - 1));
}

/** Options of {@link fitUsl}. */
export interface UslOptions {
  /** Bootstrap resamples, default 200. */
  readonly resamples?: number;
  /** Seed of the bootstrap's random numbers, default 1. */
  readonly seed?: number;
}

/** Fits the law to `points` (N > 0, X ≥ 0); undefined with fewer than {@link USL_MIN_POINTS} usable points. */
export function fitUsl(points: readonly UslPoint[], options: UslOptions = {}): UslFit | undefined {
  const usable = points.filter(
    (point) => point.n > 0 && Number.isFinite(point.n) && point.x >= 0 && Number.isFinite(point.x),
  );
  if (usable.length < USL_MIN_POINTS) return undefined;
  const fit = fitParameters(usable);
  const fitted = usable.map((point) => uslThroughput(fit, point.n));
  const meanX = usable.reduce((sum, point) => sum + point.x, 0) / usable.length;
  const total = usable.reduce((sum, point) => sum + (point.x - meanX) ** 2, 0);
  const residual = usable.reduce((sum, point, index) => sum + (point.x - fitted[index]!) ** 2, 0);
  const peak = peakOf(fit);

  const resamples = options.resamples ?? 200;
  const random = seededRandom(options.seed ?? 1);
  const relative = usable.map((point, index) => (fitted[index]! > 0 ? point.x / fitted[index]! - 1 : 0));
  const samples: Array<{ sigma: number; kappa: number; n: number | null; x: number | null }> = [];
  for (let sample = 0; sample < resamples; sample += 1) {
    const resampled = usable.map((point, index) => ({
      n: point.n,
      x: Math.max(0, fitted[index]! * (1 + relative[Math.floor(random() * relative.length)]!)),
    }));
    const refit = fitParameters(resampled, fit);
    const refitPeak = peakOf(refit);
    samples.push({ sigma: refit.sigma, kappa: refit.kappa, n: refitPeak.concurrency, x: refitPeak.throughput });
  }
  const finite = (values: Array<number | null>): number[] =>
    values.filter((value): value is number => value !== null && Number.isFinite(value));
  const range = (values: number[]): Range => [percentile(values, 0.05), percentile(values, 0.95)];
  const peakNs = finite(samples.map((sample) => sample.n));
  const peakXs = finite(samples.map((sample) => sample.x));
  return {
    ...fit,
    peakConcurrency: peak.concurrency,
    peakThroughput: peak.throughput,
    rSquared: total > 0 ? 1 - residual / total : 1,
    points: usable,
    maxMeasuredConcurrency: Math.max(...usable.map((point) => point.n)),
    bootstrap: {
      samples: resamples,
      sigma: range(samples.map((sample) => sample.sigma)),
      kappa: range(samples.map((sample) => sample.kappa)),
      // Ranges only when most resamples have a peak; otherwise the peak is not identified.
      peakConcurrency: peakNs.length >= resamples / 2 && peakNs.length > 0 ? range(peakNs) : null,
      peakThroughput: peakXs.length >= resamples / 2 && peakXs.length > 0 ? range(peakXs) : null,
    },
  };
}

// --- internals -------------------------------------------------------------------------------

interface Parameters {
  readonly lambda: number;
  readonly sigma: number;
  readonly kappa: number;
}

/** Least-squares (λ, σ, κ); from a coarse grid, or from `start` (the bootstrap starts at the fit). */
function fitParameters(points: readonly UslPoint[], start?: Parameters): Parameters {
  const evaluate = (sigma: number, kappa: number): { sse: number; lambda: number } => {
    let xf = 0;
    let ff = 0;
    let xx = 0;
    for (const point of points) {
      const f = point.n / (1 + sigma * (point.n - 1) + kappa * point.n * (point.n - 1));
      xf += point.x * f;
      ff += f * f;
      xx += point.x * point.x;
    }
    const lambda = ff > 0 ? Math.max(0, xf / ff) : 0;
    return { sse: xx - 2 * lambda * xf + lambda * lambda * ff, lambda };
  };
  const sigmas = [0, ...logSpace(-5, 0, 51)];
  const kappas = [0, ...logSpace(-10, 0, 61)];
  let best = start
    ? { sigma: start.sigma, kappa: start.kappa, ...evaluate(start.sigma, start.kappa) }
    : { sigma: 0, kappa: 0, ...evaluate(0, 0) };
  for (const sigma of start ? [] : sigmas) {
    for (const kappa of kappas) {
      const candidate = evaluate(sigma, kappa);
      if (candidate.sse < best.sse) best = { sigma, kappa, ...candidate };
    }
  }
  // Compass search in (σ, κ), steps relative to the values, clamped to [0, 1].
  let stepSigma = Math.max(best.sigma * 0.5, 1e-5);
  let stepKappa = Math.max(best.kappa * 0.5, 1e-10);
  for (let iteration = 0; iteration < 400 && (stepSigma > 1e-12 || stepKappa > 1e-16); iteration += 1) {
    let improved = false;
    const moves: Array<[number, number]> = [
      [stepSigma, 0],
      [-stepSigma, 0],
      [0, stepKappa],
      [0, -stepKappa],
      [stepSigma, stepKappa],
      [-stepSigma, -stepKappa],
      [stepSigma, -stepKappa],
      [-stepSigma, stepKappa],
    ];
    for (const [ds, dk] of moves) {
      const sigma = clamp(best.sigma + ds);
      const kappa = clamp(best.kappa + dk);
      const candidate = evaluate(sigma, kappa);
      if (candidate.sse < best.sse - 1e-15 * Math.max(1, Math.abs(best.sse))) {
        best = { sigma, kappa, ...candidate };
        improved = true;
        break;
      }
    }
    if (!improved) {
      stepSigma /= 2;
      stepKappa /= 2;
    }
  }
  return { lambda: best.lambda, sigma: best.sigma, kappa: best.kappa };
}

function peakOf(parameters: Parameters): { concurrency: number | null; throughput: number | null } {
  if (parameters.kappa > 0) {
    const concurrency = Math.sqrt((1 - parameters.sigma) / parameters.kappa);
    return { concurrency, throughput: uslThroughput(parameters, Math.max(1, concurrency)) };
  }
  if (parameters.sigma > 0) return { concurrency: null, throughput: parameters.lambda / parameters.sigma };
  return { concurrency: null, throughput: null };
}

function logSpace(fromExponent: number, toExponent: number, count: number): number[] {
  return Array.from(
    { length: count },
    (_, index) => 10 ** (fromExponent + ((toExponent - fromExponent) * index) / (count - 1)),
  );
}

function clamp(value: number): number {
  return Math.min(1, Math.max(0, value));
}

/** The p-quantile (0..1) of `values` with linear interpolation between order statistics. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * p;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return sorted[lower]! + (sorted[upper]! - sorted[lower]!) * (position - lower);
}
