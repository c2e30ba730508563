/**
 * The golden test: the fixed NDJSON fixture, followed from a file, gives exactly the committed
 * /metrics text (UPDATE_GOLDEN=1 rewrites it), which promtool accepts.
 */

import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createExporter, type Exporter, exporterConfig } from './index.ts';
import { EXPORTER_METRICS, RUN_METRICS } from '../contracts/metrics.ts';
import { samples, valueOf } from './fixtures/exposition.ts';

const FIXTURE = new URL('../exporter/fixtures/golden.ndjson', import.meta.url);
const GOLDEN = new URL('../exporter/fixtures/golden.metrics.txt', import.meta.url);
const NOW = Date.parse('2026-08-21T09:00:10Z');

let folder: string;
let exporter: Exporter;
let server: Server;
let url: string;

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'floodgate-golden-'));
  mkdirSync(join(folder, 'golden-1'));
  copyFileSync(FIXTURE, join(folder, 'golden-1', 'k6.ndjson'));
  exporter = createExporter({
    config: exporterConfig({ follow: [join(folder, '*/k6.ndjson')] }),
    clock: { now: () => NOW },
  });
  // Driven by hand (no timer): one poll reads the file, the next finds nothing new.
  await exporter.follower!.poll();
  await exporter.follower!.poll();
  server = exporter.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  await exporter?.close();
  await new Promise((resolve) => server?.close(resolve));
  rmSync(folder, { recursive: true, force: true });
});

describe('the exporter on the golden fixture', () => {
  test('serves exactly the golden /metrics text', async () => {
    const response = await fetch(`${url}/metrics`);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await response.text();
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, text);
    expect(text).toBe(readFileSync(GOLDEN, 'utf8'));
  });

  test('promtool check metrics finds nothing to complain about', async () => {
    const text = await (await fetch(`${url}/metrics`)).text();
    const output = execFileSync('promtool', ['check', 'metrics'], {
      input: text,
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    expect(output).toBe('');
  });

  test('counts every malformed fixture line once, by reason', async () => {
    const text = await (await fetch(`${url}/metrics`)).text();
    const rejected = samples(text, EXPORTER_METRICS.ingestRejected.name, { source: 'file' })
      .filter((sample) => sample.value !== 0)
      .map((sample) => `${sample.labels.reason}=${sample.value}`);
    expect(rejected).toEqual([
      'bad_json=1',
      'truncated=1',
      'not_object=1',
      'unknown_type=1',
      'missing_field=1',
      'bad_name=1',
      'bad_value=2',
      'bad_time=1',
      'bad_tags=2',
    ]);
  });

  test('speaks OpenMetrics when asked: counters by family name, samples with _total, and # EOF', async () => {
    const response = await fetch(`${url}/metrics`, {
      headers: { accept: 'application/openmetrics-text; version=1.0.0' },
    });
    expect(response.headers.get('content-type')).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    const text = await response.text();
    const requests = RUN_METRICS.httpRequests.name;
    expect(text).toContain(`\n# TYPE ${requests.replace(/_total$/, '')} counter\n`);
    expect(valueOf(text, requests, { run: 'golden-1', stage: 'register', status: '201' })).toBe(1);
    expect(text).not.toMatch(/_total_total/);
    expect(text.endsWith('# EOF\n')).toBe(true);
    // and the text format is unchanged by an OpenMetrics scrape
    expect(await (await fetch(`${url}/metrics`)).text()).toBe(readFileSync(GOLDEN, 'utf8'));
  });
});
