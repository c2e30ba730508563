/** Over 400 lines on purpose: one test file per k6 output of the kit; its cases share the kit runs and the exporter under test. */
import protobuf from 'protobufjs';
import { uncompress } from 'snappyjs';
import { describe, expect, test } from 'vitest';
import {
  buildRun,
  bucketKey,
  crashRestartOperator,
  crashRestartPlain,
  subMillisecondPushGap,
  defaultTrendStats,
  encodeWriteRequest,
  K6_REMOTE_WRITE_HEADERS,
  manyTrendStats,
  mapSeries,
  nativeHistograms,
  onePlainRunner,
  operatorRunners,
  remoteWriteRequests,
  restartAboveLastPush,
  staleMarkers,
  trendStatSuffix,
  twoIndistinguishableRunners,
  twoPlainRunners,
  type PbTimeSeries,
  type RemoteWriteRequest,
  remoteWriteExpected,
  runFromSamples,
} from './index.ts';

// prompb types.proto / remote.proto field numbers (k6 vendored types.pb.go), for protobufjs
const root = protobuf.Root.fromJSON({
  nested: {
    prometheus: {
      nested: {
        WriteRequest: { fields: { timeseries: { rule: 'repeated', type: 'TimeSeries', id: 1 } } },
        TimeSeries: {
          fields: {
            labels: { rule: 'repeated', type: 'Label', id: 1 },
            samples: { rule: 'repeated', type: 'Sample', id: 2 },
            histograms: { rule: 'repeated', type: 'Histogram', id: 4 },
          },
        },
        Label: { fields: { name: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
        Sample: { fields: { value: { type: 'double', id: 1 }, timestamp: { type: 'int64', id: 2 } } },
        BucketSpan: { fields: { offset: { type: 'sint32', id: 1 }, length: { type: 'uint32', id: 2 } } },
        Histogram: {
          oneofs: {
            count: { oneof: ['countInt', 'countFloat'] },
            zeroCount: { oneof: ['zeroCountInt', 'zeroCountFloat'] },
          },
          fields: {
            countInt: { type: 'uint64', id: 1 },
            countFloat: { type: 'double', id: 2 },
            sum: { type: 'double', id: 3 },
            schema: { type: 'sint32', id: 4 },
            zeroThreshold: { type: 'double', id: 5 },
            zeroCountInt: { type: 'uint64', id: 6 },
            zeroCountFloat: { type: 'double', id: 7 },
            negativeSpans: { rule: 'repeated', type: 'BucketSpan', id: 8 },
            negativeDeltas: { rule: 'repeated', type: 'sint64', id: 9 },
            positiveSpans: { rule: 'repeated', type: 'BucketSpan', id: 11 },
            positiveDeltas: { rule: 'repeated', type: 'sint64', id: 12 },
            timestamp: { type: 'int64', id: 15 },
          },
        },
      },
    },
  },
});
const WriteRequest = root.lookupType('prometheus.WriteRequest');

interface Decoded {
  timeseries: {
    labels: { name: string; value: string }[];
    samples?: { value?: number; timestamp?: number }[];
    histograms?: Record<string, unknown>[];
  }[];
}
const decode = (bytes: Uint8Array): Decoded =>
  WriteRequest.toObject(WriteRequest.decode(bytes), {
    longs: Number,
    defaults: false,
    arrays: true,
  }) as unknown as Decoded;

const nameOf = (ts: { labels: readonly { name: string; value: string }[] }): string =>
  ts.labels.find((l) => l.name === '__name__')!.value;
const labelKey = (ts: PbTimeSeries): string => ts.labels.map((l) => `${l.name}=${l.value}`).join(',');

describe("the protobuf bytes follow Go's marshaller", () => {
  test('a one-series request is exactly the hand-computed byte sequence', () => {
    const bytes = encodeWriteRequest({
      timeseries: [
        {
          labels: [
            { name: '__name__', value: 'k6_vus' },
            { name: 'run', value: 'r' },
          ],
          samples: [{ value: 1, timestamp: 1000 }],
          histograms: [],
        },
      ],
    });
    const expected = Buffer.concat([
      Buffer.from([0x0a, 44]), // WriteRequest.timeseries (1, LEN) 44 bytes
      Buffer.from([0x0a, 18, 0x0a, 8]),
      Buffer.from('__name__'),
      Buffer.from([0x12, 6]),
      Buffer.from('k6_vus'), // labels[0]
      Buffer.from([0x0a, 8, 0x0a, 3]),
      Buffer.from('run'),
      Buffer.from([0x12, 1]),
      Buffer.from('r'), // labels[1]
      Buffer.from([0x12, 12, 0x09, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0x10, 0xe8, 0x07]), // samples[0]: value 1.0, timestamp 1000
    ]);
    expect(bytes.toString('hex')).toBe(expected.toString('hex'));
  });

  test('a zero value is left out of the sample (proto3), a stale marker is written with its NaN bits', () => {
    const zero = encodeWriteRequest({
      timeseries: [{ labels: [], samples: [{ value: 0, timestamp: 5 }], histograms: [] }],
    });
    expect(zero.toString('hex')).toBe('0a04' + '1202' + '1005');
    const stale = encodeWriteRequest({
      timeseries: [{ labels: [], samples: [{ value: 0, stale: true, timestamp: 5 }], histograms: [] }],
    });
    expect(stale.toString('hex')).toBe('0a0d' + '120b' + '09' + '020000000000f07f' + '1005');
  });

  test('protobufjs decodes every request of a case back to what the kit encoded', () => {
    for (const c of [onePlainRunner(), defaultTrendStats()]) {
      for (const r of c.requests) {
        const d = decode(r.protobuf);
        expect(d.timeseries).toHaveLength(r.decodedForDebug.timeseries.length);
        d.timeseries.forEach((ts, i) => {
          const mine = r.decodedForDebug.timeseries[i]!;
          expect(ts.labels).toEqual(mine.labels.map((l) => ({ name: l.name, value: l.value })));
          expect((ts.samples ?? []).map((s) => [s.value ?? 0, s.timestamp ?? 0])).toEqual(
            mine.samples.map((s) => [s.value, s.timestamp]),
          );
          expect((ts.histograms ?? []).map((h) => h.countInt)).toEqual(mine.histograms.map((h) => h.countInt));
          expect((ts.histograms ?? []).map((h) => h.positiveDeltas ?? [])).toEqual(
            mine.histograms.map((h) => h.positiveDeltas),
          );
        });
        // and protobufjs, writing fields in field-number order too, re-encodes the same bytes
        expect(Buffer.from(WriteRequest.encode(WriteRequest.decode(r.protobuf)).finish()).equals(r.protobuf)).toBe(
          true,
        );
      }
    }
  });
});

describe('the HTTP body and headers are what k6 sends', () => {
  const c = onePlainRunner();

  test('the body is a snappy block that uncompresses to the protobuf', () => {
    for (const r of c.requests) expect(Buffer.from(uncompress(new Uint8Array(r.body))).equals(r.protobuf)).toBe(true);
  });

  test("every request carries k6's four headers", () => {
    expect(K6_REMOTE_WRITE_HEADERS).toEqual({
      'User-Agent': 'k6-prometheus-rw-output',
      'Content-Encoding': 'snappy',
      'Content-Type': 'application/x-protobuf',
      'X-Prometheus-Remote-Write-Version': '0.1.0',
    });
    for (const r of c.requests) expect(r.headers).toEqual(K6_REMOTE_WRITE_HEADERS);
  });

  test('the same case gives the same bytes every time (seeded)', () => {
    const again = onePlainRunner();
    expect(again.requests.map((r) => r.body.toString('hex'))).toEqual(c.requests.map((r) => r.body.toString('hex')));
  });
});

describe('series are named and labelled as k6 maps them', () => {
  test('k6_ prefix, _total for counters, _rate for rates, no suffix for gauges, labels sorted, empty values dropped', () => {
    expect(mapSeries('http_reqs', { status: '200', group: '', method: 'GET' }, 'total')).toEqual([
      { name: '__name__', value: 'k6_http_reqs_total' },
      { name: 'method', value: 'GET' },
      { name: 'status', value: '200' },
    ]);
    const names = new Set(defaultTrendStats().requests.flatMap((r) => r.decodedForDebug.timeseries.map(nameOf)));
    expect(names).toContain('k6_http_reqs_total');
    expect(names).toContain('k6_http_req_failed_rate');
    expect(names).toContain('k6_vus');
    expect(names).toContain('k6_checks_rate');
    expect(names).toContain('k6_funnel_stage_total');
    expect(names).toContain('k6_http_req_duration_p99');
  });

  test.each([
    ['p(99)', 'p99'],
    ['p(99.9)', 'p999'],
    ['p(0.95)', 'p095'],
    ['avg', 'avg'],
  ])('trend stat %s names the series _%s', (stat, suffix) => {
    expect(trendStatSuffix(stat)).toBe(suffix);
  });

  test('every tag with a value is a label: url, name, proto, error, error_code, expected_response', () => {
    const labels = new Set(
      onePlainRunner().requests.flatMap((r) =>
        r.decodedForDebug.timeseries.flatMap((ts) => ts.labels.map((l) => l.name)),
      ),
    );
    for (const l of [
      'url',
      'name',
      'proto',
      'error',
      'error_code',
      'expected_response',
      'method',
      'status',
      'stage',
      'scenario',
      'run',
      'k6_feature_native_histograms',
    ])
      expect(labels).toContain(l);
    expect(labels).not.toContain('group'); // root group "" has no value
    expect(labels).not.toContain('instance_id');
  });
});

/** The last value each counter series reached, per sender and process, summed: what a correct reader counts. */
function lastCounterSums(requests: readonly RemoteWriteRequest[], metric: string): number {
  const last = new Map<string, number>();
  for (const r of requests) {
    for (const ts of r.decodedForDebug.timeseries) {
      if (nameOf(ts) !== metric || ts.samples[0]?.stale) continue;
      last.set(`${r.runner}/${r.process}/${labelKey(ts)}`, ts.samples[0]!.value);
    }
  }
  return [...last.values()].reduce((a, v) => a + v, 0);
}

describe('cumulative values equal the totals recounted from the raw samples', () => {
  test.each([
    ['one plain runner', onePlainRunner],
    ['two plain runners', twoPlainRunners],
    ['k6-operator runners', operatorRunners],
    ['a restart above its last push', restartAboveLastPush],
  ])('%s: requests, iterations and funnel counters', (_name, make) => {
    const c = make();
    expect(lastCounterSums(c.requests, 'k6_http_reqs_total')).toBe(c.run.expected.httpRequestsTotal);
    expect(lastCounterSums(c.requests, 'k6_iterations_total')).toBe(c.run.expected.iterationsTotal);
    expect(lastCounterSums(c.requests, 'k6_funnel_stage_total')).toBe(
      c.run.expected.funnel.reduce((a, f) => a + f.count, 0),
    );
    expect(c.outcome).toEqual({ kind: 'exact' });
  });

  test('native histogram counts add up to the http_req_duration sample count, in k6_http_req_duration_seconds', () => {
    const c = nativeHistograms();
    const last = new Map<string, number>();
    for (const r of c.requests)
      for (const ts of r.decodedForDebug.timeseries)
        if (nameOf(ts) === 'k6_http_req_duration_seconds') last.set(labelKey(ts), ts.histograms[0]!.countInt);
    expect([...last.values()].reduce((a, v) => a + v, 0)).toBe(c.run.expected.perMetric.http_req_duration!.samples);
  });

  test('remoteWriteExpected names only what remote write carries, and the pushes carry exactly that', () => {
    const c = onePlainRunner();
    const rw = remoteWriteExpected(c.run);
    expect(Object.keys(rw).sort()).toEqual([
      'droppedIterationsTotal',
      'funnel',
      'httpDurations',
      'httpRequests',
      'httpRequestsTotal',
      'iterationsTotal',
      'vusLastSum',
    ]);
    expect(lastCounterSums(c.requests, 'k6_dropped_iterations_total')).toBe(rw.droppedIterationsTotal);
    expect(lastCounterSums(c.requests, 'k6_vus')).toBe(rw.vusLastSum);
    expect(rw.droppedIterationsTotal).toBeGreaterThan(0);
    const last = new Map<string, { count: number; sum: number }>();
    for (const r of c.requests)
      for (const ts of r.decodedForDebug.timeseries)
        if (nameOf(ts) === 'k6_http_req_duration_seconds')
          last.set(labelKey(ts), { count: ts.histograms[0]!.countInt, sum: ts.histograms[0]!.sum });
    const pushed = [...last.values()].reduce((a, h) => ({ count: a.count + h.count, sum: a.sum + h.sum }), {
      count: 0,
      sum: 0,
    });
    const durations = rw.httpDurations!;
    const want = durations.reduce((a, d) => ({ count: a.count + d.count, sum: a.sum + d.sumSeconds }), {
      count: 0,
      sum: 0,
    });
    expect(pushed.count).toBe(want.count);
    expect(Math.abs(pushed.sum - want.sum)).toBeLessThanOrEqual(want.count * Number.EPSILON * want.sum);
  });

  test('without native histograms remoteWriteExpected promises no duration count or sum', () => {
    expect(remoteWriteExpected(defaultTrendStats().run, { nativeHistograms: false }).httpDurations).toBeNull();
  });

  test('a push tick inside a millisecond leaves a same-ms sample unsent, so the last push is below the recount (k6 convertToPbSeries)', () => {
    const X = 1_787_302_800_000_000_000n;
    const tags = { scenario: 'registration_opening' };
    const run = runFromSamples({
      metrics: [{ name: 'iterations', type: 'counter', contains: 'default' }],
      samples: [
        { metric: 'iterations', unixNano: X + 100_000n, value: 1, tags },
        { metric: 'iterations', unixNano: X + 5_200_000n, value: 1, tags },
        { metric: 'iterations', unixNano: X + 5_700_000n, value: 1, tags },
      ],
    });
    expect(run.expected.iterationsTotal).toBe(3);
    // whole-ms ticks (the kit's default): exact
    expect(lastCounterSums(remoteWriteRequests(run, { pushIntervalMs: 5 }), 'k6_iterations_total')).toBe(3);
    // a tick 0.5 ms into the ms of the last two samples: the third is added to the sink but its
    // series is not "seen" again, and the Stop flush has nothing to send
    const late = remoteWriteRequests(run, { pushIntervalMs: 5, tickOffsetNs: 500_000 });
    expect(late.map((r) => r.kind)).toEqual(['push']);
    expect(lastCounterSums(late, 'k6_iterations_total')).toBe(2);
  });

  test.each([
    ['a k6-operator runner killed and restarted', crashRestartOperator],
    ['a plain runner killed and started again', crashRestartPlain],
    ['pushes inside a millisecond, the last two 0.5 ms apart', subMillisecondPushGap],
  ])(
    '%s: the last pushed values equal the recount of the samples k6 sends, and some samples are never sent',
    (_name, make) => {
      const c = make();
      // two derivations that share no code: the request builder's sinks, and remoteWriteSentRun's rule
      expect(lastCounterSums(c.requests, 'k6_http_reqs_total')).toBe(c.run.expected.httpRequestsTotal);
      expect(lastCounterSums(c.requests, 'k6_iterations_total')).toBe(c.run.expected.iterationsTotal);
      expect(lastCounterSums(c.requests, 'k6_funnel_stage_total')).toBe(
        c.run.expected.funnel.reduce((a, f) => a + f.count, 0),
      );
      expect(c.unsent).toBeGreaterThan(0);
      expect(c.run.samples.length + c.unsent!).toBe(c.sampled!.samples.length);
      expect(c.run.expected.httpRequestsTotal).toBeLessThan(c.sampled!.expected.httpRequestsTotal);
    },
  );

  test('a killed process sends no flush at Stop: its last push is a periodic one, before its last samples', () => {
    for (const c of [crashRestartOperator(), crashRestartPlain()]) {
      const old = c.requests.filter((r) => r.process === 1);
      expect(old.length).toBeGreaterThan(1);
      expect(old.every((r) => r.kind === 'push')).toBe(true);
      const lastSampleMs = Math.max(
        ...c.sampled!.samples.filter((x) => x.process === 1).map((x) => Number(x.unixNano / 1_000_000n)),
      );
      expect(Math.max(...old.map((r) => r.atMs))).toBeLessThanOrEqual(lastSampleMs);
      expect(c.requests.some((r) => r.process === 2)).toBe(true);
    }
  });

  test('the sub-millisecond case: exactly the request at 10.8 ms and the iteration at 5.6 ms are never sent', () => {
    const c = subMillisecondPushGap();
    expect(c.requests.map((r) => r.atMs - c.requests[0]!.atMs)).toEqual([0, 5, 6]);
    expect(c.sampled!.expected.httpRequestsTotal - c.run.expected.httpRequestsTotal).toBe(1);
    expect(c.sampled!.expected.iterationsTotal - c.run.expected.iterationsTotal).toBe(1);
    expect(c.run.expected.funnel.reduce((a, f) => a + f.count, 0)).toBe(3);
  });

  test('native histogram buckets are client_golang schema-3 buckets (1 s is the top of bucket 0)', () => {
    expect(bucketKey(1)).toBe(0);
    expect(bucketKey(1.0000001)).toBe(1);
    expect(bucketKey(0.5)).toBe(-8);
    expect(bucketKey(0.05)).toBe(-34);
  });
});

describe('the hostile remote-write cases show what they are about', () => {
  test('two plain runners send identical label sets from two addresses', () => {
    const c = twoPlainRunners();
    expect(new Set(c.requests.map((r) => r.sender))).toEqual(new Set(['127.0.0.2', '127.0.0.3']));
    const keysBy = (sender: string): Set<string> =>
      new Set(c.requests.filter((r) => r.sender === sender).flatMap((r) => r.decodedForDebug.timeseries.map(labelKey)));
    const a = keysBy('127.0.0.2');
    expect([...keysBy('127.0.0.3')].some((k) => a.has(k))).toBe(true);
  });

  test('two indistinguishable runners: one address, and some series goes down then up again', () => {
    const c = twoIndistinguishableRunners();
    expect(new Set(c.requests.map((r) => r.sender))).toEqual(new Set(['127.0.0.4']));
    const seriesValues = new Map<string, number[]>();
    for (const r of c.requests)
      for (const ts of r.decodedForDebug.timeseries) {
        if (!nameOf(ts).endsWith('_total')) continue;
        const list = seriesValues.get(labelKey(ts)) ?? [];
        list.push(ts.samples[0]!.value);
        seriesValues.set(labelKey(ts), list);
      }
    const downUp = [...seriesValues.values()].some((v) =>
      v.some((x, i) => i > 1 && v[i - 1]! < v[i - 2]! && x > v[i - 1]!),
    );
    expect(downUp).toBe(true);
    expect(c.outcome).toEqual({ kind: 'conflict', conflictingRunners: ['runner-a', 'runner-b'] });
  });

  test('k6-operator runners carry instance_id and testrun_name on every series', () => {
    for (const r of operatorRunners().requests)
      for (const ts of r.decodedForDebug.timeseries) {
        expect(ts.labels.map((l) => l.name)).toEqual(expect.arrayContaining(['instance_id', 'testrun_name']));
      }
  });

  test("a restart's first push is above the last push before it, for the same series", () => {
    const c = restartAboveLastPush();
    const lastOld = new Map<string, number>();
    const firstNew = new Map<string, number>();
    for (const r of c.requests)
      for (const ts of r.decodedForDebug.timeseries) {
        if (nameOf(ts) !== 'k6_http_reqs_total') continue;
        if (r.process === 1) lastOld.set(labelKey(ts), ts.samples[0]!.value);
        else if (!firstNew.has(labelKey(ts))) firstNew.set(labelKey(ts), ts.samples[0]!.value);
      }
    expect([...firstNew].some(([k, v]) => lastOld.has(k) && v > lastOld.get(k)!)).toBe(true);
    const oldTimes = c.requests.filter((r) => r.process === 1).map((r) => r.atMs);
    const newTimes = c.requests.filter((r) => r.process === 2).map((r) => r.atMs);
    expect(oldTimes.length).toBeGreaterThan(0);
    expect(Math.min(...newTimes)).toBeGreaterThan(Math.max(...oldTimes));
  });

  test('default trend stats are p99 gauges, no histograms, and the case names them not convertible', () => {
    const c = defaultTrendStats();
    const all = c.requests.flatMap((r) => r.decodedForDebug.timeseries);
    expect(all.every((ts) => ts.histograms.length === 0)).toBe(true);
    expect(c.outcome.kind).toBe('trend-stats-not-convertible');
    if (c.outcome.kind === 'trend-stats-not-convertible') {
      expect(c.outcome.gaugeNames).toContain('k6_http_req_duration_p99');
      expect(c.outcome.gaugeNames).toContain('k6_iteration_duration_p99');
      expect(c.outcome.gaugeNames.every((n) => n.endsWith('_p99'))).toBe(true);
    }
  });

  test('a time trend count stat is divided by 1000 like every stat (k6 issue #4582)', () => {
    const c = manyTrendStats();
    const counts = c.requests
      .flatMap((r) => r.decodedForDebug.timeseries)
      .filter((ts) => nameOf(ts) === 'k6_http_req_duration_count');
    expect(counts.length).toBeGreaterThan(0);
    expect(counts.every((ts) => ts.samples[0]!.value < 1)).toBe(true);
  });

  test('stale markers: a last request per process marks every series ever sent, with the NaN bits, 1 ms after stop', () => {
    const c = staleMarkers();
    const stale = c.requests.filter((r) => r.kind === 'stale');
    expect(stale).toHaveLength(1);
    const sent = new Set(
      c.requests.filter((r) => r.kind === 'push').flatMap((r) => r.decodedForDebug.timeseries.map(labelKey)),
    );
    expect(new Set(stale[0]!.decodedForDebug.timeseries.map(labelKey))).toEqual(sent);
    expect(stale[0]!.protobuf.includes(Buffer.from('020000000000f07f', 'hex'))).toBe(true);
    const vus = stale[0]!.decodedForDebug.timeseries.find((ts) => nameOf(ts) === 'k6_vus')!;
    expect(vus.samples[0]!.timestamp).toBe(stale[0]!.atMs + 1);
    // a native histogram series keeps its histogram and gets a stale sample too
    const h = stale[0]!.decodedForDebug.timeseries.find((ts) => nameOf(ts) === 'k6_http_req_duration_seconds')!;
    expect(h.histograms).toHaveLength(1);
    expect(h.samples[0]!.stale).toBe(true);
  });
});

describe('push batching', () => {
  test('a push only carries series that got a newer sample; a 1 s interval gives more, smaller requests', () => {
    const run = buildRun({ iterationsPerRunner: 10, nativeHistograms: true });
    const five = remoteWriteRequests(run);
    const one = remoteWriteRequests(run, { pushIntervalMs: 1000 });
    expect(one.length).toBeGreaterThan(five.length);
    expect(lastCounterSums(one, 'k6_http_reqs_total')).toBe(run.expected.httpRequestsTotal);
    expect(lastCounterSums(five, 'k6_http_reqs_total')).toBe(run.expected.httpRequestsTotal);
  });
});
