import { describe, expect, test } from 'vitest';
import { MetricRegistry, TrendSink } from './metric.ts';
import { buildThresholds } from './thresholds.ts';
import { buildSummaryData, GroupNode } from './summary.ts';
import { formatBytes, formatTime } from './text-summary.ts';

describe('trend percentiles', () => {
  const sink = new TrendSink();
  for (const value of [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]) sink.add(value);
  test.each([
    [0, 10],
    [0.5, 55],
    [0.9, 91],
    [0.95, 95.5],
    [1, 100],
  ])('p(%d) interpolates linearly between neighbours as k6: %d', (fraction, expected) => {
    expect(sink.percentile(fraction)).toBeCloseTo(expected, 9);
  });
  test('an empty trend reports 0', () => {
    expect(new TrendSink().percentile(0.95)).toBe(0);
  });
});

describe('thresholds', () => {
  test('a submetric selector matches samples carrying its tags, quotes trimmed', () => {
    const registry = new MetricRegistry();
    const [threshold] = buildThresholds({ "http_req_duration{stage:'register', method:POST}": ['max<100'] }, registry);
    const submetric = registry.builtin('http_req_duration').submetrics[0];
    expect(submetric?.tags).toEqual({ stage: 'register', method: 'POST' });
    expect(submetric?.matches({ stage: 'register', method: 'POST', status: '201' })).toBe(true);
    expect(submetric?.matches({ stage: 'register' })).toBe(false);
    submetric?.sink.add(150);
    expect(threshold?.evaluate(1000)).toBe(false);
  });

  test('a counter rate threshold divides by the run duration in seconds', () => {
    const registry = new MetricRegistry();
    const [threshold] = buildThresholds({ http_reqs: ['rate>=5'] }, registry);
    for (let i = 0; i < 10; i += 1) registry.builtin('http_reqs').sink.add(1);
    expect(threshold?.evaluate(2000)).toBe(true);
    expect(threshold?.evaluate(2500)).toBe(false);
  });

  test.each([
    [{ nope: ['count>1'] }, /no metric name "nope"/],
    [{ vus: ['max>1'] }, /gauge metrics support value/],
    [{ checks: ['p(95)<1'] }, /rate metrics support rate/],
    [{ 'http_reqs{status}': ['count>1'] }, /has no value/],
  ])('%o is invalid', (config, message) => {
    expect(() => buildThresholds(config, new MetricRegistry())).toThrow(message);
  });
});

describe('summary data', () => {
  test('metrics with thresholds appear even without samples; unobserved ones do not', () => {
    const registry = new MetricRegistry();
    buildThresholds({ http_req_failed: ['rate<0.01'] }, registry);
    const data = buildSummaryData({
      metrics: registry.all(),
      rootGroup: new GroupNode('', ''),
      trendStats: ['avg', 'p(99)'],
      summaryTimeUnit: '',
      noColor: false,
      isStdOutTTY: false,
      isStdErrTTY: false,
      runDurationMs: 1000,
      setupData: undefined,
    });
    expect(Object.keys(data.metrics)).toEqual(['http_req_failed']);
    expect(data.metrics.http_req_failed).toEqual({
      type: 'rate',
      contains: 'default',
      values: { rate: 0, passes: 0, fails: 0 },
      thresholds: { 'rate<0.01': { ok: true } },
    });
    expect(data).not.toHaveProperty('setup_data');
    expect(data.root_group.id).toBe('d41d8cd98f00b204e9800998ecf8427e');
  });
});

describe('custom metric names', () => {
  test.each(['funnel_stage', 'planned_arrival_rate', '_x1'])('%s is accepted', (name) => {
    expect(new MetricRegistry().register(name, 'counter', 'default').name).toBe(name);
  });
  test.each(['1abc', 'a', 'has-dash', 'space d'])('%s is refused', (name) => {
    expect(() => new MetricRegistry().register(name, 'counter', 'default')).toThrow(TypeError);
  });
  test('a name taken by another type is refused', () => {
    expect(() => new MetricRegistry().register('http_reqs', 'trend', 'time')).toThrow(/already exists/);
  });
});

test.each([
  [0.000_5, '500ns'],
  [0.812, '812µs'],
  [52.1, '52.1ms'],
  [1200, '1.2s'],
  [63_000, '1m3s'],
])('%d ms reads %s', (ms, text) => {
  expect(formatTime(ms)).toBe(text);
});

test.each([
  [512, '512 B'],
  [1234, '1.2 kB'],
  [3_400_000, '3.4 MB'],
])('%d bytes read %s', (bytes, text) => {
  expect(formatBytes(bytes)).toBe(text);
});
