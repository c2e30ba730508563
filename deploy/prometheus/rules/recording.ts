/**
 * Recording rules: the objectives and expectations of contracts/ as constant series (so PromQL can
 * compare a stage with its own SLO), and the expensive expressions the dashboards and alerts share
 * (error ratios over the burn-rate windows, latency quantiles, funnel completion over a run).
 *
 * Names follow Prometheus's `level:metric:operations` convention; the metric part comes from the
 * catalog, so a renamed metric renames its rules.
 */

import { FUNNEL_STAGES, continuationTable, expectedCompletion, type FunnelStage } from '../../../contracts/funnel.ts';
import { RUN_METRICS } from '../../../contracts/metrics.ts';
import { RUN_OBJECTIVES, STAGE_OBJECTIVES } from '../../../contracts/slo.ts';
import { eq, histogramPart, ratedName, series, shareOf, sumBy, sumRate } from '../../../contracts/promql.ts';

/** One recording rule. */
export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
  readonly labels?: Readonly<Record<string, string>>;
}

/** One alerting rule; `runbook` says what to do when it fires. */
export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels: Readonly<{ severity: 'page' | 'ticket' | 'warning' } & Record<string, string>>;
  readonly annotations: Readonly<{ summary: string; description: string; runbook: string }>;
}

/** A rule group, as Prometheus evaluates it. */
export interface RuleGroup {
  readonly name: string;
  readonly rules: ReadonlyArray<RecordingRule | AlertRule>;
}

/** One rule file under deploy/prometheus/rules/. */
export interface RuleFile {
  readonly file: string;
  /** One line for the banner: what the file holds. */
  readonly summary: string;
  readonly groups: readonly RuleGroup[];
}

const http = RUN_METRICS.httpRequests;
const duration = RUN_METRICS.httpRequestDuration;
const funnel = RUN_METRICS.funnelStage;

/** The catalog's namespace (`floodgate`), for series that are not catalog metrics themselves. */
const NAMESPACE = http.name.slice(0, http.name.indexOf('_'));

/** Short window of every live rate in the rules: six scrapes at the 5 s interval of prometheus.yml. */
export const SHORT_WINDOW = '30s';

/**
 * Windows of the multi-window burn-rate alerts (deploy/README.md explains the choice): a rehearsal
 * lasts minutes, not the 30 days of a production SLO, so the long windows are 5m and 30m and the
 * short confirmation windows 30s and 5m.
 */
export const BURN_WINDOWS = ['30s', '5m', '30m'] as const;
/** One burn-rate window. */
export type BurnWindow = (typeof BURN_WINDOWS)[number];

/** Quantiles recorded for request latency. */
export const RECORDED_QUANTILES = [0.5, 0.95, 0.99] as const;

/** Names of every recorded series the dashboards and alerts read. */
export const RECORDED = {
  /** Allowed error share of a stage's requests (STAGE_OBJECTIVES.maxErrorRate), label `stage`. */
  errorObjective: `stage:${NAMESPACE}_slo_error_ratio:objective`,
  /** p95 latency objective in seconds (STAGE_OBJECTIVES.p95Ms / 1000), label `stage`. */
  latencyObjective: `stage:${NAMESPACE}_slo_latency_p95_seconds:objective`,
  /** Throttled share above which a stage counts as throttling (RUN_OBJECTIVES.maxThrottleRate), label `stage`. */
  throttleObjective: `stage:${NAMESPACE}_slo_throttle_ratio:objective`,
  /** Probability an applicant who completed the previous stage attempts this one (seed figures), label `stage`. */
  expectedContinuation: `stage:${NAMESPACE}_funnel_continuation_ratio:expected`,
  /** Expected share of arrivals completing each stage when nothing fails (seed figures), label `stage`. */
  expectedCompletion: `stage:${NAMESPACE}_funnel_completion_ratio:expected`,
  /** Requests per second by run and stage, over the short window. */
  requestRate: `run_stage:${ratedName(http)}:rate${SHORT_WINDOW}`,
  /** Share of a stage's requests that failed, over a burn window. */
  errorRatio: (window: BurnWindow) => `run_stage:${ratedName(http)}:error_ratio_rate${window}`,
  /** Share of a stage's requests that were throttled (429), over the short window. */
  throttleRatio: `run_stage:${ratedName(http)}:throttle_ratio_rate${SHORT_WINDOW}`,
  /** Latency histogram buckets per second by run, stage and `le`, over the short window. */
  latencyBuckets: `run_stage_le:${histogramPart(duration, 'bucket')}:rate${SHORT_WINDOW}`,
  /** Latency quantiles (label `quantile`) by run and stage, over the short window. */
  latencyQuantile: `run_stage:${duration.name}:histogram_quantile_rate${SHORT_WINDOW}`,
  /** New applicants per second that started their journey (entered the first stage). */
  arrivalRate: `run:${ratedName(funnel)}_arrivals:rate${SHORT_WINDOW}`,
  /** New applicants per second the profile asked for, averaged over the short window. */
  plannedRate: `run:${RUN_METRICS.plannedArrivalRate.name}:avg${SHORT_WINDOW}`,
  /** Planned arrivals per second the generator could not start. */
  droppedRate: `run:${ratedName(RUN_METRICS.droppedIterations)}:rate${SHORT_WINDOW}`,
  /** Share of a run's arrivals that completed each stage so far. */
  completion: `run_stage:${ratedName(funnel)}_completion:ratio`,
  /** Completion divided by its expectation: 1 = as the seed predicts, below 1 = a shortfall. */
  completionVsExpected: `run_stage:${ratedName(funnel)}_completion:ratio_vs_expected`,
} as const;

/** The first funnel stage: entering it is an arrival. */
export const ARRIVAL_STAGE: FunnelStage = FUNNEL_STAGES[0];

/** Matchers of an arrival: an applicant entering the first stage. */
export const ARRIVAL_MATCHERS = [eq('stage', ARRIVAL_STAGE), eq('result', 'entered')] as const;

/** A number as PromQL text, without float noise (0.1244/0.9 → 0.138222…). */
function constant(value: number): string {
  return `vector(${Number(value.toPrecision(6))})`;
}

function perStage(record: string, valueOf: (stage: FunnelStage) => number): RecordingRule[] {
  return FUNNEL_STAGES.map((stage) => ({ record, expr: constant(valueOf(stage)), labels: { stage } }));
}

/** Objectives and expectations from contracts/, one constant series per stage. */
export function objectiveRules(): RuleGroup {
  const continuation = continuationTable();
  const expected = expectedCompletion(continuation);
  return {
    name: `${NAMESPACE}-objectives`,
    rules: [
      ...perStage(RECORDED.errorObjective, (stage) => STAGE_OBJECTIVES[stage].maxErrorRate),
      ...perStage(RECORDED.latencyObjective, (stage) => STAGE_OBJECTIVES[stage].p95Ms / 1000),
      ...perStage(RECORDED.throttleObjective, () => RUN_OBJECTIVES.maxThrottleRate),
      ...perStage(RECORDED.expectedContinuation, (stage) => continuation[stage]),
      ...perStage(RECORDED.expectedCompletion, (stage) => expected[stage]),
    ],
  };
}

/** Share of requests with `outcome` among all requests of a stage, over `window`. */
export function outcomeRatio(
  outcome: 'error' | 'throttled',
  window: string,
  labels: readonly string[] = ['run', 'stage'],
): string {
  return shareOf(sumRate(series(http, eq('outcome', outcome)), labels, window), sumRate(series(http), labels, window));
}

/** Live rates, ratios and quantiles by run and stage. */
export function runRateRules(): RuleGroup {
  return {
    name: `${NAMESPACE}-run-rates`,
    rules: [
      { record: RECORDED.requestRate, expr: sumRate(series(http), ['run', 'stage'], SHORT_WINDOW) },
      ...BURN_WINDOWS.map((window) => ({ record: RECORDED.errorRatio(window), expr: outcomeRatio('error', window) })),
      { record: RECORDED.throttleRatio, expr: outcomeRatio('throttled', SHORT_WINDOW) },
      {
        record: RECORDED.latencyBuckets,
        expr: sumRate(series(histogramPart(duration, 'bucket')), ['run', 'stage', 'le'], SHORT_WINDOW),
      },
      ...RECORDED_QUANTILES.map((q) => ({
        record: RECORDED.latencyQuantile,
        expr: `histogram_quantile(${q}, ${series(RECORDED.latencyBuckets)})`,
        labels: { quantile: String(q) },
      })),
      { record: RECORDED.arrivalRate, expr: sumRate(series(funnel, ...ARRIVAL_MATCHERS), ['run'], SHORT_WINDOW) },
      {
        record: RECORDED.plannedRate,
        expr: sumBy(`avg_over_time(${series(RUN_METRICS.plannedArrivalRate)}[${SHORT_WINDOW}])`, ['run']),
      },
      { record: RECORDED.droppedRate, expr: sumRate(series(RUN_METRICS.droppedIterations), ['run'], SHORT_WINDOW) },
    ],
  };
}

/** The recorded latency quantile `q` (one of {@link RECORDED_QUANTILES}), with extra matchers. */
export const recordedQuantile = (q: number, matchers: readonly string[] = []): string =>
  series(RECORDED.latencyQuantile, eq('quantile', String(q)), ...matchers);

/** Funnel completion over each run so far, and against the seed's expectation. */
export function funnelRules(): RuleGroup {
  const arrivals = sumBy(series(funnel, ...ARRIVAL_MATCHERS), ['run']);
  return {
    name: `${NAMESPACE}-funnel`,
    rules: [
      {
        record: RECORDED.completion,
        expr: `${sumBy(series(funnel, eq('result', 'completed')), ['run', 'stage'])} / on (run) group_left () ${arrivals}`,
      },
      {
        record: RECORDED.completionVsExpected,
        expr: `${series(RECORDED.completion)} / on (stage) group_left () ${series(RECORDED.expectedCompletion)}`,
      },
    ],
  };
}
