import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { expect, test } from 'vitest';
import { rfc3339Nano } from '../clock.ts';
import { MetricRegistry, type Sample } from '../metrics/metric.ts';
import { buildThresholds } from '../metrics/thresholds.ts';
import { createNdjsonOutput, renderMetricLine, renderPointLine } from './ndjson.ts';

test.each([
  [Date.UTC(2021, 1, 24, 13, 37, 10), '2021-02-24T13:37:10Z'],
  [Date.UTC(2026, 7, 21, 9, 0, 1) + 234.375, '2026-08-21T09:00:01.234375Z'],
  [Date.UTC(2026, 7, 21, 9, 0, 1) + 2 ** -9, '2026-08-21T09:00:01.000001953Z'], // sub-µs: kept to the ~0.25 µs a double holds
  [Date.UTC(2026, 7, 21, 9, 0, 1) + 500, '2026-08-21T09:00:01.5Z'],
])('time %d is written as Go writes RFC 3339 with nanoseconds: %s', (ms, text) => {
  expect(rfc3339Nano(ms)).toBe(text);
});

test('a Metric line lists the thresholds on the metric itself, abortOnFail ones as objects, and its submetrics', () => {
  const registry = new MetricRegistry();
  buildThresholds(
    {
      http_req_duration: ['p(95)<500', { threshold: 'p(99)<3000', abortOnFail: true, delayAbortEval: '10s' }],
      'http_req_duration{stage:register}': ['p(95)<1500'],
    },
    registry,
  );
  expect(JSON.parse(renderMetricLine(registry.builtin('http_req_duration')))).toEqual({
    type: 'Metric',
    data: {
      name: 'http_req_duration',
      type: 'trend',
      contains: 'time',
      thresholds: ['p(95)<500', { threshold: 'p(99)<3000', abortOnFail: true, delayAbortEval: '10s' }],
      submetrics: [
        { name: 'http_req_duration{stage:register}', suffix: 'stage:register', tags: { stage: 'register' } },
      ],
    },
    metric: 'http_req_duration',
  });
  expect(JSON.parse(renderMetricLine(registry.builtin('vus')))).toMatchObject({
    data: { thresholds: [], submetrics: null },
  });
});

test('a Point line sorts tags, leaves out empty metadata and keeps <, & as they are', () => {
  const metric = new MetricRegistry().builtin('checks');
  const line = renderPointLine({
    metric,
    time: Date.UTC(2026, 0, 1),
    value: 1,
    tags: { scenario: 's', check: 'a < b & c', group: '' },
  });
  expect(line).toBe(
    '{"metric":"checks","type":"Point","data":{"time":"2026-01-01T00:00:00Z","value":1,"tags":{"check":"a < b & c","group":"","scenario":"s"}}}',
  );
  const withMetadata = renderPointLine({
    metric,
    time: Date.UTC(2026, 0, 1),
    value: 0,
    tags: {},
    metadata: { vu: '3', iter: '17' },
  });
  expect(JSON.parse(withMetadata ?? '')).toMatchObject({ data: { tags: {}, metadata: { iter: '17', vu: '3' } } });
  expect(withMetadata).toContain('"metadata":{"iter":"17","vu":"3"}');
});

test('a non-finite value is not written', () => {
  expect(
    renderPointLine({ metric: new MetricRegistry().builtin('vus'), time: 0, value: Number.NaN, tags: {} }),
  ).toBeUndefined();
});

test.each(['k6.ndjson', 'k6.ndjson.gz'])(
  'the file %s holds exactly the rendered lines, in order, whatever the chunking and the characters',
  async (name) => {
    const dir = mkdtempSync(join(tmpdir(), 'floodgate-ndjson-'));
    try {
      const registry = new MetricRegistry();
      const reqs = registry.builtin('http_reqs');
      const duration = registry.builtin('http_req_duration');
      const samples: Sample[] = [];
      for (let i = 0; i < 3000; i += 1) {
        // new tag objects with the same content (as every request builds), others with new content
        const tags = {
          url: i % 7 === 0 ? `http://h/é/${i}` : 'http://h/ok',
          status: '200',
          scenario: 'a',
          name: 'x\u0001y',
        };
        samples.push(
          { metric: reqs, time: Date.UTC(2026, 0, 1) + i / 3, value: 1, tags },
          { metric: duration, time: Date.UTC(2026, 0, 1) + i / 3, value: i / 7, tags },
        );
      }
      samples.push({ metric: reqs, time: Date.UTC(2026, 0, 2), value: 1, tags: { big: 'ü'.repeat(300_000) } }); // longer than a chunk
      samples.push({
        metric: reqs,
        time: Date.UTC(2026, 0, 2),
        value: 2,
        tags: { url: 'http://h/ok', status: '200' },
        metadata: { vu: '1' },
      });
      const path = join(dir, name);
      const output = createNdjsonOutput({ path, flushIntervalMs: 5 });
      for (const [index, sample] of samples.entries()) {
        output.write(sample);
        if (index === 1000) await new Promise((resolve) => setTimeout(resolve, 20)); // a flush period passes mid-run
      }
      await output.close();
      const expected =
        [
          renderMetricLine(reqs),
          renderPointLine(samples[0] as Sample),
          renderMetricLine(duration),
          ...samples.slice(1).map((sample) => renderPointLine(sample)),
        ].join('\n') + '\n';
      const bytes = readFileSync(path);
      expect((name.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8')).toBe(expected);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('two tag sets that differ only in where a separator-like character sits get their own JSON', () => {
  const metric = new MetricRegistry().builtin('checks');
  const one = renderPointLine({ metric, time: 0, value: 1, tags: { a: '1:b1:c' } });
  const two = renderPointLine({ metric, time: 0, value: 1, tags: { a: '1', b: 'c' } });
  expect(JSON.parse(one ?? '').data.tags).toEqual({ a: '1:b1:c' });
  expect(JSON.parse(two ?? '').data.tags).toEqual({ a: '1', b: 'c' });
});
