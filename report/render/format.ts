/**
 * Number and text formats shared by the HTML and Markdown renderers, and the rows both render:
 * the key figures, the step table and the funnel table.
 *
 * Over 400 lines on purpose: the formats and the rows built with them are what the HTML and
 * Markdown renderers share; the file is the seam between analysis and the two renderers.
 */

import { FUNNEL_STAGES, type FunnelStage } from '../../contracts/funnel.ts';
import { describeBreach, formatRate } from '../analysis/capacity.ts';
import type { ThresholdResult } from '../../contracts/run-result.ts';
import type { Analysis } from '../analysis/index.ts';
import { formatMeasured } from '../analysis/thresholds.ts';
import { formatClock, formatFactor, formatMinutes } from '../analysis/verdict.ts';

export { formatClock, formatFactor, formatMinutes, formatRate };

/** 12.3 % (— when undefined). */
export function pct(share: number | undefined, digits = 1): string {
  return share === undefined || !Number.isFinite(share) ? '—' : `${(share * 100).toFixed(digits)} %`;
}

/** 1,234 ms (— when undefined). */
export function ms(value: number | undefined): string {
  return value === undefined ? '—' : `${Math.round(value).toLocaleString('en-US')} ms`;
}

/** 1,234 (— when undefined). */
export function count(value: number | undefined): string {
  return value === undefined ? '—' : Math.round(value).toLocaleString('en-US');
}

/** 12.5/s (— when undefined). */
export function perSecond(value: number | undefined): string {
  return value === undefined ? '—' : `${formatRate(value)}/s`;
}

/** 750/min (— when undefined or null). */
export function perMinute(value: number | undefined | null): string {
  return value === undefined || value === null ? '—' : `${formatRate(value)}/min`;
}

/** A table: header cells and rows of cells (plain text; renderers escape). */
export interface Table {
  readonly header: readonly string[];
  readonly rows: ReadonlyArray<readonly string[]>;
}

/**
 * One definition of a stage's error rate, said wherever one is printed: failed requests ÷ all the
 * stage's requests; a refusal (429) is counted apart as throttled.
 */
/** What the stage table's latencies are of, beside k6's thresholds that count every request. */
export const STAGE_LATENCY_DEFINITION =
  'Latencies are of successful requests; the k6 thresholds further down count every request, failed ones included, so a stage whose failures are slow reads higher there.';

export const ERROR_RATE_DEFINITION =
  'Error rate = failed requests (5xx answers, timeouts, network errors) ÷ all requests of that stage, over the span named (a load step, a window, or the whole run); refusals (429) are counted apart as “throttled”. k6’s own http_req_failed counts every answer outside 200–399, refusals included, over all stages together, so it reads differently.';

/** The key figures: label → value, each label saying what the figure is and over what span. */
export function keyFigures(analysis: Analysis): Array<[string, string]> {
  const { capacity, forecast, reconciliation, funnel, validity, usl } = analysis;
  const rows: Array<[string, string]> = [['Run', `${analysis.run} (${analysis.scenario}, ${analysis.engine} engine)`]];
  if (!validity.valid)
    rows.push(['Warning', 'invalid run: the figures below describe the load generator, not the target']);
  if (capacity.outcome !== 'not-measured') {
    const sustained =
      capacity.sustainedPerMinute === undefined
        ? 'below the first step'
        : capacity.outcome === 'not-reached'
          ? `at least ${perMinute(capacity.sustainedPerMinute)} (${perSecond(capacity.sustainedPerSecond)}): the run did not reach the limit`
          : `${perMinute(capacity.sustainedPerMinute)} (${perSecond(capacity.sustainedPerSecond)})`;
    rows.push(['Capacity: highest load step with every stage within its objectives', sustained]);
    rows.push([
      'First load step that broke an objective',
      capacity.range[1] === null
        ? 'none: the test stopped before the limit'
        : `${perMinute(capacity.range[1])} new applicants`,
    ]);
    if (capacity.limitingStage) {
      rows.push([
        `Limiting stage (at the first failing step)`,
        `${capacity.limitingStage}: ${(capacity.limitingBreaches ?? []).map(describeBreach).join(', ')}`,
      ]);
    }
    if (capacity.limitingStageThroughputPerSecond !== undefined) {
      rows.push([
        `${capacity.limitingStage} at saturation (mean of its two best steps)`,
        `${formatRate(capacity.limitingStageThroughputPerSecond)} successful requests/s` +
          (capacity.impliedArrivalRatePerSecond !== undefined
            ? `, enough for ${perMinute(capacity.impliedArrivalRatePerSecond * 60)} new applicants`
            : ''),
      ]);
    }
    if (usl) {
      rows.push([
        'Throughput ceiling (USL model fit)',
        usl.ceilingDetermined && usl.ceilingPerMinute !== undefined
          ? `${perMinute(usl.ceilingPerMinute)} new applicants`
          : `not determined: ${usl.ceilingUndeterminedReason ?? 'no ceiling'}`,
      ]);
    }
  } else rows.push(['Capacity', capacity.explanation]);
  if (forecast.available) {
    const { atLeast, atMost } = boundWords(analysis);
    rows.push([
      'Capacity against the 80,000/min peak',
      `${atLeast}${formatFactor(forecast.capacityRatio!)} the peak; headroom ${atLeast}${pct(forecast.headroom, 0)}`,
    ]);
    rows.push([
      `Scale-out needed (at ${pct(forecast.targetUtilisation, 0)} utilisation)`,
      `${atMost}${formatFactor(forecast.scaleOutFactor!)}, to ${perMinute(forecast.requiredCapacityPerMinute)}`,
    ]);
    for (const surge of forecast.surges.filter((item) => item.overCapacity)) {
      const waiting = `${count(surge.maxBacklog)} waiting, longest wait ${formatMinutes(surge.maxWaitMinutes)}, ${formatMinutes(surge.minutesOverCapacity)} over capacity`;
      rows.push([
        `Waiting room at capacity, ${surgeName(surge.shape)}`,
        forecast.capacityIsLowerBound ? `at most: ${waiting}` : `up to ${waiting}`,
      ]);
    }
  }
  rows.push([
    'Journeys (whole run)',
    `${count(funnel.arrivals)} started; errors or throttling ended ${count(funnel.errorDrops)} (${pct(funnel.arrivals > 0 ? funnel.errorDrops / funnel.arrivals : undefined)})`,
  ]);
  rows.push([
    'Records lost (whole run)',
    reconciliation.available
      ? `${count(reconciliation.lost)} lost (${pct(reconciliation.lostShare, 2)}), ${count(reconciliation.unacknowledged)} stored but unacknowledged`
      : 'not checked (no truth from the target)',
  ]);
  rows.push(['Valid run', validity.valid ? 'yes' : `no — ${validity.reasons.join('; ')}`]);
  return rows;
}

/** "exponential surge" for `opening-exp`, "heavy-tailed surge" for `opening-hyperbolic`. */
export function surgeName(shape: string): string {
  if (shape === 'opening-exp') return 'exponential surge';
  if (shape === 'opening-hyperbolic') return 'heavy-tailed surge';
  return shape;
}

/**
 * Words before forecast figures: on a lower-bound capacity (the run did not reach the limit) the
 * ratio and headroom are "at least", the scale-out factor, queues and waits "at most".
 */
export function boundWords(analysis: Analysis): { atLeast: string; atMost: string } {
  return analysis.forecast.capacityIsLowerBound
    ? { atLeast: 'at least ', atMost: 'at most ' }
    : { atLeast: '', atMost: '' };
}

/** Stages with requests in some breakpoint step. */
function stepStages(analysis: Analysis): FunnelStage[] {
  return FUNNEL_STAGES.filter((stage) => analysis.steps.some((step) => step.stages[stage].requests > 0));
}

/** The breakpoint steps, one row each: load, what the generator did, and the step's result. */
export function stepTable(analysis: Analysis): Table {
  return {
    header: [
      'step',
      'offered (new applicants/min)',
      'started (/min)',
      'dropped',
      'requests in flight',
      'result',
      'broke (per step)',
    ],
    rows: analysis.steps.map((step) => [
      String(step.index + 1),
      formatRate(step.rate * 60),
      formatRate(step.arrivalsPerSecond * 60),
      count(step.dropped),
      formatRate(step.inFlight),
      step.status === 'insufficient' ? 'too few requests' : step.status,
      step.failingStages.length === 0 ? '—' : step.failingStages.join(', '),
    ]),
  };
}

/** One value per step and stage: `p95` latency or `errors` (error rate), for the step tables. */
export function stepStageTable(analysis: Analysis, what: 'p95' | 'errors'): Table {
  const stages = stepStages(analysis);
  return {
    header: ['step (/min)', ...stages],
    rows: analysis.steps.map((step) => [
      `${step.index + 1} (${formatRate(step.rate * 60)})`,
      ...stages.map((stage) => {
        const row = step.stages[stage];
        const mark = row.judgement.breaches.some((breach) => breach.kind === what) ? ' ✗' : '';
        return `${what === 'p95' ? ms(row.p95Ms) : pct(row.errorRate)}${mark}`;
      }),
    ]),
  };
}

/** The funnel, one row per stage. */
export function funnelTable(analysis: Analysis): Table {
  return {
    header: [
      'stage',
      'entered',
      'completed',
      'failed',
      'throttled',
      'abandoned',
      'went on',
      'expected to go on (95 % band)',
      'completed of arrivals',
      'expected',
    ],
    rows: FUNNEL_STAGES.map((stage) => {
      const row = analysis.funnel.stages[stage];
      const band = row.continuationBand
        ? ` (${(row.continuationBand[0] * 100).toFixed(1)}–${pct(row.continuationBand[1])})`
        : '';
      const flag =
        row.continuationStatus === 'below' || row.continuationStatus === 'above' ? ` ⚠ ${row.continuationStatus}` : '';
      return [
        stage,
        count(row.entered),
        count(row.completed),
        count(row.failed),
        count(row.throttled),
        count(row.abandoned),
        `${pct(row.observedContinuation)}${flag}`,
        `${pct(row.expectedContinuation)}${band}`,
        pct(row.completedShare),
        `${pct(row.expectedCompletedShare)}${row.shortfall > 0 ? ` (−${count(row.shortfall)})` : ''}`,
      ];
    }),
  };
}

/** Every stage over the whole run. */
export function stageTable(analysis: Analysis): Table {
  return {
    header: [
      'stage',
      'requests',
      'successful/s',
      'p50 of successful',
      'p95 of successful',
      'p99 of successful',
      'error rate',
      'throttled',
      'objective p95',
      'objective error rate',
    ],
    rows: FUNNEL_STAGES.map((stage) => {
      const row = analysis.overall[stage];
      const objective = analysis.objectives.stages[stage];
      return [
        stage,
        count(row.requests),
        formatRate(row.okPerSecond),
        ms(row.p50Ms),
        ms(row.p95Ms),
        ms(row.p99Ms),
        pct(row.errorRate),
        pct(row.throttleRate),
        ms(objective.p95Ms),
        `under ${pct(objective.maxErrorRate)}`,
      ];
    }),
  };
}

/** Reconciliation per stage. */
export function reconciliationTable(analysis: Analysis): Table {
  return {
    header: ['stage', 'acknowledged', 'stored', 'lost', 'lost share', 'unacknowledged'],
    rows: Object.entries(analysis.reconciliation.stages).map(([stage, row]) => [
      stage,
      count(row.acknowledged),
      count(row.stored),
      count(row.lost),
      pct(row.lostShare, 2),
      count(row.unacknowledged),
    ]),
  };
}

/** A threshold's measured value with its unit ("3,120 ms"), or — when the summary gave none. */
export function formatMeasuredThreshold(threshold: ThresholdResult): string {
  return threshold.measured === undefined
    ? '—'
    : `${formatMeasured(threshold.measured)}${threshold.unit ? ` ${threshold.unit}` : ''}`;
}

/** Thresholds and their results. */
export function thresholdTable(analysis: Analysis): Table {
  return {
    header: ['metric', 'threshold', 'measured', 'result'],
    rows: analysis.thresholds.map((threshold) => [
      threshold.metric,
      threshold.expression,
      formatMeasuredThreshold(threshold),
      threshold.ok === undefined ? 'unknown' : threshold.ok ? 'pass' : 'FAIL',
    ]),
  };
}

/** Title of the forecast section. */
export const FORECAST_TITLE = 'Forecast for an 80,000/min opening';

/** The forecast's sentences: capacity, ratio, scale-out, the model ceiling, the stage rate to ask for. */
export function forecastNotes(analysis: Analysis): string[] {
  const { forecast } = analysis;
  if (!forecast.available) return [`${forecast.reason ?? 'no capacity to forecast with'}.`];
  const { atLeast, atMost } = boundWords(analysis);
  const notes = [
    forecast.capacityIsLowerBound
      ? `Capacity is at least ${formatRate(forecast.capacityPerMinute!)} new applicants/min: every step met every objective, so the run did not reach the limit. Every figure below rests on that lower bound: the ratio and headroom are at least, the scale-out factor, queues and waits at most, what is shown; run higher steps to measure the capacity itself.`
      : `Capacity (the highest load step with every stage within its objectives): ${formatRate(forecast.capacityPerMinute!)} new applicants/min.`,
    `That is ${atLeast}${formatFactor(forecast.capacityRatio!)} the 80,000/min peak (headroom ${atLeast}${pct(forecast.headroom, 0)}).`,
    `At ${pct(forecast.targetUtilisation, 0)} target utilisation the opening needs ${formatRate(forecast.requiredCapacityPerMinute)}/min: ${atMost}${formatFactor(forecast.scaleOutFactor!)} what was measured (linear scale-out; N+1 spare not included).`,
  ];
  if (forecast.uslCeilingPerMinute !== undefined) {
    notes.push(
      `The USL model fit puts this deployment’s throughput ceiling near ${formatRate(forecast.uslCeilingPerMinute)} new applicants/min whatever the load: more load cannot get more out of it.`,
    );
  } else if (analysis.usl && !analysis.usl.ceilingDetermined) {
    notes.push(
      `The USL model’s throughput ceiling is not determined (${analysis.usl.ceilingUndeterminedReason ?? 'no ceiling'}), so it is not used here.`,
    );
  }
  if (forecast.limitingStage && forecast.requiredStageRatePerSecond !== undefined) {
    notes.push(
      `At the peak ${forecast.limitingStage} must answer about ${formatRate(forecast.requiredStageRatePerSecond)} successful requests/s (${formatRate(forecast.requiredStageRatePerSecond / forecast.targetUtilisation)}/s at ${pct(forecast.targetUtilisation, 0)} utilisation); if it is a dependency you do not own (the ministry API), that is the figure to ask for.`,
    );
  }
  notes.push(
    'Fluid model: arrivals above capacity wait in a first-in-first-out queue (a waiting room); the wait is backlog ÷ capacity.',
  );
  return notes;
}

/** The waiting room each surge shape would need at the measured capacity. */
export function forecastTable(analysis: Analysis): Table {
  const { forecast } = analysis;
  const most = forecast.capacityIsLowerBound ? '≤ ' : '';
  return {
    header: [
      'surge shape',
      'largest queue (applicants)',
      'longest wait',
      'time over capacity',
      'queue empty again after',
    ],
    rows: forecast.surges.map((surge) => [
      surgeName(surge.shape),
      surge.overCapacity ? `${most}${count(surge.maxBacklog)}` : '0',
      surge.overCapacity ? `${most}${formatMinutes(surge.maxWaitMinutes)}` : '—',
      surge.overCapacity ? `${most}${formatMinutes(surge.minutesOverCapacity)}` : '—',
      surge.queueClearsAtMinute === null
        ? 'not within 21 h'
        : surge.overCapacity
          ? `${most}${formatMinutes(surge.queueClearsAtMinute)}`
          : '—',
    ]),
  };
}

/** Title, introduction and not-fitted note of the USL section. */
export const USL_TITLE = 'Universal Scalability Law (model fit)';
export const USL_INTRO =
  'X(N) = λN / (1 + σ(N−1) + κN(N−1)) fitted to successful requests per second against requests in flight (Little’s law), one point per load step.';
export const USL_NOT_FITTED = 'Not fitted: it needs at least six judged load steps.';

/** The USL fit, label → value; an undetermined ceiling says so instead of printing its range. Undefined when not fitted. */
export function uslRows(analysis: Analysis): Array<[string, string]> | undefined {
  const usl = analysis.usl;
  if (!usl) return undefined;
  const range = (values: readonly [number, number] | null, digits: number): string =>
    values ? `${values[0].toFixed(digits)}–${values[1].toFixed(digits)}` : 'not identified';
  const undetermined = `not determined: ${usl.ceilingUndeterminedReason ?? 'no ceiling'}`;
  return [
    ['σ (contention)', `${usl.sigma.toFixed(4)} (5–95 %: ${range(usl.bootstrap.sigma, 4)})`],
    [
      'κ (coherency)',
      `${usl.kappa.toExponential(2)} (5–95 %: ${usl.bootstrap.kappa[0].toExponential(2)}–${usl.bootstrap.kappa[1].toExponential(2)})`,
    ],
    [
      'peak concurrency N*',
      !usl.ceilingDetermined
        ? undetermined
        : usl.peakConcurrency === null
          ? 'none (κ = 0)'
          : `${usl.peakConcurrency.toFixed(1)} requests in flight (5–95 %: ${range(usl.bootstrap.peakConcurrency, 1)})`,
    ],
    [
      'throughput ceiling',
      !usl.ceilingDetermined
        ? undetermined
        : `${formatRate(usl.peakThroughput!)} successful requests/s (5–95 %: ${range(usl.bootstrap.peakThroughput, 1)})`,
    ],
    [
      'in new applicants',
      usl.ceilingPerMinute === undefined
        ? '—'
        : `${formatRate(usl.ceilingPerMinute)}/min (at ${usl.requestsPerArrival!.toFixed(2)} successful requests per applicant)`,
    ],
    [
      'fit',
      `R² ${usl.rSquared.toFixed(3)} over ${usl.points.length} steps; ${usl.bootstrap.samples} bootstrap resamples; do not read beyond N ≈ ${formatRate(2 * usl.maxMeasuredConcurrency)}`,
    ],
  ];
}
