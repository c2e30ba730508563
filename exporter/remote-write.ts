/**
 * Prometheus remote write v1 (snappy block + protobuf `WriteRequest`) as k6's
 * `experimental-prometheus-rw` output sends it (k6-contract.md §4), turned into k6 samples.
 *
 * k6 pushes cumulative values: counters are running sums, native histograms running bucket
 * counts, and each push repeats the totals of every series that changed. The exporter keeps, per
 * runner (`instance_id`) and input series, the last cumulative value and adds only the growth; a
 * value below the last one is a restarted runner (a counter reset), whose whole new value is new.
 * So re-pushed values are never counted twice and the merged counter is the sum over runners.
 *
 * Native histograms (`k6_<trend>_seconds`, with `--features native-histograms`) are folded into
 * the catalog's fixed buckets: each native bucket (lower, upper] is counted in the first catalog
 * bucket whose bound is ≥ its upper edge. Quantiles read from the result are therefore at most
 * one native bucket width (×1.09 at k6's schema 3) above the truth, never below.
 *
 * Over 400 lines on purpose: the cumulative tracker, runner identity, restart and conflict detection and series expiry act on one table and are read together.
 */

import { createHash } from 'node:crypto';
import protobuf from 'protobufjs';
import { compress } from 'snappyjs';
import { K6_LABEL_TAGS } from '../contracts/k6-json.ts';
import { FLOODGATE_TAGS, K6_BUILTIN, K6_METRICS } from '../contracts/metrics.ts';
import type { RejectReason } from './parse.ts';
import { DURATION_BUCKETS } from './store.ts';

/** The messages of prompb/remote.proto and prompb/types.proto that remote write v1 uses. */
export const REMOTE_WRITE_PROTO = `
syntax = "proto3";
package prometheus;

message WriteRequest {
  repeated TimeSeries timeseries = 1;
  reserved 2;
  repeated MetricMetadata metadata = 3;
}

message TimeSeries {
  repeated Label labels = 1;
  repeated Sample samples = 2;
  repeated Exemplar exemplars = 3;
  repeated Histogram histograms = 4;
}

message Label {
  string name = 1;
  string value = 2;
}

message Sample {
  double value = 1;
  int64 timestamp = 2;
}

message Exemplar {
  repeated Label labels = 1;
  double value = 2;
  int64 timestamp = 3;
}

message Histogram {
  enum ResetHint {
    UNKNOWN = 0;
    YES = 1;
    NO = 2;
    GAUGE = 3;
  }
  oneof count {
    uint64 count_int = 1;
    double count_float = 2;
  }
  double sum = 3;
  sint32 schema = 4;
  double zero_threshold = 5;
  oneof zero_count {
    uint64 zero_count_int = 6;
    double zero_count_float = 7;
  }
  repeated BucketSpan negative_spans = 8;
  repeated sint64 negative_deltas = 9;
  repeated double negative_counts = 10;
  repeated BucketSpan positive_spans = 11;
  repeated sint64 positive_deltas = 12;
  repeated double positive_counts = 13;
  ResetHint reset_hint = 14;
  int64 timestamp = 15;
  repeated double custom_values = 16;
}

message BucketSpan {
  sint32 offset = 1;
  uint32 length = 2;
}

message MetricMetadata {
  enum MetricType {
    UNKNOWN = 0;
    COUNTER = 1;
    GAUGE = 2;
    HISTOGRAM = 3;
    GAUGEHISTOGRAM = 4;
    SUMMARY = 5;
    INFO = 6;
    STATESET = 7;
  }
  MetricType type = 1;
  string metric_family_name = 2;
  string help = 4;
  string unit = 5;
}
`;

const WRITE_REQUEST = protobuf.parse(REMOTE_WRITE_PROTO).root.lookupType('prometheus.WriteRequest');

/** A decoded label pair. */
export interface RemoteLabel {
  readonly name: string;
  readonly value: string;
}

/** A decoded native histogram (counts as absolute numbers whatever the wire form). */
export interface RemoteHistogram {
  countInt?: number;
  countFloat?: number;
  sum: number;
  schema: number;
  zeroThreshold: number;
  zeroCountInt?: number;
  zeroCountFloat?: number;
  negativeSpans: Array<{ offset: number; length: number }>;
  negativeDeltas: number[];
  negativeCounts: number[];
  positiveSpans: Array<{ offset: number; length: number }>;
  positiveDeltas: number[];
  positiveCounts: number[];
  resetHint: string;
  timestamp: number;
}

/** One decoded series. */
export interface RemoteSeries {
  readonly labels: RemoteLabel[];
  readonly samples: Array<{ value: number; timestamp: number }>;
  readonly histograms: RemoteHistogram[];
}

/** A decoded write request. */
export interface WriteRequest {
  readonly timeseries: RemoteSeries[];
}

/** Why a body could not be decoded, mapped to the HTTP status the spec asks for. */
export class RemoteWriteError extends Error {
  readonly status: 400 | 413;
  constructor(status: 400 | 413, message: string) {
    super(message);
    this.status = status;
  }
}

/** Encodes a `WriteRequest` the way a sender does (protobuf, then snappy). For tests and tools. */
export function encodeWriteRequest(request: {
  timeseries: Array<{
    labels: RemoteLabel[];
    samples?: Array<{ value: number; timestamp: number }>;
    histograms?: Array<Record<string, unknown>>;
  }>;
}): Buffer {
  const message = WRITE_REQUEST.fromObject(request);
  const raw = WRITE_REQUEST.encode(message).finish();
  return Buffer.from(compress(new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength)));
}

/** A Prometheus stale marker: one NaN bit pattern (spec: check the bits, not isNaN). */
export function isStaleMarker(value: number): boolean {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  return view.getUint32(0) === 0x7ff00000 && view.getUint32(4) === 0x00000002;
}

/** What one input series maps to. */
export type SeriesKind =
  | { readonly kind: 'counter'; readonly metric: string }
  | { readonly kind: 'gauge'; readonly metric: string }
  | { readonly kind: 'duration' }
  | { readonly kind: 'ignored' };

const COUNTERS: ReadonlySet<string> = new Set([
  K6_BUILTIN.httpReqs,
  K6_METRICS.funnelStage,
  K6_BUILTIN.iterations,
  K6_BUILTIN.droppedIterations,
]);
const GAUGES: ReadonlySet<string> = new Set([K6_BUILTIN.vus, K6_BUILTIN.vusMax, K6_METRICS.plannedArrivalRate]);

/** Maps a k6 remote-write series name (`k6_http_reqs_total`, `k6_vus`, …) to what the exporter does with it. */
export function seriesKind(name: string): SeriesKind {
  if (!name.startsWith('k6_')) return { kind: 'ignored' };
  const bare = name.slice(3);
  if (bare.endsWith('_total') && COUNTERS.has(bare.slice(0, -6))) return { kind: 'counter', metric: bare.slice(0, -6) };
  if (GAUGES.has(bare)) return { kind: 'gauge', metric: bare };
  if (bare === `${K6_BUILTIN.httpReqDuration}_seconds`) return { kind: 'duration' };
  return { kind: 'ignored' };
}

/** Bucket counts over the catalog's duration buckets (last = above every bound), with sum and count. */
export interface FoldedHistogram {
  readonly counts: Float64Array;
  readonly sum: number;
  readonly count: number;
}

/** Folds one native histogram into the catalog buckets (see the module comment); throws on a malformed one. */
export function foldNativeHistogram(
  histogram: RemoteHistogram,
  bounds: readonly number[] = DURATION_BUCKETS,
): FoldedHistogram {
  const { schema } = histogram;
  if (!Number.isInteger(schema) || schema < -4 || schema > 8) throw new RangeError(`schema ${schema} is outside −4…8`);
  const counts = new Float64Array(bounds.length + 1);
  const slot = (upper: number): number => {
    let index = 0;
    // A tiny tolerance: native bucket edges are powers of 2^(2^-schema), computed in floating point.
    while (index < bounds.length && upper > bounds[index]! * (1 + 1e-9)) index += 1;
    return index;
  };
  const zero = histogram.zeroCountFloat || histogram.zeroCountInt || 0;
  counts[slot(histogram.zeroThreshold)]! += zero;
  // Durations are never negative; anything on the negative side counts as the smallest values.
  for (const value of bucketCounts(histogram.negativeSpans, histogram.negativeDeltas, histogram.negativeCounts))
    counts[0]! += value.count;
  const base = 2 ** (2 ** -schema);
  for (const { index, count } of bucketCounts(
    histogram.positiveSpans,
    histogram.positiveDeltas,
    histogram.positiveCounts,
  )) {
    counts[slot(base ** index)]! += count;
  }
  const count = histogram.countFloat || histogram.countInt || counts.reduce((total, value) => total + value, 0);
  if (!Number.isFinite(count) || count < 0 || !Number.isFinite(histogram.sum))
    throw new RangeError('count or sum is not a finite number');
  return { counts, sum: histogram.sum, count };
}

/** Absolute bucket counts with their indexes, from spans and either deltas (integer) or counts (float). */
function* bucketCounts(
  spans: ReadonlyArray<{ offset: number; length: number }>,
  deltas: readonly number[],
  absolute: readonly number[],
): Generator<{ index: number; count: number }> {
  const useDeltas = deltas.length > 0;
  const values = useDeltas ? deltas : absolute;
  let position = 0;
  let index = 0;
  let running = 0;
  for (const span of spans) {
    index += span.offset;
    for (let step = 0; step < span.length; step += 1) {
      if (position >= values.length) throw new RangeError('spans describe more buckets than the histogram holds');
      running = useDeltas ? running + values[position]! : values[position]!;
      if (running < 0) throw new RangeError('a bucket count is negative');
      yield { index, count: running };
      position += 1;
      index += 1;
    }
  }
}

/** The last cumulative state of one tracked input series. */
type Tracked =
  { kind: 'counter'; value: number } | { kind: 'histogram'; counts: Float64Array; sum: number; count: number };

/** What the tracker wants done with one sample. */
export type TrackedDelta =
  | { readonly kind: 'counter'; readonly increment: number }
  | { readonly kind: 'histogram'; readonly counts: Float64Array; readonly sum: number; readonly count: number };

/**
 * Labels that tell runners apart besides the sender's address: k6-operator's `--tag instance_id=<i>`
 * and `testrun_name`, and `floodgate_runner`, which `floodgate k8s` and the README's plain-k6 example
 * set (`--tag floodgate_runner=<host>`) so runners behind one address (a NAT, a proxy) stay apart.
 */
export const RUNNER_LABELS = ['instance_id', 'testrun_name', FLOODGATE_TAGS.runner] as const;

/**
 * The runner a series comes from: the sender's address plus the runner labels it carries. Two
 * plain `k6 run -o experimental-prometheus-rw` on two machines differ by address; k6-operator
 * runners by `instance_id`. Runners that share all of these cannot be told apart: their pushes
 * are detected as a conflict (see {@link CumulativeTracker}), never summed silently.
 */
export function runnerIdentity(address: string, labels: readonly RemoteLabel[]): string {
  let identity = address === '' ? 'unknown-address' : address;
  for (const name of RUNNER_LABELS) {
    const label = labels.find((candidate) => candidate.name === name);
    if (label && label.value !== '') identity += ` ${name}=${label.value}`;
  }
  return identity;
}

/** Requests after a restart during which another drop means two senders, not a restart. */
const CONFLICT_WATCH_REQUESTS = 2;
/**
 * Input series (all labels, url included) tracked at least, whatever `maxSeries`: a run's counts
 * must not depend on its URL count (about 150 bytes each, so 500,000 cost about 75 MB at worst).
 */
const MIN_INPUT_SERIES = 500_000;
/** Runner identities named in /healthz as conflicting (the count has no limit). */
export const MAX_CONFLICTS_LISTED = 20;

/**
 * How long a run may push nothing (no series of it at all, gauges included) from one runner
 * before its series leave the table, ms. A k6 process pushes every few seconds while it runs
 * (`K6_PROMETHEUS_RW_PUSH_INTERVAL`, 5 s; the `vus` gauge of its run is in every push), so a run
 * that has been silent this long from a runner is over there. Series of a run still pushing are
 * never expired, however long one of them stays silent: its next push counts from its last value.
 */
export const REMOTE_RUN_IDLE_MS = 10 * 60 * 1000;

/** The series one run (its `run`/`testid` label) has in a runner's table, and when it last pushed. */
interface RunGroup {
  lastMs: number;
  /** Input series keys (into {@link RunnerState.last}). */
  readonly keys: Set<string>;
  /** Catalog series keys (into the tracker's catalog). */
  readonly catalogKeys: Set<string>;
}

/** One runner identity's state. */
interface RunnerState {
  /** Last cumulative value per input series (hashed labels). */
  readonly last: Map<string, Tracked>;
  /** The table's series by run, for expiry. */
  readonly runs: Map<string, RunGroup>;
  /** The run of the series being applied (see {@link CumulativeTracker.seen}). */
  current: RunGroup | undefined;
  /** When this runner last pushed, by the exporter's clock. */
  lastMs: number;
  /** Requests left after a restart during which another drop means two senders. */
  watchLeft: number;
  /** The runner sent stale markers (k6 stopped): its next push is a new process. */
  stopped: boolean;
  conflicted: boolean;
  restarts: number;
}

/** One cumulative total in a request, for {@link CumulativeTracker.observe}. */
export interface ObservedTotal {
  readonly runner: string;
  readonly key: string;
  /** Counter value, or histogram count. */
  readonly total: number;
  /** A histogram's folded bucket counts: a bucket that went down is a restart too. */
  readonly buckets?: Float64Array;
}

/**
 * Per runner and input series, the last cumulative value, turning k6's cumulative pushes into
 * increments.
 *
 * Restarts are found per runner, not per series: when any counter or histogram of a runner goes
 * down in a request, or the runner sent stale markers (k6 stopped), the runner restarted, and
 * every one of its series counts whole from then on, also those whose first value after the
 * restart is above their last one before it (a per-series rule would count only the difference).
 *
 * Two senders that cannot be told apart ({@link runnerIdentity}) look like a runner that restarts
 * on every push: its series go down, up again (the other sender's level) and down again within
 * {@link CONFLICT_WATCH_REQUESTS} requests of a restart. That is a conflict: the identity is
 * marked, every later sample from it is rejected as `sender_conflict` (counted, shown in /healthz
 * and on the exporter-health board), and nothing more of it is summed. What was counted before the
 * conflict was seen (two or three pushes) may be off by one sender's total; the conflict says so.
 *
 * Memory is bounded: at most `maxSeries` distinct catalog series (the name and the labels that
 * become floodgate labels, per runner), and at most 4 × that many input series, never fewer than
 * {@link MIN_INPUT_SERIES}; labels outside the catalog (url, name, error, proto, …) only count
 * against the second, generous bound, so a run's counts never depend on how many URLs it had.
 */
export class CumulativeTracker {
  private readonly runners = new Map<string, RunnerState>();
  private readonly catalog = new Set<string>();
  private readonly maxSeries: number;
  private readonly maxInputSeries: number;
  private inputSeries = 0;
  /** Runner identities found in conflict (the first {@link MAX_CONFLICTS_LISTED}). */
  readonly conflicts: string[] = [];
  /** Runner identities found in conflict, all of them. */
  conflictCount = 0;
  /** Runner restarts seen. */
  restarts = 0;
  /** Runs whose series expired (silent for the idle period, see {@link REMOTE_RUN_IDLE_MS}), and the input series they held. */
  readonly expired = { runs: 0, series: 0 };
  private readonly idleMs: number;
  private readonly now: () => number;
  private lastSweepMs = Number.NEGATIVE_INFINITY;

  /**
   * @param maxSeries - catalog series held at once (see the class comment)
   * @param options - `idleMs`: a run's silence after which its series expire ({@link REMOTE_RUN_IDLE_MS});
   *   `now`: the exporter's clock, Unix ms
   */
  constructor(maxSeries: number, options: { readonly idleMs?: number; readonly now?: () => number } = {}) {
    this.maxSeries = maxSeries;
    this.maxInputSeries = Math.max(maxSeries * 4, MIN_INPUT_SERIES);
    this.idleMs = options.idleMs ?? REMOTE_RUN_IDLE_MS;
    this.now = options.now ?? (() => Date.now());
  }

  /**
   * A series of `run` from `runner` is in this request: the run is still pushing, so none of its
   * series expire; the series admitted next ({@link counter}, {@link histogram}) belong to it.
   */
  seen(runner: string, run: string): void {
    const state = this.state(runner);
    const nowMs = this.now();
    state.lastMs = nowMs;
    let group = state.runs.get(run);
    if (!group) state.runs.set(run, (group = { lastMs: nowMs, keys: new Set(), catalogKeys: new Set() }));
    group.lastMs = nowMs;
    state.current = group;
  }

  /**
   * Forgets the series of every run silent for the idle period (and runners left with nothing),
   * unless the last sweep was less than `gapMs` ago: {@link observe} sweeps at most ten times per
   * idle period, a full table at most once a second (so a new series waits for no sweep).
   */
  private expireIdle(gapMs: number): void {
    const nowMs = this.now();
    if (nowMs - this.lastSweepMs < gapMs) return;
    this.lastSweepMs = nowMs;
    for (const [runner, state] of this.runners) {
      for (const [run, group] of state.runs) {
        if (nowMs - group.lastMs < this.idleMs) continue;
        this.expired.runs += 1;
        this.expired.series += this.dropGroup(state, group);
        state.runs.delete(run);
      }
      if (state.runs.size === 0 && state.last.size === 0 && nowMs - state.lastMs >= this.idleMs)
        this.runners.delete(runner);
    }
  }

  /** Removes `group`'s series from the table; returns how many input series it held. */
  private dropGroup(state: RunnerState, group: RunGroup): number {
    let removed = 0;
    for (const key of group.keys) if (state.last.delete(key)) removed += 1;
    for (const catalogKey of group.catalogKeys) this.catalog.delete(catalogKey);
    this.inputSeries -= removed;
    group.keys.clear();
    group.catalogKeys.clear();
    if (state.current === group) state.current = undefined;
    return removed;
  }

  /** Empties a runner's table (a restart, a conflict): its input and catalog series are free again. */
  private clearRunner(state: RunnerState): void {
    for (const group of state.runs.values()) this.dropGroup(state, group);
    state.runs.clear();
    this.inputSeries -= state.last.size;
    state.last.clear();
  }

  /** Input series tracked now. */
  get size(): number {
    return this.inputSeries;
  }

  /** Catalog series tracked now (what `maxSeries` bounds). */
  get catalogSize(): number {
    return this.catalog.size;
  }

  /** A stable key for an input series' labels; hashed so hostile label sizes do not grow memory. */
  static key(labels: readonly RemoteLabel[]): string {
    const hash = createHash('sha1');
    for (const { name, value } of labels) hash.update(`${name}\u0000${value}\u0001`);
    return hash.digest('base64');
  }

  /** True when `runner` was found to be two senders; its samples are rejected. */
  conflicted(runner: string): boolean {
    return this.runners.get(runner)?.conflicted ?? false;
  }

  /**
   * Reads a request's cumulative totals before any is applied: finds restarts (per runner) and
   * conflicts (see the class comment). Call once per request, then {@link counter}/{@link histogram}.
   */
  observe(totals: readonly ObservedTotal[]): void {
    this.expireIdle(this.idleMs / 10);
    const byRunner = new Map<string, ObservedTotal[]>();
    for (const total of totals) {
      const list = byRunner.get(total.runner);
      if (list) list.push(total);
      else byRunner.set(total.runner, [total]);
    }
    for (const [runner, list] of byRunner) {
      const state = this.state(runner);
      if (state.conflicted) continue;
      const dropped = list.some(({ key, total, buckets }) => {
        const previous = state.last.get(key);
        const before = totalOf(previous);
        if (before !== undefined && total < before) return true;
        // A new process whose histogram count is already above the old one still has some bucket below it.
        return buckets !== undefined && previous?.kind === 'histogram' && !grew(previous.counts, buckets);
      });
      // Down, up, and down again within a few requests: no runner restarts that often.
      if (dropped && state.watchLeft > 0) {
        this.markConflict(runner, state);
        continue;
      }
      if (state.watchLeft > 0) state.watchLeft -= 1;
      if (!dropped && !state.stopped) continue;
      this.clearRunner(state);
      state.watchLeft = dropped ? CONFLICT_WATCH_REQUESTS : 0;
      state.stopped = false;
      state.restarts += 1;
      this.restarts += 1;
    }
  }

  /** A stale marker of `runner`: k6 stopped, so its next push starts from zero. */
  stale(runner: string): void {
    const state = this.runners.get(runner);
    if (state) state.stopped = true;
  }

  /** Whether a new series may be tracked; registers its catalog series. */
  private admit(state: RunnerState, key: string, catalogKey: string): RejectReason | undefined {
    if (state.last.has(key)) return undefined;
    if (this.catalog.size >= this.maxSeries || this.inputSeries >= this.maxInputSeries) this.expireIdle(1000);
    if (!this.catalog.has(catalogKey)) {
      if (this.catalog.size >= this.maxSeries) return 'series_limit';
      this.catalog.add(catalogKey);
    }
    if (this.inputSeries >= this.maxInputSeries) return 'series_limit';
    this.inputSeries += 1;
    const group = state.current ?? this.group(state, '');
    group.keys.add(key);
    group.catalogKeys.add(catalogKey);
    return undefined;
  }

  /** The group of `run` in `state` (series admitted without {@link seen} go to the run ''). */
  private group(state: RunnerState, run: string): RunGroup {
    let group = state.runs.get(run);
    if (!group) state.runs.set(run, (group = { lastMs: this.now(), keys: new Set(), catalogKeys: new Set() }));
    return group;
  }

  /** The growth of a counter since its last push (a value below it is a reset: the whole value is new). */
  counter(runner: string, key: string, catalogKey: string, value: number): TrackedDelta | RejectReason {
    const state = this.state(runner);
    if (state.conflicted) return 'sender_conflict';
    const refused = this.admit(state, key, catalogKey);
    if (refused) return refused;
    const previous = state.last.get(key);
    const before = previous?.kind === 'counter' ? previous.value : 0;
    state.last.set(key, { kind: 'counter', value });
    return { kind: 'counter', increment: value >= before ? value - before : value };
  }

  /** The growth of a folded histogram since its last push; a lower count (or reset hint) is a reset. */
  histogram(
    runner: string,
    key: string,
    catalogKey: string,
    folded: FoldedHistogram,
    resetHint: boolean,
  ): TrackedDelta | RejectReason {
    const state = this.state(runner);
    if (state.conflicted) return 'sender_conflict';
    const refused = this.admit(state, key, catalogKey);
    if (refused) return refused;
    const previous = state.last.get(key);
    state.last.set(key, { kind: 'histogram', counts: folded.counts, sum: folded.sum, count: folded.count });
    if (
      previous?.kind !== 'histogram' ||
      resetHint ||
      !grew(previous.counts, folded.counts) ||
      folded.count < previous.count
    ) {
      return { kind: 'histogram', counts: folded.counts, sum: folded.sum, count: folded.count };
    }
    const counts = folded.counts.map((value, index) => value - previous.counts[index]!);
    return { kind: 'histogram', counts, sum: folded.sum - previous.sum, count: folded.count - previous.count };
  }

  private state(runner: string): RunnerState {
    let state = this.runners.get(runner);
    if (!state) {
      const fresh: RunnerState = {
        last: new Map(),
        runs: new Map(),
        current: undefined,
        lastMs: this.now(),
        watchLeft: 0,
        stopped: false,
        conflicted: false,
        restarts: 0,
      };
      this.runners.set(runner, (state = fresh));
    }
    return state;
  }

  private markConflict(runner: string, state: RunnerState): void {
    state.conflicted = true;
    this.clearRunner(state);
    this.conflictCount += 1;
    if (this.conflicts.length < MAX_CONFLICTS_LISTED) this.conflicts.push(runner);
  }
}

function totalOf(tracked: Tracked | undefined): number | undefined {
  if (tracked === undefined) return undefined;
  return tracked.kind === 'counter' ? tracked.value : tracked.count;
}

/**
 * The catalog series of an input series: its name, runner and the values of the tags that become
 * floodgate labels (contracts/k6-json.ts K6_LABEL_TAGS). Labels outside the catalog are dropped
 * here, before any limit counts the series.
 */
export function catalogSeriesKey(runner: string, name: string, tags: Readonly<Record<string, string>>): string {
  let key = `${runner}\u0000${name}`;
  for (const tag of K6_LABEL_TAGS) {
    const value = tags[tag];
    if (value !== undefined) key += `\u0000${tag}=${value}`;
  }
  return key;
}

/**
 * k6's default trend mapping (`K6_PROMETHEUS_RW_TREND_STATS`, default `p(99)`): one gauge per
 * stat, `k6_<trend>_<stat>`, each a percentile (or min, max, avg, …) over one runner's whole test
 * so far. Percentiles of different runners cannot be added or merged into a histogram, so these
 * are not converted; they are counted and named in /healthz, which says to run k6 with
 * `K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM=true` (floodgate's commands and docs set it).
 */
export const TREND_STAT_SERIES = /^k6_[a-zA-Z0-9_]+_(p\d+|min|max|avg|med|count|sum)$/;

/** True when `name` is one of k6's per-runner trend-stat gauges (see {@link TREND_STAT_SERIES}). */
export function isTrendStatSeries(name: string): boolean {
  return TREND_STAT_SERIES.test(name) && !name.endsWith('_total');
}

function grew(before: Float64Array, after: Float64Array): boolean {
  for (let index = 0; index < before.length; index += 1) if (after[index]! < before[index]!) return false;
  return true;
}
