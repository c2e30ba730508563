/**
 * Remote write as k6 sends it (test/k6-formats, ported from k6's prometheus-rw output) into the
 * exporter: every total exact against the kit's recount from raw samples, two senders that cannot
 * be told apart detected as sender_conflict, trend stats named as not convertible, 50,000 URLs
 * counted whatever the series limit.
 */

import { request as httpRequest } from 'node:http';
import { describe, expect, test } from 'vitest';
import { RUN_METRICS as M } from '../../contracts/metrics.ts';
import { sumOf } from '../../exporter/fixtures/exposition.ts';
import { createExporter, exporterConfig, type Exporter } from '../../exporter/index.ts';
import { REMOTE_WRITE_CASES, fiftyThousandUrls, onePlainRunner, type RemoteWriteCase } from '../k6-formats/cases.ts';
import { buildRun } from '../k6-formats/model.ts';
import { remoteWriteRequests } from '../k6-formats/remote-write.ts';

const CASES = REMOTE_WRITE_CASES.map((make) => make());

/** The kit's fifty-thousand-urls case with `urls` URLs (same options, fewer iterations). */
function urlCase(urls: number): RemoteWriteCase {
  const run = buildRun({
    nativeHistograms: true,
    seed: 20,
    iterationsPerRunner: urls,
    iterationGapMs: 2,
    stages: ['landing'],
    distinctUrls: urls,
    vusPerRunner: 50,
    phaseTrends: false,
  });
  return {
    name: `${urls}-urls`,
    description: `${urls} distinct urls`,
    run,
    requests: remoteWriteRequests(run, {}),
    outcome: { kind: 'exact' },
  };
}

/** Feeds a case's requests in order, each as sent from its runner's address. */
function feed(exporter: Exporter, rwCase: RemoteWriteCase): number {
  let rejected = 0;
  for (const request of rwCase.requests) rejected += exporter.ingestRemoteWrite(request.body, request.sender).rejected;
  return rejected;
}

async function totals(exporter: Exporter, run: string): Promise<Record<string, number>> {
  const text = await exporter.registry.metrics();
  return {
    requests: sumOf(text, M.httpRequests.name, { run }),
    durations: sumOf(text, `${M.httpRequestDuration.name}_count`, { run }),
    funnel: sumOf(text, M.funnelStage.name, { run }),
    iterations: sumOf(text, M.iterations.name, { run }),
    dropped: sumOf(text, M.droppedIterations.name, { run }),
  };
}

function expectedTotals(rwCase: RemoteWriteCase): Record<string, number> {
  const { expected } = rwCase.run;
  return {
    requests: expected.httpRequestsTotal,
    durations: expected.httpDurations.reduce((sum, entry) => sum + entry.count, 0),
    funnel: expected.funnel.reduce((sum, entry) => sum + entry.count, 0),
    iterations: expected.iterationsTotal,
    dropped: expected.droppedIterationsTotal,
  };
}

const runOf = (rwCase: RemoteWriteCase): string =>
  rwCase.run.samples.find((sample) => sample.tags.run !== undefined)!.tags.run!;

describe('remote write from the conformance kit', () => {
  test.each(CASES.filter((rwCase) => rwCase.outcome.kind === 'exact').map((rwCase) => [rwCase.name, rwCase] as const))(
    '%s: every total is exact, nothing rejected',
    async (_name, rwCase) => {
      const exporter = createExporter({ config: exporterConfig() });
      expect(feed(exporter, rwCase)).toBe(0);
      expect(await totals(exporter, runOf(rwCase))).toEqual(expectedTotals(rwCase));
      expect(exporter.health.remoteWriteConflictCount).toBe(0);
      await exporter.close();
    },
  );

  test.each(
    CASES.filter((rwCase) => rwCase.outcome.kind === 'trend-stats-not-convertible').map(
      (rwCase) => [rwCase.name, rwCase] as const,
    ),
  )(
    '%s: counters exact, trend-stat gauges counted and named as not convertible, no duration invented',
    async (_name, rwCase) => {
      const exporter = createExporter({ config: exporterConfig() });
      expect(feed(exporter, rwCase)).toBe(0);
      const got = await totals(exporter, runOf(rwCase));
      expect({ ...got, durations: 0 }).toEqual({ ...expectedTotals(rwCase), durations: 0 });
      expect(got.durations).toBe(0);
      expect(exporter.health.remoteWriteTrendStats).toBeGreaterThan(0);
      await exporter.close();
    },
  );

  test('two senders that cannot be told apart: detected and counted as sender_conflict, never summed silently', async () => {
    const rwCase = CASES.find((candidate) => candidate.outcome.kind === 'conflict')!;
    const exporter = createExporter({ config: exporterConfig({ port: 0 }) });
    const rejected = feed(exporter, rwCase);
    expect(rejected).toBeGreaterThan(0);
    expect(exporter.health.rejected.get('remote_write')!.get('sender_conflict')).toBe(rejected);
    expect(exporter.health.remoteWriteConflictCount).toBe(1);
    const { url } = await exporter.listen();
    const health = (await (await fetch(`${url}/healthz`)).json()) as { remoteWrite: { conflicts: unknown } };
    expect(health.remoteWrite.conflicts).toEqual({ count: 1, runners: [expect.stringContaining('127.0.0.4')] });
    // What was counted before the conflict showed is at most what the two senders really did.
    expect((await totals(exporter, runOf(rwCase))).requests).toBeLessThanOrEqual(expectedTotals(rwCase).requests!);
    await exporter.close();
  });

  test('the exporter tells runners apart by the address the request came from (req.socket.remoteAddress)', async () => {
    const rwCase = CASES.find((candidate) => candidate.name === 'two-plain-runners')!;
    const exporter = createExporter({ config: exporterConfig({ port: 0 }) });
    const { port } = await exporter.listen();
    for (const request of rwCase.requests) {
      const status = await new Promise<number>((resolve, reject) => {
        const sent = httpRequest(
          {
            host: '127.0.0.1',
            port,
            path: '/api/v1/write',
            method: 'POST',
            localAddress: request.sender,
            headers: { ...request.headers, 'content-length': request.body.length },
          },
          (response) => {
            response.resume();
            resolve(response.statusCode ?? 0);
          },
        );
        sent.on('error', reject);
        sent.end(request.body);
      });
      expect(status).toBe(204);
    }
    expect(await totals(exporter, runOf(rwCase))).toEqual(expectedTotals(rwCase));
    await exporter.close();
  });

  // The kit's 50,000-URL case takes about 2 minutes to build and feed on a loaded 2-core machine,
  // beyond this suite's budget: the suite runs the same case at 5,000 URLs against a limit of 100
  // series; FLOODGATE_KIT_FULL=1 runs the 50,000 one.
  test.each([
    ['5,000', () => urlCase(5_000), 100],
    ...(process.env.FLOODGATE_KIT_FULL === '1' ? ([['50,000', fiftyThousandUrls, 1000]] as const) : []),
  ] as const)(
    '%s distinct URLs are all counted, with a series limit far below that',
    async (_count, make, maxRemoteSeries) => {
      const rwCase = make();
      const exporter = createExporter({ config: exporterConfig({ maxRemoteSeries }) });
      expect(feed(exporter, rwCase)).toBe(0);
      expect(rwCase.run.expected.distinctUrls).toBeGreaterThan(maxRemoteSeries * 10);
      expect(await totals(exporter, runOf(rwCase))).toEqual(expectedTotals(rwCase));
      await exporter.close();
    },
    300_000,
  );

  test('floodgate_vus does not keep its last value after k6 marks k6_vus stale', async () => {
    const rwCase = CASES.find((candidate) => candidate.name === 'stale-markers')!;
    const exporter = createExporter({ config: exporterConfig() });
    const pushes = rwCase.requests.filter((request) => request.kind === 'push');
    for (const request of pushes) exporter.ingestRemoteWrite(request.body, request.sender);
    const run = runOf(rwCase);
    expect(sumOf(await exporter.registry.metrics(), M.vus.name, { run })).toBe(rwCase.run.expected.vusLastSum);
    for (const request of rwCase.requests.filter((candidate) => candidate.kind === 'stale'))
      exporter.ingestRemoteWrite(request.body, request.sender);
    await new Promise((resolve) => setImmediate(resolve)); // a new scrape, not the cached one
    expect(sumOf(await exporter.registry.metrics(), M.vus.name, { run })).toBe(0);
    await exporter.close();
  });

  test('a plain runner is not told apart from itself: one runner, one layer', async () => {
    const rwCase = onePlainRunner();
    const exporter = createExporter({ config: exporterConfig() });
    feed(exporter, rwCase);
    expect([...exporter.store.layers.keys()].filter((id) => id.startsWith('remote_write:'))).toEqual([
      `remote_write:${rwCase.requests[0]!.sender}`,
    ]);
    await exporter.close();
  });
});
