import { compress } from 'snappyjs';
import { describe, expect, test } from 'vitest';
import {
  CumulativeTracker,
  isTrendStatSeries,
  runnerIdentity,
  encodeWriteRequest,
  foldNativeHistogram,
  isStaleMarker,
  type RemoteHistogram,
  RemoteWriteError,
  seriesKind,
} from './remote-write.ts';
import { decodeWriteRequestBounded, REMOTE_WRITE_LIMITS } from './remote-write-decode.ts';

const labels = (name: string, extra: Record<string, string> = {}): Array<{ name: string; value: string }> =>
  Object.entries({ __name__: name, ...extra }).map(([key, value]) => ({ name: key, value }));

describe('decoding a write request', () => {
  test('round-trips what a sender encodes, with int64 millisecond timestamps', () => {
    const body = encodeWriteRequest({
      timeseries: [
        {
          labels: labels('k6_http_reqs_total', { instance_id: '2', testid: 'r1' }),
          samples: [{ value: 42, timestamp: 1787302801234 }],
        },
      ],
    });
    const request = decodeWriteRequestBounded(body);
    expect(request.timeseries).toHaveLength(1);
    expect(request.timeseries[0]!.labels).toEqual(labels('k6_http_reqs_total', { instance_id: '2', testid: 'r1' }));
    expect(request.timeseries[0]!.samples).toEqual([{ value: 42, timestamp: 1787302801234 }]);
  });

  test('refuses a body whose announced size is over the limit, before decompressing (413)', () => {
    const body = encodeWriteRequest({
      timeseries: [{ labels: labels('k6_vus', { pad: 'x'.repeat(5000) }), samples: [{ value: 1, timestamp: 1 }] }],
    });
    expect(body.length).toBeLessThan(1000);
    expect(() => decodeWriteRequestBounded(body, { ...REMOTE_WRITE_LIMITS, maxDecompressedBytes: 1000 })).toThrow(
      expect.objectContaining({ status: 413 }),
    );
  });

  test.each([
    ['bytes that are not snappy', Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff])],
    [
      'snappy around bytes that are not protobuf',
      Buffer.from(compress(new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0x0f]))),
    ],
    ['an empty body with a lying length', Buffer.from([0x10])],
  ])('answers 400 for %s', (_what, body) => {
    let error: unknown;
    try {
      decodeWriteRequestBounded(body);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(RemoteWriteError);
    expect((error as RemoteWriteError).status).toBe(400);
  });

  test('recognises the stale marker by its bits, not any NaN', () => {
    const view = new DataView(new ArrayBuffer(8));
    view.setUint32(0, 0x7ff00000);
    view.setUint32(4, 0x00000002);
    expect(isStaleMarker(view.getFloat64(0))).toBe(true);
    expect(isStaleMarker(Number.NaN)).toBe(false);
    expect(isStaleMarker(1)).toBe(false);
  });
});

describe('k6 series names', () => {
  test.each([
    ['k6_http_reqs_total', { kind: 'counter', metric: 'http_reqs' }],
    ['k6_funnel_stage_total', { kind: 'counter', metric: 'funnel_stage' }],
    ['k6_dropped_iterations_total', { kind: 'counter', metric: 'dropped_iterations' }],
    ['k6_vus', { kind: 'gauge', metric: 'vus' }],
    ['k6_planned_arrival_rate', { kind: 'gauge', metric: 'planned_arrival_rate' }],
    ['k6_http_req_duration_seconds', { kind: 'duration' }],
    ['k6_http_req_duration_p99', { kind: 'ignored' }],
    ['k6_data_sent_total', { kind: 'ignored' }],
    ['up', { kind: 'ignored' }],
  ])('%s is %j', (name, expected) => {
    expect(seriesKind(name)).toEqual(expected);
  });
});

const histogram = (overrides: Partial<RemoteHistogram>): RemoteHistogram => ({
  countInt: 0,
  countFloat: 0,
  sum: 0,
  schema: 0,
  zeroThreshold: 0,
  zeroCountInt: 0,
  zeroCountFloat: 0,
  negativeSpans: [],
  negativeDeltas: [],
  negativeCounts: [],
  positiveSpans: [],
  positiveDeltas: [],
  positiveCounts: [],
  resetHint: 'UNKNOWN',
  timestamp: 0,
  ...overrides,
});

describe('folding native histograms into the catalog buckets', () => {
  const bounds = [0.005, 0.01, 0.025, 0.05];

  test('integer buckets (delta-encoded, spans with gaps) land in the first bound at or above their upper edge', () => {
    // schema 0: bucket i is (2^(i-1), 2^i]. Indexes −8, −7 | gap of 1 | −5: edges 0.0039, 0.0078, 0.03125.
    const folded = foldNativeHistogram(
      histogram({
        countInt: 7,
        sum: 0.1,
        positiveSpans: [
          { offset: -8, length: 2 },
          { offset: 1, length: 1 },
        ],
        positiveDeltas: [1, 2, 1],
      }),
      bounds,
    );
    expect([...folded.counts]).toEqual([1, 3, 0, 4, 0]);
    expect(folded).toMatchObject({ count: 7, sum: 0.1 });
  });

  test('float buckets carry absolute counts; the zero bucket and anything above every bound are placed too', () => {
    const folded = foldNativeHistogram(
      histogram({
        schema: 3,
        countFloat: 6,
        sum: 9,
        zeroThreshold: 1e-9,
        zeroCountFloat: 1,
        positiveSpans: [{ offset: 0, length: 1 }],
        positiveCounts: [5],
      }),
      bounds,
    );
    // schema 3, index 0: (2^(-1/8), 1] lies above 0.05: the overflow bucket.
    expect([...folded.counts]).toEqual([1, 0, 0, 0, 5]);
  });

  test.each([
    ['a schema out of range', histogram({ schema: 9 })],
    [
      'spans longer than the buckets given',
      histogram({ positiveSpans: [{ offset: 0, length: 3 }], positiveDeltas: [1] }),
    ],
    ['a negative bucket count', histogram({ positiveSpans: [{ offset: 0, length: 2 }], positiveDeltas: [1, -2] })],
    ['a sum that is not finite', histogram({ sum: Number.NaN })],
  ])('refuses %s', (_what, input) => {
    expect(() => foldNativeHistogram(input, bounds)).toThrow();
  });
});

describe('CumulativeTracker', () => {
  const key = CumulativeTracker.key(labels('k6_http_reqs_total'));
  const push = (
    tracker: CumulativeTracker,
    runner: string,
    values: Record<string, number>,
  ): Record<string, unknown> => {
    tracker.observe(Object.entries(values).map(([series, total]) => ({ runner, key: series, total })));
    return Object.fromEntries(
      Object.entries(values).map(([series, value]) => [series, tracker.counter(runner, series, series, value)]),
    );
  };

  test('counts cumulative counters by their growth; a value below the last one is a restart, counted whole', () => {
    const tracker = new CumulativeTracker(10);
    expect([5, 5, 8, 3, 4].map((value) => push(tracker, 'r', { [key]: value })[key])).toEqual([
      { kind: 'counter', increment: 5 },
      { kind: 'counter', increment: 0 },
      { kind: 'counter', increment: 3 },
      { kind: 'counter', increment: 3 },
      { kind: 'counter', increment: 1 },
    ]);
    expect(tracker.restarts).toBe(1);
  });

  test('finds a restart per runner: a series whose first value after it is above its last one is counted whole', () => {
    const tracker = new CumulativeTracker(10);
    push(tracker, 'r', { a: 100, b: 5 });
    // The restarted process: a is back low, b is already above where the old process left it.
    expect(push(tracker, 'r', { a: 2, b: 8 })).toEqual({
      a: { kind: 'counter', increment: 2 },
      b: { kind: 'counter', increment: 8 },
    });
    expect(push(tracker, 'r', { a: 4, b: 9 })).toEqual({
      a: { kind: 'counter', increment: 2 },
      b: { kind: 'counter', increment: 1 },
    });
    // Back to where the old process was within two pushes (a young process): still a restart.
    expect(push(tracker, 'r', { a: 100, b: 10 })).toEqual({
      a: { kind: 'counter', increment: 96 },
      b: { kind: 'counter', increment: 1 },
    });
    expect(tracker.conflictCount).toBe(0);
  });

  test('a runner that sent stale markers starts over with its next push, even when every value is above', () => {
    const tracker = new CumulativeTracker(10);
    push(tracker, 'r', { a: 5 });
    tracker.stale('r');
    expect(push(tracker, 'r', { a: 7 })).toEqual({ a: { kind: 'counter', increment: 7 } });
  });

  test('two senders that cannot be told apart go down, up and down again: a conflict, rejected from then on', () => {
    const tracker = new CumulativeTracker(10);
    // Sender A and sender B push the same series under one identity, alternately.
    expect(push(tracker, 'same', { a: 10 })).toEqual({ a: { kind: 'counter', increment: 10 } });
    expect(push(tracker, 'same', { a: 6 })).toEqual({ a: { kind: 'counter', increment: 6 } });
    expect(push(tracker, 'same', { a: 12 })).toEqual({ a: { kind: 'counter', increment: 6 } });
    expect(push(tracker, 'same', { a: 7 })).toEqual({ a: 'sender_conflict' });
    expect(push(tracker, 'same', { a: 14 })).toEqual({ a: 'sender_conflict' });
    expect(tracker.conflicts).toEqual(['same']);
    expect(tracker.conflicted('same')).toBe(true);
    expect(tracker.conflicted('other')).toBe(false);
  });

  test('keys series by all their labels, and runners by address plus instance_id', () => {
    expect(CumulativeTracker.key(labels('k6_http_reqs_total', { status: '200' }))).toBe(
      CumulativeTracker.key(labels('k6_http_reqs_total', { status: '200' })),
    );
    expect(CumulativeTracker.key(labels('k6_http_reqs_total', { url: '/a' }))).not.toBe(
      CumulativeTracker.key(labels('k6_http_reqs_total', { url: '/b' })),
    );
    expect(runnerIdentity('10.0.0.1', labels('k6_vus'))).not.toBe(runnerIdentity('10.0.0.2', labels('k6_vus')));
    expect(runnerIdentity('10.0.0.1', labels('k6_vus', { instance_id: '1' }))).not.toBe(
      runnerIdentity('10.0.0.1', labels('k6_vus', { instance_id: '2' })),
    );
    expect(runnerIdentity('10.0.0.1', labels('k6_vus', { testid: 'x' }))).toBe(
      runnerIdentity('10.0.0.1', labels('k6_vus', { testid: 'y' })),
    );
  });

  test('histograms: growth per bucket, and a lower count is a reset', () => {
    const tracker = new CumulativeTracker(10);
    const folded = (counts: number[]): { counts: Float64Array; sum: number; count: number } => ({
      counts: Float64Array.from(counts),
      sum: counts.reduce((a, b) => a + b, 0) / 10,
      count: counts.reduce((a, b) => a + b, 0),
    });
    tracker.histogram('r', 'h', 'h', folded([1, 2]), false);
    expect(tracker.histogram('r', 'h', 'h', folded([3, 2]), false)).toMatchObject({
      counts: Float64Array.from([2, 0]),
      count: 2,
    });
    expect(tracker.histogram('r', 'h', 'h', folded([1, 0]), false)).toMatchObject({
      counts: Float64Array.from([1, 0]),
      count: 1,
    });
  });

  test('the limit counts catalog series: labels outside the catalog (url) never make it refuse', () => {
    const tracker = new CumulativeTracker(2);
    for (let url = 0; url < 6; url += 1)
      expect(tracker.counter('r', `url-${url}`, 'k6_http_reqs_total status=200', 1)).toEqual({
        kind: 'counter',
        increment: 1,
      });
    expect(tracker.catalogSize).toBe(1);
    expect(tracker.counter('r', 'x', 'k6_http_reqs_total status=500', 1)).toEqual({ kind: 'counter', increment: 1 });
    expect(tracker.counter('r', 'y', 'k6_http_reqs_total status=503', 1)).toBe('series_limit');
    expect(tracker.counter('r', 'url-0', 'k6_http_reqs_total status=200', 3)).toEqual({
      kind: 'counter',
      increment: 2,
    });
  });
});

describe('trend stats', () => {
  test.each([
    'k6_http_req_duration_p99',
    'k6_iteration_duration_p95',
    'k6_http_req_duration_avg',
    'k6_http_req_waiting_med',
  ])('%s is a not-convertible trend stat', (name) => {
    expect(isTrendStatSeries(name)).toBe(true);
  });
  test.each(['k6_http_reqs_total', 'k6_vus', 'k6_http_req_duration_seconds'])('%s is not', (name) => {
    expect(isTrendStatSeries(name)).toBe(false);
  });
});
