/**
 * The exporter's HTTP guards and its command line: bearer token, body limits, health, landing
 * page; `floodgate exporter` printing its URL, serving a followed file, refusing to listen beyond
 * loopback without a token, and stopping cleanly on SIGTERM.
 */

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RUN_METRICS } from '../contracts/metrics.ts';
import { sumOf } from './fixtures/exposition.ts';
import { createExporter, type Exporter, exporterConfig } from './index.ts';
import { k6RunLines } from './fixtures/k6-lines.ts';
import { startProcess, stopAll } from '../test/support/processes.ts';

const BIN = new URL('../bin/floodgate.js', import.meta.url).pathname;
const TOKEN = 's3cret-token';
let exporter: Exporter;
let url: string;
let folder: string;

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'floodgate-exporter-http-'));
  exporter = createExporter({ config: exporterConfig({ port: 0, token: TOKEN, maxBodyBytes: 64 * 1024 }) });
  ({ url } = await exporter.listen());
});

afterAll(async () => {
  await exporter?.close();
  await stopAll();
  rmSync(folder, { recursive: true, force: true });
});

const auth = { authorization: `Bearer ${TOKEN}` };
const ndjson = (journeys: number): string => `${k6RunLines({ run: 'http-run', journeys }).lines.join('\n')}\n`;

describe('with a token', () => {
  test.each([
    ['GET', '/metrics'],
    ['POST', '/ingest/k6'],
    ['POST', '/api/v1/write'],
  ])('%s %s needs the bearer token', async (method, path) => {
    const response = await fetch(`${url}${path}`, { method, body: method === 'POST' ? 'x' : undefined });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  test('/metrics answers with the token', async () => {
    const response = await fetch(`${url}/metrics`, { headers: auth });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain(`# TYPE ${RUN_METRICS.httpRequests.name} counter`);
  });

  test('/healthz and the landing page stay open', async () => {
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({
      status: 'ok',
      runs: 0,
      followedFiles: 0,
      remoteWrite: {
        series: 0,
        restarts: 0,
        expired: { runs: 0, series: 0, idleSeconds: 600 },
        conflicts: { count: 0, runners: [] },
      },
    });
    expect(await (await fetch(`${url}/`)).text()).toContain('href="metrics"');
    expect((await fetch(`${url}/nothing-here`)).status).toBe(404);
  });
});

describe('POST /ingest/k6', () => {
  test('takes an NDJSON body and says how many lines it read and rejected', async () => {
    const body = `${ndjson(5)}garbage\n`;
    const response = await fetch(`${url}/ingest/k6?instance=runner-a`, { method: 'POST', headers: auth, body });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ lines: body.trim().split('\n').length, rejected: 1 });
  });

  test('refuses a body announced over the limit with 413 before reading it', async () => {
    const response = await fetch(`${url}/ingest/k6`, { method: 'POST', headers: auth, body: 'x'.repeat(65 * 1024) });
    expect(response.status).toBe(413);
  });

  test('stops a streamed body at the limit with 413, keeping the lines read before it', async () => {
    const chunks = ndjson(200);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let offset = 0; offset < chunks.length; offset += 8192)
          controller.enqueue(Buffer.from(chunks.slice(offset, offset + 8192)));
        controller.close();
      },
    });
    const response = await fetch(`${url}/ingest/k6`, {
      method: 'POST',
      headers: auth,
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
    const answer = (await response.json()) as { lines: number };
    expect(answer.lines).toBeGreaterThan(0);
    expect(await (await fetch(`${url}/healthz`)).json()).toMatchObject({ status: 'ok' });
  });
});

describe('floodgate exporter (the command)', () => {
  test('prints its URL, serves a followed file, and stops cleanly on SIGTERM', async () => {
    mkdirSync(join(folder, 'cli-run'));
    const { totals, lines } = k6RunLines({ run: 'cli-run', journeys: 30 });
    writeFileSync(join(folder, 'cli-run', 'k6.ndjson'), `${lines.join('\n')}\n`);
    const child = startProcess(
      process.execPath,
      [BIN, 'exporter', '--port', '0', '--follow', join(folder, '*/k6.ndjson'), '--follow-interval', '100'],
      {
        env: { ...process.env, FLOODGATE_EXPORTER_LABEL_CAP: '50' },
      },
    );
    const [, address] = await child.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
    let text = '';
    for (
      let attempt = 0;
      attempt < 100 && sumOf(text, RUN_METRICS.httpRequests.name, { run: 'cli-run' }) < totals.httpReqs;
      attempt += 1
    ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      text = await (await fetch(`${address}/metrics`)).text();
    }
    expect(sumOf(text, RUN_METRICS.httpRequests.name, { run: 'cli-run' })).toBe(totals.httpReqs);
    child.child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) =>
      child.child.once('exit', (exitCode) => resolve(exitCode)),
    );
    expect(code).toBe(0);
    expect(child.output()).not.toMatch(/at .*\.ts:\d+/);
  });

  test('refuses to listen beyond loopback without a token (exit 2, no stack trace)', async () => {
    const child = startProcess(process.execPath, [BIN, 'exporter', '--host', '0.0.0.0', '--port', '0']);
    const code = await new Promise<number | null>((resolve) =>
      child.child.once('exit', (exitCode) => resolve(exitCode)),
    );
    expect(code).toBe(2);
    expect(child.output()).toMatch(/refusing to listen on 0\.0\.0\.0 without a token/);
    expect(child.output()).not.toMatch(/\n\s+at /);
  });

  test('says the port is in use (exit 3)', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const child = startProcess(process.execPath, [BIN, 'exporter', '--port', String(port)]);
      const code = await new Promise<number | null>((resolve) =>
        child.child.once('exit', (exitCode) => resolve(exitCode)),
      );
      expect(code).toBe(3);
      expect(child.output()).toMatch(/port is in use/);
    } finally {
      blocker.close();
    }
  });

  test('rejects a bad option value naming the variable', async () => {
    const child = startProcess(process.execPath, [BIN, 'exporter'], {
      env: { ...process.env, FLOODGATE_EXPORTER_LABEL_CAP: 'lots' },
    });
    const code = await new Promise<number | null>((resolve) =>
      child.child.once('exit', (exitCode) => resolve(exitCode)),
    );
    expect(code).toBe(2);
    expect(child.output()).toMatch(/FLOODGATE_EXPORTER_LABEL_CAP/);
  });
});
