/**
 * Fitting the opening curve to per-minute arrivals by Poisson maximum likelihood
 * (capacity-model.md §3.6 step 4): maximise Σₖ [nₖ ln μₖ − μₖ − ln nₖ!] with μₖ = ∫λ over minute
 * k, for the exponential and the hyperbolic shape, and choose between them by AIC. A saturated
 * minute is right-censored: it says only that demand was at least what was served, so it adds
 * ln P(N ≥ nₖ; μₖ) instead.
 */

import { fittedArrivalsInMinute, type FittedCurve, type FittedModel } from '../contracts/profile-file.ts';

/** Both fits, best first, and the one AIC picks. */
export interface OpeningFit {
  readonly chosen: FittedModel;
  readonly fits: readonly FittedCurve[];
}

const PARAMETERS = 2; // amplitude and shape, for both models

/** Fits both shapes to `perMinute` (minute 0 = the opening), censoring the minutes in `censored`. */
export function fitOpening(perMinute: readonly number[], censored: ReadonlySet<number> = new Set()): OpeningFit {
  if (perMinute.length < 3) throw new RangeError(`a fit needs at least 3 minutes of arrivals, got ${perMinute.length}`);
  if (perMinute.every((count, minute) => count === 0 || censored.has(minute)))
    throw new RangeError('no uncensored minute holds arrivals: nothing to fit');
  const fits = (['opening-exp', 'opening-hyperbolic'] as const).map((model) => fitModel(model, perMinute, censored));
  fits.sort((a, b) => a.aic - b.aic);
  return { chosen: fits[0]!.model, fits };
}

function curve(model: FittedModel, amplitude: number, shape: number): Parameters<typeof fittedArrivalsInMinute>[0] {
  return model === 'opening-exp'
    ? { model, amplitudePerMinute: amplitude, tauMinutes: shape }
    : { model, amplitudePerMinute: amplitude, cMinutes: shape };
}

/** The Poisson log-likelihood of the counts under a curve. */
export function logLikelihood(
  model: FittedModel,
  amplitude: number,
  shape: number,
  perMinute: readonly number[],
  censored: ReadonlySet<number>,
): number {
  const parameters = curve(model, amplitude, shape);
  let total = 0;
  for (let minute = 0; minute < perMinute.length; minute += 1) {
    const n = perMinute[minute]!;
    const mu = Math.max(fittedArrivalsInMinute(parameters, minute), 1e-300);
    total += censored.has(minute) ? logUpperTail(n, mu) : n * Math.log(mu) - mu - logGamma(n + 1);
  }
  return total;
}

function fitModel(model: FittedModel, perMinute: readonly number[], censored: ReadonlySet<number>): FittedCurve {
  // Start: for each shape on a log grid, the amplitude that makes the uncensored counts add up.
  const uncensoredTotal = perMinute.reduce((sum, n, minute) => (censored.has(minute) ? sum : sum + n), 0);
  let best = { ll: -Infinity, amplitude: 1, shape: 1 };
  for (let step = 0; step <= 120; step += 1) {
    const shape = 10 ** (-2 + (6 * step) / 120);
    const unit = curve(model, 1, shape);
    let unitTotal = 0;
    for (let minute = 0; minute < perMinute.length; minute += 1)
      if (!censored.has(minute)) unitTotal += fittedArrivalsInMinute(unit, minute);
    const amplitude = uncensoredTotal / unitTotal;
    const ll = logLikelihood(model, amplitude, shape, perMinute, censored);
    if (ll > best.ll) best = { ll, amplitude, shape };
  }
  const objective = ([logAmplitude, logShape]: readonly number[]): number =>
    -logLikelihood(model, Math.exp(logAmplitude!), Math.exp(logShape!), perMinute, censored);
  const [logAmplitude, logShape] = nelderMead(objective, [Math.log(best.amplitude), Math.log(best.shape)], 0.05);
  const amplitude = Math.exp(logAmplitude!);
  const shape = Math.exp(logShape!);
  const ll = logLikelihood(model, amplitude, shape, perMinute, censored);
  const aic = 2 * PARAMETERS - 2 * ll;
  return model === 'opening-exp'
    ? { model, amplitudePerMinute: amplitude, tauMinutes: shape, logLikelihood: ll, aic }
    : { model, amplitudePerMinute: amplitude, cMinutes: shape, logLikelihood: ll, aic };
}

/** Nelder–Mead minimisation in two or more dimensions; returns the best point. */
function nelderMead(
  f: (x: readonly number[]) => number,
  start: readonly number[],
  step: number,
  iterations = 600,
): number[] {
  const n = start.length;
  let simplex = [start.slice(), ...start.map((_, i) => start.map((value, j) => (i === j ? value + step : value)))].map(
    (x) => ({ x, y: f(x) }),
  );
  for (let iteration = 0; iteration < iterations; iteration += 1) {
    simplex.sort((a, b) => a.y - b.y);
    const bestY = simplex[0]!.y;
    const worst = simplex[n]!;
    if (Math.abs(worst.y - bestY) < 1e-10 * (1 + Math.abs(bestY))) break;
    const centroid = start.map((_, j) => simplex.slice(0, n).reduce((sum, point) => sum + point.x[j]!, 0) / n);
    const towards = (t: number): number[] => centroid.map((c, j) => c + t * (worst.x[j]! - c));
    const reflected = { x: towards(-1), y: 0 };
    reflected.y = f(reflected.x);
    if (reflected.y < bestY) {
      const expanded = { x: towards(-2), y: 0 };
      expanded.y = f(expanded.x);
      simplex[n] = expanded.y < reflected.y ? expanded : reflected;
    } else if (reflected.y < simplex[n - 1]!.y) {
      simplex[n] = reflected;
    } else {
      const contracted = { x: towards(0.5), y: 0 };
      contracted.y = f(contracted.x);
      if (contracted.y < worst.y) simplex[n] = contracted;
      else {
        const best = simplex[0]!.x;
        simplex = simplex.map((point, i) => {
          if (i === 0) return point;
          const x = point.x.map((value, j) => best[j]! + 0.5 * (value - best[j]!));
          return { x, y: f(x) };
        });
      }
    }
  }
  simplex.sort((a, b) => a.y - b.y);
  return simplex[0]!.x;
}

/** ln Γ(x) for x > 0: Stirling's series above 10, the recurrence Γ(x + 1) = xΓ(x) below. */
export function logGamma(x: number): number {
  let shift = 0;
  let z = x;
  while (z < 10) {
    shift += Math.log(z);
    z += 1;
  }
  const inverse = 1 / z;
  const square = inverse * inverse;
  const series = inverse * (1 / 12 - square * (1 / 360 - square * (1 / 1260 - square / 1680)));
  return (z - 0.5) * Math.log(z) - z + 0.5 * Math.log(2 * Math.PI) + series - shift;
}

/** ln P(N ≥ n) for N ~ Poisson(mu): the regularised lower incomplete gamma P(n, mu). */
export function logUpperTail(n: number, mu: number): number {
  if (n <= 0) return 0;
  const logPrefix = n * Math.log(mu) - mu - logGamma(n);
  if (mu < n + 1) {
    // series: P(a, x) = e^{−x} x^a / Γ(a) · Σ x^k / (a (a+1) … (a+k))
    let term = 1 / n;
    let sum = term;
    for (let k = 1; k < 10_000; k += 1) {
      term *= mu / (n + k);
      sum += term;
      if (term < sum * 1e-15) break;
    }
    return logPrefix + Math.log(sum);
  }
  // continued fraction for Q(a, x) = 1 − P(a, x) (Lentz), then P = 1 − Q
  const tiny = 1e-300;
  let b = mu + 1 - n;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10_000; i += 1) {
    const an = -i * (i - n);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  const q = Math.exp(logPrefix) * h;
  return Math.log1p(-Math.min(q, 1 - 1e-16));
}
