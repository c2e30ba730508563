/**
 * Remote write from three simulated k6 runners (k6-operator tags each with `instance_id`), one of
 * which restarts: cumulative counters re-pushed and reset must merge to exact sums; native
 * histograms fold into the catalog buckets; the endpoint answers as the spec asks.
 */

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EXPORTER_METRICS as E, LATENCY_BUCKETS_SECONDS, RUN_METRICS as M } from '../contracts/metrics.ts';
import { createExporter, type Exporter, exporterConfig } from './index.ts';
import { encodeWriteRequest } from './remote-write.ts';
import { sumOf, valueOf } from './fixtures/exposition.ts';

const TOKEN = 'rw-secret';
let exporter: Exporter;
let url: string;

beforeAll(async () => {
  exporter = createExporter({ config: exporterConfig({ port: 0, token: TOKEN, maxBodyBytes: 256 * 1024 }) });
  ({ url } = await exporter.listen());
});
afterAll(() => exporter?.close());

type Labels = Record<string, string>;
const T0 = Date.UTC(2026, 7, 21, 9, 0, 0);
const request = (instance: string, status: string): Labels => ({
  expected_response: status === '503' ? 'false' : 'true',
  instance_id: instance,
  method: 'POST',
  name: 'POST /api/register',
  scenario: 'opening',
  stage: 'register',
  status,
  testid: 'rw-run',
  testrun_name: 'opening-rehearsal',
  url: 'http://target/api/register',
});
const toLabels = (name: string, labels: Labels): Array<{ name: string; value: string }> =>
  Object.entries({ __name__: name, ...labels })
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([key, value]) => ({ name: key, value }));

/** A native histogram (schema 3, k6's factor ≈ 1.09) of observations in seconds, delta-encoded, one span per bucket. */
function nativeHistogram(observations: readonly number[], timestamp: number): Record<string, unknown> {
  const counts = new Map<number, number>();
  for (const value of observations) {
    const index = Math.ceil(Math.log2(value) * 8);
    counts.set(index, (counts.get(index) ?? 0) + 1);
  }
  const indexes = [...counts.keys()].sort((a, b) => a - b);
  const spans: Array<{ offset: number; length: number }> = [];
  const deltas: number[] = [];
  let previousIndex: number | undefined;
  let previousCount = 0;
  for (const index of indexes) {
    spans.push({ offset: previousIndex === undefined ? index : index - previousIndex - 1, length: 1 });
    deltas.push(counts.get(index)! - previousCount);
    previousCount = counts.get(index)!;
    previousIndex = index;
  }
  return {
    countInt: observations.length,
    sum: observations.reduce((a, b) => a + b, 0),
    schema: 3,
    positiveSpans: spans,
    positiveDeltas: deltas,
    timestamp,
  };
}

/** The catalog bucket an observation lands in after folding (first bound ≥ its native bucket's upper edge). */
function foldedSlot(value: number): number {
  const upper = 2 ** (Math.ceil(Math.log2(value) * 8) / 8);
  const index = LATENCY_BUCKETS_SECONDS.findIndex((bound) => upper <= bound * (1 + 1e-9));
  return index === -1 ? LATENCY_BUCKETS_SECONDS.length : index;
}

async function push(body: Buffer, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}/api/v1/write`, {
    method: 'POST',
    body,
    headers: {
      authorization: `Bearer ${TOKEN}`,
      'content-encoding': 'snappy',
      'content-type': 'application/x-protobuf',
      'x-prometheus-remote-write-version': '0.1.0',
      'user-agent': 'k6-prometheus-rw-output',
      ...headers,
    },
  });
}

/** Cumulative http_reqs (status 201) per push, per runner. Runner 2 restarts after its second push. */
const PUSHES: Record<string, number[]> = {
  '1': [10, 25, 25, 40, 55],
  '2': [7, 19, 4, 11, 30],
  '3': [0, 5, 9, 9, 12],
};
const EXPECTED_201 = 55 + (19 + 30) + 12;
/** Latency observations per runner per push (each push adds these to the runner's histogram). */
const LATENCIES = [0.004, 0.012, 0.047, 0.3, 0.9, 2.5, 70];

async function metrics(): Promise<string> {
  return (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
}

describe('remote write from three runners, one restarting', () => {
  test('merges cumulative counters exactly, however often values are re-pushed or reset', async () => {
    const observed = new Map<string, number[]>();
    for (let round = 0; round < 5; round += 1) {
      const timeseries = [];
      for (const instance of ['1', '2', '3']) {
        const time = T0 + round * 5000 + Number(instance);
        // runner 2 restarts after its second push: its histogram starts again too
        if (instance === '2' && round === 2) observed.set(instance, []);
        const latencies = [...(observed.get(instance) ?? []), ...LATENCIES];
        observed.set(instance, latencies);
        timeseries.push(
          {
            labels: toLabels('k6_http_reqs_total', request(instance, '201')),
            samples: [{ value: PUSHES[instance]![round]!, timestamp: time }],
          },
          // a restarted k6 process starts every counter again: runner 2's 503 series too
          {
            labels: toLabels('k6_http_reqs_total', request(instance, '503')),
            samples: [{ value: instance === '2' && round >= 2 ? round - 1 : round + 1, timestamp: time }],
          },
          {
            labels: toLabels('k6_vus', { instance_id: instance, testid: 'rw-run' }),
            samples: [{ value: 10 + Number(instance), timestamp: time }],
          },
          {
            labels: toLabels('k6_http_req_duration_seconds', request(instance, '201')),
            histograms: [nativeHistogram(latencies, time)],
          },
          {
            labels: toLabels('k6_http_req_duration_p99', request(instance, '201')),
            samples: [{ value: 0.9, timestamp: time }],
          },
        );
      }
      const response = await push(encodeWriteRequest({ timeseries }));
      expect(response.status).toBe(204);
      // k6 re-sends a series' cumulative value when it has new samples; a duplicate push must add nothing
      if (round === 1) expect((await push(encodeWriteRequest({ timeseries }))).status).toBe(204);
    }
    const text = await metrics();
    const requests = (status: string, outcome: string): number | undefined =>
      valueOf(text, M.httpRequests.name, {
        run: 'rw-run',
        scenario: 'opening',
        stage: 'register',
        method: 'POST',
        status,
        outcome,
      });
    expect(requests('201', 'ok')).toBe(EXPECTED_201);
    // 503: runners 1 and 3 reached 5; runner 2 reached 2, restarted, and reached 3
    expect(requests('503', 'error')).toBe(15);
    expect(exporter.health.remoteWriteRestarts).toBe(1);
    expect(exporter.health.remoteWriteConflictCount).toBe(0);
    // gauges of parallel runners add up
    expect(valueOf(text, M.vus.name, { run: 'rw-run' })).toBe(36);
    expect(valueOf(text, M.runInfo.name, { run: 'rw-run', scenario: 'opening', source: 'remote_write' })).toBe(1);
  });

  test('folds native histograms into the catalog buckets, merging runners and resets', async () => {
    const text = await metrics();
    // runner 1 and 3: 5 pushes of 7 → 35 observations each; runner 2: 2 pushes, reset, 3 pushes → 14 + 21
    const perRunner = { '1': 35, '2': 35, '3': 35 };
    const total = Object.values(perRunner).reduce((a, b) => a + b, 0);
    const where = { run: 'rw-run', scenario: 'opening', stage: 'register', outcome: 'ok' };
    const bucket = (le: string): number | undefined =>
      valueOf(text, `${M.httpRequestDuration.name}_bucket`, { ...where, le });
    expect(bucket('+Inf')).toBe(total);
    const expectedPerSlot = new Array<number>(LATENCY_BUCKETS_SECONDS.length + 1).fill(0);
    for (const value of LATENCIES) expectedPerSlot[foldedSlot(value)]! += total / LATENCIES.length;
    let cumulative = 0;
    LATENCY_BUCKETS_SECONDS.forEach((bound, index) => {
      cumulative += expectedPerSlot[index]!;
      expect(bucket(String(bound))).toBe(cumulative);
    });
    expect(valueOf(text, `${M.httpRequestDuration.name}_sum`, where)).toBeCloseTo(
      (total / LATENCIES.length) * LATENCIES.reduce((a, b) => a + b, 0),
      6,
    );
  });

  test('ignores stale markers and trend-stat gauges, and counts what it read', async () => {
    const stale = new DataView(new ArrayBuffer(8));
    stale.setUint32(0, 0x7ff00000);
    stale.setUint32(4, 2);
    const before = await metrics();
    const response = await push(
      encodeWriteRequest({
        timeseries: [
          {
            labels: toLabels('k6_http_reqs_total', request('1', '201')),
            samples: [{ value: stale.getFloat64(0), timestamp: T0 + 60_000 }],
          },
        ],
      }),
    );
    expect(response.status).toBe(204);
    const after = await metrics();
    const requests201 = (text: string): number => sumOf(text, M.httpRequests.name, { run: 'rw-run', status: '201' });
    expect(requests201(after)).toBe(requests201(before));
    expect(requests201(after)).toBe(EXPECTED_201);
    expect(valueOf(after, E.ingestRejected.name, { source: 'remote_write', reason: 'bad_value' })).toBe(0);
    expect(valueOf(after, E.remoteWriteSeries.name)).toBeGreaterThan(0);
  });
});

describe('the remote-write endpoint', () => {
  const valid = (): Buffer =>
    encodeWriteRequest({
      timeseries: [{ labels: toLabels('k6_vus', { testid: 'rw-run' }), samples: [{ value: 1, timestamp: T0 }] }],
    });

  test.each([
    ['without a token', { authorization: '' }, 401],
    ['with the wrong token', { authorization: 'Bearer nope' }, 401],
    ['without snappy encoding', { 'content-encoding': '' }, 415],
    ['as JSON', { 'content-type': 'application/json' }, 415],
  ])('answers %s with %i', async (_what, headers, status) => {
    expect((await push(valid(), headers)).status).toBe(status);
  });

  test('answers 400 for a body that does not decode, and counts the error', async () => {
    const response = await push(Buffer.from('definitely not snappy protobuf'));
    expect(response.status).toBe(400);
    expect(valueOf(await metrics(), E.sourceErrors.name, { source: 'remote_write' })).toBeGreaterThan(0);
  });

  test('answers 413 for a body over the limit, and for one that would decompress over it', async () => {
    expect((await push(Buffer.alloc(300 * 1024, 1))).status).toBe(413);
    const bomb = encodeWriteRequest({
      timeseries: [
        {
          labels: toLabels('k6_vus', { testid: 'rw-run', padding: 'a'.repeat(400 * 1024) }),
          samples: [{ value: 1, timestamp: T0 }],
        },
      ],
    });
    expect(bomb.length).toBeLessThan(256 * 1024);
    expect((await push(bomb)).status).toBe(413);
  });
});
