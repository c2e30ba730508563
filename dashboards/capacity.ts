/**
 * Capacity board: where the system breaks. Achieved throughput against offered load, latency and
 * failures against load, which stage is closest to its limit, and the target's own saturation
 * signals (the ministry NIK API, the waiting room, answers by route).
 */

import { RUN_METRICS, TARGET_METRICS } from '../contracts/metrics.ts';
import type { DashboardSpec, PanelSpec } from './panels.ts';
import {
  eq,
  histogramPart,
  quantile,
  RANGE,
  re,
  RUN_VARIABLE,
  series,
  shareOf,
  STAGE_VARIABLE,
  sumRate,
} from '../contracts/promql.ts';
import { APPLICANTS_PER_SECOND, outcomeShareByStage, TIMES_OBJECTIVE } from './queries.ts';
import { RECORDED } from '../deploy/prometheus/rules/recording.ts';

const http = RUN_METRICS.httpRequests;
const funnel = RUN_METRICS.funnelStage;
const offered = { expr: `sum(${series(RUN_METRICS.plannedArrivalRate, RUN_VARIABLE)})`, legend: 'offered load' };
const OFFERED_ON_RIGHT = { match: 'offered load', unit: APPLICANTS_PER_SECOND };

/** p95 over the whole time range divided by the stage objective, per stage. */
const latencyAgainstObjective = `${quantile(0.95, RUN_METRICS.httpRequestDuration, [RUN_VARIABLE, STAGE_VARIABLE], ['stage'], RANGE)} / on (stage) max by (stage) (${series(RECORDED.latencyObjective)})`;
/** Error share over the whole time range divided by the allowed share, per stage. */
const errorsAgainstObjective = `(${shareOf(
  sumRate(series(http, RUN_VARIABLE, STAGE_VARIABLE, eq('outcome', 'error')), ['stage'], RANGE),
  sumRate(series(http, RUN_VARIABLE, STAGE_VARIABLE), ['stage'], RANGE),
)}) / on (stage) max by (stage) (${series(RECORDED.errorObjective)})`;

const HEADROOM_STEPS = [
  { value: null, color: 'green' },
  { value: 0.8, color: 'orange' },
  { value: 1, color: 'red' },
] as const;

const throughputAgainstLoad: PanelSpec = {
  kind: 'timeseries',
  title: 'Achieved throughput against offered load',
  description:
    'Applicants per second completing each stage, against the offered load (new applicants per second the profile asks for, dashed). On a breakpoint run, each step of offered load should lift every line by the same proportion; the first stage whose line stops following is the limiting stage.',
  unit: APPLICANTS_PER_SECOND,
  min: 0,
  width: 24,
  height: 9,
  referenceSeries: 'offered load',
  queries: [
    offered,
    {
      expr: sumRate(series(funnel, RUN_VARIABLE, STAGE_VARIABLE, eq('result', 'completed')), ['stage']),
      legend: '{{stage}} completed',
    },
  ],
};

const latencyAgainstLoad: PanelSpec = {
  kind: 'timeseries',
  title: 'p95 latency against offered load',
  description:
    'p95 request duration per stage (left axis) with the offered load on the right axis. Latency that stays flat while load steps up is headroom; latency that climbs with each step is queueing, the knee before failures start.',
  unit: 's',
  min: 0,
  width: 12,
  height: 9,
  rightAxis: OFFERED_ON_RIGHT,
  queries: [
    {
      expr: quantile(0.95, RUN_METRICS.httpRequestDuration, [RUN_VARIABLE, STAGE_VARIABLE], ['stage']),
      legend: '{{stage}} p95',
    },
    offered,
  ],
};

const failuresAgainstLoad: PanelSpec = {
  kind: 'timeseries',
  title: 'Error share against offered load',
  description:
    'Share of failed requests per stage (left axis) with the offered load on the right axis. The load at which a stage first crosses its error objective is where its capacity ends.',
  unit: 'percentunit',
  min: 0,
  width: 12,
  height: 9,
  rightAxis: OFFERED_ON_RIGHT,
  queries: [outcomeShareByStage('error'), offered],
};

const latencyHeadroom: PanelSpec = {
  kind: 'bargauge',
  title: 'Latency against objective (p95 ÷ SLO)',
  description:
    "Each stage's p95 over the time range divided by its objective: 1× means exactly at the SLO, 2× twice as slow as allowed. The longest bar is the stage closest to its latency limit; red bars broke it.",
  unit: TIMES_OBJECTIVE,
  min: 0,
  max: 1.5,
  width: 8,
  height: 9,
  thresholds: HEADROOM_STEPS,
  queries: [{ expr: latencyAgainstObjective, legend: '{{stage}}', instant: true }],
};

const errorHeadroom: PanelSpec = {
  kind: 'bargauge',
  title: 'Errors against objective (share ÷ allowed)',
  description:
    "Each stage's error share over the time range divided by its allowed share: 1× spends exactly the error budget, 30× fails thirty times as often as allowed. Red bars broke their error objective.",
  unit: TIMES_OBJECTIVE,
  min: 0,
  max: 1.5,
  width: 8,
  height: 9,
  thresholds: HEADROOM_STEPS,
  queries: [{ expr: errorsAgainstObjective, legend: '{{stage}}', instant: true }],
};

const limitingStage: PanelSpec = {
  kind: 'stat',
  title: 'Limiting stage',
  description:
    'The stage with the least headroom over the time range, by latency and by errors (its value as in the two bar gauges, a multiple of the objective). When both name the same stage, that is where capacity must grow first.',
  unit: TIMES_OBJECTIVE,
  decimals: 1,
  width: 8,
  height: 9,
  thresholds: HEADROOM_STEPS,
  queries: [
    { expr: `topk(1, ${latencyAgainstObjective})`, legend: 'latency: {{stage}}', instant: true },
    { expr: `topk(1, ${errorsAgainstObjective})`, legend: 'errors: {{stage}}', instant: true },
  ],
};

const ministryCalls: PanelSpec = {
  kind: 'timeseries',
  title: 'Ministry NIK API calls by outcome',
  description:
    "Calls per second from the target to the ministry's NIK API, by outcome, over all runs (the target does not know runs). unavailable and timeout rising while ok flattens is the ministry at capacity: the seed's real bottleneck.",
  unit: 'reqps',
  min: 0,
  width: 8,
  height: 8,
  stacked: true,
  queries: [{ expr: sumRate(series(TARGET_METRICS.ministryCalls), ['outcome']), legend: '{{outcome}}' }],
};

const ministryQueue: PanelSpec = {
  kind: 'timeseries',
  title: 'Ministry calls in flight and their p95',
  description:
    "Ministry NIK calls the target is waiting on, with the p95 duration of those calls on the right axis. In-flight calls pinned at the ministry's concurrency while their duration grows means requests queue in front of it.",
  unit: 'short',
  min: 0,
  width: 8,
  height: 8,
  rightAxis: { match: 'p95', unit: 's' },
  queries: [
    { expr: `sum(${series(TARGET_METRICS.ministryInFlight)})`, legend: 'in flight' },
    {
      expr: `histogram_quantile(0.95, ${sumRate(series(histogramPart(TARGET_METRICS.ministryCallDuration, 'bucket')), ['le'])})`,
      legend: 'p95',
    },
  ],
};

const waitingRoom: PanelSpec = {
  kind: 'timeseries',
  title: 'Waiting room',
  description:
    'Requests inside the waiting-room limit, and requests turned away with 429 per second (right axis). Turn-aways mean the waiting room is protecting the target: applicants are throttled, not failed.',
  unit: 'short',
  min: 0,
  width: 8,
  height: 8,
  rightAxis: { match: 'turned away/s', unit: 'reqps' },
  queries: [
    { expr: `sum(${series(TARGET_METRICS.waitingRoomInFlight)})`, legend: 'in flight' },
    { expr: sumRate(series(TARGET_METRICS.waitingRoomRejected), []), legend: 'turned away/s' },
  ],
};

const targetLatency: PanelSpec = {
  kind: 'timeseries',
  title: 'Target answer time by route (p95)',
  description:
    "How long the target itself took to answer, per route, from its own histogram. Close to the load generator's p95: the time is spent in the target. Far below it: the time is lost in the network or in the generator.",
  unit: 's',
  min: 0,
  width: 12,
  height: 8,
  queries: [
    {
      expr: `histogram_quantile(0.95, ${sumRate(series(histogramPart(TARGET_METRICS.httpRequestDuration, 'bucket')), ['route', 'le'])})`,
      legend: '{{route}}',
    },
  ],
};

const targetAnswers: PanelSpec = {
  kind: 'timeseries',
  title: 'Target answers by status',
  description:
    'Answers per second the target sent, by HTTP status, over all runs. 5xx are failures the target admits; 429 is its waiting room; 409 duplicates should stay near zero in a clean run.',
  unit: 'reqps',
  min: 0,
  width: 12,
  height: 8,
  stacked: true,
  queries: [
    { expr: sumRate(series(TARGET_METRICS.httpRequests, re('status', '.+')), ['status']), legend: '{{status}}' },
  ],
};

const ministrySelf: PanelSpec = {
  kind: 'timeseries',
  title: 'Ministry slots and queue (its own metrics)',
  description:
    "The ministry NIK API as it sees itself (scraped from its own /metrics): service slots busy and calls waiting in its queue, with the p95 wait in that queue on the right axis. Busy pinned at the slot count while the queue grows is the ministry at its limit; the target's timeouts follow.",
  unit: 'short',
  min: 0,
  width: 12,
  height: 8,
  rightAxis: { match: 'queue wait p95', unit: 's' },
  queries: [
    { expr: `sum(${series(TARGET_METRICS.ministryBusySlots)})`, legend: 'busy slots' },
    { expr: `sum(${series(TARGET_METRICS.ministryQueuedCalls)})`, legend: 'queued calls' },
    {
      expr: `histogram_quantile(0.95, ${sumRate(series(histogramPart(TARGET_METRICS.ministryQueueWait, 'bucket')), ['le'])})`,
      legend: 'queue wait p95',
    },
  ],
};

const ministryAnswers: PanelSpec = {
  kind: 'timeseries',
  title: 'Ministry answers against its capacity',
  description:
    "Answers per second the ministry NIK API gave, by result (its own count), against the checks per second it is configured to sustain (dashed). Matches and no-matches reaching the dashed line, with queue_full or deadline_exceeded appearing, is the seed's bottleneck at work.",
  unit: 'reqps',
  min: 0,
  width: 12,
  height: 8,
  referenceSeries: 'capacity',
  queries: [
    { expr: sumRate(series(TARGET_METRICS.ministryAnswers), ['result']), legend: '{{result}}' },
    { expr: `sum(${series(TARGET_METRICS.ministryCapacity)})`, legend: 'capacity' },
  ],
};

const recordedLatency: PanelSpec = {
  kind: 'timeseries',
  title: 'p99 latency by stage (recorded, 30 s)',
  description:
    'The 99th percentile per stage from the recording rule the alerts use (fixed 30 s window), for long time ranges where computing it live is slow.',
  unit: 's',
  min: 0,
  width: 24,
  height: 8,
  queries: [
    {
      expr: `max by (stage) (${series(RECORDED.latencyQuantile, eq('quantile', '0.99'), RUN_VARIABLE, STAGE_VARIABLE)})`,
      legend: '{{stage}} p99',
    },
  ],
};

/** The capacity board. */
export const capacityBoard: DashboardSpec = {
  file: 'capacity.json',
  uid: 'floodgate-capacity',
  title: 'floodgate / Capacity',
  description:
    "Where the system breaks: throughput and latency against offered load, the limiting stage, and the target's saturation signals.",
  tags: ['floodgate', 'generated'],
  rows: [
    { title: 'Throughput against load', panels: [throughputAgainstLoad] },
    { title: 'Latency and errors against load', panels: [latencyAgainstLoad, failuresAgainstLoad, recordedLatency] },
    { title: 'Limiting stage', panels: [latencyHeadroom, errorHeadroom, limitingStage] },
    { title: 'Target saturation', panels: [ministryCalls, ministryQueue, waitingRoom, targetLatency, targetAnswers] },
    { title: 'Ministry NIK API', panels: [ministrySelf, ministryAnswers] },
  ],
};
