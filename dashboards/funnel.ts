/**
 * Funnel board: what happened to applicants at each stage (entered, completed, failed, throttled,
 * abandoned) over time, and how the funnel compares with the seed's figures. Behavioural drops
 * (abandoned) are expected; failed and throttled are what load takes away.
 */

import { FUNNEL_STAGES, type FunnelStage } from '../contracts/funnel.ts';
import { RUN_METRICS } from '../contracts/metrics.ts';
import type { DashboardSpec, PanelSpec } from './panels.ts';
import { eq, oneOf, re, RUN_VARIABLE, series, STAGE_VARIABLE, sumRate } from '../contracts/promql.ts';
import { APPLICANTS_PER_SECOND, overRange, REQUESTS_PER_APPLICANT } from './queries.ts';
import { RECORDED } from '../deploy/prometheus/rules/recording.ts';

const funnel = RUN_METRICS.funnelStage;

function stagePanel(stage: FunnelStage): PanelSpec {
  return {
    kind: 'timeseries',
    title: `${stage}: applicants by result`,
    description: `Applicants per second at the ${stage} stage, by result: entered (started it), completed, failed (an error ended the journey), throttled (refused with 429 and retries ran out), abandoned (chose to stop before it, as real applicants do). Failed and throttled rising with load is the stage giving way.`,
    unit: APPLICANTS_PER_SECOND,
    min: 0,
    width: 12,
    height: 8,
    queries: [{ expr: sumRate(series(funnel, RUN_VARIABLE, eq('stage', stage)), ['result']), legend: '{{result}}' }],
  };
}

const againstExpectation: PanelSpec = {
  kind: 'timeseries',
  title: 'Completion against expectation',
  description:
    "Each stage's completed share of arrivals divided by the share the seed predicts (dashed line at 100 %). Early in a run few journeys have finished, so lines start low and rise; a stage that settles well below 100 % lost applicants to errors, throttling, or a behaviour the seed does not show.",
  unit: 'percentunit',
  min: 0,
  width: 12,
  height: 8,
  referenceSeries: 'expected',
  queries: [
    { expr: series(RECORDED.completionVsExpected, RUN_VARIABLE, STAGE_VARIABLE), legend: '{{run}} {{stage}}' },
    { expr: 'vector(1)', legend: 'expected' },
  ],
};

const continuation: PanelSpec = {
  kind: 'table',
  title: 'Continuation against the seed',
  description:
    "Of the applicants who reached a stage, the share who went on to attempt it rather than abandon, over the time range, next to the seed's continuation probability. These are behavioural choices drawn by the scripts: a large difference means too few journeys for a stable share, or a script change, not load.",
  unit: 'percentunit',
  decimals: 1,
  width: 12,
  height: 8,
  queries: [
    {
      expr: `${overRange(series(funnel, RUN_VARIABLE, STAGE_VARIABLE, eq('result', 'entered')), ['stage'])} / ${overRange(series(funnel, RUN_VARIABLE, STAGE_VARIABLE, re('result', 'entered|abandoned')), ['stage'])}`,
      legend: 'observed',
      instant: true,
    },
    {
      expr: `max by (stage) (${series(RECORDED.expectedContinuation, STAGE_VARIABLE)})`,
      legend: 'seed',
      instant: true,
    },
  ],
  transformations: [
    { id: 'merge', options: {} },
    {
      id: 'organize',
      options: {
        excludeByName: { Time: true },
        indexByName: { stage: 0, 'Value #A': 1, 'Value #B': 2 },
        renameByName: { 'Value #A': 'observed', 'Value #B': 'seed' },
      },
    },
  ],
};

const losses: PanelSpec = {
  kind: 'bargauge',
  title: 'Where applicants were lost',
  description:
    'Applicants per stage and result over the time range, for the results that end a journey early. Abandoned is behaviour and expected; failed and throttled are what the system under load took away, and the gap the capacity report explains.',
  unit: 'short',
  decimals: 0,
  min: 0,
  width: 12,
  height: 10,
  queries: [
    {
      expr: overRange(series(funnel, RUN_VARIABLE, STAGE_VARIABLE, re('result', 'failed|throttled|abandoned')), [
        'stage',
        'result',
      ]),
      legend: '{{stage}} {{result}}',
      instant: true,
    },
  ],
};

const totals: PanelSpec = {
  kind: 'table',
  title: 'Applicants per stage and result',
  description:
    'Counts over the time range, one row per stage. completed + failed + throttled should equal entered once journeys have finished; entered of a stage should equal completed of the previous stage minus the abandoned.',
  unit: 'short',
  decimals: 0,
  width: 12,
  height: 10,
  queries: [
    {
      expr: overRange(series(funnel, RUN_VARIABLE, STAGE_VARIABLE), ['stage', 'result']),
      legend: '{{stage}} {{result}}',
      instant: true,
    },
  ],
  transformations: [
    { id: 'groupingToMatrix', options: { columnField: 'result', rowField: 'stage', valueField: 'Value' } },
    { id: 'organize', options: { renameByName: { 'stage\\result': 'stage' } } },
  ],
};

const http = RUN_METRICS.httpRequests;
const entered = (...matchers: string[]): string => series(funnel, RUN_VARIABLE, ...matchers, eq('result', 'entered'));

/**
 * Retry amplification (capacity-model.md §3.6), as the report measures it: requests ÷ applicants
 * who entered the stage, from counters alone (funnel_stage counts each applicant once per stage,
 * however often it tries), so no applicant identity is needed in any label.
 */
const requestsPerApplicant: PanelSpec = {
  kind: 'timeseries',
  title: 'Requests per applicant by stage',
  description:
    'HTTP requests per applicant who entered the stage (requests ÷ funnel entered, per second over the rate window), and for all stages together per new applicant. 1 is one request per applicant (join_batch makes 2: list, then join); above it is retries — the journey’s own under RETRY_PROFILE=storm or logs, and the HTTP client’s 429 retries. Rising at the peak is the retry storm: the same applicants costing more requests exactly when the system is shortest of capacity. Retries lag their first try by seconds, so very short windows wobble.',
  unit: REQUESTS_PER_APPLICANT,
  min: 0,
  width: 12,
  height: 8,
  queries: [
    {
      expr: `${sumRate(series(http, RUN_VARIABLE, STAGE_VARIABLE), ['stage'])} / ${sumRate(entered(STAGE_VARIABLE), ['stage'])}`,
      legend: '{{stage}}',
    },
    {
      expr: `${sumRate(series(http, RUN_VARIABLE, re('stage', oneOf(FUNNEL_STAGES))), [])} / ${sumRate(entered(eq('stage', 'landing')), [])}`,
      legend: 'all stages, per new applicant',
    },
  ],
};

const retriesShare: PanelSpec = {
  kind: 'timeseries',
  title: 'Retries share of requests by stage',
  description:
    'The share of a stage’s requests beyond one per applicant who entered it: 1 − entered ÷ requests, floored at 0. For a stage of one request per attempt (every reference stage but join_batch) that is the share of its load that was retries; at the limiting stage it is the capacity the storm took from first attempts.',
  unit: 'percentunit',
  min: 0,
  max: 1,
  width: 12,
  height: 8,
  queries: [
    {
      expr: `clamp_min(1 - ${sumRate(entered(STAGE_VARIABLE), ['stage'])} / ${sumRate(series(http, RUN_VARIABLE, STAGE_VARIABLE), ['stage'])}, 0)`,
      legend: '{{stage}}',
    },
  ],
};

/** The funnel board. */
export const funnelBoard: DashboardSpec = {
  file: 'funnel.json',
  uid: 'floodgate-funnel',
  title: 'floodgate / Funnel',
  description:
    "Per stage: entered, completed, failed, throttled and abandoned over time, and conversion against the seed's figures.",
  tags: ['floodgate', 'generated'],
  rows: [
    { title: 'Stages', panels: FUNNEL_STAGES.map(stagePanel) },
    { title: 'Against the seed', panels: [againstExpectation, continuation] },
    { title: 'Retry amplification', panels: [requestsPerApplicant, retriesShare] },
    { title: 'Totals', panels: [losses, totals] },
  ],
};
