/**
 * Reconciliation with the target's truth: the exporter polls `/truth?run=` for the runs it holds,
 * shows the stored records, and the acknowledged-but-lost difference, counting poll errors.
 */

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type MetricDefinition, RUN_METRICS } from '../contracts/metrics.ts';
import { valueOf } from './fixtures/exposition.ts';
import { createExporter, type Exporter, exporterConfig } from './index.ts';
import { truthUrl } from './truth.ts';

/** What the fake target answers, per run; `delayMs` holds the answer back. */
const truth: Record<string, { status?: number; body: unknown; delayMs?: number }> = {};
const asked: string[] = [];
let target: Server;
let targetUrl: string;
let exporter: Exporter;

beforeAll(async () => {
  target = createServer((request, response) => {
    const run = new URL(request.url ?? '/', 'http://x').searchParams.get('run') ?? '';
    asked.push(`${request.method} ${new URL(request.url ?? '/', 'http://x').pathname} ${run}`);
    const answer = truth[run] ?? { status: 404, body: { error: 'unknown run' } };
    setTimeout(() => {
      response.writeHead(answer.status ?? 200, { 'content-type': 'application/json' });
      response.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
    }, answer.delayMs ?? 0);
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  targetUrl = `http://127.0.0.1:${(target.address() as { port: number }).port}`;
  exporter = createExporter({
    config: exporterConfig({ targetTruth: targetUrl }),
    clock: { now: () => Date.UTC(2026, 7, 21, 9, 1, 0) },
  });
});

afterAll(async () => {
  await exporter?.close();
  await new Promise((resolve) => target?.close(resolve));
});

/** A completion of `run` made against `target` (the `floodgate_target` tag; default: the polled target). */
const completed = (run: string, stage: string, count: number, second = 0, target: string | null = targetUrl): string =>
  JSON.stringify({
    metric: 'funnel_stage',
    type: 'Point',
    data: {
      time: new Date(Date.UTC(2026, 7, 21, 9, 0, second)).toISOString(),
      value: count,
      tags: {
        run,
        scenario: 'opening',
        stage,
        result: 'completed',
        ...(target === null ? {} : { floodgate_target: target }),
      },
    },
  });

const gauge = (text: string, metric: MetricDefinition, run: string, stage: string): number | undefined =>
  valueOf(text, metric.name, { run, stage });
const STORED = RUN_METRICS.targetRecords;
const LOST = RUN_METRICS.reconciliationLost;

describe('truth polling', () => {
  test('asks GET /truth?run=<id> for each run, and shows stored records and losses per stage', async () => {
    exporter.ingestLine(completed('truth-a', 'register', 100));
    exporter.ingestLine(completed('truth-a', 'verify_email', 70));
    exporter.ingestLine(completed('truth-a', 'landing', 100));
    truth['truth-a'] = {
      body: {
        run: 'truth-a',
        stages: { register: 97, verify_email: 70, verify_nik: 0, upload_photo: 0, join_batch: 0 },
      },
    };
    await exporter.truth!.poll();
    expect(asked).toContain('GET /truth truth-a');
    const text = await exporter.registry.metrics();
    expect(gauge(text, STORED, 'truth-a', 'register')).toBe(97);
    expect(gauge(text, STORED, 'truth-a', 'verify_email')).toBe(70);
    expect(gauge(text, LOST, 'truth-a', 'register')).toBe(3);
    expect(gauge(text, LOST, 'truth-a', 'verify_email')).toBe(0);
    expect(gauge(text, LOST, 'truth-a', 'landing')).toBeUndefined();
  });

  test('counts acknowledgements made before the request, so completions arriving meanwhile are no phantom loss', async () => {
    exporter.ingestLine(completed('truth-b', 'register', 10));
    truth['truth-b'] = { body: { run: 'truth-b', stages: { register: 10 } }, delayMs: 200 };
    const polling = exporter.truth!.poll();
    await new Promise((resolve) => setTimeout(resolve, 50));
    exporter.ingestLine(completed('truth-b', 'register', 5, 1)); // stored after the target answered our snapshot
    await polling;
    expect(gauge(await exporter.registry.metrics(), LOST, 'truth-b', 'register')).toBe(0);
  });

  test.each([
    ['an HTTP error', { status: 500, body: { error: 'boom' } }],
    ['an answer for another run', { body: { run: 'someone-else', stages: {} } }],
    ['a count that is not a number', { body: { run: 'truth-c', stages: { register: 'many' } } }],
    ['text that is not JSON', { body: '<html>' }],
  ])('counts %s as a truth error and keeps going', async (_what, answer) => {
    exporter.ingestLine(completed('truth-c', 'register', 1));
    truth['truth-c'] = answer;
    const before = exporter.health.errors.get('truth')!;
    await exporter.truth!.poll();
    expect(exporter.health.errors.get('truth')).toBe(before + 1);
  });

  test('counts an unreachable target as an error', async () => {
    const unreachable = createExporter({
      config: exporterConfig({ targetTruth: 'http://127.0.0.1:9' }),
      clock: { now: () => Date.UTC(2026, 7, 21, 9, 1, 0) },
    });
    unreachable.ingestLine(completed('truth-d', 'register', 1, 0, 'http://127.0.0.1:9'));
    await unreachable.truth!.poll();
    expect(unreachable.health.errors.get('truth')).toBe(1);
    await unreachable.close();
  });

  test('does not poll runs whose last sample is older than ten minutes, nor invalid run ids', async () => {
    asked.length = 0;
    const later = createExporter({
      config: exporterConfig({ targetTruth: targetUrl }),
      clock: { now: () => Date.UTC(2026, 7, 21, 9, 30, 0) },
    });
    later.ingestLine(completed('truth-old', 'register', 1));
    later.ingestLine(
      JSON.stringify({
        metric: 'iterations',
        type: 'Point',
        data: { time: '2026-08-21T09:29:00Z', value: 1, tags: { scenario: 's' } },
      }),
    );
    await later.truth!.poll();
    expect(asked).toEqual([]);
    await later.close();
  });
});

describe('truth only for runs of that target', () => {
  test('polls a run made against the target, never one made against another target or of unknown target, and /healthz says which', async () => {
    asked.length = 0;
    const exporterOfOne = createExporter({
      config: exporterConfig({ port: 0, targetTruth: `${targetUrl}/truth` }),
      clock: { now: () => Date.UTC(2026, 7, 21, 9, 1, 0) },
    });
    exporterOfOne.ingestLine(completed('ours', 'register', 4, 0, `${targetUrl}/`));
    exporterOfOne.ingestLine(completed('theirs', 'register', 4, 0, 'http://10.0.0.9:3000'));
    exporterOfOne.ingestLine(completed('nobody-knows', 'register', 4, 0, null));
    truth.ours = { body: { run: 'ours', stages: { register: 4 } } };
    await exporterOfOne.truth!.poll();
    expect(asked).toEqual(['GET /truth ours']);
    const text = await exporterOfOne.registry.metrics();
    for (const run of ['theirs', 'nobody-knows']) expect(gauge(text, LOST, run, 'register')).toBeUndefined();
    expect(gauge(text, LOST, 'ours', 'register')).toBe(0);
    const { url } = await exporterOfOne.listen();
    const health = (await (await fetch(`${url}/healthz`)).json()) as { truth: unknown };
    expect(health.truth).toEqual({
      url: `${targetUrl}/truth`,
      polled: ['ours'],
      notPolled: [
        { run: 'theirs', target: 'http://10.0.0.9:3000', reason: 'made against another target' },
        { run: 'nobody-knows', reason: 'target unknown: no run.json beside its file and no floodgate_target tag' },
      ],
    });
    await exporterOfOne.close();
  });

  test('learns the target of a followed file from the run.json beside it', async () => {
    asked.length = 0;
    const folder = mkdtempSync(join(tmpdir(), 'floodgate-truth-targets-'));
    try {
      for (const [run, target] of [
        ['file-ours', targetUrl],
        ['file-theirs', 'http://127.0.0.1:1'],
      ] as const) {
        mkdirSync(join(folder, run));
        writeFileSync(
          join(folder, run, 'run.json'),
          JSON.stringify({ run, scenario: 'opening', engine: 'local', target, endedAt: null, exitCode: null, env: {} }),
        );
        writeFileSync(join(folder, run, 'k6.ndjson'), `${completed(run, 'register', 2, 0, null)}\n`);
      }
      truth['file-ours'] = { body: { run: 'file-ours', stages: { register: 2 } } };
      const following = createExporter({
        config: exporterConfig({
          targetTruth: targetUrl,
          follow: [join(folder, '*', 'k6.ndjson')],
          followInterval: 20,
        }),
        clock: { now: () => Date.UTC(2026, 7, 21, 9, 1, 0) },
      });
      following.start();
      for (let wait = 0; wait < 100 && following.store.runs.size < 2; wait += 1)
        await new Promise((resolve) => setTimeout(resolve, 20));
      await following.truth!.poll();
      expect(asked).toEqual(['GET /truth file-ours']);
      await following.close();
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('truthUrl', () => {
  test.each([
    ['http://t:18081', 'r1', 'http://t:18081/truth?run=r1'],
    ['http://t:18081/', 'r1', 'http://t:18081/truth?run=r1'],
    ['http://t/base', 'r-2', 'http://t/base/truth?run=r-2'],
    ['http://t/truth', 'r_3', 'http://t/truth?run=r_3'],
  ])('%s for %s is %s', (base, run, expected) => {
    expect(truthUrl(base, run)).toBe(expected);
  });
});
