/**
 * The exporter's own health: lines read, rejections by reason, label values folded, lag, source
 * errors. Plain counters kept here and rendered by render.ts with the catalog's names.
 */

import { REJECT_REASONS, type RejectReason } from './parse.ts';
import type { CappedLabel } from './labels.ts';

/** Inputs the exporter reads (the `source` label of its health metrics). */
export const INPUT_SOURCES = ['file', 'ingest', 'remote_write'] as const;
/** One input. */
export type InputSource = (typeof INPUT_SOURCES)[number];
/** Sources that can fail: the inputs and the truth poll. */
export type ErrorSource = InputSource | 'truth';

/** The labels whose values are capped, for floodgate_series_dropped_total. */
export const CAPPED_LABELS: readonly CappedLabel[] = ['scenario', 'method', 'status', 'check', 'metric', 'threshold'];

/** What the remote-write series table reports after each request (exporter/remote-write.ts CumulativeTracker). */
export interface RemoteWriteState {
  readonly series: number;
  readonly conflicts: readonly string[];
  readonly conflictCount: number;
  readonly restarts: number;
}

/** Counters of the exporter's own work; every known series starts at 0. Changed only through its methods. */
export class ExporterHealth {
  readonly lines = new Map<InputSource, number>(INPUT_SOURCES.map((source) => [source, 0]));
  readonly rejected = new Map<InputSource, Map<RejectReason, number>>(
    INPUT_SOURCES.map((source) => [source, new Map(REJECT_REASONS.map((reason) => [reason, 0]))]),
  );
  readonly folded = new Map<CappedLabel, number>(CAPPED_LABELS.map((label) => [label, 0]));
  readonly lagSeconds = new Map<InputSource, number>(INPUT_SOURCES.map((source) => [source, 0]));
  readonly errors = new Map<ErrorSource, number>([...INPUT_SOURCES, 'truth' as const].map((source) => [source, 0]));
  private evictedRuns = 0;
  private files = 0;
  private remote: RemoteWriteState = { series: 0, conflicts: [], conflictCount: 0, restarts: 0 };
  private trendStats = 0;

  /** Runs evicted beyond `--max-runs`. */
  get runsEvicted(): number {
    return this.evictedRuns;
  }

  /** Files matching `--follow` at the last poll. */
  get followedFiles(): number {
    return this.files;
  }

  /** Remote-write input series whose last cumulative value is kept. */
  get remoteWriteSeries(): number {
    return this.remote.series;
  }

  /** Remote-write runner identities found to be two senders (the first few). */
  get remoteWriteConflicts(): readonly string[] {
    return this.remote.conflicts;
  }

  /** Remote-write runner identities found to be two senders, all of them. */
  get remoteWriteConflictCount(): number {
    return this.remote.conflictCount;
  }

  /** Remote-write runner restarts seen. */
  get remoteWriteRestarts(): number {
    return this.remote.restarts;
  }

  /** k6 trend-stat gauges received (`k6_*_p99`, …): per-runner percentiles, not convertible. */
  get remoteWriteTrendStats(): number {
    return this.trendStats;
  }

  /** One run evicted. */
  evicted(): void {
    this.evictedRuns += 1;
  }

  /** The follower's last poll found `files` files. */
  following(files: number): void {
    this.files = files;
  }

  /** The remote-write series table after a request. */
  remoteWrite(state: RemoteWriteState): void {
    this.remote = {
      series: state.series,
      conflicts: state.conflicts,
      conflictCount: state.conflictCount,
      restarts: state.restarts,
    };
  }

  /** One k6 trend-stat gauge received. */
  trendStat(): void {
    this.trendStats += 1;
  }

  /** `count` lines (or remote-write series) read from `source`. */
  read(source: InputSource, count = 1): void {
    this.lines.set(source, this.lines.get(source)! + count);
  }

  /** One input rejected. */
  reject(source: InputSource, reason: RejectReason): void {
    const reasons = this.rejected.get(source)!;
    reasons.set(reason, reasons.get(reason)! + 1);
  }

  /** Total rejections from `source` (all reasons). */
  rejectedTotal(source: InputSource): number {
    let total = 0;
    for (const count of this.rejected.get(source)!.values()) total += count;
    return total;
  }

  /** One sample's label value folded into `other`. */
  fold(label: CappedLabel): void {
    this.folded.set(label, (this.folded.get(label) ?? 0) + 1);
  }

  /** An error reading `source`. */
  error(source: ErrorSource): void {
    this.errors.set(source, this.errors.get(source)! + 1);
  }

  /** Age of the newest sample of the latest batch from `source`, in seconds (0 when caught up). */
  lag(source: InputSource, seconds: number): void {
    this.lagSeconds.set(source, Math.max(0, seconds));
  }
}
