import { describe, expect, test } from 'vitest';
import {
  evaluate,
  parsePromql,
  PromqlError,
  selectorNames,
  type SampleSource,
  type StoredSeries,
  type Value,
} from './promql.ts';

/** Series sampled every 5 s from t = 0 with the given values. */
function series(labels: Record<string, string>, values: readonly number[]): StoredSeries {
  return { labels, times: values.map((_v, index) => index * 5000), values };
}

function sourceOf(stored: readonly StoredSeries[]): SampleSource {
  return { series: (name) => stored.filter((entry) => name === undefined || entry.labels.__name__ === name) };
}

function vector(value: Value): Array<[string, number]> {
  if (value.kind !== 'vector') throw new Error(`expected a vector, got ${value.kind}`);
  return value.samples.map((sample) => [JSON.stringify(sample.labels), sample.value] as [string, number]).sort();
}

const requests = [
  series({ __name__: 'http_total', stage: 'register', outcome: 'ok' }, [0, 10, 20, 30, 40, 50, 60]),
  series({ __name__: 'http_total', stage: 'register', outcome: 'error' }, [0, 1, 2, 3, 4, 5, 6]),
  series({ __name__: 'http_total', stage: 'landing', outcome: 'ok' }, [0, 5, 10, 15, 20, 25, 30]),
];
const objectives = [
  series({ __name__: 'objective', stage: 'register' }, [0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01]),
  series({ __name__: 'objective', stage: 'landing' }, [0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01]),
];
const buckets = [
  ['0.1', [0, 10, 20, 30, 40, 50, 60]],
  ['0.5', [0, 18, 36, 54, 72, 90, 108]],
  ['1', [0, 20, 40, 60, 80, 100, 120]],
  ['+Inf', [0, 20, 40, 60, 80, 100, 120]],
].map(([le, values]) =>
  series({ __name__: 'duration_bucket', stage: 'register', le: le as string }, values as number[]),
);
const source = sourceOf([...requests, ...objectives, ...buckets]);
const at = 30_000;

describe('the live page PromQL evaluator', () => {
  test('rate of counters growing 11 per 5 s in all over a window their samples cover is 2.2/s', () => {
    expect(
      vector(evaluate(parsePromql('sum by (stage) (rate(http_total{stage="register"}[30s]))'), at, source)),
    ).toEqual([['{"stage":"register"}', 2.2]]);
  });

  test('an error share divided by its objective on (stage) is a multiple of the objective', () => {
    const expr =
      '(sum by (stage) (rate(http_total{outcome="error"}[30s])) or (sum by (stage) (rate(http_total[30s]))) * 0) / (sum by (stage) (rate(http_total[30s]))) / on (stage) max by (stage) (objective)';
    const result = vector(evaluate(parsePromql(expr), at, source));
    expect(result.map(([labels]) => labels)).toEqual(['{"stage":"landing"}', '{"stage":"register"}']);
    expect(result[0]![1]).toBe(0);
    expect(result[1]![1]).toBeCloseTo(1 / 11 / 0.01, 9);
  });

  test('histogram_quantile interpolates inside the bucket holding the rank, as Prometheus does', () => {
    // Per window: 10 below 0.1 s, 8 more below 0.5 s, 2 more below 1 s, of 20: p50 is inside (0.1, 0.5].
    const result = vector(
      evaluate(parsePromql('histogram_quantile(0.5, sum by (stage, le) (rate(duration_bucket[30s])))'), at, source),
    );
    expect(result).toEqual([['{"stage":"register"}', 0.1]]);
    const p95 = vector(
      evaluate(parsePromql('histogram_quantile(0.95, sum by (le) (rate(duration_bucket[30s])))'), at, source),
    );
    // rank 19 of 20 is the first of the 2 observations in (0.5, 1]: halfway, 0.75 s.
    expect(p95[0]![1]).toBeCloseTo(0.75, 9);
  });

  test('last_over_time keeps the newest sample, scalar() and vector() convert', () => {
    expect(
      vector(
        evaluate(
          parsePromql(
            'sum(last_over_time(http_total{outcome="ok"}[1m])) / scalar(sum(last_over_time(http_total{stage="landing"}[1m])))',
          ),
          at,
          source,
        ),
      ),
    ).toEqual([['{}', 90 / 30]]);
    expect(vector(evaluate(parsePromql('vector(2)'), at, source))).toEqual([['{}', 2]]);
  });

  test('topk keeps the labels of the largest element, unless and > filter', () => {
    expect(
      vector(evaluate(parsePromql('topk(1, sum by (stage) (last_over_time(http_total[1m])))'), at, source)),
    ).toEqual([['{"stage":"register"}', 66]]);
    expect(
      vector(
        evaluate(
          parsePromql('sum by (stage) (http_total) unless on (stage) sum by (stage) (http_total{stage="landing"})'),
          at,
          source,
        ),
      ),
    ).toEqual([['{"stage":"register"}', 66]]);
    expect(vector(evaluate(parsePromql('sum by (stage) (http_total) > 50'), at, source))).toEqual([
      ['{"stage":"register"}', 66],
    ]);
  });

  test('group_left keeps the many side and its labels', () => {
    const result = vector(
      evaluate(
        parsePromql('sum by (stage, outcome) (http_total) / on (stage) group_left () max by (stage) (objective)'),
        at,
        source,
      ),
    );
    expect(result).toEqual([
      ['{"stage":"landing","outcome":"ok"}', 3000],
      ['{"stage":"register","outcome":"error"}', 600],
      ['{"stage":"register","outcome":"ok"}', 6000],
    ]);
  });

  test('an instant selector does not see a series past its stale marker', () => {
    const stale = sourceOf([{ labels: { __name__: 'vus' }, times: [0, 5000, 10_000], values: [3, 4, NaN] }]);
    expect(vector(evaluate(parsePromql('vus'), 7000, stale))).toEqual([['{"__name__":"vus"}', 4]]);
    expect(vector(evaluate(parsePromql('vus'), 12_000, stale))).toEqual([]);
  });

  test('a counter reset is counted as growth, not as a drop', () => {
    const reset = sourceOf([series({ __name__: 'c_total' }, [10, 20, 5, 15])]);
    // growth 10 + 5 + 10 = 25 over 15 s of samples, extrapolated to the 15 s window.
    expect(vector(evaluate(parsePromql('increase(c_total[15s])'), 15_000, reset))).toEqual([['{}', 25]]);
  });

  test.each([['holt_winters(x[1m], 0.1, 0.1)'], ['x offset 5m'], ['rate(x[5m:1m])']])(
    'refuses %s with an error that names it',
    (expr) => {
      expect(() => parsePromql(expr)).toThrow(PromqlError);
    },
  );

  test('names the series an expression reads', () => {
    expect(
      selectorNames(
        parsePromql('sum(rate(a_total{x="1"}[1m])) / on (x) group_left () b:recorded:ratio or vector(0)'),
      ).sort(),
    ).toEqual(['a_total', 'b:recorded:ratio']);
  });
});
