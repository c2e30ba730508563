/**
 * A run's `summary.json` (k6's handleSummary data, written next to k6.ndjson at the end of a run):
 * the final verdict of every threshold, submetric thresholds included. k6's NDJSON carries only
 * thresholds keyed on a parent metric, so this is where `http_req_duration{stage:register}:
 * p(95)<1500` and the like come from. Pure: parsing only.
 */

/** One threshold's final verdict. */
export interface FinalThreshold {
  /** Metric or submetric name as k6 keys it, e.g. `http_req_duration{stage:register}`. */
  readonly metric: string;
  readonly threshold: string;
  readonly ok: boolean;
}

/** What the exporter uses of a summary. */
export interface RunSummary {
  readonly thresholds: readonly FinalThreshold[];
  /** `http_reqs` count and `iterations` count, to check the summary belongs to the data read. */
  readonly httpReqs: number | undefined;
  readonly iterations: number | undefined;
}

/** Reads the parts of handleSummary data the exporter uses; throws TypeError when the shape is wrong. */
export function parseRunSummary(text: string): RunSummary {
  const data = JSON.parse(text) as unknown;
  if (typeof data !== 'object' || data === null) throw new TypeError('summary is not a JSON object');
  const metrics = (data as { metrics?: unknown }).metrics;
  if (typeof metrics !== 'object' || metrics === null) throw new TypeError('summary has no "metrics" object');
  const thresholds: FinalThreshold[] = [];
  for (const [metric, entry] of Object.entries(metrics as Record<string, unknown>)) {
    const verdicts = typeof entry === 'object' && entry !== null ? (entry as { thresholds?: unknown }).thresholds : undefined;
    if (typeof verdicts !== 'object' || verdicts === null) continue;
    for (const [threshold, verdict] of Object.entries(verdicts as Record<string, unknown>)) {
      const ok = typeof verdict === 'object' && verdict !== null ? (verdict as { ok?: unknown }).ok : undefined;
      if (typeof ok !== 'boolean') throw new TypeError(`threshold ${metric}: ${threshold} has no boolean "ok"`);
      thresholds.push({ metric, threshold, ok });
    }
  }
  const count = (name: string): number | undefined => {
    const value = ((metrics as Record<string, { values?: { count?: unknown } }>)[name]?.values ?? {}).count;
    return typeof value === 'number' ? value : undefined;
  };
  return { thresholds, httpReqs: count('http_reqs'), iterations: count('iterations') };
}
