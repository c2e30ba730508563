/**
 * The conformance cases of issue 9: each a kit run, the requests or files k6 would produce for
 * it, and what a correct reader must conclude. A case's `expected` comes from `run.expected`
 * (recounted from the raw samples) plus the outcome the case is about.
 */
import type { ExpectedTotals } from './expected.ts';
import type { K6Run, RunOptions, RunnerSpec } from './model.ts';
import { buildRun } from './model.ts';
import {
  remoteWriteRequests,
  remoteWriteRequestsAsync,
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
