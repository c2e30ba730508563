/**
 * The exporter's view of k6 lines: the one line reader lives in contracts/k6-json.ts (shared with
 * the report and `floodgate run`); this module adds the reasons only remote write and the store
 * can give, so `floodgate_ingest_rejected_total{reason}` has one bounded list.
 */

import { K6_LINE_REJECTIONS } from '../contracts/k6-json.ts';

export {
  K6_METRIC_NAME,
  K6_METRIC_TYPES,
  parseK6Line,
  parseRfc3339,
  type K6MetricDeclaration,
  type K6MetricType,
  type K6Sample,
  type ParsedK6Line as ParsedLine,
} from '../contracts/k6-json.ts';

/** Why an input line or remote-write series was rejected; a bounded set (it is a label value). */
export const REJECT_REASONS = [
  ...K6_LINE_REJECTIONS,
  /** A native histogram that does not decode into buckets. */
  'bad_histogram',
  /** A new remote-write series beyond `--max-remote-series`. */
  'series_limit',
  /**
   * A remote-write series whose cumulative value went down and then up again within one runner
   * identity: two senders that cannot be told apart push the same series. Not summed.
   */
  'sender_conflict',
] as const;

/** One rejection reason. */
export type RejectReason = (typeof REJECT_REASONS)[number];
