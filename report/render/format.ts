/**
 * Number and text formats shared by the HTML and Markdown renderers, and the rows both render:
 * the key figures, the step table and the funnel table.
 */

import { FUNNEL_STAGES } from '../../contracts/funnel.ts';
import { describeBreach, formatRate } from '../analysis/capacity.ts';
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

/** The key figures: label → value. */
export function keyFigures(analysis: Analysis): Array<[string, string]> {
  const { capacity, forecast, reconciliation, funnel, validity } = analysis;
  const rows: Array<[string, string]> = [['Run', `${analysis.run} (${analysis.scenario}, ${analysis.engine} engine)`]];
  if (!validity.valid) rows.push(['Warning', 'invalid run: the figures below describe the load generator, not the target']);
  if (capacity.outcome !== 'not-measured') {
    const sustained =
      capacity.sustainedPerMinute === undefined
        ? 'below the first step'
        : capacity.outcome === 'not-reached'
          ? `at least ${perMinute(capacity.sustainedPerMinute)} (${perSecond(capacity.sustainedPerSecond)}): the run did not reach the limit`
          : `${perMinute(capacity.sustainedPerMinute)} (${perSecond(capacity.sustainedPerSecond)})`;
    rows.push(['Sustained capacity', sustained]);
    rows.push(['Capacity range (last pass – first fail)', `${perMinute(capacity.range[0])} – ${capacity.range[1] === null ? 'not reached' : perMinute(capacity.range[1])}`]);
    if (capacity.limitingStage) {
      rows.push(['Limiting stage', `${capacity.limitingStage}: ${(capacity.limitingBreaches ?? []).map(describeBreach).join(', ')}`]);
    }
    if (capacity.limitingStageThroughputPerSecond !== undefined) {
      rows.push([
        `${capacity.limitingStage} at saturation`,
        `${formatRate(capacity.limitingStageThroughputPerSecond)} requests/s` +
          (capacity.impliedArrivalRatePerSecond !== undefined ? ` ≈ ${perMinute(capacity.impliedArrivalRatePerSecond * 60)} new applicants` : ''),
      ]);
    }
  } else rows.push(['Capacity', capacity.explanation]);
  if (forecast.available) {
    const { atLeast, atMost } = boundWords(analysis);
    rows.push(['Against 80,000/min', `${atLeast}${formatFactor(forecast.capacityRatio!)} the peak; headroom ${atLeast}${pct(forecast.headroom, 0)}`]);
    rows.push(['Scale-out needed', `${atMost}${formatFactor(forecast.scaleOutFactor!)} (to ${perMinute(forecast.requiredCapacityPerMinute)} at ${pct(forecast.targetUtilisation, 0)} utilisation)`]);
    for (const surge of forecast.surges.filter((item) => item.overCapacity)) {
      const waiting = `${count(surge.maxBacklog)} waiting, longest wait ${formatMinutes(surge.maxWaitMinutes)}, ${formatMinutes(surge.minutesOverCapacity)} over capacity`;
      rows.push([`Waiting room, ${surge.shape}`, forecast.capacityIsLowerBound ? `at most: ${waiting}` : `up to ${waiting}`]);
    }
  }
  rows.push(['Arrivals', `${count(funnel.arrivals)} journeys; errors ended ${count(funnel.errorDrops)}`]);
  rows.push(['Reconciliation', reconciliation.available ? `${count(reconciliation.lost)} lost (${pct(reconciliation.lostShare, 2)}), ${count(reconciliation.unacknowledged)} stored but unacknowledged` : 'not available (no truth from the target)']);
  rows.push(['Valid run', validity.valid ? 'yes' : `no — ${validity.reasons.join('; ')}`]);
  return rows;
}

/**
 * Words before forecast figures: on a lower-bound capacity (the run did not reach the limit) the
 * ratio and headroom are "at least", the scale-out factor, queues and waits "at most".
 */
export function boundWords(analysis: Analysis): { atLeast: string; atMost: string } {
  return analysis.forecast.capacityIsLowerBound ? { atLeast: 'at least ', atMost: 'at most ' } : { atLeast: '', atMost: '' };
}

/** The breakpoint steps, one row each. */
export function stepTable(analysis: Analysis): Table {
  const stages = FUNNEL_STAGES.filter((stage) => analysis.steps.some((step) => step.stages[stage].requests > 0));
  return {
    header: ['step', 'offered', 'achieved', 'dropped', 'ok req/s', 'in flight', ...stages.map((stage) => `${stage} p95 · err`), 'verdict'],
    rows: analysis.steps.map((step) => [
      String(step.index + 1),
      perSecond(step.rate),
      perSecond(step.arrivalsPerSecond),
      count(step.dropped),
      formatRate(step.okPerSecond),
      formatRate(step.inFlight),
      ...stages.map((stage) => `${ms(step.stages[stage].p95Ms)} · ${pct(step.stages[stage].errorRate)}`),
      step.status === 'fail' ? `fail (${step.failingStages.join(', ')})` : step.status,
    ]),
  };
}

/** The funnel, one row per stage. */
export function funnelTable(analysis: Analysis): Table {
  return {
    header: ['stage', 'entered', 'completed', 'failed', 'throttled', 'abandoned', 'continuation (expected, band)', 'completed of arrivals (expected)'],
    rows: FUNNEL_STAGES.map((stage) => {
      const row = analysis.funnel.stages[stage];
      const band = row.continuationBand ? `${pct(row.continuationBand[0])}–${pct(row.continuationBand[1])}` : '—';
      const flag = row.continuationStatus === 'below' || row.continuationStatus === 'above' ? ` ⚠ ${row.continuationStatus}` : '';
      return [
        stage,
        count(row.entered),
        count(row.completed),
        count(row.failed),
        count(row.throttled),
        count(row.abandoned),
        `${pct(row.observedContinuation)} (${pct(row.expectedContinuation)}, ${band})${flag}`,
        `${pct(row.completedShare)} (${pct(row.expectedCompletedShare)})${row.shortfall > 0 ? ` −${count(row.shortfall)}` : ''}`,
      ];
    }),
  };
}

/** Every stage over the whole run. */
export function stageTable(analysis: Analysis): Table {
  return {
    header: ['stage', 'requests', 'ok/s', 'p50', 'p95', 'p99', 'errors', 'throttled', 'objective (p95 · errors)'],
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
        `${ms(objective.p95Ms)} · ${pct(objective.maxErrorRate)}`,
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

/** Thresholds and their results. */
export function thresholdTable(analysis: Analysis): Table {
  return {
    header: ['metric', 'threshold', 'measured', 'result'],
    rows: analysis.thresholds.map((threshold) => [
      threshold.metric,
      threshold.expression,
      threshold.measured === undefined ? '—' : `${formatMeasured(threshold.measured)}${threshold.unit ? ` ${threshold.unit}` : ''}`,
      threshold.ok === undefined ? 'unknown' : threshold.ok ? 'pass' : 'FAIL',
    ]),
  };
}
