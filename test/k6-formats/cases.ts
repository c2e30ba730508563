/**
 * The conformance cases of issue 9: each a kit run, the requests or files k6 would produce for
 * it, and what a correct reader must conclude. A case's `expected` comes from `run.expected`
 * (recounted from the raw samples) plus the outcome the case is about.
 *
 * Over 400 lines on purpose: the table of issue 9’s conformance cases, one entry per case; a list is read best in one place.
 */
import { computeExpected, type ExpectedTotals } from './expected.ts';
import type { K6Run, RunOptions, RunnerSpec } from './model.ts';
import { buildRun, runFromSamples } from './model.ts';
import {
  remoteWriteRequests,
  remoteWriteRequestsAsync,
  remoteWriteSentRun,
  trendStatSuffix,
  type RemoteWriteOptions,
  type RemoteWriteRequest,
} from './remote-write.ts';

/** What a remote-write reader must conclude about a case. */
export type RemoteWriteOutcome =
  /**
   * Every request counted: the recoverable fields, `remoteWriteExpected(run)`, equal the last
   * pushed values (not the whole `run.expected`: checks, `http_req_failed` counts, catalog buckets
   * and thresholds are not carried by remote write). Holds for the kit's whole-ms push ticks.
   */
  | { readonly kind: 'exact' }
  /**
   * Two senders cannot be told apart (same address, same labels): their cumulative series
   * interleave (a series' value goes down and up again). The reader must detect and count the
   * conflict under its own reason; summing the pushes is wrong and so is silently picking one.
   */
  | { readonly kind: 'conflict'; readonly conflictingRunners: readonly string[] }
  /**
   * k6's default trend stats: `k6_<trend>_p99` (and other stat) gauges, which cannot be turned
   * into histograms; a reader must name them as such (not invent a histogram). Counters, rates
   * and gauges are still exact.
   */
  | { readonly kind: 'trend-stats-not-convertible'; readonly gaugeNames: readonly string[] };

/** One remote-write conformance case. */
export interface RemoteWriteCase {
  readonly name: string;
  readonly description: string;
  readonly run: K6Run;
  readonly requests: readonly RemoteWriteRequest[];
  readonly outcome: RemoteWriteOutcome;
  /**
   * Cases where k6 never sends some samples (a crashed process, a push inside a millisecond):
   * how many. `run` is then the run as received (`remoteWriteSentRun`): its `expected` recounts
   * only the samples k6 sends, and `sampled` is the whole run as k6 sampled it.
   */
  readonly unsent?: number;
  readonly sampled?: K6Run;
}

const plain = (id: string, address: string, extra: Partial<RunnerSpec> = {}): RunnerSpec => ({ id, address, ...extra });
const operator = (i: number, address: string, extra: Partial<RunnerSpec> = {}): RunnerSpec => ({
  id: `pod-${i}`,
  address,
  tags: { instance_id: String(i), testrun_name: 'kit-testrun' },
  ...extra,
});

function make(
  name: string,
  description: string,
  runOptions: RunOptions,
  rw: RemoteWriteOptions,
  outcome?: RemoteWriteOutcome,
): RemoteWriteCase {
  const run = buildRun(runOptions);
  const requests = remoteWriteRequests(run, rw);
  const native = rw.nativeHistograms ?? run.nativeHistograms;
  let finalOutcome: RemoteWriteOutcome = outcome ?? { kind: 'exact' };
  if (!outcome && !native) {
    const trendNames = new Set<string>();
    for (const def of run.metrics.values())
      if (def.type === 'trend')
        for (const stat of rw.trendStats ?? ['p(99)']) trendNames.add(`k6_${def.name}_${trendStatSuffix(stat)}`);
    const names = new Set<string>();
    for (const r of requests)
      for (const ts of r.decodedForDebug.timeseries) {
        const n = ts.labels.find((l) => l.name === '__name__')?.value ?? '';
        if (trendNames.has(n)) names.add(n);
      }
    finalOutcome = { kind: 'trend-stats-not-convertible', gaugeNames: [...names].sort() };
  }
  return { name, description, run, requests, outcome: finalOutcome };
}

/** Case: one plain runner (`k6 run -o experimental-prometheus-rw`, no instance_id), native histograms on. */
export function onePlainRunner(): RemoteWriteCase {
  return make(
    'one-plain-runner',
    'one plain k6 runner at 127.0.0.2, no instance_id, native histograms',
    { runners: [plain('runner-1', '127.0.0.2')], nativeHistograms: true, seed: 11 },
    {},
  );
}

/** Case: two plain runners on different machines (127.0.0.2, 127.0.0.3), identical label sets. */
export function twoPlainRunners(): RemoteWriteCase {
  return make(
    'two-plain-runners',
    'two plain runners from 127.0.0.2 and 127.0.0.3; same labels (no instance_id), told apart only by sender address; totals are the sum',
    { runners: [plain('runner-a', '127.0.0.2'), plain('runner-b', '127.0.0.3')], nativeHistograms: true, seed: 12 },
    {},
  );
}

/** Case: two runners that cannot be told apart (same address, same labels). */
export function twoIndistinguishableRunners(): RemoteWriteCase {
  return make(
    'two-indistinguishable-runners',
    'two plain runners behind one address (127.0.0.4), same labels: cumulative series interleave; expected: conflict detected and counted, not a sum',
    {
      runners: [plain('runner-a', '127.0.0.4'), plain('runner-b', '127.0.0.4')],
      nativeHistograms: true,
      seed: 13,
      iterationsPerRunner: 60,
    },
    {},
    { kind: 'conflict', conflictingRunners: ['runner-a', 'runner-b'] },
  );
}

/** Case: k6-operator runners (`--tag instance_id=<i> --tag testrun_name=<name>`), parallelism 2. */
export function operatorRunners(): RemoteWriteCase {
  return make(
    'operator-runners',
    'two k6-operator pods with instance_id 1 and 2, both from 127.0.0.5 (one service address); told apart by instance_id',
    { runners: [operator(1, '127.0.0.5'), operator(2, '127.0.0.5')], nativeHistograms: true, seed: 14 },
    {},
  );
}

/**
 * Case: a k6-operator runner restarts; its first push after the restart is ABOVE its last push
 * before it (the new process quickly does more requests than the old one had). Expected growth =
 * everything both processes counted (`run.expected`).
 */
export function restartAboveLastPush(): RemoteWriteCase {
  return make(
    'restart-above-last-push',
    'pod-1 restarts after 8 iterations (fresh k6, counters from 0); the new process gaps 20 ms between iterations so its first push is above the old last push',
    {
      runners: [operator(1, '127.0.0.6', { restartAfterIteration: 8 })],
      nativeHistograms: true,
      seed: 15,
      iterationsPerRunner: 60,
      iterationGapMs: 20,
    },
    { pushIntervalMs: 1000 },
  );
}

/**
 * A case whose requests leave samples unsent: `run` is what the receiver gets (recounted from
 * the raw samples k6 sends, `remoteWriteSentRun`), `sampled` what k6 sampled.
 */
function lossy(name: string, description: string, runOptions: RunOptions, rw: RemoteWriteOptions): RemoteWriteCase {
  const sampled = crashedAtLastIteration(buildRun(runOptions), rw.crashed ?? []);
  const sent = remoteWriteSentRun(sampled, rw);
  return {
    name,
    description,
    run: sent,
    sampled,
    unsent: sent.unsent,
    requests: remoteWriteRequests(sampled, rw),
    outcome: { kind: 'exact' },
  };
}

/**
 * A crashed process samples nothing after it dies: the kit's run keeps a process's vus/vus_max
 * gauges until the next process starts, so those after its last iteration are cut (it dies right
 * after that iteration). The samples since its last periodic push are then what the crash loses.
 */
function crashedAtLastIteration(run: K6Run, crashed: NonNullable<RemoteWriteOptions['crashed']>): K6Run {
  if (crashed.length === 0) return run;
  const deathNs = new Map<string, bigint>();
  for (const sample of run.samples) {
    if (sample.metric !== 'iterations') continue;
    if (!crashed.some((entry) => entry.runner === sample.runner && entry.process === sample.process)) continue;
    const key = `${sample.runner}|${sample.process}`;
    if (sample.unixNano > (deathNs.get(key) ?? -1n)) deathNs.set(key, sample.unixNano);
  }
  const samples = run.samples.filter(
    (sample) => !(sample.unixNano > (deathNs.get(`${sample.runner}|${sample.process}`) ?? sample.unixNano)),
  );
  const base = { ...run, samples };
  return { ...base, expected: computeExpected(base) };
}

/**
 * Case: a k6-operator runner crashes (killed: no flush at Stop) and its pod restarts; what the
 * old process sampled after its last push is lost. Expected: everything sent, counted once.
 */
export function crashRestartOperator(): RemoteWriteCase {
  return lossy(
    'crash-restart-operator',
    'pod-1 is killed right after its 12th iteration (no final flush: what it sampled since its last push is lost), and its pod restarts with fresh counters',
    {
      runners: [operator(1, '127.0.0.8', { restartAfterIteration: 12 })],
      nativeHistograms: true,
      seed: 21,
      iterationsPerRunner: 60,
      iterationGapMs: 20,
    },
    { pushIntervalMs: 50, crashed: [{ runner: 'pod-1', process: 1 }] },
  );
}

/** Case: a plain runner (no instance_id) is killed and started again by hand on the same machine. */
export function crashRestartPlain(): RemoteWriteCase {
  return lossy(
    'crash-restart-plain',
    'a plain runner at 127.0.0.9 is killed right after its 8th iteration (no final flush) and started again by hand, same address and labels',
    {
      runners: [plain('runner-1', '127.0.0.9', { restartAfterIteration: 8 })],
      nativeHistograms: true,
      seed: 22,
      iterationsPerRunner: 60,
      iterationGapMs: 20,
    },
    { pushIntervalMs: 50, crashed: [{ runner: 'runner-1', process: 1 }] },
  );
}

/**
 * Case: pushes inside a millisecond, the last two under 1 ms apart. Real k6 flushes at
 * ns-precise times (`output/helpers.go` `PeriodicFlusher`); here every 5 ms, 0.5 ms into the ms,
 * and the run stops 0.3 ms after the last of them, so the flush at Stop comes 0.5 ms after it.
 * A sample in the same ms as its series' last push, after that push, waits for a newer-ms sample
 * of the series (`convertToPbSeries`: `truncTime.After(swm.Latest)`), or is never sent: here one
 * request and one iteration. Hand-made samples, so every case the rule has is in it.
 */
export function subMillisecondPushGap(): RemoteWriteCase {
  const runner = plain('runner-1', '127.0.0.10');
  const X = 1_787_302_800_000_000_000n; // a whole ms
  const at = (ms: number): bigint => X + BigInt(Math.round(ms * 1e6));
  const runTags = { run: 'kit-submillisecond' };
  const request = {
    ...runTags,
    scenario: 'registration_opening',
    group: '',
    stage: 'landing',
    method: 'GET',
    status: '200',
    expected_response: 'true',
    name: 'http://127.0.0.1:8080/',
    url: 'http://127.0.0.1:8080/',
    proto: 'HTTP/1.1',
  };
  const entered = { ...runTags, scenario: 'registration_opening', group: '', stage: 'landing', result: 'entered' };
  const iteration = { ...runTags, scenario: 'registration_opening', group: '' };
  const sampled = runFromSamples({
    runner,
    metrics: [
      { name: 'http_reqs', type: 'counter', contains: 'default' },
      { name: 'funnel_stage', type: 'counter', contains: 'default' },
      { name: 'iterations', type: 'counter', contains: 'default' },
      { name: 'vus', type: 'gauge', contains: 'default' },
    ],
    samples: [
      { metric: 'vus', unixNano: at(0.1), value: 1, tags: runTags },
      { metric: 'http_reqs', unixNano: at(0.1), value: 1, tags: request },
      { metric: 'http_reqs', unixNano: at(5.2), value: 1, tags: request },
      { metric: 'funnel_stage', unixNano: at(5.2), value: 1, tags: entered },
      { metric: 'iterations', unixNano: at(5.3), value: 1, tags: iteration },
      // after the push at 5.5, same ms 5: the request waits for 7.3, the entry for 10.7
      { metric: 'iterations', unixNano: at(5.6), value: 1, tags: iteration },
      { metric: 'http_reqs', unixNano: at(5.7), value: 1, tags: request },
      { metric: 'funnel_stage', unixNano: at(5.9), value: 1, tags: entered },
      { metric: 'http_reqs', unixNano: at(7.3), value: 1, tags: request },
      { metric: 'http_reqs', unixNano: at(10.2), value: 1, tags: request },
      { metric: 'vus', unixNano: at(10.4), value: 2, tags: runTags },
      // after the push at 10.5, same ms 10 as the request's push there: never sent
      { metric: 'funnel_stage', unixNano: at(10.7), value: 1, tags: entered },
      { metric: 'http_reqs', unixNano: at(10.8), value: 1, tags: request },
    ],
  });
  const rw: RemoteWriteOptions = { pushIntervalMs: 5, tickOffsetNs: 500_000 };
  const sent = remoteWriteSentRun(sampled, rw);
  return {
    name: 'sub-millisecond-push-gap',
    description:
      'flushes 0.5 ms into their ms every 5 ms, Stop 0.5 ms after the last: same-ms samples after a push wait for a newer-ms one or stay unsent',
    run: sent,
    sampled,
    unsent: sent.unsent,
    requests: remoteWriteRequests(sampled, rw),
    outcome: { kind: 'exact' },
  };
}

/** Case: native histograms (`--features native-histograms`). */
export function nativeHistograms(): RemoteWriteCase {
  return make(
    'native-histograms',
    'one plain runner with native histograms: trends as k6_<name>_seconds histograms',
    { nativeHistograms: true, seed: 16 },
    {},
  );
}

/** Case: k6's default trend stats (`p(99)` gauges): not convertible into histograms. */
export function defaultTrendStats(): RemoteWriteCase {
  return make(
    'default-trend-stats',
    'one plain runner, defaults: every trend as a k6_<name>_p99 gauge',
    { nativeHistograms: false, seed: 17 },
    {},
  );
}

/** Case: several trend stats (`K6_PROMETHEUS_RW_TREND_STATS=p(95),p(99),avg,count,sum`). */
export function manyTrendStats(): RemoteWriteCase {
  return make(
    'many-trend-stats',
    'trend stats p(95),p(99),avg,count,sum: all gauges, count divided by 1000 for time trends (k6 #4582)',
    { nativeHistograms: false, seed: 18 },
    { trendStats: ['p(95)', 'p(99)', 'avg', 'count', 'sum'] },
  );
}

/** Case: stale markers at the end (`K6_PROMETHEUS_RW_STALE_MARKERS=true`). */
export function staleMarkers(): RemoteWriteCase {
  return make(
    'stale-markers',
    'native histograms and stale markers: a last request marks every series stale (NaN 0x7ff0000000000002)',
    { nativeHistograms: true, seed: 19 },
    { staleMarkers: true },
  );
}

/**
 * Case: 50,000 distinct `url` tag values (one landing request per iteration, each to its own
 * URL). Expected: all requests counted, whatever the URL cardinality. The six HTTP phase trends
 * are left out here (see `RunOptions.phaseTrends`) so the case builds in seconds.
 */
export function fiftyThousandUrls(): RemoteWriteCase {
  fiftyThousand ??= make(
    'fifty-thousand-urls',
    '50,000 requests, each to a distinct url (and name) label value; counts must not depend on URL cardinality',
    {
      nativeHistograms: true,
      seed: 20,
      iterationsPerRunner: 50_000,
      iterationGapMs: 2,
      stages: ['landing'],
      distinctUrls: 50_000,
      vusPerRunner: 50,
      phaseTrends: false,
    },
    {},
  );
  return fiftyThousand;
}
let fiftyThousand: RemoteWriteCase | undefined;

/**
 * `fiftyThousandUrls()` without blocking the event loop in one piece: the run and the requests
 * are built in separate macrotasks (each still takes seconds of CPU). Built once per process.
 */
export async function fiftyThousandUrlsAsync(): Promise<RemoteWriteCase> {
  if (fiftyThousand) return fiftyThousand;
  const yieldNow = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
  await yieldNow();
  const run = buildRun({
    nativeHistograms: true,
    seed: 20,
    iterationsPerRunner: 50_000,
    iterationGapMs: 2,
    stages: ['landing'],
    distinctUrls: 50_000,
    vusPerRunner: 50,
    phaseTrends: false,
  });
  await yieldNow();
  const requests = await remoteWriteRequestsAsync(run, {});
  fiftyThousand ??= {
    name: 'fifty-thousand-urls',
    description:
      '50,000 requests, each to a distinct url (and name) label value; counts must not depend on URL cardinality',
    run,
    requests,
    outcome: { kind: 'exact' },
  };
  return fiftyThousand;
}

/** Every remote-write case, in a stable order (the 50,000-URL case is built only on request). */
export const REMOTE_WRITE_CASES: readonly (() => RemoteWriteCase)[] = [
  onePlainRunner,
  twoPlainRunners,
  twoIndistinguishableRunners,
  operatorRunners,
  restartAboveLastPush,
  nativeHistograms,
  defaultTrendStats,
  manyTrendStats,
  staleMarkers,
  crashRestartOperator,
  crashRestartPlain,
  subMillisecondPushGap,
];

/** One `http_req_duration` series as remote write can carry it: count exact, sum within a tolerance. */
export interface RemoteWriteDuration {
  readonly scenario: string;
  readonly stage: string;
  readonly expectedResponse: string;
  readonly count: number;
  readonly sumSeconds: number;
  /**
   * How far a reader's sum may be from `sumSeconds`: the native histogram adds the same values in
   * its own order (client_golang's atomic float add), so only summation-order rounding may
   * differ, bounded by `count × ε × sumSeconds` (durations are never negative).
   */
  readonly sumToleranceSeconds: number;
}

/**
 * The part of `run.expected` a remote-write reader can recover, field by field. This is what the
 * `exact` outcome means: these totals equal the last pushed cumulative values.
 *
 * Carried: counters (`httpRequestsTotal`, `httpRequests`, `funnel`, `iterationsTotal`,
 * `droppedIterationsTotal`), `vusLastSum` (the `vus` gauges), and, with native histograms,
 * `http_req_duration` count and sum.
 *
 * NOT carried, so absent here: `checks` pass/fail counts and the `http_req_failed` counts (k6 sends
 * a Rate only as `k6_<name>_rate` = trues/total, `output/remotewrite` `MapPrompb`, no count);
 * the catalog-bucket counts `httpDurations[].buckets` (native histograms are schema 3, edges
 * 2^(k/8), which do not line up with `LATENCY_BUCKETS_SECONDS`); thresholds (never sent).
 */
export interface RemoteWriteExpected {
  readonly httpRequestsTotal: number;
  readonly httpRequests: ExpectedTotals['httpRequests'];
  readonly funnel: ExpectedTotals['funnel'];
  readonly iterationsTotal: number;
  readonly droppedIterationsTotal: number;
  readonly vusLastSum: number;
  /** `null` without native histograms: then only `_p99`-style gauges are sent, no count or sum. */
  readonly httpDurations: readonly RemoteWriteDuration[] | null;
}

/**
 * The fields of `run.expected` a remote-write reader can recover (see `RemoteWriteExpected`).
 * `nativeHistograms` defaults to the run's own setting; pass the `RemoteWriteOptions` value when
 * the requests were made with a different one.
 */
export function remoteWriteExpected(
  run: K6Run,
  options: { readonly nativeHistograms?: boolean } = {},
): RemoteWriteExpected {
  const e = run.expected;
  const native = options.nativeHistograms ?? run.nativeHistograms;
  return {
    httpRequestsTotal: e.httpRequestsTotal,
    httpRequests: e.httpRequests,
    funnel: e.funnel,
    iterationsTotal: e.iterationsTotal,
    droppedIterationsTotal: e.droppedIterationsTotal,
    vusLastSum: e.vusLastSum,
    httpDurations: native
      ? e.httpDurations.map((d) => ({
          scenario: d.scenario,
          stage: d.stage,
          expectedResponse: d.expectedResponse,
          count: d.count,
          sumSeconds: d.sumSeconds,
          sumToleranceSeconds: Math.max(d.count, 1) * Number.EPSILON * Math.abs(d.sumSeconds),
        }))
      : null,
  };
}
