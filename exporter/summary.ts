/**
 * A run's `summary.json` (written next to k6.ndjson at the end of a run): the final verdict of
 * every threshold, submetric thresholds included. k6's NDJSON carries only thresholds keyed on a
 * parent metric, so this is where `http_req_duration{stage:register}: p(95)<1500` and the like
 * come from. Every shape k6 writes is read by contracts/k6-summary.ts (handleSummary data, a
 * `--summary-export` file, the machine-readable summary); this module keeps what the exporter uses.
 */

import { parseK6Summary, type K6SummaryShape } from '../contracts/k6-summary.ts';

/** One threshold's final verdict. */
export interface FinalThreshold {
  /** Metric or submetric name as k6 keys it, e.g. `http_req_duration{stage:register}`. */
  readonly metric: string;
  readonly threshold: string;
  readonly ok: boolean;
}

/** What the exporter uses of a summary. */
export interface RunSummary {
  /** The shape read. */
  readonly shape: K6SummaryShape;
  /** Verdicts; empty for the machine-readable summary, which carries none. */
  readonly thresholds: readonly FinalThreshold[];
  /** `http_reqs` count and `iterations` count, to check the summary belongs to the data read. */
  readonly httpReqs: number | undefined;
  readonly iterations: number | undefined;
}

/** Reads the parts of a summary the exporter uses; throws (SyntaxError, TypeError) when it is no k6 summary. */
export function parseRunSummary(text: string): RunSummary {
  const summary = parseK6Summary(text);
  return {
    shape: summary.shape,
    thresholds: (summary.thresholds ?? []).map(({ metric, expression, ok }) => ({ metric, threshold: expression, ok })),
    httpReqs: summary.httpReqs,
    iterations: summary.iterations,
  };
}
