import { describe, expect, test } from 'vitest';
import { fittedArrivalsInMinute } from '../contracts/profile-file.ts';
import { seededRandom } from '../contracts/random.ts';
import { fitOpening, logGamma, logUpperTail } from './fit.ts';

function poissonCounts(curve: Parameters<typeof fittedArrivalsInMinute>[0], minutes: number, seed: number): number[] {
  const random = seededRandom(seed);
  return Array.from({ length: minutes }, (_, minute) => {
    const mean = fittedArrivalsInMinute(curve, minute);
    if (mean < 30) {
      let k = 0;
      for (let p = random(); p > Math.exp(-mean); p *= random()) k += 1;
      return k;
    }
    const normal = Math.sqrt(-2 * Math.log(random())) * Math.cos(2 * Math.PI * random());
    return Math.max(0, Math.round(mean + Math.sqrt(mean) * normal));
  });
}

describe('the opening curve is fitted by Poisson maximum likelihood and chosen by AIC', () => {
  test.each([1, 2, 3])(
    'exponential counts (seed %i) give back τ and A within 5 %, and AIC picks the exponential',
    (seed) => {
      const counts = poissonCounts({ model: 'opening-exp', amplitudePerMinute: 8_000, tauMinutes: 17.4 }, 180, seed);
      const fit = fitOpening(counts);
      expect(fit.chosen).toBe('opening-exp');
      const best = fit.fits[0]!;
      if (best.model !== 'opening-exp') throw new Error('unreachable');
      expect(best.tauMinutes / 17.4).toBeCloseTo(1, 1);
      expect(Math.abs(best.tauMinutes / 17.4 - 1)).toBeLessThan(0.05);
      expect(Math.abs(best.amplitudePerMinute / 8_000 - 1)).toBeLessThan(0.05);
    },
  );

  test.each([1, 2, 3])(
    'hyperbolic counts (seed %i) give back c and A within 5 %, and AIC picks the hyperbolic',
    (seed) => {
      const counts = poissonCounts(
        { model: 'opening-hyperbolic', amplitudePerMinute: 9_580, cMinutes: 2.383 },
        600,
        seed,
      );
      const fit = fitOpening(counts);
      expect(fit.chosen).toBe('opening-hyperbolic');
      const best = fit.fits[0]!;
      if (best.model !== 'opening-hyperbolic') throw new Error('unreachable');
      expect(Math.abs(best.cMinutes / 2.383 - 1)).toBeLessThan(0.05);
      expect(Math.abs(best.amplitudePerMinute / 9_580 - 1)).toBeLessThan(0.05);
    },
  );

  test('saturated minutes, censored, no longer drag the peak down', () => {
    const counts = poissonCounts({ model: 'opening-exp', amplitudePerMinute: 8_000, tauMinutes: 17.4 }, 180, 9);
    const cap = 5_000; // the site served at most 5,000 new applicants a minute
    const served = counts.map((n) => Math.min(n, cap));
    const saturated = new Set(served.flatMap((n, minute) => (n === cap ? [minute] : [])));
    expect(saturated.size).toBeGreaterThan(5);
    const naive = fitOpening(served).fits.find((fit) => fit.model === 'opening-exp')!;
    const censored = fitOpening(served, saturated).fits.find((fit) => fit.model === 'opening-exp')!;
    expect(naive.amplitudePerMinute).toBeLessThan(8_000 * 0.9); // served counts underestimate the peak
    expect(Math.abs(censored.amplitudePerMinute / 8_000 - 1)).toBeLessThan(0.05);
  });

  test('the special functions match known values', () => {
    expect(logGamma(11)).toBeCloseTo(Math.log(3_628_800), 9);
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 9);
    // P(N ≥ 3; μ = 2) = 1 − e^{−2}(1 + 2 + 2) = 0.3233235838
    expect(Math.exp(logUpperTail(3, 2))).toBeCloseTo(0.3233235838, 8);
    // large counts, both branches, against the summed probabilities (computed apart, in Python)
    expect(Math.exp(logUpperTail(1000, 1000))).toBeCloseTo(0.5042052441803, 9);
    expect(Math.exp(logUpperTail(900, 1000))).toBeCloseTo(0.9993774022157, 9);
    expect(logUpperTail(0, 5)).toBe(0);
  });

  test('too little to fit is a clear error', () => {
    expect(() => fitOpening([1, 2])).toThrow(/at least 3 minutes/);
    expect(() => fitOpening([0, 0, 0, 0])).toThrow(/nothing to fit/);
  });
});
