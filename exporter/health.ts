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

/** Counters of the exporter's own work; every known series starts at 0. */
export class ExporterHealth {
  readonly lines = new Map<InputSource, number>(INPUT_SOURCES.map((source) => [source, 0]));
  readonly rejected = new Map<InputSource, Map<RejectReason, number>>(
    INPUT_SOURCES.map((source) => [source, new Map(REJECT_REASONS.map((reason) => [reason, 0]))]),
  );
  readonly folded = new Map<CappedLabel, number>(CAPPED_LABELS.map((label) => [label, 0]));
  readonly lagSeconds = new Map<InputSource, number>(INPUT_SOURCES.map((source) => [source, 0]));
  readonly errors = new Map<ErrorSource, number>([...INPUT_SOURCES, 'truth' as const].map((source) => [source, 0]));
  runsEvicted = 0;
  followedFiles = 0;
  remoteWriteSeries = 0;
  /** Remote-write runner identities found to be two senders (the first few), and how many in all. */
  remoteWriteConflicts: readonly string[] = [];
  remoteWriteConflictCount = 0;
  /** Remote-write runner restarts seen. */
  remoteWriteRestarts = 0;
  /** k6 trend-stat gauges received (`k6_*_p99`, …): per-runner percentiles, not convertible. */
  remoteWriteTrendStats = 0;

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
