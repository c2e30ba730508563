/**
 * The metric table of exporter/README.md, rendered from the catalog with what feeds each metric,
 * so the README cannot drift from contracts/metrics.ts (exporter/readme.int.test.ts checks it).
 */

import { EXPORTER_METRICS, type MetricDefinition, RUN_METRICS } from '../contracts/metrics.ts';
import { REJECT_REASONS } from './parse.ts';

/** Where each run metric's values come from, for the README. */
const RUN_SOURCES: Readonly<Record<keyof typeof RUN_METRICS, string>> = {
  httpRequests:
    '`http_reqs` (NDJSON: +value per point; remote write: growth of `k6_http_reqs_total`); outcome: 429 → throttled, `expected_response="true"` → ok, else error',
  httpRequestDuration:
    '`http_req_duration` ms → s (NDJSON); native histogram `k6_http_req_duration_seconds` folded into the catalog buckets (remote write)',
  funnelStage: '`funnel_stage` (tags `stage`, `result`)',
  httpRequestsBySecond:
    'as `floodgate_http_requests_total`, by the second of the sample time modulo 60 (only with `--sample-seconds`)',
  funnelStageBySecond:
    'as `floodgate_funnel_stage_total`, by the second of the sample time modulo 60 (only with `--sample-seconds`)',
  plannedArrivalRate:
    '`planned_arrival_rate`, labelled by its `planned_scenario` tag (else `scenario`); summed over layers; 0 once the plan is over (see *The end of a plan*)',
  plannedArrivals: 'left Riemann sum of `planned_arrival_rate` over sample times, up to the last sample',
  iterations: '`iterations`',
  droppedIterations: '`dropped_iterations`',
  vus: '`vus`, newest value; summed over layers (files, runners) of the run',
  vusMax: '`vus_max`, as `vus`',
  checks: '`checks` (NDJSON only; 1 → pass, 0 → fail)',
  thresholdPassing:
    'live: thresholds of Metric lines on the samples so far; final: every verdict of the run’s `summary.json` (files only)',
  runInfo: 'every layer of the run, per scenario seen and source',
  runStart: 'earliest sample time',
  runLastSample: 'newest sample time',
  targetRecords: '`GET <target>/truth?run=` (`--target-truth`)',
  reconciliationLost: 'funnel `completed` counted before the truth poll, minus stored; 0 when not positive',
};

/** What each health metric counts. */
const HEALTH_NOTES: Readonly<Record<keyof typeof EXPORTER_METRICS, string>> = {
  ingestLines: 'lines (blank ones excepted) or remote-write series read',
  ingestRejected: 'reasons: ' + REJECT_REASONS.map((reason) => `\`${reason}\``).join(', '),
  seriesDropped:
    'samples whose `scenario`, `method`, `status`, `check`, `metric` or `threshold` value was folded into `other`',
  ingestLag: 'now − newest sample time of the latest batch; 0 once a poll finds the files caught up',
  sourceErrors: 'file read errors, request bodies that could not be read or decoded, failed truth polls',
  followedFiles: 'files matching `--follow` now',
  runsEvicted: 'runs forgotten beyond `--max-runs` (only runs idle for 60 s and not held by a followed file)',
  exposedSeries: 'Prometheus series of the run metrics (a histogram counts its buckets, sum and count)',
  remoteWriteSeries: 'input series whose last cumulative value is kept (≤ `--max-remote-series`)',
};

function row(metric: MetricDefinition, note: string): string {
  const labels = metric.labels.length > 0 ? metric.labels.join(', ') : '—';
  return `| \`${metric.name}\` | ${metric.type} | ${labels} | ${note.replace(/\|/g, '\\|')} |`;
}

/** The README table: every run and health metric of the catalog, with what feeds it. */
export function renderExporterMetricTable(): string {
  const rows = ['| metric | type | labels | from |', '|---|---|---|---|'];
  for (const [key, metric] of Object.entries(RUN_METRICS))
    rows.push(row(metric, RUN_SOURCES[key as keyof typeof RUN_METRICS]));
  for (const [key, metric] of Object.entries(EXPORTER_METRICS))
    rows.push(row(metric, HEALTH_NOTES[key as keyof typeof EXPORTER_METRICS]));
  return rows.join('\n');
}
