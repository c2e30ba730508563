import { describe, expect, test } from 'vitest';
import { parseRunSummary } from './summary.ts';

describe('parseRunSummary', () => {
  test('reads every threshold verdict, submetrics included, and the counts to check it against', () => {
    const summary = parseRunSummary(
      JSON.stringify({
        root_group: { name: '', path: '', id: 'x', groups: [], checks: [] },
        metrics: {
          http_reqs: { type: 'counter', contains: 'default', values: { count: 240, rate: 4 } },
          iterations: { type: 'counter', contains: 'default', values: { count: 40, rate: 0.6 } },
          'http_req_duration{stage:register}': {
            type: 'trend',
            contains: 'time',
            values: { 'p(95)': 1600 },
            thresholds: { 'p(95)<1500': { ok: false } },
          },
          http_req_failed: {
            type: 'rate',
            contains: 'default',
            values: { rate: 0 },
            thresholds: { 'rate<0.5': { ok: true }, 'rate==0': { ok: true } },
          },
        },
      }),
    );
    expect(summary).toEqual({
      shape: 'handleSummary',
      thresholds: [
        { metric: 'http_req_duration{stage:register}', threshold: 'p(95)<1500', ok: false },
        { metric: 'http_req_failed', threshold: 'rate<0.5', ok: true },
        { metric: 'http_req_failed', threshold: 'rate==0', ok: true },
      ],
      httpReqs: 240,
      iterations: 40,
    });
  });

  test.each([
    ['text that is not JSON', '{"metrics": {'],
    ['JSON without metrics', '{"root_group": {}}'],
    ['a verdict without ok', JSON.stringify({ metrics: { checks: { thresholds: { 'rate==1': { passed: true } } } } })],
  ])('refuses %s', (_what, text) => {
    expect(() => parseRunSummary(text)).toThrow();
  });
});
