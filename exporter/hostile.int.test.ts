/**
 * Hostile input: 10,000 malformed or hostile lines interleaved with 10,000 good ones, through a
 * followed file and through POST /ingest/k6. The good totals stay exact, every bad line is
 * counted once by reason, the exporter keeps answering, and memory does not grow with the
 * number of distinct hostile values.
 */

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EXPORTER_METRICS, RUN_METRICS } from '../contracts/metrics.ts';
import { samples, sumOf, valueOf } from './fixtures/exposition.ts';
import { createExporter, type Exporter, exporterConfig } from './index.ts';
import { k6RunLines } from './fixtures/k6-lines.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

const GOOD = 10_000;
const BAD = 10_000;
const MB = 1_000_000;

/** The kinds of bad line, each with the reason it must be counted under. */
const HOSTILE: ReadonlyArray<{ reason: string; make(i: number): string }> = [
  { reason: 'bad_json', make: (i) => `not json at all ${i} {` },
  {
    reason: 'bad_json',
    make: (i) =>
      `{"metric":"http_reqs","type":"Point","data":{"time":"2026-08-21T09:00:00Z","value":NaN,"tags":{"run":"h${i}"}}}`,
  },
  {
    reason: 'truncated',
    make: (i) =>
      `{"metric":"http_reqs","type":"Point","data":{"time":"2026-08-21T09:00:00Z","value":1,"tags":{"run":"h${i}"`,
  },
  { reason: 'unknown_type', make: (i) => JSON.stringify({ type: `Evil${i}`, metric: 'http_reqs', data: {} }) },
  {
    reason: 'bad_value',
    make: (i) =>
      JSON.stringify({
        type: 'Point',
        metric: 'http_reqs',
        data: { time: '2026-08-21T09:00:00Z', value: 'NaN', tags: { run: `h${i}` } },
      }),
  },
  {
    reason: 'bad_value',
    make: (i) =>
      JSON.stringify({
        type: 'Point',
        metric: 'http_reqs',
        data: { time: '2026-08-21T09:00:00Z', value: -i - 1, tags: { run: 'hostile' } },
      }),
  },
  {
    reason: 'bad_tags',
    make: (i) =>
      JSON.stringify({
        type: 'Point',
        metric: 'http_reqs',
        data: { time: '2026-08-21T09:00:00Z', value: 1, tags: { run: 'hostile', check: `say "hi"\n${i}` } },
      }),
  },
  {
    reason: 'bad_tags',
    make: (i) =>
      JSON.stringify({
        type: 'Point',
        metric: 'checks',
        data: { time: '2026-08-21T09:00:00Z', value: 1, tags: { run: `x"}\n${i}`, scenario: '"\n"' } },
      }),
  },
  {
    reason: 'bad_tags',
    make: (i) =>
      JSON.stringify({
        type: 'Point',
        metric: 'http_reqs',
        data: { time: '2026-08-21T09:00:00Z', value: 1, tags: { run: 'hostile', status: 200 + i } },
      }),
  },
  { reason: 'missing_field', make: (i) => JSON.stringify({ type: 'Point', metric: 'http_reqs', data: { value: i } }) },
  {
    reason: 'bad_time',
    make: (i) =>
      JSON.stringify({
        type: 'Point',
        metric: 'http_reqs',
        data: { time: `+0${20000 + i}-01-01T00:00:00Z`, value: 1, tags: {} },
      }),
  },
  {
    reason: 'bad_name',
    make: (i) =>
      JSON.stringify({
        type: 'Point',
        metric: `http_reqs{url="${i}"}`,
        data: { time: '2026-08-21T09:00:00Z', value: 1, tags: {} },
      }),
  },
  { reason: 'not_object', make: (i) => (i % 2 === 0 ? 'null' : `${'['.repeat(5000)}${']'.repeat(5000)}`) },
];

/** 20 lines of about 1 MB each, over the 64 KiB line limit: counted as too_long without being parsed. */
const HUGE_EVERY = BAD / 20;
function hugeLine(i: number): string {
  return `{"metric":"http_reqs","type":"Point","data":{"tags":{"url":"${String(i).padEnd(MB, 'x')}"}}}`;
}

/** Good and bad lines interleaved; `salt` makes the hostile values distinct from another round's. */
function interleaved(
  run: string,
  salt: number,
): { text: string; goodRequests: number; reasons: Record<string, number> } {
  const { lines: good } = k6RunLines({ run, journeys: 2000 });
  const lines: string[] = [];
  const reasons: Record<string, number> = {};
  for (let i = 0; i < BAD; i += 1) {
    lines.push(good[i]!);
    if (i % HUGE_EVERY === 0) {
      lines.push(hugeLine(i + salt));
      reasons.too_long = (reasons.too_long ?? 0) + 1;
    } else {
      const kind = HOSTILE[i % HOSTILE.length]!;
      lines.push(kind.make(i + salt));
      reasons[kind.reason] = (reasons[kind.reason] ?? 0) + 1;
    }
  }
  const goodLines = good.slice(0, GOOD);
  const goodRequests = goodLines.filter((line) => line.startsWith('{"metric":"http_reqs","type":"Point"')).length;
  return { text: `${lines.join('\n')}\n`, goodRequests, reasons };
}

let folder: string;
let exporter: Exporter;
let url: string;

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'floodgate-hostile-'));
  exporter = createExporter({
    config: exporterConfig({ port: 0, follow: [join(folder, '*/k6.ndjson')], followInterval: 100 }),
  });
  ({ url } = await exporter.listen());
});

afterAll(async () => {
  await exporter?.close();
  rmSync(folder, { recursive: true, force: true });
});

async function metricsText(): Promise<string> {
  const response = await fetch(`${url}/metrics`);
  expect(response.status).toBe(200);
  return response.text();
}

function rejectedBySource(text: string, source: string): Record<string, number> {
  const result: Record<string, number> = {};
  for (const sample of samples(text, EXPORTER_METRICS.ingestRejected.name, { source }))
    if (sample.value !== 0) result[sample.labels.reason!] = sample.value;
  return result;
}

async function until(condition: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('10,000 hostile lines among 10,000 good ones', () => {
  const baseline = { heap: 0 };

  test('through a followed file: good totals exact, every bad line counted by reason', async () => {
    baseline.heap = heapAfterGc();
    const { text, goodRequests, reasons } = interleaved('hostile-file', 0);
    mkdirSync(join(folder, 'hostile-file'));
    writeFileSync(join(folder, 'hostile-file', 'k6.ndjson'), text);
    await until(async () => exporter.health.lines.get('file')! >= GOOD + BAD);
    const metrics = await metricsText();
    expect(sumOf(metrics, RUN_METRICS.httpRequests.name, { run: 'hostile-file' })).toBe(goodRequests);
    expect(rejectedBySource(metrics, 'file')).toEqual(reasons);
    expect(Object.values(rejectedBySource(metrics, 'file')).reduce((a, b) => a + b, 0)).toBe(BAD);
    expect(valueOf(metrics, EXPORTER_METRICS.ingestLines.name, { source: 'file' })).toBe(GOOD + BAD);
    // nothing hostile became a label
    expect(metrics).not.toMatch(/run="(h\d|x")|hostile"|say/);
  });

  test('through POST /ingest/k6, with other hostile values: the same, and memory does not grow with them', async () => {
    const first = heapAfterGc();
    // Built and sent inside a function, so the payload is garbage by the time memory is measured.
    const { goodRequests, reasons } = await (async () => {
      const round = interleaved('hostile-post', 7_777_777);
      const response = await fetch(`${url}/ingest/k6`, {
        method: 'POST',
        body: round.text,
        headers: { 'content-type': 'application/x-ndjson' },
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ lines: GOOD + BAD, rejected: BAD });
      return { goodRequests: round.goodRequests, reasons: round.reasons };
    })();
    const metrics = await metricsText();
    expect(sumOf(metrics, RUN_METRICS.httpRequests.name, { run: 'hostile-post' })).toBe(goodRequests);
    expect(rejectedBySource(metrics, 'ingest')).toEqual(reasons);
    const second = heapAfterGc();
    // Two rounds of 10,000 distinct hostile values: the second must not cost like the first
    // cost the payload. What the exporter holds grows only by the good run's few hundred series.
    expect(second - first).toBeLessThan(4 * 1024 * 1024);
    expect(second - baseline.heap).toBeLessThan(8 * 1024 * 1024);
  });

  test('the exporter is alive and answers its health check', async () => {
    const response = await fetch(`${url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', runs: 2, followedFiles: 1 });
  });
});
