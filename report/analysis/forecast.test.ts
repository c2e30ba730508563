import { describe, expect, test } from 'vitest';
import { steadyProfile } from '../../contracts/profiles.ts';
import { fluidQueue, forecastOpening, seedSurges } from './forecast.ts';

describe('the fluid-model queue of the seed surges (capacity-model §5.2)', () => {
  const [exponential, hyperbolic] = seedSurges();
  test.each([
    [10_000, 'opening-exp', 891_792, 89, 143],
    [20_000, 'opening-exp', 592_211, 30, 70],
    [40_000, 'opening-exp', 234_222, 5.9, 29],
    [10_000, 'opening-hyperbolic', 311_893, 31, 81],
    [20_000, 'opening-hyperbolic', 177_412, 8.9, 30],
    [40_000, 'opening-hyperbolic', 66_712, 1.7, 9],
  ])(
    'at %i/min, %s backs up to %i applicants, waits %f min, clears near minute %i',
    (capacity, shape, backlog, wait, clears) => {
      const surge = fluidQueue(shape === 'opening-exp' ? exponential! : hyperbolic!, capacity);
      expect(Math.abs(surge.maxBacklog - backlog) / backlog).toBeLessThan(0.01);
      expect(Math.abs(surge.maxWaitMinutes - wait) / wait).toBeLessThan(0.03);
      expect(Math.abs(surge.queueClearsAtMinute! - clears)).toBeLessThan(1.5);
    },
  );

  test('demand below capacity builds no queue', () => {
    expect(fluidQueue(steadyProfile(10, 600), 1200)).toMatchObject({
      overCapacity: false,
      maxBacklog: 0,
      queueClearsAtMinute: 0,
    });
  });
});

describe('headroom and scale-out against 80,000/min', () => {
  test('20,000/min is a quarter of the peak and needs 5.7× at 70 % utilisation', () => {
    const forecast = forecastOpening({
      capacityPerMinute: 20_000,
      targetUtilisation: 0.7,
      limitingStage: 'verify_nik',
      limitingStageRequestsPerArrival: 0.44,
    });
    expect(forecast.available).toBe(true);
    expect(forecast.capacityRatio).toBeCloseTo(0.25, 9);
    expect(forecast.headroom).toBeCloseTo(-0.75, 9);
    expect(forecast.scaleOutFactor).toBeCloseTo(80_000 / 0.7 / 20_000, 9);
    expect(forecast.ready).toBe(false);
    expect(forecast.requiredStageRatePerSecond).toBeCloseTo((80_000 / 60) * 0.44, 9);
    expect(forecast.surges.map((surge) => surge.shape)).toEqual(['opening-exp', 'opening-hyperbolic']);
  });

  test('150,000/min is ready', () => {
    expect(forecastOpening({ capacityPerMinute: 150_000, targetUtilisation: 0.7 })).toMatchObject({
      ready: true,
      available: true,
    });
  });

  test('without a capacity there is no forecast, and the reason says why', () => {
    expect(forecastOpening({ targetUtilisation: 0.7, missingReason: 'not a breakpoint' })).toMatchObject({
      available: false,
      reason: 'not a breakpoint',
      surges: [],
    });
  });
});
