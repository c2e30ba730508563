/**
 * Queries more than one board shows: shares of outcomes per stage, objective lines per stage,
 * counters read at the end of the time range. Board files compose them into panels.
 */

import { RUN_METRICS } from '../contracts/metrics.ts';
import type { QuerySpec } from './panels.ts';
import { eq, RANGE, RUN_VARIABLE, series, shareOf, STAGE_VARIABLE, sumBy, sumRate } from './promql.ts';

/**
 * Applicants per second, as Grafana prints it. No space after the colon: Grafana's suffix
 * formatter adds one itself ("12 applicants/s", not "12  applicants/s").
 */
export const APPLICANTS_PER_SECOND = 'suffix:applicants/s';
/** HTTP requests per applicant (retry amplification: 1 is one request each). */
export const REQUESTS_PER_APPLICANT = 'suffix:requests/applicant';
/** A multiple of an objective or a budget: 1× is exactly at it (the unit of "share ÷ allowed"). */
export const TIMES_OBJECTIVE = 'suffix:×';

/**
 * `sum by (labels) (last_over_time(selector[$__range]))`: a per-run counter's value at the end of
 * the time range, still there after the run ended and its series went stale.
 */
export function overRange(selector: string, labels: readonly string[] = []): string {
  return sumBy(`last_over_time(${selector}[${RANGE}])`, labels);
}

/** Share of requests with `outcome` per stage (0 when there are none), over `window`. */
export function outcomeShareByStage(outcome: 'error' | 'throttled', window?: string): QuerySpec {
  const http = RUN_METRICS.httpRequests;
  return {
    expr: shareOf(
      sumRate(series(http, RUN_VARIABLE, STAGE_VARIABLE, eq('outcome', outcome)), ['stage'], window),
      sumRate(series(http, RUN_VARIABLE, STAGE_VARIABLE), ['stage'], window),
    ),
    legend: '{{stage}}',
  };
}

/** A dashed objective line per selected stage, from a recorded objective. */
export function objectiveByStage(record: string): QuerySpec {
  return { expr: `max by (stage) (${series(record, STAGE_VARIABLE)})`, legend: '{{stage}} SLO' };
}
