/**
 * Launch overview: the SRE's one screen during a rehearsal or the opening itself. Is the load
 * what we planned, does every stage keep its SLO, does the funnel behave like the seed, is the
 * load generator keeping up, does the target store what it acknowledges, and what is firing.
 */

import { FUNNEL_STAGES } from '../contracts/funnel.ts';
import { RUN_METRICS } from '../contracts/metrics.ts';
import { RUN_OBJECTIVES } from '../contracts/slo.ts';
import type { DashboardSpec, PanelSpec } from './panels.ts';
import {
  eq,
  oneOf,
  orZero,
  quantile,
  re,
  RUN_VARIABLE,
  series,
  STAGE_VARIABLE,
  sumBy,
  sumRate,
} from '../contracts/promql.ts';
import { APPLICANTS_PER_SECOND, objectiveByStage, outcomeShareByStage, overRange, TIMES_OBJECTIVE } from './queries.ts';
import { BURN_RATES } from '../deploy/prometheus/rules/alerts.ts';
import { ARRIVAL_MATCHERS, RECORDED } from '../deploy/prometheus/rules/recording.ts';

const http = RUN_METRICS.httpRequests;
const funnel = RUN_METRICS.funnelStage;

/** Stages the target's truth endpoint counts: every stage that stores something (not the landing page). */
export const STORED_STAGES = FUNNEL_STAGES.filter((stage) => stage !== 'landing');

/** Planned arrivals dropped per second by run; zero, not a gap, while nothing is dropped. */
const droppedPerSecond = orZero(
  sumRate(series(RUN_METRICS.droppedIterations, RUN_VARIABLE), ['run']),
  sumBy(series(RUN_METRICS.plannedArrivalRate, RUN_VARIABLE), ['run']),
);

const arrivals: PanelSpec = {
  kind: 'timeseries',
  title: 'Planned vs achieved arrivals',
  description:
    'New applicants per second: what the traffic profile asks for (dashed), how many journeys actually started, and how many planned arrivals the load generator could not start (dropped). Achieved below planned means the generator, not the target, is the limit: the run then understates the load.',
  unit: APPLICANTS_PER_SECOND,
  min: 0,
  width: 16,
  height: 8,
  referenceSeries: '.* planned',
  queries: [
    { expr: sumBy(series(RUN_METRICS.plannedArrivalRate, RUN_VARIABLE), ['run']), legend: '{{run}} planned' },
    { expr: sumRate(series(funnel, RUN_VARIABLE, ...ARRIVAL_MATCHERS), ['run']), legend: '{{run}} achieved' },
    { expr: droppedPerSecond, legend: '{{run}} dropped' },
  ],
};

const achievedShare: PanelSpec = {
  kind: 'stat',
  title: 'Achieved share of plan',
  description: `Journeys started divided by arrivals planned, over the time range. Below ${RUN_OBJECTIVES.minAchievedShare * 100} % the run is not valid evidence of capacity: the load generator fell behind.`,
  unit: 'percentunit',
  decimals: 1,
  width: 4,
  height: 8,
  thresholds: [
    { value: null, color: 'red' },
    { value: RUN_OBJECTIVES.minAchievedShare, color: 'green' },
  ],
  queries: [
    {
      expr: `${overRange(series(funnel, RUN_VARIABLE, ...ARRIVAL_MATCHERS))} / ${overRange(series(RUN_METRICS.plannedArrivals, RUN_VARIABLE))}`,
      legend: 'achieved',
      instant: true,
    },
  ],
};

const droppedShare: PanelSpec = {
  kind: 'stat',
  title: 'Dropped share of plan',
  description: `Planned arrivals the load generator could not start because no virtual user was free, as a share of all planned arrivals over the time range. Above ${RUN_OBJECTIVES.maxDroppedShare * 100} % the run is invalid: give the scenario more VUs or more generators.`,
  unit: 'percentunit',
  decimals: 2,
  width: 4,
  height: 8,
  thresholds: [
    { value: null, color: 'green' },
    { value: RUN_OBJECTIVES.maxDroppedShare, color: 'red' },
  ],
  queries: [
    {
      expr: `(${overRange(series(RUN_METRICS.droppedIterations, RUN_VARIABLE))} or vector(0)) / ${overRange(series(RUN_METRICS.plannedArrivals, RUN_VARIABLE))}`,
      legend: 'dropped',
      instant: true,
    },
  ],
};

const throughput: PanelSpec = {
  kind: 'timeseries',
  title: 'Throughput by stage',
  description:
    'Requests per second the load generator sent, per funnel stage. Later stages carry fewer requests because applicants drop out along the funnel; a stage that flattens while load still rises has reached its capacity.',
  unit: 'reqps',
  min: 0,
  width: 6,
  height: 8,
  queries: [{ expr: sumRate(series(http, RUN_VARIABLE, STAGE_VARIABLE), ['stage']), legend: '{{stage}}' }],
};

const errorRate: PanelSpec = {
  kind: 'timeseries',
  title: 'Error rate by stage against its SLO',
  description:
    "Share of each stage's requests that failed (5xx, timeouts, network errors, unexpected answers; throttling is shown apart), with the stage's allowed error share dashed. A line above its SLO is burning the error budget.",
  unit: 'percentunit',
  min: 0,
  width: 6,
  height: 8,
  referenceSeries: '.* SLO',
  queries: [outcomeShareByStage('error'), objectiveByStage(RECORDED.errorObjective)],
};

const throttleRate: PanelSpec = {
  kind: 'timeseries',
  title: 'Throttle rate by stage',
  description: `Share of each stage's requests refused on purpose (429 or the waiting room). Throttling is not an error, but above ${RUN_OBJECTIVES.maxThrottleRate * 100} % (dashed) applicants are being held back at that stage.`,
  unit: 'percentunit',
  min: 0,
  width: 6,
  height: 8,
  referenceSeries: 'throttle line',
  queries: [
    outcomeShareByStage('throttled'),
    { expr: `max(${series(RECORDED.throttleObjective, STAGE_VARIABLE)})`, legend: 'throttle line' },
  ],
};

const burnRate: PanelSpec = {
  kind: 'timeseries',
  title: 'Error budget burn by stage (5m)',
  description: `How many times faster than allowed each stage spends its error budget, over the last 5 minutes: 1× spends it exactly over the run. The dashed lines are the alert thresholds: ${BURN_RATES.fast}× pages, ${BURN_RATES.slow}× opens a ticket.`,
  unit: TIMES_OBJECTIVE,
  min: 0,
  width: 6,
  height: 8,
  referenceSeries: '.* burn',
  queries: [
    {
      expr: `max by (stage) (${series(RECORDED.errorRatio('5m'), RUN_VARIABLE, STAGE_VARIABLE)} / on (stage) group_left () ${series(RECORDED.errorObjective)})`,
      legend: '{{stage}}',
    },
    { expr: `vector(${BURN_RATES.fast})`, legend: 'fast burn' },
    { expr: `vector(${BURN_RATES.slow})`, legend: 'slow burn' },
  ],
};

const p95Latency: PanelSpec = {
  kind: 'timeseries',
  title: 'p95 latency by stage against its SLO',
  description:
    "95th percentile of request duration per stage, computed from the latency histograms (so it stays correct across many load generators), with the stage's objective dashed. A stage above its line is too slow for one applicant in twenty.",
  unit: 's',
  min: 0,
  width: 12,
  height: 9,
  referenceSeries: '.* SLO',
  queries: [
    {
      expr: quantile(0.95, RUN_METRICS.httpRequestDuration, [RUN_VARIABLE, STAGE_VARIABLE], ['stage']),
      legend: '{{stage}}',
    },
    objectiveByStage(RECORDED.latencyObjective),
  ],
};

const p50p99Latency: PanelSpec = {
  kind: 'timeseries',
  title: 'p50 and p99 latency by stage',
  description:
    'Median and 99th percentile request duration per stage, from the histograms. A wide gap between them means a few applicants wait far longer than most, often queueing in front of a saturated dependency such as the ministry NIK API.',
  unit: 's',
  min: 0,
  width: 12,
  height: 9,
  queries: [
    {
      expr: quantile(0.5, RUN_METRICS.httpRequestDuration, [RUN_VARIABLE, STAGE_VARIABLE], ['stage']),
      legend: '{{stage}} p50',
    },
    {
      expr: quantile(0.99, RUN_METRICS.httpRequestDuration, [RUN_VARIABLE, STAGE_VARIABLE], ['stage']),
      legend: '{{stage}} p99',
    },
  ],
};

const funnelTable: PanelSpec = {
  kind: 'table',
  title: 'Funnel completion against the seed',
  description:
    "Share of arrivals that completed each stage over the time range, the share the seed's figures predict when nothing fails, and their quotient. A quotient well below 100 % is a shortfall: look at failed and throttled on the Funnel board to see whether load caused it.",
  unit: 'percentunit',
  decimals: 1,
  width: 12,
  height: 8,
  queries: [
    {
      expr: `${overRange(series(funnel, RUN_VARIABLE, STAGE_VARIABLE, eq('result', 'completed')), ['stage'])} / scalar(${overRange(series(funnel, RUN_VARIABLE, ...ARRIVAL_MATCHERS))})`,
      legend: 'completed',
      instant: true,
    },
    {
      expr: `max by (stage) (${series(RECORDED.expectedCompletion, STAGE_VARIABLE)})`,
      legend: 'expected',
      instant: true,
    },
    {
      expr: `(${overRange(series(funnel, RUN_VARIABLE, STAGE_VARIABLE, eq('result', 'completed')), ['stage'])} / scalar(${overRange(series(funnel, RUN_VARIABLE, ...ARRIVAL_MATCHERS))})) / on (stage) max by (stage) (${series(RECORDED.expectedCompletion)})`,
      legend: 'against expected',
      instant: true,
    },
  ],
  transformations: [
    { id: 'merge', options: {} },
    {
      id: 'organize',
      options: {
        excludeByName: { Time: true },
        indexByName: { stage: 0, 'Value #A': 1, 'Value #B': 2, 'Value #C': 3 },
        renameByName: { 'Value #A': 'completed', 'Value #B': 'expected', 'Value #C': 'against expected' },
      },
    },
  ],
};

const funnelOverTime: PanelSpec = {
  kind: 'timeseries',
  title: 'Funnel completion over time',
  description:
    "Share of each run's arrivals that have completed each stage so far (a recording rule over the run's counters). Lines settle as journeys finish; a line that falls while arrivals continue is a stage losing applicants.",
  unit: 'percentunit',
  min: 0,
  max: 1,
  width: 12,
  height: 8,
  queries: [{ expr: series(RECORDED.completion, RUN_VARIABLE, STAGE_VARIABLE), legend: '{{run}} {{stage}}' }],
};

const generator: PanelSpec = {
  kind: 'timeseries',
  title: 'VUs and dropped iterations',
  description:
    'Virtual users busy running journeys and initialised, with planned arrivals dropped per second on the right axis. VUs climbing to their maximum while drops appear means the generator ran out of VUs, usually because slow answers keep each VU busy longer.',
  unit: 'short',
  min: 0,
  width: 12,
  height: 8,
  rightAxis: { match: '.* dropped/s', unit: APPLICANTS_PER_SECOND },
  queries: [
    { expr: sumBy(series(RUN_METRICS.vus, RUN_VARIABLE), ['run']), legend: '{{run}} VUs' },
    { expr: sumBy(series(RUN_METRICS.vusMax, RUN_VARIABLE), ['run']), legend: '{{run}} VUs initialised' },
    { expr: droppedPerSecond, legend: '{{run}} dropped/s' },
  ],
};

const checks: PanelSpec = {
  kind: 'timeseries',
  title: 'Failed checks',
  description:
    'k6 checks that failed per second, by check. Checks assert what an answer must contain; failures here with few HTTP errors mean the target answers, but wrongly.',
  unit: 'cps',
  min: 0,
  width: 12,
  height: 8,
  emptyWhenHealthy: 'no check fails',
  queries: [
    { expr: sumRate(series(RUN_METRICS.checks, RUN_VARIABLE, eq('result', 'fail')), ['check']), legend: '{{check}}' },
  ],
};

const truth: PanelSpec = {
  kind: 'timeseries',
  title: 'Target truth vs acknowledged',
  description:
    "Records the load generator saw acknowledged per stage (dashed) against the records the target's truth endpoint says it stored for the run. Stored should meet acknowledged within a truth poll; a lasting gap is data the target promised and lost.",
  unit: 'short',
  min: 0,
  width: 16,
  height: 8,
  referenceSeries: '.* acknowledged',
  queries: [
    {
      expr: sumBy(
        series(funnel, RUN_VARIABLE, STAGE_VARIABLE, re('stage', oneOf(STORED_STAGES)), eq('result', 'completed')),
        ['stage'],
      ),
      legend: '{{stage}} acknowledged',
    },
    {
      expr: sumBy(series(RUN_METRICS.targetRecords, RUN_VARIABLE, STAGE_VARIABLE), ['stage']),
      legend: '{{stage}} stored',
    },
  ],
};

const lost: PanelSpec = {
  kind: 'stat',
  title: 'Acknowledged but not stored',
  description:
    'Records the target acknowledged and the truth endpoint does not find, summed over stages, now. Anything above zero for longer than a truth poll is data loss.',
  unit: 'short',
  decimals: 0,
  width: 8,
  height: 8,
  thresholds: [
    { value: null, color: 'green' },
    { value: 1, color: 'red' },
  ],
  queries: [{ expr: overRange(series(RUN_METRICS.reconciliationLost, RUN_VARIABLE)), legend: 'lost', instant: true }],
};

const firing: PanelSpec = {
  kind: 'table',
  title: 'Firing alerts',
  description:
    'Alerts firing now for the selected runs (and alerts about the target or exporter, which carry no run). Each has a runbook line in deploy/prometheus/rules/floodgate-alerts.yml.',
  unit: 'short',
  width: 24,
  height: 6,
  emptyWhenHealthy: 'no alert fires',
  queries: [
    {
      expr: `${series('ALERTS', eq('alertstate', 'firing'), re('run', '$run|'))}`,
      legend: '{{alertname}}',
      instant: true,
    },
  ],
  transformations: [
    { id: 'merge', options: {} },
    {
      id: 'organize',
      options: {
        excludeByName: { Time: true, Value: true, __name__: true, alertstate: true },
        indexByName: { alertname: 0, severity: 1, run: 2, stage: 3 },
      },
    },
  ],
};

/** The launch overview board. */
export const launchOverview: DashboardSpec = {
  file: 'launch-overview.json',
  uid: 'floodgate-launch-overview',
  title: 'floodgate / Launch overview',
  description:
    'One screen for a registration opening: arrivals against plan, errors and latency per stage against their SLOs, the funnel against the seed, the load generator, target truth and firing alerts.',
  tags: ['floodgate', 'generated'],
  rows: [
    { title: 'Arrivals', panels: [arrivals, achievedShare, droppedShare] },
    { title: 'Throughput and errors', panels: [throughput, errorRate, throttleRate, burnRate] },
    { title: 'Latency', panels: [p95Latency, p50p99Latency] },
    { title: 'Funnel', panels: [funnelTable, funnelOverTime] },
    { title: 'Load generator', panels: [generator, checks] },
    { title: 'Target truth', panels: [truth, lost] },
    { title: 'Alerts', panels: [firing] },
  ],
};
