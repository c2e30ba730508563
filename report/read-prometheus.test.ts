/**
 * The Prometheus reader's clock: the scrape interval read from raw samples, and counters placed in
 * sample time (by the run's newest sample time at each grid point) and cut at the NDJSON's slots.
 */

import { describe, expect, test } from 'vitest';
import { resample, scrapeInterval, type PrometheusApi, type SampleClock } from './read-prometheus.ts';

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
