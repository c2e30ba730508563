import { describe, expect, test } from 'vitest';
import { parseK6Line, parseRfc3339 } from './parse.ts';

const point = (data: Record<string, unknown>, metric: unknown = 'http_reqs'): string =>
  JSON.stringify({ metric, type: 'Point', data });
const good = { time: '2026-08-21T09:00:01.234567891Z', value: 1, tags: { run: 'r1', status: '201' } };

describe('parseK6Line', () => {
  test('reads a Point line as k6 writes it, keeping microseconds of its time', () => {
    const parsed = parseK6Line(point(good));
    expect(parsed).toEqual({
      kind: 'point',
      sample: {
        metric: 'http_reqs',
        timeMs: Date.UTC(2026, 7, 21, 9, 0, 1) + 234.567,
        value: 1,
        tags: { run: 'r1', status: '201' },
      },
    });
  });

  test('reads a Metric line with plain and abortOnFail thresholds', () => {
    const line = JSON.stringify({
      type: 'Metric',
      metric: 'http_req_duration',
      data: {
        name: 'http_req_duration',
        type: 'trend',
        contains: 'time',
        thresholds: ['p(95)<500', { threshold: 'p(99)<3000', abortOnFail: true, delayAbortEval: '10s' }],
        submetrics: null,
      },
    });
    expect(parseK6Line(line)).toEqual({
      kind: 'metric',
      declaration: {
        name: 'http_req_duration',
        type: 'trend',
        contains: 'time',
        thresholds: ['p(95)<500', 'p(99)<3000'],
      },
    });
  });

  test('does not rely on key order, and accepts missing or empty tags', () => {
    const line = '{"data":{"value":2,"time":"2026-08-21T09:00:00Z"},"type":"Point","metric":"vus"}';
    expect(parseK6Line(line)).toMatchObject({ kind: 'point', sample: { metric: 'vus', value: 2, tags: {} } });
  });

  test('treats blank lines and a trailing carriage return gracefully', () => {
    expect(parseK6Line('')).toEqual({ kind: 'blank' });
    expect(parseK6Line('   ')).toEqual({ kind: 'blank' });
    expect(parseK6Line(`${point(good)}\r`).kind).toBe('point');
  });

  test.each([
    ['a cut line', point(good).slice(0, 60), 'truncated'],
    ['a cut string', '{"metric":"http_reqs","type":"Po', 'truncated'],
    ['text that is not JSON', 'hello world', 'bad_json'],
    ['JSON with trailing garbage', `${point(good)}}`, 'bad_json'],
    ['a JSON array', '[1,2,3]', 'not_object'],
    ['a JSON string', '"Point"', 'not_object'],
    ['an unknown line type', JSON.stringify({ type: 'Sample', metric: 'x', data: {} }), 'unknown_type'],
    ['no type at all', JSON.stringify({ metric: 'x', data: good }), 'missing_field'],
    ['a Point without data', JSON.stringify({ type: 'Point', metric: 'x' }), 'missing_field'],
    ['a Point without time', point({ value: 1, tags: {} }), 'missing_field'],
    ['a Point without value', point({ time: good.time, tags: {} }), 'missing_field'],
    ['a metric name with spaces', point(good, 'http reqs'), 'bad_name'],
    ['a metric name that is a number', point(good, 42), 'bad_name'],
    ['a value that is the string NaN', point({ ...good, value: 'NaN' }), 'bad_value'],
    ['a value that overflows to Infinity', point(good).replace('"value":1', '"value":1e400'), 'bad_value'],
    ['a null value', point({ ...good, value: null }), 'bad_value'],
    ['a time in words', point({ ...good, time: 'yesterday' }), 'bad_time'],
    ['a time on 31 April', point({ ...good, time: '2026-04-31T00:00:00Z' }), 'bad_time'],
    ['a time as a number', point({ ...good, time: 1787302801 }), 'bad_time'],
    ['a tag that is a number', point({ ...good, tags: { status: 429 } }), 'bad_tags'],
    ['tags that are an array', point({ ...good, tags: ['a'] }), 'bad_tags'],
    [
      'a Metric line of an unknown metric type',
      JSON.stringify({ type: 'Metric', data: { name: 'x_y', type: 'histogram' } }),
      'bad_value',
    ],
    [
      'a Metric line whose thresholds are not a list',
      JSON.stringify({ type: 'Metric', data: { name: 'x_y', type: 'rate', thresholds: 'rate<1' } }),
      'bad_value',
    ],
  ])('rejects %s as %s', (_what, line, reason) => {
    expect(parseK6Line(line)).toEqual({ kind: 'rejected', reason });
  });

  test('rejects a line longer than the limit without parsing it', () => {
    expect(parseK6Line(point(good), 20)).toEqual({ kind: 'rejected', reason: 'too_long' });
  });
});

describe('parseRfc3339', () => {
  test.each([
    ['2021-02-24T13:37:10Z', Date.UTC(2021, 1, 24, 13, 37, 10)],
    ['2026-08-21T09:00:01.5Z', Date.UTC(2026, 7, 21, 9, 0, 1, 500)],
    ['2026-08-21T16:00:01+07:00', Date.UTC(2026, 7, 21, 9, 0, 1)],
    ['2026-08-21T04:30:01-04:30', Date.UTC(2026, 7, 21, 9, 0, 1)],
  ])('reads %s', (text, expected) => {
    expect(parseRfc3339(text)).toBeCloseTo(expected, 6);
  });

  test.each(['2026-13-01T00:00:00Z', '2026-08-21 09:00', '2026-08-21T25:00:00Z', '2026-02-30T00:00:00Z', ''])(
    'refuses %j',
    (text) => {
      expect(parseRfc3339(text)).toBeUndefined();
    },
  );
});
