/**
 * The remote-write series table expires runs that stopped pushing: a sender that fills
 * `--max-remote-series` with distinct run ids blocks new series only until those runs have been
 * silent for the idle period (REMOTE_RUN_IDLE_MS, 10 min), not until the exporter restarts. A run
 * still pushing keeps every series, also one that stays silent longer than the idle period, so
 * nothing of it is counted twice. Expiry is counted in /healthz.
 */

import { afterAll, describe, expect, test } from 'vitest';
import { RUN_METRICS as M } from '../../contracts/metrics.ts';
import { sumOf } from '../../exporter/fixtures/exposition.ts';
import { createExporter, type Exporter, exporterConfig } from '../../exporter/index.ts';
import { encodeWriteRequest, REMOTE_RUN_IDLE_MS } from '../../exporter/remote-write.ts';

type Labels = Array<{ name: string; value: string }>;
const labels = (name: string, extra: Record<string, string>): Labels =>
  Object.entries({
    __name__: name,
    expected_response: 'true',
    method: 'GET',
    scenario: 'opening',
    stage: 'landing',
    status: '200',
    instance_id: '0',
    ...extra,
  })
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([key, value]) => ({ name: key, value }));
const counter = (
  run: string,
  value: number,
  at: number,
  extra: Record<string, string> = {},
): { labels: Labels; samples: Array<{ value: number; timestamp: number }> } => ({
  labels: labels('k6_http_reqs_total', { testid: run, ...extra }),
  samples: [{ value, timestamp: at }],
});
const vus = (run: string, at: number): { labels: Labels; samples: Array<{ value: number; timestamp: number }> } => ({
  labels: [
    { name: '__name__', value: 'k6_vus' },
    { name: 'instance_id', value: '0' },
    { name: 'testid', value: run },
  ],
  samples: [{ value: 5, timestamp: at }],
});

const exporters: Exporter[] = [];
afterAll(async () => {
  await Promise.all(exporters.map((exporter) => exporter.close()));
});

async function setup(
  maxRemoteSeries: number,
): Promise<{ now: { ms: number }; exporter: Exporter; status: () => Promise<Record<string, unknown>> }> {
  const now = { ms: Date.parse('2026-08-21T09:00:00Z') };
  const exporter = createExporter({
    config: exporterConfig({ port: 0, maxRemoteSeries, maxRuns: 1000 }),
    clock: { now: () => now.ms },
  });
  exporters.push(exporter);
  const { url } = await exporter.listen();
  const status = async (): Promise<Record<string, unknown>> =>
    (await (await fetch(`${url}/healthz`)).json()) as Record<string, unknown>;
  return { now, exporter, status };
}

describe('the remote-write series table', () => {
  test('a sender that filled it with 200 run ids blocks new series only until those runs have been silent for the idle period', async () => {
    const { now, exporter, status } = await setup(200);
    // 200 finished runs, one catalog series each: the table is full.
    for (let run = 0; run < 200; run += 1) {
      expect(
        exporter.ingestRemoteWrite(encodeWriteRequest({ timeseries: [counter(`old-${run}`, 10, now.ms)] })),
      ).toMatchObject({ rejected: 0 });
    }
    const fresh = (value: number): Buffer => encodeWriteRequest({ timeseries: [counter('fresh-run', value, now.ms)] });
    expect(exporter.ingestRemoteWrite(fresh(7))).toMatchObject({ rejected: 1 }); // series_limit: full
    now.ms += REMOTE_RUN_IDLE_MS - 1000;
    expect(exporter.ingestRemoteWrite(fresh(7))).toMatchObject({ rejected: 1 }); // not yet idle long enough
    now.ms += 2000;
    expect(exporter.ingestRemoteWrite(fresh(7))).toMatchObject({ rejected: 0 });
    now.ms += 5000;
    expect(exporter.ingestRemoteWrite(fresh(12))).toMatchObject({ rejected: 0 });

    const text = await exporter.registry.metrics();
    expect(sumOf(text, M.httpRequests.name, { run: 'fresh-run' })).toBe(12);
    // What the expired runs counted stays counted: expiry frees the table, not the totals.
    expect(sumOf(text, M.httpRequests.name, { run: 'old-0' })).toBe(10);
    const remoteWrite = (await status()).remoteWrite as Record<string, unknown>;
    expect(remoteWrite.expired).toEqual({ runs: 200, series: 200, idleSeconds: REMOTE_RUN_IDLE_MS / 1000 });
    expect(remoteWrite.series).toBe(1);
  });

  test('a run still pushing keeps a series silent for longer than the idle period: its next value counts only its growth', async () => {
    const { now, exporter, status } = await setup(200);
    const rare = (value: number): ReturnType<typeof counter> =>
      counter('live-run', value, now.ms, { status: '503', expected_response: 'false' });
    exporter.ingestRemoteWrite(
      encodeWriteRequest({ timeseries: [counter('live-run', 100, now.ms), rare(3), vus('live-run', now.ms)] }),
    );
    // 30 minutes of pushes every 5 s without the rare series (k6 sends only series with new samples).
    for (let push = 1; push <= 360; push += 1) {
      now.ms += 5000;
      exporter.ingestRemoteWrite(
        encodeWriteRequest({ timeseries: [counter('live-run', 100 + push, now.ms), vus('live-run', now.ms)] }),
      );
    }
    now.ms += 5000;
    expect(
      exporter.ingestRemoteWrite(encodeWriteRequest({ timeseries: [rare(4), vus('live-run', now.ms)] })),
    ).toMatchObject({ rejected: 0 });

    const text = await exporter.registry.metrics();
    expect(sumOf(text, M.httpRequests.name, { run: 'live-run', outcome: 'error' })).toBe(4); // not 3 + 4
    expect(sumOf(text, M.httpRequests.name, { run: 'live-run', outcome: 'ok' })).toBe(460);
    expect((await status()).remoteWrite).toMatchObject({ expired: { runs: 0, series: 0 } });
  });
});
