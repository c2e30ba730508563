/**
 * Alerting rules for a rehearsal: per-stage error-budget burn (multi-window, multi-burn-rate),
 * latency over the SLO, a stalled funnel, a load generator that falls behind its plan, records the
 * target acknowledged but lost, an exporter that lags or rejects input, and a target or exporter
 * that stopped answering. Each alert carries a one-line runbook.
 *
 * deploy/prometheus/tests/*.yml proves with `promtool test rules` that each one fires when it
 * should and stays silent when it should not.
 */

import { EXPORTER_METRICS, RUN_METRICS } from '../../../contracts/metrics.ts';
import { RUN_OBJECTIVES } from '../../../contracts/slo.ts';
import { eq, series, sumBy, sumIncrease, sumRate } from '../../../contracts/promql.ts';
import { RECORDED, recordedQuantile, type AlertRule, type BurnWindow, type RuleGroup } from './recording.ts';

/** Scrape job names in deploy/prometheus/prometheus.yml (a test keeps the two in step). */
export const SCRAPE_JOBS = {
  exporter: 'floodgate-exporter',
  target: 'floodgate-target',
  /** The simulated ministry NIK API's own /metrics (its queue and busy slots). */
  ministry: 'floodgate-ministry',
  prometheus: 'prometheus',
} as const;

/**
 * Burn rates: how many times faster than allowed a stage spends its error budget. At 10× a stage
 * fails 10 % of requests against a 1 % objective, and a ten-minute rehearsal's budget is gone in
 * one minute; at 2× it is gone by half-time.
 */
export const BURN_RATES = { fast: 10, slow: 2 } as const;

/** Ingest lag above which the live view is too late to steer a rehearsal, in seconds. */
export const MAX_INGEST_LAG_SECONDS = 10;

const funnel = RUN_METRICS.funnelStage;

/** `ratio(window) > burn × objective` for each stage, keeping the run and stage labels. */
function burning(window: BurnWindow, burn: number): string {
  return `${series(RECORDED.errorRatio(window))} > on (stage) group_left () (${burn} * ${series(RECORDED.errorObjective)})`;
}

function burnAlert(speed: 'fast' | 'slow', long: BurnWindow, short: BurnWindow): AlertRule {
  const burn = BURN_RATES[speed];
  return {
    alert: speed === 'fast' ? 'FloodgateStageErrorBudgetFastBurn' : 'FloodgateStageErrorBudgetSlowBurn',
    expr: `(${burning(long, burn)}) and on (run, stage) (${burning(short, burn)})`,
    ...(speed === 'slow' ? { for: '1m' } : {}),
    labels: { severity: speed === 'fast' ? 'page' : 'ticket' },
    annotations: {
      summary: `Stage {{ $labels.stage }} of run {{ $labels.run }} burns its error budget ${burn}× too fast`,
      description:
        `Over the last ${long} {{ $value | humanizePercentage }} of {{ $labels.stage }} requests failed, more than ${burn}× the stage's ` +
        `allowed error share, and the last ${short} confirm it is still happening. Windows are sized for a rehearsal of minutes: ` +
        `the long window keeps one bad scrape from paging, the short one lets the alert clear soon after a fix.`,
      runbook:
        speed === 'fast'
          ? 'Open the Launch overview for this run: read the error rate of the stage against its SLO line, then the target logs for that route; if the ministry API answers 503/504, its capacity is the limit (Capacity board, limiting stage).'
          : 'Not urgent but real: the stage runs above its SLO. Compare its error rate with load on the Capacity board and file the stage and rate at which errors begin.',
    },
  };
}

/** Every alert, in one group. */
export function alertRules(): RuleGroup {
  const entered = sumRate(series(funnel, eq('result', 'entered')), ['run', 'stage'], '1m');
  const completed = sumRate(series(funnel, eq('result', 'completed')), ['run', 'stage'], '1m');
  const lost = sumBy(series(RUN_METRICS.reconciliationLost), ['run', 'stage']);
  return {
    name: 'floodgate-alerts',
    rules: [
      burnAlert('fast', '5m', '30s'),
      burnAlert('slow', '30m', '5m'),
      {
        alert: 'FloodgateStageLatencyOverObjective',
        expr: `${recordedQuantile(0.95)} > on (stage) group_left () ${series(RECORDED.latencyObjective)}`,
        for: '1m',
        labels: { severity: 'warning' },
        annotations: {
          summary: 'p95 latency of {{ $labels.stage }} in run {{ $labels.run }} is over its objective',
          description:
            'The 95th percentile of {{ $labels.stage }} requests has been {{ $value | humanizeDuration }} for a minute, above the stage objective in contracts/slo.ts.',
          runbook:
            'Check whether load is still rising (Capacity board, latency against load): a p95 that climbs with each load step marks the knee; a p95 that jumped alone points at the target or its ministry API.',
        },
      },
      {
        alert: 'FloodgateFunnelStall',
        expr: `(${entered} > 0) unless on (run, stage) (${completed} > 0)`,
        for: '1m',
        labels: { severity: 'page' },
        annotations: {
          summary: 'Applicants enter {{ $labels.stage }} in run {{ $labels.run }} but none completes it',
          description:
            'For a whole minute applicants kept entering {{ $labels.stage }} and not one completed it: the stage is down, hanging, or refusing everyone.',
          runbook:
            'Read the Funnel board for the stage (failed vs throttled), then the target: for verify_nik check the ministry API, for verify_email the mailbox or token source, for join_batch whether every batch is full.',
        },
      },
      {
        alert: 'FloodgateArrivalsBelowPlan',
        expr: `${series(RECORDED.arrivalRate)} < on (run) ${RUN_OBJECTIVES.minAchievedShare} * ${series(RECORDED.plannedRate)}`,
        for: '1m',
        labels: { severity: 'warning' },
        annotations: {
          summary: `Run {{ $labels.run }} starts fewer applicants than planned`,
          description: `Achieved arrivals have stayed below ${RUN_OBJECTIVES.minAchievedShare * 100} % of the planned rate for a minute: the load generator, not the target, is the limit, and the run understates the load.`,
          runbook:
            'Look at VUs and dropped iterations on the Launch overview: raise maxVUs or add load generators (floodgate k8s --parallelism), or lower RATE_SCALE; a run that misses its plan is not valid evidence of capacity.',
        },
      },
      {
        alert: 'FloodgateDroppedIterations',
        expr: `${series(RECORDED.droppedRate)} > on (run) ${RUN_OBJECTIVES.maxDroppedShare} * ${series(RECORDED.plannedRate)}`,
        for: '30s',
        labels: { severity: 'warning' },
        annotations: {
          summary: 'Run {{ $labels.run }} drops planned arrivals',
          description: `More than ${RUN_OBJECTIVES.maxDroppedShare * 100} % of planned arrivals could not start because no VU was free: ramping-arrival-rate ran out of VUs.`,
          runbook:
            'Raise preAllocatedVUs/maxVUs for the scenario or spread the run over more generators; slow target answers hold VUs longer, so check latency first.',
        },
      },
      {
        alert: 'FloodgateRecordsLost',
        expr: `${lost} > 0`,
        for: '1m',
        labels: { severity: 'page' },
        annotations: {
          summary:
            'The target acknowledged {{ $value }} {{ $labels.stage }} records of run {{ $labels.run }} that it did not store',
          description:
            'The truth endpoint counts fewer stored records than the load generator saw acknowledged, for longer than a truth poll takes to catch up.',
          runbook:
            'Treat as data loss: compare acknowledged and stored on the Launch overview (target truth panel), then check the target database writes and any lost-write fault injection.',
        },
      },
      {
        alert: 'FloodgateExporterLagging',
        expr: `max by (instance, source) (${series(EXPORTER_METRICS.ingestLag)}) > ${MAX_INGEST_LAG_SECONDS}`,
        for: '1m',
        labels: { severity: 'warning' },
        annotations: {
          summary: 'The exporter reads {{ $labels.source }} input {{ $value | humanizeDuration }} late',
          description: `Samples reach Prometheus more than ${MAX_INGEST_LAG_SECONDS} s after k6 wrote them: live panels show the past.`,
          runbook:
            'Check the exporter CPU and the Exporter health board (ingest rate); a results disk that is slow or a remote-write sender that batches too much are the usual causes.',
        },
      },
      {
        alert: 'FloodgateExporterRejectingInput',
        expr: `${sumIncrease(series(EXPORTER_METRICS.ingestRejected), ['instance', 'source', 'reason'], '5m')} > 0`,
        labels: { severity: 'warning' },
        annotations: {
          summary: 'The exporter rejects {{ $labels.source }} input ({{ $labels.reason }})',
          description:
            'In the last 5 minutes the exporter counted and skipped input it could not read, so totals on the dashboards are short by that much.',
          runbook:
            'Read the reason: bad_json or too_long point at a broken writer, unknown_type at a k6 version the exporter does not know; fix the sender, not the exporter.',
        },
      },
      {
        alert: 'FloodgateExporterDroppingSeries',
        expr: `${sumIncrease(series(EXPORTER_METRICS.seriesDropped), ['instance', 'label'], '5m')} > 0`,
        labels: { severity: 'warning' },
        annotations: {
          summary: 'The exporter folds new {{ $labels.label }} values into "other"',
          description:
            'A label reached its cap of distinct values; new values are counted under "other" and lose their own series.',
          runbook:
            'Find the script tag with too many values (often a name built from an id); give requests a stable name tag, or raise --label-cap if the values are truly bounded.',
        },
      },
      {
        alert: 'FloodgateTargetDown',
        expr: `up{job="${SCRAPE_JOBS.target}"} == 0`,
        for: '30s',
        labels: { severity: 'page' },
        annotations: {
          summary: 'The target {{ $labels.instance }} does not answer scrapes',
          description:
            'Prometheus could not scrape the target for 30 s: it is down, hanging, or unreachable, and every stage will fail.',
          runbook:
            'Check the target process or container and its logs; stop the load run until it answers again, so the run does not measure an outage.',
        },
      },
      {
        alert: 'FloodgateExporterDown',
        expr: `up{job="${SCRAPE_JOBS.exporter}"} == 0`,
        for: '30s',
        labels: { severity: 'page' },
        annotations: {
          summary: 'The exporter {{ $labels.instance }} does not answer scrapes',
          description:
            'Prometheus could not scrape the exporter for 30 s: the dashboards go blind. No data is lost: it re-reads the results files when it comes back.',
          runbook:
            'Restart the exporter (floodgate exporter --follow …); check its token matches the one Prometheus sends (a 401 shows up as down too).',
        },
      },
    ],
  };
}

/** Names of every alert, for tests and documentation. */
export const ALERT_NAMES: readonly string[] = alertRules().rules.flatMap((rule) =>
  'alert' in rule ? [rule.alert] : [],
);
