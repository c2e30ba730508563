/**
 * Feeding parsed input into the store and counting it: NDJSON batches (a file read, a request
 * body) and remote-write requests. Every line or series read is counted by source; every
 * rejection is counted by reason and skipped; nothing here throws on bad input.
 */

import { sampleRejection } from '../contracts/k6-json.ts';
import { k6TagSelection, readK6Line } from '../contracts/k6-json-scan.ts';
import { FLOODGATE_TAGS, K6_BUILTIN, K6_METRICS } from '../contracts/metrics.ts';
import type { Clock } from './clock.ts';
import type { ExporterHealth, InputSource } from './health.ts';
import { OTHER, runLabel } from './labels.ts';
import type { LineSink } from './lines.ts';
import { parseK6Line, type RejectReason } from './parse.ts';
import {
  catalogSeriesKey,
  CumulativeTracker,
  foldNativeHistogram,
  isStaleMarker,
  isTrendStatSeries,
  type FoldedHistogram,
  type ObservedTotal,
  type RemoteHistogram,
  type RemoteLabel,
  runnerIdentity,
  seriesKind,
  type WriteRequest,
} from './remote-write.ts';
import type { Layer, RunStore } from './store.ts';

/** What ingestion needs. */
export interface IngestContext {
  readonly store: RunStore;
  readonly health: ExporterHealth;
  readonly clock: Clock;
  readonly maxLineBytes: number;
  /** Called with a run and the target its samples name in a `floodgate_target` tag (truth targeting). */
  readonly runTarget?: (run: string, target: string) => void;
  /**
   * How NDJSON lines are read: `scan` (the default) scans k6's own Point lines in place and hands
   * every other line to JSON.parse (contracts/k6-json.ts readK6Line); `parse` sends every line to
   * JSON.parse. Both give the same counts, rejections and /metrics (exporter/line-reader.int.test.ts).
   */
  readonly lineReader?: LineReader;
}

/** See {@link IngestContext.lineReader}. */
export type LineReader = 'scan' | 'parse';

/** The tags the store and truth targeting read (labels.ts, store.ts, FLOODGATE_TAGS.target): a scanned line keeps only these. */
export const INGEST_TAGS = k6TagSelection([FLOODGATE_TAGS.target]);

/** Lines of one batch: counted, parsed, stored. End the batch to update the lag gauge. */
export class NdjsonBatch implements LineSink {
  private readonly context: IngestContext;
  private readonly layer: Layer;
  private readonly source: InputSource;
  private newestMs = Number.NEGATIVE_INFINITY;
  /** Lines read in this batch (blank lines excluded). */
  lines = 0;
  /** Lines rejected in this batch. */
  rejected = 0;

  constructor(context: IngestContext, layer: Layer, source: InputSource) {
    this.context = context;
    this.layer = layer;
    this.source = source;
  }

  line(text: string): void {
    const parsed =
      this.context.lineReader === 'parse'
        ? parseK6Line(text, this.context.maxLineBytes)
        : readK6Line(text, this.context.maxLineBytes, INGEST_TAGS);
    if (parsed.kind === 'blank') return;
    this.lines += 1;
    this.context.health.read(this.source);
    if (parsed.kind === 'rejected') {
      this.reject(parsed.reason);
    } else if (parsed.kind === 'metric') {
      this.context.store.declare(this.layer, parsed.declaration);
    } else {
      const reason = this.context.store.addSample(this.layer, parsed.sample, true);
      const target = parsed.sample.tags[FLOODGATE_TAGS.target];
      if (target !== undefined) this.context.runTarget?.(runLabel(parsed.sample.tags), target);
      if (reason) this.reject(reason);
      else if (parsed.sample.timeMs > this.newestMs) this.newestMs = parsed.sample.timeMs;
    }
  }

  tooLong(): void {
    this.lines += 1;
    this.context.health.read(this.source);
    this.reject('too_long');
  }

  /** The batch is over: the lag is the age of its newest sample. */
  end(): void {
    if (Number.isFinite(this.newestMs))
      this.context.health.lag(this.source, (this.context.clock.now() - this.newestMs) / 1000);
  }

  private reject(reason: RejectReason): void {
    this.rejected += 1;
    this.context.health.reject(this.source, reason);
  }
}

/** Counts of one remote-write request. */
export interface RemoteWriteResult {
  readonly series: number;
  readonly rejected: number;
}

/**
 * Applies one decoded write request from `address` (the sender's IP): each series goes to the
 * layer of its runner ({@link runnerIdentity}: address plus instance_id and the other runner
 * labels), cumulative values become increments through `tracker`, which finds restarts per runner
 * and senders it cannot tell apart (`sender_conflict`). Every sample is checked as a k6 line's
 * would be (contracts/k6-json.ts sampleRejection). Trend-stat gauges (`k6_*_p99`, …) are not
 * convertible and only counted.
 */
export function ingestWriteRequest(
  context: IngestContext,
  tracker: CumulativeTracker,
  layerFor: (runner: string) => Layer,
  request: WriteRequest,
  address = '',
): RemoteWriteResult {
  const { health, store } = context;
  let rejected = 0;
  let newestMs = Number.NEGATIVE_INFINITY;
  const reject = (reason: RejectReason): void => {
    rejected += 1;
    health.reject('remote_write', reason);
  };
  const prepared = request.timeseries.map((series) => {
    const { name, tags } = splitLabels(series.labels);
    const runner = runnerIdentity(address, series.labels);
    const kind = name === undefined ? undefined : seriesKind(name);
    const folded = kind?.kind === 'duration' ? series.histograms.map(foldOrUndefined) : [];
    return { series, name, tags, runner, kind, key: CumulativeTracker.key(series.labels), folded };
  });
  // Restarts and conflicts are decided on the whole request before any of it is counted.
  const totals: ObservedTotal[] = [];
  for (const { series, kind, runner, key, folded } of prepared) {
    if (kind?.kind === 'counter') {
      for (const { value } of series.samples) if (Number.isFinite(value)) totals.push({ runner, key, total: value });
    }
    for (const histogram of folded)
      if (histogram) totals.push({ runner, key, total: histogram.count, buckets: histogram.counts });
  }
  // The runs pushing in this request are live: none of their series may expire before it is applied.
  for (const { runner, kind, tags } of prepared)
    if (kind !== undefined && kind.kind !== 'ignored') tracker.seen(runner, runLabel(tags));
  tracker.observe(totals);
  for (const { series, name, tags, runner, kind, key, folded: foldedHistograms } of prepared) {
    health.read('remote_write');
    if (name === undefined || kind === undefined) {
      reject('missing_field');
      continue;
    }
    if (kind.kind === 'ignored') {
      if (isTrendStatSeries(name)) health.trendStat();
      continue;
    }
    if (tracker.conflicted(runner)) {
      for (let index = 0; index < series.samples.length + series.histograms.length; index += 1)
        reject('sender_conflict');
      continue;
    }
    tracker.seen(runner, runLabel(tags));
    const layer = layerFor(runner);
    const target = tags[FLOODGATE_TAGS.target];
    if (target !== undefined) context.runTarget?.(runLabel(tags), target);
    const catalogKey = catalogSeriesKey(runner, name, tags);
    if (kind.kind === 'duration') {
      for (const [index, histogram] of series.histograms.entries()) {
        const folded = foldedHistograms[index];
        if (!folded) {
          reject('bad_histogram');
          continue;
        }
        const delta = tracker.histogram(runner, key, catalogKey, folded, histogram.resetHint === 'YES');
        if (typeof delta === 'string') {
          reject(delta);
          continue;
        }
        const reason =
          delta.kind === 'histogram'
            ? store.addDurationCounts(layer, tags, histogram.timestamp, delta.counts, delta.sum, delta.count)
            : undefined;
        if (reason) reject(reason);
        else newestMs = Math.max(newestMs, histogram.timestamp);
      }
      continue;
    }
    for (const { value, timestamp } of series.samples) {
      if (isStaleMarker(value)) {
        // The runner stopped sending this series: nothing to count. A planned rate or a VU count
        // it ends is over (k6 sends stale markers when a test ends, also when it was interrupted),
        // and the runner's next push is a new process.
        if (kind.kind === 'gauge' && kind.metric === K6_METRICS.plannedArrivalRate) store.endPlanned(layer, tags);
        if (kind.kind === 'gauge' && kind.metric === K6_BUILTIN.vus) store.endVus(layer, tags);
        tracker.stale(runner);
        continue;
      }
      const invalid = sampleRejection(kind.metric, value, tags);
      if (invalid) {
        reject(invalid);
        continue;
      }
      let sampleValue = value;
      if (kind.kind === 'counter') {
        const delta = tracker.counter(runner, key, catalogKey, value);
        if (typeof delta === 'string') {
          reject(delta);
          continue;
        }
        if (delta.kind === 'counter') sampleValue = delta.increment;
      }
      const reason = store.addSample(layer, { metric: kind.metric, timeMs: timestamp, value: sampleValue, tags });
      if (reason) reject(reason);
      else newestMs = Math.max(newestMs, timestamp);
    }
  }
  health.remoteWrite({
    series: tracker.size,
    conflicts: tracker.conflicts,
    conflictCount: tracker.conflictCount,
    restarts: tracker.restarts,
  });
  if (Number.isFinite(newestMs)) health.lag('remote_write', (context.clock.now() - newestMs) / 1000);
  return { series: request.timeseries.length, rejected };
}

function foldOrUndefined(histogram: RemoteHistogram): FoldedHistogram | undefined {
  try {
    return foldNativeHistogram(histogram);
  } catch {
    return undefined;
  }
}

function splitLabels(labels: readonly RemoteLabel[]): { name: string | undefined; tags: Record<string, string> } {
  let name: string | undefined;
  const tags: Record<string, string> = {};
  for (const { name: key, value } of labels) {
    if (key === '__name__') name = value;
    else tags[key] = value;
  }
  return { name, tags };
}

/**
 * Layer ids for senders (remote-write runners, ingest senders), with at most `cap` distinct
 * senders; beyond it they share the `other` layer.
 */
export class SenderLayers {
  private readonly seen = new Set<string>();
  private readonly cap: number;
  private readonly prefix: string;

  constructor(prefix: string, cap: number) {
    this.prefix = prefix;
    this.cap = cap;
  }

  /** The layer id for `sender`. */
  id(sender: string): string {
    if (this.seen.has(sender)) return `${this.prefix}:${sender}`;
    if (this.seen.size >= this.cap || sender.length > 128) return `${this.prefix}:${OTHER}`;
    this.seen.add(sender);
    return `${this.prefix}:${sender}`;
  }
}

/** Splits a request body stream into lines for `batch`; resolves with false when it exceeded `maxBytes`. */
export async function ingestBody(
  body: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
  splitter: { push(chunk: Buffer, sink: LineSink): void; end(sink: LineSink): void },
  batch: NdjsonBatch,
  maxBytes: number,
): Promise<boolean> {
  let received = 0;
  try {
    for await (const chunk of body) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      received += bytes.length;
      if (received > maxBytes) return false;
      splitter.push(bytes, batch);
    }
    splitter.end(batch);
    return true;
  } finally {
    batch.end();
  }
}
