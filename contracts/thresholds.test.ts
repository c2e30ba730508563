import { describe, expect, test } from 'vitest';
import { compareThreshold, parseThresholdExpression, splitMetricKey, supportsAggregation } from './thresholds.ts';

describe('k6 threshold expressions', () => {
  test.each([
    ['p(95)<500', { aggregation: 'p', percentile: 0.95, operator: '<', bound: 500 }],
    ['p(99.9) <= 1e3', { aggregation: 'p', percentile: 99.9 / 100, operator: '<=', bound: 1000 }],
    ['rate<0.01', { aggregation: 'rate', operator: '<', bound: 0.01 }],
    ['count>=10', { aggregation: 'count', operator: '>=', bound: 10 }],
    [' avg != 3 ', { aggregation: 'avg', operator: '!=', bound: 3 }],
  ])('%s parses', (source, expected) => {
    expect(parseThresholdExpression(source)).toEqual(expected);
  });

  test.each(['p95<500', 'rate', 'p(101)<1', 'avg ~ 3'])('%s is rejected', (source) => {
    expect(() => parseThresholdExpression(source)).toThrow();
  });

  test.each([
    ['http_req_duration{stage:register}', { name: 'http_req_duration', selector: 'stage:register' }],
    ['group_duration{group:::setup}', { name: 'group_duration', selector: 'group:::setup' }],
    ['checks', { name: 'checks', selector: undefined }],
  ])('%s splits into metric and selector', (key, expected) => {
    expect(splitMetricKey(key)).toEqual(expected);
  });

  test.each([
    ['trend', 'p', true],
    ['trend', 'count', false],
    ['counter', 'rate', true],
    ['gauge', 'max', false],
    ['rate', 'rate', true],
  ] as const)('a %s metric supports %s: %s', (type, aggregation, expected) => {
    expect(supportsAggregation(type, aggregation)).toBe(expected);
  });

  test.each([
    [1, '<', 2, true],
    [2, '<', 2, false],
    [2, '<=', 2, true],
    [3, '>', 2, true],
    [2, '>=', 2, true],
    [2, '==', 2, true],
    [2, '===', 3, false],
    [2, '!=', 3, true],
  ] as const)('%d %s %d holds: %s', (actual, operator, bound, expected) => {
    expect(compareThreshold(actual, operator, bound)).toBe(expected);
  });
});
