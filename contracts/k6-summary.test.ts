import { describe, expect, test } from 'vitest';
import { parseK6Summary } from './k6-summary.ts';

// Shapes as internal/js/summary_test.go expects them (expectedHandleSummaryRawData,
// expectedOldJSONExportResult) and as types_gen.go defines the machine-readable one.
const handleSummaryData = {
  root_group: { name: '', path: '', id: 'd41d8cd98f00b204e9800998ecf8427e', groups: [], checks: [] },
  options: { summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)'], summaryTimeUnit: '', noColor: false },
  state: { isStdOutTTY: false, isStdErrTTY: false, testRunDurationMs: 1000 },
  metrics: {
    checks: {
      type: 'rate',
      contains: 'default',
      values: { rate: 0.75, passes: 45, fails: 15 },
      thresholds: { 'rate>70': { ok: false } },
    },
    http_reqs: {
      type: 'counter',
      contains: 'default',
      values: { count: 3, rate: 3 },
      thresholds: { 'rate<100': { ok: true } },
    },
    'http_req_duration{stage:register}': {
      type: 'trend',
      contains: 'time',
      values: { avg: 15, 'p(95)': 19.5 },
      thresholds: { 'p(95)<10': { ok: false } },
    },
    vus: { type: 'gauge', contains: 'default', values: { value: 1, min: 1, max: 1 } },
  },
};

const summaryExport = {
  root_group: { name: '', path: '', id: 'd41d8cd98f00b204e9800998ecf8427e', groups: {}, checks: {} },
  metrics: {
    checks: { value: 0.75, passes: 45, fails: 15, thresholds: { 'rate>70': true } },
    http_reqs: { count: 3, rate: 3, thresholds: { 'rate<100': false } },
    'http_req_duration{stage:register}': { avg: 15, 'p(95)': 19.5, thresholds: { 'p(95)<10': true } },
    vus: { value: 1, min: 1, max: 1 },
  },
};

const machineReadable = {
  version: '1.0.0',
  metadata: { generatedAt: '2026-08-21T09:01:00Z', k6Version: '2.2.0' },
  config: { duration: 1, execution: 'local', script: 'export default function () {}' },
  results: {
    checks: { metrics: [], results: [{ name: 'status is 201', passes: 45, fails: 15 }] },
    metrics: [
      { name: 'checks', type: 'rate', contains: 'default', values: { rate: 0.75, matches: 45, total: 60 } },
      { name: 'http_reqs', type: 'counter', contains: 'default', values: { count: 3 } },
      { name: 'vus', type: 'gauge', contains: 'default', values: { value: 1, min: 1, max: 1 } },
    ],
  },
};

describe('parseK6Summary', () => {
  test.each([
    [{ metrics: {} }, 'empty "metrics" object'],
    [{ metrics: { http_req_duration: { type: 'trend', values: 'x' } } }, 'http_req_duration holds no numbers'],
  ])('refuses %j, which no k6 summary of a run is (review F24)', (data, message) => {
    expect(() => parseK6Summary(JSON.stringify(data))).toThrow(message);
  });

  test('reads handleSummary data: verdicts from {ok}', () => {
    const summary = parseK6Summary(JSON.stringify(handleSummaryData));
    expect(summary.shape).toBe('handleSummary');
    expect(summary.thresholds).toEqual([
      { metric: 'checks', expression: 'rate>70', ok: false },
      { metric: 'http_reqs', expression: 'rate<100', ok: true },
      { metric: 'http_req_duration{stage:register}', expression: 'p(95)<10', ok: false },
    ]);
    expect(summary.httpReqs).toBe(3);
  });

  test('reads a --summary-export file the right way round: true means the threshold FAILED', () => {
    const summary = parseK6Summary(JSON.stringify(summaryExport));
    expect(summary.shape).toBe('summary-export');
    expect(summary.thresholds).toEqual(parseK6Summary(handleSummaryData).thresholds);
  });

  test('reads a Rate of a --summary-export file from its value, and a Gauge stays a gauge', () => {
    const summary = parseK6Summary(summaryExport);
    expect(summary.metrics.checks).toEqual({ type: 'rate', values: { rate: 0.75, passes: 45, fails: 15 } });
    expect(summary.metrics.vus!.values).toEqual({ value: 1, min: 1, max: 1 });
    expect(summary.metrics['http_req_duration{stage:register}']!.values['p(95)']).toBe(19.5);
  });

  test('reads the machine-readable summary and says it has no thresholds rather than inventing them', () => {
    const summary = parseK6Summary(JSON.stringify(machineReadable));
    expect(summary.shape).toBe('machine-readable');
    expect(summary.thresholds).toBeUndefined();
    expect(summary.httpReqs).toBe(3);
    expect(summary.metrics.checks!.values).toMatchObject({ rate: 0.75, passes: 45, fails: 15 });
  });

  test.each([
    ['not an object', '[1]'],
    ['no metrics', '{"root_group":{}}'],
    [
      'a handleSummary verdict without ok',
      JSON.stringify({ metrics: { x: { values: {}, thresholds: { 'rate<1': {} } } } }),
    ],
    [
      'an export verdict that is not a boolean',
      JSON.stringify({ metrics: { x: { count: 1, thresholds: { 'rate<1': 'yes' } } } }),
    ],
    ['a machine-readable summary of schema 2', JSON.stringify({ ...machineReadable, version: '2.0.0' })],
    ['mixed shapes', JSON.stringify({ metrics: { a: { values: { count: 1 } }, b: { count: 1 } } })],
  ])('refuses %s', (_what, text) => {
    expect(() => parseK6Summary(text)).toThrow(TypeError);
  });
});
