/**
 * The Prometheus reader's clock: the scrape interval read from raw samples, and counters placed in
 * sample time (by the run's newest sample time at each grid point) and cut at the NDJSON's slots.
 */

import { describe, expect, test } from 'vitest';
import { placeBySecond, resample, scrapeInterval, type PrometheusApi, type SampleClock } from './read-prometheus.ts';

const clock = (newest: Array<number | undefined>, overrides: Partial<SampleClock> = {}): SampleClock => ({
  first: 100.4,
  origin: 100,
  resolution: 1,
  slotCount: 4,
  start: 98.5,
  gridCount: newest.length - 1,
  newest,
  ...overrides,
});

describe('placing a counter in sample time', () => {
  test('a scrape’s count belongs to the newest sample time it held, not to the grid point', () => {
    // grid points 98.5 … 105.5; the exporter had read samples up to 101 at 101.5, 102 at 102.5, …
    const newest = [undefined, undefined, 100.4, 101, 102, 103, 104, 104];
    const cumulative = [0, 0, 0, 10, 20, 30, 40, 40];
    expect(resample(cumulative, clock(newest), true)).toEqual([10, 10, 10, 10]);
  });

  test('interpolates between scrapes, keeps whole counts, and adds up to the counter’s growth', () => {
    const newest = [undefined, 100.4, 100.9, 102.3, 103.1, 104.2, 104.2];
    const cumulative = [0, 1, 6, 20, 27, 37, 37];
    const slots = resample(cumulative, clock(newest), true);
    expect(slots.every((count) => Number.isInteger(count))).toBe(true);
    expect(slots.reduce((sum, count) => sum + count, 0)).toBe(37);
    // slot 0 = [100, 101): 6 by 100.9, then a tenth of the 14 read by 102.3 → 7
    expect(slots[0]).toBe(7);
  });

  test('growth seen after the run’s last sample lands in the last slot', () => {
    const newest = [undefined, 100.5, 101.5, 103.9, 103.9, 103.9];
    const cumulative = [0, 5, 10, 30, 31, 33];
    const slots = resample(cumulative, clock(newest), true);
    expect(slots.reduce((sum, count) => sum + count, 0)).toBe(33);
    expect(slots[3]).toBeGreaterThanOrEqual(3);
  });
});

describe('placing a per-second counter in sample time', () => {
  // slots of 1 s from 120 (second 0 of a minute); grid points see samples up to these times
  const minute = (newest: Array<number | undefined>): SampleClock =>
    clock(newest, { first: 120.2, origin: 120, slotCount: 6, start: 118.5 });

  test('puts each scrape’s growth in the second its label names, however late the scrape', () => {
    // second 2 (122.x): 4 samples read by the scrape at newest 122.9, 3 more arriving late, at newest 124.1
    const newest = [undefined, 120.2, 121.4, 122.9, 124.1, 125.8];
    expect(placeBySecond([0, 0, 0, 4, 7, 7], 2, minute(newest))).toEqual([0, 0, 7, 0, 0, 0]);
  });

  test('tells the same label a minute apart: each growth goes to the latest such second not after the newest sample', () => {
    const newest = [undefined, 120.2, 121.4, 122.9, 182.5, 183.0];
    const slots = placeBySecond([0, 0, 0, 4, 9, 9], 2, minute(newest));
    // the first 4 at 122, the next 5 at 182 (past the last slot, so the last slot holds them)
    expect(slots).toEqual([0, 0, 4, 0, 0, 5]);
  });

  test('keeps every count: the slots add up to the counter’s growth', () => {
    const newest = [undefined, 120.2, 121.1, 124.0, 124.5, 125.9, 126.2];
    const slots = placeBySecond([0, 0, 0, 5, 5, 11, 12], 4, minute(newest));
    expect(slots.reduce((sum, count) => sum + count, 0)).toBe(12);
    expect(slots[4]).toBe(12);
  });
});

describe('reading the scrape interval', () => {
  const api = (times: number[]): PrometheusApi => ({
    query: async () => [{ metric: {}, values: times.map((time) => [time, '1'] as const) }],
    queryRange: async () => [],
  });

  test('is the median gap between the raw samples, with the scrapes’ phase', async () => {
    const times = [1000.21, 1005.2, 1010.23, 1015.19, 1020.2, 1025.2, 1030.22];
    const found = await scrapeInterval(api(times), '{run="r"}', 1000, 30);
    expect(found?.seconds).toBeCloseTo(5, 1);
    expect(((found!.phase % 5) + 5) % 5).toBeCloseTo(0.2, 1);
  });

  test('is unknown with fewer than three scrapes', async () => {
    expect(await scrapeInterval(api([1000, 1005]), '{run="r"}', 1000, 5)).toBeUndefined();
  });
});
