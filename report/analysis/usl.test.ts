import { describe, expect, test } from 'vitest';
import { seededRandom } from '../../contracts/random.ts';
import { fitUsl, percentile, uslThroughput, type UslPoint } from './usl.ts';

/** Ten load levels of a known law, with seeded multiplicative noise of `noise` (0.03 = 3 %). */
function synthetic(
  truth: { lambda: number; sigma: number; kappa: number },
  levels: number[],
  noise: number,
  seed: number,
): UslPoint[] {
  const random = seededRandom(seed);
  const gaussian = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return levels.map((n) => ({ n, x: uslThroughput(truth, n) * (1 + noise * gaussian()) }));
}

const LEVELS = [5, 15, 30, 45, 60, 75, 90, 110, 130, 150];

describe('the Universal Scalability Law fit', () => {
  test('recovers exact parameters from noiseless data', () => {
    const truth = { lambda: 20, sigma: 0.05, kappa: 2e-4 };
    const fit = fitUsl(synthetic(truth, LEVELS, 0, 1), { resamples: 20 })!;
    expect(fit.sigma).toBeCloseTo(0.05, 4);
    expect(fit.kappa / 2e-4).toBeCloseTo(1, 3);
    expect(fit.lambda).toBeCloseTo(20, 3);
    expect(fit.rSquared).toBeCloseTo(1, 6);
  });

  test.each([1, 2, 3, 4, 5])('with 3 %% noise (seed %i) the fitted peak is within 5 %% of the truth', (seed) => {
    const truth = { lambda: 20, sigma: 0.05, kappa: 2e-4 };
    const trueN = Math.sqrt((1 - truth.sigma) / truth.kappa);
    const trueX = uslThroughput(truth, trueN);
    const fit = fitUsl(synthetic(truth, LEVELS, 0.03, seed))!;
    expect(Math.abs(fit.peakThroughput! - trueX) / trueX).toBeLessThan(0.05);
    // the bootstrap range of the peak holds the fitted peak
    const [low, high] = fit.bootstrap.peakThroughput!;
    expect(low).toBeLessThanOrEqual(fit.peakThroughput!);
    expect(high).toBeGreaterThanOrEqual(fit.peakThroughput!);
    expect(fit.peakConcurrency!).toBeGreaterThan(0.8 * trueN);
    expect(fit.peakConcurrency!).toBeLessThan(1.2 * trueN);
  });

  test('a pure contention curve (κ = 0) has no peak concurrency and approaches λ/σ', () => {
    const truth = { lambda: 10, sigma: 0.1, kappa: 0 };
    const fit = fitUsl(synthetic(truth, LEVELS, 0, 3), { resamples: 20 })!;
    expect(fit.kappa).toBeLessThan(1e-7);
    expect(fit.peakThroughput!).toBeGreaterThan(95);
    expect(fit.peakThroughput!).toBeLessThan(105);
  });

  test('the same seed gives the same bootstrap', () => {
    const points = synthetic({ lambda: 20, sigma: 0.05, kappa: 2e-4 }, LEVELS, 0.03, 9);
    expect(fitUsl(points, { seed: 7, resamples: 50 })!.bootstrap).toEqual(
      fitUsl(points, { seed: 7, resamples: 50 })!.bootstrap,
    );
  });

  test('refuses fewer than six load levels', () => {
    expect(fitUsl(synthetic({ lambda: 20, sigma: 0.05, kappa: 2e-4 }, [5, 10, 20, 40, 80], 0, 1))).toBeUndefined();
  });

  test.each([
    [[1, 2, 3, 4], 0.5, 2.5],
    [[10], 0.95, 10],
    [[4, 1, 3, 2], 0, 1],
  ])('percentile of %j at %f is %f', (values, p, expected) => {
    expect(percentile(values, p)).toBeCloseTo(expected, 9);
  });
});
