/**
 * The remote-write requests k6's `experimental-prometheus-rw` output sends for a kit run.
 *
 * Follows k6:
 * - `internal/output/prometheusrw/remotewrite/remotewrite.go`: one sink per series (metric +
 *   tag set) in `o.tsdb`, never reset while the process lives; every push sends only the series
 *   that got a sample with a later ms-truncated time than the series' `Latest` (or that are new),
 *   with the cumulative sink value at `Latest`; counters → `_total` (sum), gauges → no suffix
 *   (last value), rates → `_rate` (non-zero / total), trends → `trend.go`; a final flush at
 *   Stop; with stale markers on, one more request after it with every series ever seen, value
 *   NaN 0x7ff0000000000002 at now+1 ms (native histogram series keep their histogram and get an
 *   extra stale sample);
 * - `remotewrite/prometheus.go` `MapSeries`: `k6_` + name + `_suffix`; a label per tag with a
 *   non-empty key and value; `__name__` added and labels stable-sorted by name;
 * - `remotewrite/trend.go`: default trend stats `p(99)` → `_p99`, `p(99.9)` → `_p999`; every
 *   stat, `count` included, goes through `adaptUnit` (÷1000 for time trends; k6 issue #4582);
 *   native histograms named `_seconds` / `_bytes` by value type;
 * - `remotewrite/config.go`: push interval 5 s, `trendStats` default `["p(99)"]`;
 * - `remote/client.go`: `proto.Marshal` then `snappy.Encode` (block format) and the headers
 *   User-Agent `k6-prometheus-rw-output`, Content-Encoding `snappy`, Content-Type
 *   `application/x-protobuf`, X-Prometheus-Remote-Write-Version `0.1.0`.
 *
 * k6 builds each request's series list by ranging over a Go map, so the series order inside a
 * request is unspecified; the kit shuffles it with a seeded PRNG so a reader that depends on
 * order is caught, and the bytes stay the same on every call.
 *
 * Over 400 lines on purpose: one port of k6’s prometheus-rw output (naming, labels, sinks, push rules, protobuf and snappy), kept whole so it can be checked against k6’s source side by side.
 */
import { compress as snappyCompress } from 'snappyjs';
import {
  encodeWriteRequest,
  type LabelBytesCache,
  type PbHistogram,
  type PbLabel,
  type PbSample,
  type PbTimeSeries,
} from './prompb.ts';
import { NativeHistogram } from './native-histogram.ts';
import { computeExpected, k6Percentile, sortFloats } from './expected.ts';
import type { K6Run, K6Sample, MetricDef } from './model.ts';
import { seededRandom } from './model.ts';
import { compareUtf8 } from './go-json.ts';

/** The headers k6's remote-write client sets on every request (`remote/client.go` `Store`). */
export const K6_REMOTE_WRITE_HEADERS: Readonly<Record<string, string>> = {
  'User-Agent': 'k6-prometheus-rw-output',
  'Content-Encoding': 'snappy',
  'Content-Type': 'application/x-protobuf',
  'X-Prometheus-Remote-Write-Version': '0.1.0',
};

/** Options of `remoteWriteRequests`. */
export interface RemoteWriteOptions {
  /** `K6_PROMETHEUS_RW_PUSH_INTERVAL` in ms. Default 5000. */
  readonly pushIntervalMs?: number;
  /**
   * Nanoseconds (0–999,999) after each whole-ms periodic tick at which the flush really happens.
   * Default 0: ticks on whole ms, where every sample of one truncated ms lands in the same push and
   * the last pushed cumulative value equals the recount. Real k6 ticks at ns-precise wall times
   * (`output/helpers.go` `PeriodicFlusher`); with an offset, a tick can fall between two samples of
   * one series in the same ms, and the later one is then not resent until that series gets a
   * newer-ms sample (`remotewrite.go` `convertToPbSeries`: `if truncTime.After(swm.Latest)`), or
   * never. The final flush at Stop stays after every sample.
   */
  readonly tickOffsetNs?: number;
  /** `K6_PROMETHEUS_RW_TREND_STATS`. Default `['p(99)']`. Ignored with native histograms. */
  readonly trendStats?: readonly string[];
  /** Native histograms for trends. Default: the run's `nativeHistograms`. */
  readonly nativeHistograms?: boolean;
  /** `K6_PROMETHEUS_RW_STALE_MARKERS=true`. Default false. */
  readonly staleMarkers?: boolean;
  /** Seed of the per-request series shuffle. Default 7. */
  readonly seed?: number;
  /**
   * k6 processes that crash (SIGKILL, OOM) instead of stopping: no flush at Stop and no stale
   * markers, so what they sampled since their last periodic push is never sent
   * (`remotewrite.go` `Stop` runs only on a clean end).
   */
  readonly crashed?: ReadonlyArray<{ readonly runner: string; readonly process: number }>;
}

/** One HTTP request k6 would send. */
export interface RemoteWriteRequest {
  /** Loopback address of the sending runner (what the receiver sees as the peer). */
  readonly sender: string;
  readonly runner: string;
  /** 1 for the runner's first k6 process, 2 after its restart. */
  readonly process: number;
  /** When k6 sends it, Unix ms (the push tick; stale markers: Stop). Requests are sorted by it. */
  readonly atMs: number;
  readonly kind: 'push' | 'stale';
  readonly headers: Readonly<Record<string, string>>;
  /** The snappy block (the HTTP body). */
  readonly body: Buffer;
  /** The protobuf before snappy, byte-for-byte as Go marshals it. */
  readonly protobuf: Buffer;
  /** The WriteRequest the kit encoded (labels, samples, histograms), for asserts and debugging. */
  readonly decodedForDebug: { readonly timeseries: readonly PbTimeSeries[] };
}

/** `setTrendStatsResolver`'s series suffix for a trend stat (`p(99.9)` → `p999`). */
export function trendStatSuffix(stat: string): string {
  if (!stat.startsWith('p(')) return stat;
  return 'p' + stat.slice(2, -1).replaceAll('.', '');
}

function trendStatValue(stat: string, values: number[], sum: number): number {
  const n = values.length;
  switch (stat) {
    case 'avg':
      return n ? sum / n : 0;
    case 'min':
      return n ? values.reduce((a, v) => (v < a ? v : a)) : 0;
    case 'max':
      return n ? values.reduce((a, v) => (v > a ? v : a)) : 0;
    case 'count':
      return n;
    case 'sum':
      return sum;
    case 'med':
      return k6Percentile(sortFloats(values), 0.5);
    default:
      if (!stat.startsWith('p(') || !stat.endsWith(')')) throw new Error(`kit: invalid trend stat '${stat}'`);
      return k6Percentile(sortFloats(values), Number(stat.slice(2, -1)) / 100);
  }
}

/** k6's label set for a series (`MapSeries`). */
export function mapSeries(metric: string, tags: Readonly<Record<string, string>>, suffix: string): PbLabel[] {
  const labels: PbLabel[] = [];
  for (const [name, value] of Object.entries(tags)) if (name !== '' && value !== '') labels.push({ name, value });
  labels.push({ name: '__name__', value: 'k6_' + metric + (suffix ? '_' + suffix : '') });
  // Go: slices.SortStableFunc by cmp.Compare(name) — byte order of the UTF-8 names
  return labels.sort((a, b) => compareUtf8(a.name, b.name));
}

interface Series {
  readonly def: MetricDef;
  readonly tags: Readonly<Record<string, string>>;
  latestMs: number;
  counter: number;
  gauge: number;
  trues: number;
  total: number;
  trendValues: number[];
  trendSum: number;
  histogram?: NativeHistogram;
  /** Label sets by series-name suffix, computed once. */
  readonly labels: Map<string, PbLabel[]>;
}

/** The key of a k6 TimeSeries: metric + tag set (metadata is not part of it). */
function seriesKey(s: K6Sample, tagKeyCache: Map<object, string>): string {
  let tagKey = tagKeyCache.get(s.tags);
  if (tagKey === undefined) {
    const keys = Object.keys(s.tags).sort();
    tagKey = keys.map((k) => k + '\u0001' + s.tags[k]).join('\u0000');
    tagKeyCache.set(s.tags, tagKey);
  }
  return s.metric + '\u0000' + tagKey;
}

function labelsOf(series: Series, suffix: string): PbLabel[] {
  let labels = series.labels.get(suffix);
  if (!labels) {
    labels = mapSeries(series.def.name, series.tags, suffix);
    series.labels.set(suffix, labels);
  }
  return labels;
}

const toMs = (unixNano: bigint): number => Number(unixNano / 1_000_000n);

function mapToPb(series: Series, trendStats: readonly string[], native: boolean): PbTimeSeries[] {
  const { def, latestMs } = series;
  const mono = (suffix: string, value: number): PbTimeSeries => ({
    labels: labelsOf(series, suffix),
    samples: [{ value, timestamp: latestMs }],
    histograms: [],
  });
  switch (def.type) {
    case 'counter':
      return [mono('total', series.counter)];
    case 'gauge':
      return [mono('', series.gauge)];
    case 'rate':
      return [mono('rate', series.total > 0 ? series.trues / series.total : 0)];
    case 'trend': {
      if (native) {
        const suffix = def.contains === 'time' ? 'seconds' : def.contains === 'data' ? 'bytes' : '';
        return [{ labels: labelsOf(series, suffix), samples: [], histograms: [series.histogram!.toProto(latestMs)] }];
      }
      const adapt = (v: number): number => (def.contains === 'time' ? v / 1000 : v);
      return trendStats.map((stat) =>
        mono(trendStatSuffix(stat), adapt(trendStatValue(stat, series.trendValues, series.trendSum))),
      );
    }
  }
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

function makeRequest(
  base: { sender: string; runner: string; process: number; atMs: number; kind: 'push' | 'stale' },
  timeseries: PbTimeSeries[],
  cache: LabelBytesCache,
): RemoteWriteRequest {
  const protobuf = encodeWriteRequest({ timeseries }, cache);
  const body = Buffer.from(snappyCompress(new Uint8Array(protobuf)));
  return { ...base, headers: K6_REMOTE_WRITE_HEADERS, body, protobuf, decodedForDebug: { timeseries } };
}

/**
 * Every request every runner's k6 sends for the run, sorted by send time (runners interleaved,
 * a runner's restart starting a fresh process with fresh sinks).
 */
export function remoteWriteRequests(run: K6Run, options: RemoteWriteOptions = {}): RemoteWriteRequest[] {
  return [...remoteWriteRequestSteps(run, options)].sort((a, b) => a.atMs - b.atMs);
}

/** `remoteWriteRequests` yielding to the event loop between requests (for the big cases). */
export async function remoteWriteRequestsAsync(
  run: K6Run,
  options: RemoteWriteOptions = {},
): Promise<RemoteWriteRequest[]> {
  const requests: RemoteWriteRequest[] = [];
  for (const r of remoteWriteRequestSteps(run, options)) {
    requests.push(r);
    await new Promise((resolve) => setImmediate(resolve));
  }
  return requests.sort((a, b) => a.atMs - b.atMs);
}

/** The requests one by one, runner by runner (not sorted by time). */
function* remoteWriteRequestSteps(run: K6Run, options: RemoteWriteOptions): Generator<RemoteWriteRequest> {
  const interval = options.pushIntervalMs ?? 5000;
  const tickOffsetNs = BigInt(options.tickOffsetNs ?? 0);
  if (tickOffsetNs < 0n || tickOffsetNs >= 1_000_000n) throw new Error('kit: tickOffsetNs must be 0..999999');
  const trendStats = options.trendStats ?? ['p(99)'];
  const native = options.nativeHistograms ?? run.nativeHistograms;
  const random = seededRandom(options.seed ?? 7);
  const pending: RemoteWriteRequest[] = [];
  const requests = {
    push: (r: RemoteWriteRequest): void => {
      pending.push(r);
    },
  };

  for (const runner of run.runners) {
    for (const process of [1, 2]) {
      const samples = run.samples.filter((s) => s.runner === runner.id && s.process === process);
      if (samples.length === 0) continue;
      const tsdb = new Map<string, Series>();
      // samples of one request share one tags object: find their series without string keys
      const byTags = new Map<object, Map<string, { key: string; series: Series }>>();
      const tagKeyCache = new Map<object, string>();
      const labelBytes: LabelBytesCache = new Map();
      const sampleMs = samples.map((s) => toMs(s.unixNano));
      const startMs = toMs(samples[0]!.unixNano);
      const lastMs = toMs(samples[samples.length - 1]!.unixNano);
      let cursor = 0;
      // periodic flusher ticks every interval from the output's start, plus the flush at Stop
      const ticks: number[] = [];
      for (let t = startMs + interval; t <= lastMs; t += interval) ticks.push(t);
      const crashed = isCrashed(options, runner.id, process);
      if (!crashed) ticks.push(lastMs + 1);
      for (const [tickIndex, tick] of ticks.entries()) {
        const seen = new Set<string>();
        const order: string[] = [];
        // the periodic ticks may fall inside a ms (tickOffsetNs); the Stop flush (last) never does
        const tickNs =
          tickOffsetNs === 0n || (!crashed && tickIndex === ticks.length - 1)
            ? null
            : BigInt(tick) * 1_000_000n + tickOffsetNs;
        while (
          cursor < samples.length &&
          (tickNs === null ? sampleMs[cursor]! < tick : samples[cursor]!.unixNano < tickNs)
        ) {
          const truncMs = sampleMs[cursor]!;
          const s = samples[cursor++]!;
          let perTags = byTags.get(s.tags);
          if (!perTags) {
            perTags = new Map();
            byTags.set(s.tags, perTags);
          }
          const cached = perTags.get(s.metric);
          const key = cached?.key ?? seriesKey(s, tagKeyCache);
          let series = cached?.series ?? tsdb.get(key);
          if (series && !cached) perTags.set(s.metric, { key, series });
          if (!series) {
            const def = run.metrics.get(s.metric);
            if (!def) throw new Error(`kit: unregistered metric ${s.metric}`);
            series = {
              def,
              tags: s.tags,
              latestMs: truncMs,
              counter: 0,
              gauge: 0,
              trues: 0,
              total: 0,
              trendValues: [],
              trendSum: 0,
              labels: new Map(),
              ...(def.type === 'trend' && native ? { histogram: new NativeHistogram() } : {}),
            };
            tsdb.set(key, series);
            perTags.set(s.metric, { key, series });
            if (!seen.has(key)) {
              seen.add(key);
              order.push(key);
            }
          } else if (truncMs > series.latestMs) {
            series.latestMs = truncMs;
            if (!seen.has(key)) {
              seen.add(key);
              order.push(key);
            }
          }
          switch (series.def.type) {
            case 'counter':
              series.counter += s.value;
              break;
            case 'gauge':
              series.gauge = s.value;
              break;
            case 'rate':
              series.total++;
              if (s.value !== 0) series.trues++;
              break;
            case 'trend':
              if (series.histogram) series.histogram.observe(series.def.contains === 'time' ? s.value / 1000 : s.value);
              else {
                series.trendValues.push(s.value);
                series.trendSum += s.value;
              }
              break;
          }
        }
        if (order.length === 0) continue; // k6 skips a flush with no buffered samples
        const timeseries = shuffle(
          order.flatMap((k) => mapToPb(tsdb.get(k)!, trendStats, native)),
          random,
        );
        requests.push(
          makeRequest(
            { sender: runner.address, runner: runner.id, process, atMs: tick, kind: 'push' },
            timeseries,
            labelBytes,
          ),
        );
        yield* pending.splice(0);
      }
      if (options.staleMarkers && !crashed) {
        const stopMs = lastMs + 1;
        const staleTs = stopMs + 1;
        const timeseries = shuffle(
          [...tsdb.values()].flatMap((series) =>
            mapToPb(series, trendStats, native).map((ts) => ({
              ...ts,
              samples: [{ value: Number.NaN, stale: true, timestamp: staleTs } satisfies PbSample],
              histograms: ts.histograms.map((h): PbHistogram => h),
            })),
          ),
          random,
        );
        requests.push(
          makeRequest(
            { sender: runner.address, runner: runner.id, process, atMs: stopMs, kind: 'stale' },
            timeseries,
            labelBytes,
          ),
        );
        yield* pending.splice(0);
      }
    }
  }
}

function isCrashed(options: RemoteWriteOptions, runner: string, process: number): boolean {
  return (options.crashed ?? []).some((entry) => entry.runner === runner && entry.process === process);
}

/**
 * The samples whose values reach the receiver: `run`'s samples less those k6 never sends with
 * `options`, recounted (`expected`) as `buildRun` recounts. Derived here from k6's two rules, not
 * from the request builder above: a series is pushed at a flush only when a sample added at that
 * flush has a later truncated ms than the series' newest so far (`remotewrite.go`
 * `convertToPbSeries`), carrying every sample added up to then; a sample is added at the first
 * flush whose time is after it (periodic ticks at `tickOffsetNs` into their ms; the flush at Stop
 * after every sample, none for a crashed process). So the samples a series still holds after its
 * last push, and a crashed process's samples after its last tick, are never sent.
 */
export function remoteWriteSentRun(run: K6Run, options: RemoteWriteOptions = {}): K6Run & { readonly unsent: number } {
  const interval = options.pushIntervalMs ?? 5000;
  const offsetNs = BigInt(options.tickOffsetNs ?? 0);
  const kept = new Set<K6Sample>();
  for (const runner of run.runners) {
    for (const process of [1, 2]) {
      const samples = run.samples.filter((sample) => sample.runner === runner.id && sample.process === process);
      if (samples.length === 0) continue;
      const startMs = toMs(samples[0]!.unixNano);
      const lastMs = toMs(samples[samples.length - 1]!.unixNano);
      const flushes: bigint[] = [];
      for (let t = startMs + interval; t <= lastMs; t += interval) flushes.push(BigInt(t) * 1_000_000n + offsetNs);
      const stop = !isCrashed(options, runner.id, process);
      // flush index per sample, in emission order (a later sample is never added earlier)
      const flushOf: number[] = [];
      let flush = 0;
      for (const sample of samples) {
        while (flush < flushes.length && !(sample.unixNano < flushes[flush]!)) flush += 1;
        flushOf.push(flush < flushes.length || stop ? flush : Number.POSITIVE_INFINITY);
      }
      // per series: the last flush that pushed it, then the samples added up to that flush
      const bySeries = new Map<string, number[]>();
      samples.forEach((sample, index) => {
        const key = `${sample.metric}\u0000${JSON.stringify(Object.entries(sample.tags).sort())}`;
        const list = bySeries.get(key) ?? [];
        list.push(index);
        bySeries.set(key, list);
      });
      for (const indexes of bySeries.values()) {
        // the newest truncated ms the series' sink has seen, over every flush so far
        let newest = Number.NEGATIVE_INFINITY;
        let lastPush = -1;
        let position = 0;
        while (position < indexes.length && Number.isFinite(flushOf[indexes[position]!]!)) {
          const at = flushOf[indexes[position]!]!;
          let groupNewest = Number.NEGATIVE_INFINITY;
          for (; position < indexes.length && flushOf[indexes[position]!] === at; position += 1)
            groupNewest = Math.max(groupNewest, toMs(samples[indexes[position]!]!.unixNano));
          if (groupNewest > newest) lastPush = at;
          newest = Math.max(newest, groupNewest);
        }
        for (const index of indexes) if (flushOf[index]! <= lastPush) kept.add(samples[index]!);
      }
    }
  }
  const samples = run.samples.filter((sample) => kept.has(sample));
  const base = { ...run, samples };
  return { ...base, expected: computeExpected(base), unsent: run.samples.length - samples.length };
}
