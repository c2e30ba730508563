/**
 * `Content-Encoding` on POST /ingest/k6: gzip is inflated as it streams (bounded by the body limit
 * on inflated bytes, so a gzip bomb stops there), a truncated gzip stream keeps the lines read
 * before the cut and says so, and an encoding the exporter cannot read is refused with 415
 * instead of being parsed as NDJSON and rejected line by line.
 */

import { brotliCompressSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { RUN_METRICS as M } from '../../contracts/metrics.ts';
import { sumOf } from '../../exporter/fixtures/exposition.ts';
import { k6RunLines } from '../../exporter/fixtures/k6-lines.ts';
import { createExporter, type Exporter, exporterConfig } from '../../exporter/index.ts';

const LIMIT = 8 * 1024 * 1024;
let exporter: Exporter;
let url: string;

beforeAll(async () => {
  exporter = createExporter({ config: exporterConfig({ port: 0, maxBodyBytes: LIMIT }) });
  ({ url } = await exporter.listen());
});
afterAll(() => exporter?.close());

async function post(
  body: Buffer,
  encoding: string,
): Promise<{ status: number; json: Record<string, unknown> | undefined; text: string }> {
  const response = await fetch(`${url}/ingest/k6`, {
    method: 'POST',
    headers: { 'Content-Encoding': encoding, 'Content-Type': 'application/x-ndjson' },
    body,
  });
  const text = await response.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text };
}

async function requests(run: string): Promise<number> {
  return sumOf(await (await fetch(`${url}/metrics`)).text(), M.httpRequests.name, { run });
}

test('a gzip body is inflated and every line counted', async () => {
  const { lines, totals } = k6RunLines({ run: 'gzip-run', journeys: 500 });
  const answer = await post(gzipSync(`${lines.join('\n')}\n`), 'gzip');
  expect(answer.status).toBe(200);
  expect(answer.json).toEqual({ lines: lines.length, rejected: 0 });
  expect(await requests('gzip-run')).toBe(totals.httpReqs);
});

test('a gzip bomb stops at the body limit on inflated bytes (413), keeping the lines read before', async () => {
  const { lines, totals } = k6RunLines({ run: 'bomb-run', journeys: 100 });
  const head = Buffer.from(`${lines.join('\n')}\n`);
  // 8 × the limit of newlines (blank lines): 64 MiB inflated from about 70 KB.
  const body = gzipSync(Buffer.concat([head, Buffer.alloc(8 * LIMIT, 0x0a)]), { level: 9 });
  expect(body.length).toBeLessThan(LIMIT / 50);
  const started = performance.now();
  const answer = await post(body, 'gzip');
  expect(answer.status).toBe(413);
  expect(answer.json).toMatchObject({ lines: lines.length, rejected: 0 });
  expect(performance.now() - started).toBeLessThan(5000);
  expect(await requests('bomb-run')).toBe(totals.httpReqs);
});

test('a truncated gzip stream answers 400 with what was read before the cut', async () => {
  const { lines } = k6RunLines({ run: 'cut-run', journeys: 2000 });
  const whole = gzipSync(`${lines.join('\n')}\n`);
  const answer = await post(whole.subarray(0, Math.floor(whole.length / 2)), 'gzip');
  expect(answer.status).toBe(400);
  expect(answer.json?.error).toMatch(/cannot read the body/);
  expect(answer.json?.lines).toBeGreaterThan(0);
  expect(answer.json?.lines).toBeLessThan(lines.length);
});

test.each(['br', 'deflate', 'snappy', 'zstd'])(
  'Content-Encoding %s is refused with 415, nothing read',
  async (encoding) => {
    const { lines } = k6RunLines({ run: 'refused-run', journeys: 10 });
    const text = `${lines.join('\n')}\n`;
    const answer = await post(encoding === 'br' ? brotliCompressSync(text) : Buffer.from(text), encoding);
    expect(answer.status).toBe(415);
    expect(answer.text).toMatch(/identity or gzip/);
    expect(await requests('refused-run')).toBe(0);
  },
);
