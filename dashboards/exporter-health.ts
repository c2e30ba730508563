/**
 * Exporter health board: is the live view telling the truth? Ingest rate, input rejected by
 * reason, label values folded into "other", ingest lag, source errors, and whether Prometheus can
 * scrape the exporter and the target at all.
 */

import { EXPORTER_METRICS } from '../contracts/metrics.ts';
import type { DashboardSpec, PanelSpec } from './panels.ts';
import { eq, oneOf, re, series, sumBy, sumIncrease, sumRate, RATE_INTERVAL } from '../contracts/promql.ts';
import { MAX_INGEST_LAG_SECONDS, SCRAPE_JOBS } from '../deploy/prometheus/rules/alerts.ts';

const exporterJob = eq('job', SCRAPE_JOBS.exporter);

const ingestRate: PanelSpec = {
  kind: 'timeseries',
  title: 'Ingest rate by source',
  description:
    'Input lines (NDJSON files, POSTed NDJSON) or remote-write series the exporter reads per second, by source. It should follow the load: a flat line during a run means the exporter is not reading the run.',
  unit: 'suffix:lines/s',
  min: 0,
  width: 8,
  height: 8,
  queries: [{ expr: sumRate(series(EXPORTER_METRICS.ingestLines), ['source']), legend: '{{source}}' }],
};

const rejected: PanelSpec = {
  kind: 'timeseries',
  title: 'Rejected input by reason',
  description:
    'Input the exporter counted and skipped per second, by source and reason (bad JSON, too long, unknown type, …). Anything here makes dashboard totals short by that much; fix the sender. remote_write sender_conflict: two k6 runners the exporter cannot tell apart (one address, no instance_id or floodgate_runner tag) push the same series; their samples are rejected, not summed (the runners are named in /healthz).',
  unit: 'suffix:lines/s',
  min: 0,
  width: 8,
  height: 8,
  emptyWhenHealthy: 'nothing is rejected',
  queries: [
    { expr: sumRate(series(EXPORTER_METRICS.ingestRejected), ['source', 'reason']), legend: '{{source}} {{reason}}' },
  ],
};

const lag: PanelSpec = {
  kind: 'timeseries',
  title: 'Ingest lag',
  description: `Age of the newest sample when the exporter read it, by source. Above ${MAX_INGEST_LAG_SECONDS} s (dashed, the alert threshold) the live panels show the past.`,
  unit: 's',
  min: 0,
  width: 8,
  height: 8,
  referenceSeries: 'alert line',
  queries: [
    { expr: `max by (source) (${series(EXPORTER_METRICS.ingestLag)})`, legend: '{{source}}' },
    { expr: `vector(${MAX_INGEST_LAG_SECONDS})`, legend: 'alert line' },
  ],
};

const dropped: PanelSpec = {
  kind: 'timeseries',
  title: 'Label values folded into "other"',
  description:
    'New label values the exporter folded into "other" because the label reached its cap of distinct values, per label. A script tag with unbounded values (an id in a request name) shows up here.',
  unit: 'short',
  min: 0,
  width: 8,
  height: 8,
  emptyWhenHealthy: 'no label reaches its cap',
  queries: [
    { expr: sumIncrease(series(EXPORTER_METRICS.seriesDropped), ['label'], RATE_INTERVAL), legend: '{{label}}' },
  ],
};

const sourceErrors: PanelSpec = {
  kind: 'timeseries',
  title: 'Source errors',
  description:
    'Errors reading a source (a results file, a truth poll of the target, a request), by source. Truth-poll errors mean the reconciliation panels are stale.',
  unit: 'short',
  min: 0,
  width: 8,
  height: 8,
  emptyWhenHealthy: 'every source reads cleanly',
  queries: [
    { expr: sumIncrease(series(EXPORTER_METRICS.sourceErrors), ['source'], RATE_INTERVAL), legend: '{{source}}' },
  ],
};

const followed: PanelSpec = {
  kind: 'stat',
  title: 'Followed files',
  description:
    'Results files (one per run) the exporter is following now. Zero during a run means its --follow glob does not match where k6 writes.',
  unit: 'short',
  decimals: 0,
  width: 8,
  height: 8,
  thresholds: [
    { value: null, color: 'orange' },
    { value: 1, color: 'green' },
  ],
  queries: [{ expr: `sum(${series(EXPORTER_METRICS.followedFiles)})`, legend: 'files', instant: true }],
};

const up: PanelSpec = {
  kind: 'stat',
  title: 'Scrape targets up',
  description:
    'Whether Prometheus can scrape each floodgate job (1 up, 0 down). A down exporter blinds every board; a down target fails every stage.',
  unit: 'short',
  decimals: 0,
  width: 8,
  height: 8,
  thresholds: [
    { value: null, color: 'red' },
    { value: 1, color: 'green' },
  ],
  queries: [
    {
      expr: sumBy(series('up', re('job', oneOf(Object.values(SCRAPE_JOBS)))), ['job']),
      legend: '{{job}}',
      instant: true,
    },
  ],
};

const scrape: PanelSpec = {
  kind: 'timeseries',
  title: 'Exporter scrape duration and size',
  description:
    'How long Prometheus takes to scrape the exporter, and how many samples a scrape returns (right axis). Samples growing without bound mean a label escaped its cap.',
  unit: 's',
  min: 0,
  width: 16,
  height: 8,
  rightAxis: { match: 'samples', unit: 'short' },
  queries: [
    { expr: `max(${series('scrape_duration_seconds', exporterJob)})`, legend: 'duration' },
    { expr: `max(${series('scrape_samples_scraped', exporterJob)})`, legend: 'samples' },
  ],
};

/** The exporter health board. */
export const exporterHealthBoard: DashboardSpec = {
  file: 'exporter-health.json',
  uid: 'floodgate-exporter-health',
  title: 'floodgate / Exporter health',
  description:
    'Is the live view telling the truth: ingest rate, rejections by reason, folded label values, lag, source errors and scrape health.',
  tags: ['floodgate', 'generated'],
  rows: [
    { title: 'Ingest', panels: [ingestRate, rejected, lag] },
    { title: 'Series and sources', panels: [dropped, sourceErrors, followed] },
    { title: 'Scrapes', panels: [up, scrape] },
  ],
};
