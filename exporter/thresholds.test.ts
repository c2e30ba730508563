import { describe, expect, test } from 'vitest';
import { MetricTracker, parseThreshold, thresholdHolds } from './thresholds.ts';

describe('parseThreshold', () => {
  test.each([
    ['p(95)<500', 'trend', { aggregation: 'p', percentile: 0.95, operator: '<', bound: 500 }],
    [
      'p(99.9) <= 1500',
      'trend',
      { aggregation: 'p', percentile: expect.closeTo(0.999, 12), operator: '<=', bound: 1500 },
    ],
    ['avg<200', 'trend', { aggregation: 'avg', operator: '<', bound: 200 }],
    ['med>=1', 'trend', { aggregation: 'med', operator: '>=', bound: 1 }],
    ['rate<0.01', 'rate', { aggregation: 'rate', operator: '<', bound: 0.01 }],
    ['count>100', 'counter', { aggregation: 'count', operator: '>', bound: 100 }],
    ['rate===2', 'counter', { aggregation: 'rate', operator: '===', bound: 2 }],
    ['value!=0', 'gauge', { aggregation: 'value', operator: '!=', bound: 0 }],
  ] as const)('reads %s on a %s', (text, type, expected) => {
    expect(parseThreshold(text, type)).toEqual({ percentile: undefined, ...expected });
  });

  test.each([
    ['p(95)<500', 'rate'],
    ['max>1', 'gauge'],
    ['p(101)<5', 'trend'],
    ['p95<5', 'trend'],
    ['rate < soon', 'rate'],
  ] as const)('refuses %s on a %s, as k6 does', (text, type) => {
    expect(parseThreshold(text, type)).toBeUndefined();
  });
});

describe('thresholds on the data seen', () => {
  const holds = (
    text: string,
    type: 'trend' | 'rate' | 'counter' | 'gauge',
    values: readonly number[],
    runSeconds = 10,
  ): boolean => {
    const tracker = new MetricTracker(type);
    values.forEach((value, index) => tracker.add(value, index));
    return thresholdHolds(parseThreshold(text, type)!, tracker, runSeconds);
  };
  const latencies = Array.from({ length: 100 }, (_, index) => index + 1); // 1 … 100 ms

  test.each([
    ['p(95)<100', true],
    ['p(95)<90', false],
    ['p(50)<52', true],
    ['med<49', false],
    ['avg==50.5', true],
    ['min>=1', true],
    ['max<100', false],
  ])('on 1…100 ms, %s is %s', (text, expected) => {
    expect(holds(text, 'trend', latencies)).toBe(expected);
  });

  test('percentiles stay within 1 % of the exact value', () => {
    const tracker = new MetricTracker('trend');
    const values = Array.from({ length: 5000 }, (_, index) => 10 + ((index * 7919) % 4000) / 3);
    values.forEach((value) => tracker.add(value, 0));
    const sorted = [...values].sort((a, b) => a - b);
    for (const p of [0.5, 0.9, 0.95, 0.99]) {
      const exact = sorted[Math.floor(p * (sorted.length - 1))]!;
      expect(
        Math.abs(tracker.aggregate({ aggregation: 'p', percentile: p, operator: '<', bound: 0 }, 1) - exact) / exact,
      ).toBeLessThan(0.01);
    }
  });

  test.each([
    ['rate<0.01', [0, 0, 0, 1], false],
    ['rate<0.3', [0, 0, 0, 1], true],
    ['rate>0.99', [1, 1, 1, 1], true],
  ])('a rate metric: %s on %j is %s', (text, values, expected) => {
    expect(holds(text, 'rate', values)).toBe(expected);
  });

  test('a counter: count is the sum, rate is per second of the run', () => {
    expect(holds('count==30', 'counter', [10, 10, 10])).toBe(true);
    expect(holds('rate==3', 'counter', [10, 10, 10], 10)).toBe(true);
  });

  test('a gauge: value is the newest', () => {
    expect(holds('value==7', 'gauge', [3, 9, 7])).toBe(true);
  });

  test('with no data, thresholds see zeros, as k6 does', () => {
    expect(holds('p(95)<500', 'trend', [])).toBe(true);
    expect(holds('count>0', 'counter', [])).toBe(false);
  });
});

/** k6's TrendSink.P (metrics/sink.go) over the exact values. */
function k6Percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = p * (sorted.length - 1);
  const [below, above] = [sorted[Math.floor(rank)]!, sorted[Math.ceil(rank)]!];
  return below + (above - below) * (rank - Math.floor(rank));
}

describe("live trend percentiles, as k6's TrendSink.P interpolates them", () => {
  const fill = (parts: ReadonlyArray<readonly [number, number]>): number[] =>
    parts.flatMap(([count, value]) => Array.from({ length: count }, () => value));
  test.each([
    ['five values with one slow', [10, 20, 30, 40, 5000], 0.95],
    [
      '19 fast and 1 slow',
      fill([
        [19, 10],
        [1, 5000],
      ]),
      0.95,
    ],
    [
      'a fast path and a slow ministry call',
      fill([
        [199, 100],
        [11, 900],
      ]),
      0.95,
    ],
    ['an even count (med averages the middle two)', [10, 20, 30, 40], 0.5],
    ['zeros and negatives', [-5, 0, 0, 3, 7], 0.3],
    ['one value', [42], 0.99],
  ] as const)('%s: within 1 %% of k6', (_name, values, p) => {
    const tracker = new MetricTracker('trend');
    for (const value of values) tracker.add(value, 0);
    const expression = p === 0.5 ? parseThreshold('med<1', 'trend')! : parseThreshold(`p(${p * 100})<1`, 'trend')!;
    const expected = k6Percentile(values, p);
    const got = tracker.aggregate(expression, 1);
    expect(Math.abs(got - expected)).toBeLessThanOrEqual(Math.abs(expected) * 0.01 + 1e-9);
  });

  test('a p(95)<500 threshold fails when k6 fails it: 10, 20, 30, 40 and 5000 ms give p(95) ≈ 4008', () => {
    const tracker = new MetricTracker('trend');
    for (const value of [10, 20, 30, 40, 5000]) tracker.add(value, 0);
    expect(thresholdHolds(parseThreshold('p(95)<500', 'trend')!, tracker, 1)).toBe(false);
  });
});
