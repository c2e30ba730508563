import { describe, expect, test } from 'vitest';
import { constantArrivals, plannedRateAt, rampingArrivals } from './schedule.ts';

describe('arrival schedules', () => {
  test('a constant rate starts iteration g at g × period, below the duration', () => {
    const starts = [...constantArrivals(4, 1000, 1000)];
    expect(starts).toEqual([0, 250, 500, 750]);
  });

  test('40 iterations per second for 30 s plan 1,200 starts', () => {
    expect([...constantArrivals(40, 1000, 30_000)]).toHaveLength(1200);
  });

  test('a flat ramping stage starts the n-th iteration where n arrivals have accumulated', () => {
    expect([...rampingArrivals(2, 1000, [{ durationMs: 2000, target: 2 }])]).toEqual([500, 1000, 1500]);
  });

  test('a linear ramp from 0 to 10/s over 10 s plans 50 starts with quadratic spacing', () => {
    const starts = [...rampingArrivals(0, 1000, [{ durationMs: 10_000, target: 10 }])];
    expect(starts).toHaveLength(49); // the 50th falls exactly on the end and is not started
    // area 1 under r(t) = t/s² is reached at √2 s
    expect(starts[0]).toBeCloseTo(Math.SQRT2 * 1000, 6);
  });

  test('segmented schedules split the starts without overlap or loss', () => {
    const whole = [...constantArrivals(10, 1000, 3000)];
    const first = [...constantArrivals(10, 1000, 3000, { start: 0, steps: [2] })];
    const second = [...constantArrivals(10, 1000, 3000, { start: 1, steps: [2] })];
    expect([...first, ...second].sort((a, b) => a - b)).toEqual(whole);
  });

  test.each([
    [0, 0],
    [5000, 50],
    [7500, 75],
    [10_000, 0],
  ])('the planned rate at %i ms of a 0→100/s ramp over 10 s is %i/s (0 once it is over)', (offset, rate) => {
    expect(plannedRateAt(0, 1000, [{ durationMs: 10_000, target: 100 }], offset)).toBeCloseTo(rate, 9);
  });
});
