/**
 * The one-paragraph verdict a manager reads first: can we take the opening, where does it break,
 * what must grow by how much — or, for an invalid run, that the numbers describe the load
 * generator and not the target.
 */

import { FUNNEL_STAGES } from '../../contracts/funnel.ts';
import type { RunProfile, ThresholdResult } from '../../contracts/run-result.ts';
import { describeBreach, formatRate, type CapacityResult } from './capacity.ts';
import type { ForecastResult } from './forecast.ts';
import type { FunnelResult } from './funnel.ts';
import type { ReportObjectives } from './objectives.ts';
import type { ReconciliationResult } from './reconciliation.ts';
import { formatClock, formatFactor, formatMinutes } from './numbers.ts';
import { scaleWords } from './scale.ts';
import { describeThresholdFailure } from './thresholds.ts';
import type { ValidityResult } from './validity.ts';
import type { WindowRow } from './windows.ts';

export { formatClock, formatFactor, formatMinutes } from './numbers.ts';

/**
 * What the verdict reads of a run's analysis (a structural slice of `Analysis`, declared here so
 * this module does not import the analysis that calls it).
 */
export interface VerdictInputs {
  readonly scenario: string;
  readonly scenarioStartSeconds: number;
  readonly profile: RunProfile;
  readonly validity: ValidityResult;
  readonly objectives: ReportObjectives;
  readonly windows: { readonly seconds: number; readonly rows: readonly WindowRow[] };
  readonly capacity: CapacityResult;
  readonly funnel: FunnelResult;
  readonly reconciliation: ReconciliationResult;
  readonly forecast: ForecastResult;
  readonly thresholds: readonly ThresholdResult[];
}

/** The verdict. */
export interface Verdict {
  /**
   * `invalid`: the generator was the bottleneck; `ready`/`not-ready`: a capacity was measured and
   * compared with the opening; `limit-not-reached`: a breakpoint passed every step, so its
   * capacity is only a lower bound, and that bound is short of the opening (run higher steps);
   * `pass`/`fail`: a non-breakpoint run met or broke its SLOs; `unknown`: nothing to judge.
   */
  readonly status: 'invalid' | 'ready' | 'not-ready' | 'limit-not-reached' | 'pass' | 'fail' | 'unknown';
  /** A few words: "Not ready", "Invalid run", … */
  readonly headline: string;
  /** The paragraph. */
  readonly text: string;
}

/** Writes the verdict of an analysis. */
export function writeVerdict(analysis: VerdictInputs): Verdict {
  const { validity, capacity, forecast } = analysis;
  const sentences: string[] = [];
  if (!validity.valid) {
    sentences.push(`Invalid run: ${validity.reasons.join('; ')}.`);
    sentences.push(
      'The numbers below describe the load generator, not the target: give the generator more VUs (maxVUs) or more machines (k6 distributed), then run again.',
    );
    return {
      status: 'invalid',
      headline: 'Invalid run — the load generator was the bottleneck',
      text: withTail(sentences, analysis),
    };
  }

  if (capacity.outcome !== 'not-measured') {
    const perMinute = (perSecond: number): string => `${formatRate(perSecond * 60)}/min`;
    if (capacity.outcome === 'knee' || capacity.outcome === 'not-reached') {
      const [low, high] = capacity.rangePerSecond;
      const range = high !== null ? `; the knee lies between ${formatRate(low! * 60)} and ${perMinute(high)}` : '';
      sentences.push(
        capacity.outcome === 'not-reached'
          ? `Capacity at least ${formatRate(capacity.sustainedPerSecond! * 60)} new applicants/min (${formatRate(capacity.sustainedPerSecond!)}/s): every step up to that met every SLO, so the run did not reach the limit and this is a lower bound, not the capacity.`
          : `Capacity ≈ ${formatRate(capacity.sustainedPerSecond! * 60)} new applicants/min (${formatRate(capacity.sustainedPerSecond!)}/s${range}) with every stage within its SLO.`,
      );
    } else {
      sentences.push(
        `Capacity is below the first step of the test (${perMinute(capacity.rangePerSecond[1]!)}): even that broke an SLO.`,
      );
    }
    if (capacity.limitingStage) {
      const how = (capacity.limitingBreaches ?? []).map(describeBreach).join(' and ');
      const throughput =
        capacity.limitingStageThroughputPerSecond !== undefined
          ? `; it sustains about ${formatRate(capacity.limitingStageThroughputPerSecond)} requests/s at saturation` +
            (capacity.impliedArrivalRatePerSecond !== undefined
              ? `, which caps arrivals near ${perMinute(capacity.impliedArrivalRatePerSecond)}`
              : '')
          : '';
      sentences.push(
        `${capacity.limitingStage} breaks first (at the ${perMinute(capacity.rangePerSecond[1]!)} step: ${how})${throughput}.`,
      );
    } else if (capacity.nearestStage) {
      sentences.push(
        `Closest to its limit: ${capacity.nearestStage} (at ${Math.round((capacity.nearestRatio ?? 0) * 100)} % of an objective).`,
      );
    }
    if (forecast.available) {
      const ratio = forecast.capacityRatio!;
      const atLeast = forecast.capacityIsLowerBound ? 'at least ' : '';
      if (forecast.ready) {
        sentences.push(
          `Against an 80,000/min opening that is ${atLeast}${formatFactor(ratio)} the peak: ready, with room for the ${Math.round(forecast.targetUtilisation * 100)} % target utilisation.`,
        );
        return { status: 'ready', headline: 'Ready for the opening', text: withTail(sentences, analysis) };
      }
      if (forecast.capacityIsLowerBound) {
        const top = capacity.sustainedPerSecond!;
        sentences.push(
          `Against an 80,000/min opening the lower bound is ${formatFactor(ratio)} the peak; the opening needs ${formatRate(forecast.requiredCapacityPerMinute)}/min at ${Math.round(forecast.targetUtilisation * 100)} % utilisation, at most ${formatFactor(forecast.scaleOutFactor!)} what was measured.`,
          `Whether the target can take it is not known from this run: run the breakpoint again with higher steps (raise BREAKPOINT_START, BREAKPOINT_STEP or BREAKPOINT_STEPS well past ${formatRate(top)}/s) until a stage breaks its SLO.`,
        );
        return {
          status: 'limit-not-reached',
          headline: `Limit not reached: capacity at least ${perMinute(top)}`,
          text: withTail(sentences, analysis),
        };
      }
      const waits = forecast.surges
        .filter((surge) => surge.overCapacity)
        .map(
          (surge) =>
            `${formatMinutes(surge.maxWaitMinutes)} (${surge.shape === 'opening-exp' ? 'exponential surge' : 'heavy-tailed surge'})`,
        );
      const scale = `it needs ${formatFactor(forecast.scaleOutFactor!)} the measured capacity (${formatRate(forecast.requiredCapacityPerMinute)}/min at ${Math.round(forecast.targetUtilisation * 100)} % utilisation)`;
      sentences.push(
        `Against an 80,000/min opening that is ${formatFactor(ratio)} the peak: not ready — ${scale}` +
          (waits.length > 0
            ? `, or admit applicants through a waiting room, where the last in the queue would wait about ${waits.join(' or ')}`
            : '') +
          '.',
      );
      if (forecast.limitingStage && forecast.requiredStageRatePerSecond !== undefined) {
        sentences.push(
          `At the peak, ${forecast.limitingStage} would have to answer about ${formatRate(forecast.requiredStageRatePerSecond)} requests/s.`,
        );
      }
      return {
        status: 'not-ready',
        headline: 'Not ready for an 80,000/min opening',
        text: withTail(sentences, analysis),
      };
    }
    return { status: 'not-ready', headline: 'Capacity below the first step', text: withTail(sentences, analysis) };
  }

  // Not a breakpoint: did the run hold its SLOs window by window?
  const failing = FUNNEL_STAGES.map((stage) => {
    const rows = analysis.windows.rows.filter((row) => row.stages[stage].judgement.status === 'fail');
    return { stage, rows };
  }).filter((entry) => entry.rows.length > 0);
  const judgedWindows = analysis.windows.rows.filter((row) =>
    FUNNEL_STAGES.some((stage) => row.stages[stage].judgement.status !== 'insufficient'),
  );
  const thresholdsFailed = analysis.thresholds.filter((threshold) => threshold.ok === false);
  const plannedRows = analysis.windows.rows.filter((row) => row.plannedPerSecond !== undefined);
  const scaling = `${analysis.profile.rateScale !== 1 ? `, rates × ${analysis.profile.rateScale}` : ''}${
    analysis.profile.timeScale !== 1 ? `, time ÷ ${analysis.profile.timeScale}` : ''
  }`;
  // A peak needs a planned rate: one journey in a one-second window is not "60/min"
  const size =
    plannedRows.length > 0
      ? `peak ${formatRate(Math.max(0, ...plannedRows.map((row) => row.plannedPerSecond!)) * 60)} new applicants/min`
      : `${analysis.funnel.arrivals.toLocaleString('en-US')} applicant journey${analysis.funnel.arrivals === 1 ? '' : 's'}`;
  const load = `the ${analysis.scenario} run (${size}${scaling})`;
  if (judgedWindows.length === 0) {
    const tooLittle = `Too little traffic to judge ${load} against the SLOs window by window (fewer than ${analysis.objectives.minRequests} requests per stage and window)`;
    if (thresholdsFailed.length > 0) {
      sentences.push(
        `${tooLittle}, and ${thresholdsFailed.length} of its k6 thresholds failed: ${thresholdsFailed.map(describeThresholdFailure).join('; ')}.`,
      );
      return {
        status: 'fail',
        headline: scaled('Broke its k6 thresholds', analysis),
        text: withTail(sentences, analysis),
      };
    }
    if (analysis.thresholds.length > 0 && analysis.thresholds.every((threshold) => threshold.ok === true)) {
      sentences.push(`${tooLittle}; all ${analysis.thresholds.length} of its k6 thresholds held.`);
      return {
        status: 'pass',
        headline: scaled('Met its k6 thresholds', analysis),
        text: withTail(sentences, analysis),
      };
    }
    sentences.push(`${tooLittle}.`);
    return { status: 'unknown', headline: scaled('Nothing to judge', analysis), text: withTail(sentences, analysis) };
  }
  if (failing.length === 0 && thresholdsFailed.length === 0) {
    sentences.push(`${capitalise(load)} met every stage's SLO in every ${analysis.windows.seconds}-second window.`);
    return { status: 'pass', headline: scaled('Met every SLO', analysis), text: withTail(sentences, analysis) };
  }
  const details = failing.map(({ stage, rows }) => {
    const first = rows[0]!;
    const how = first.stages[stage].judgement.breaches.map(describeBreach).join(', ');
    return `${stage} in ${rows.length} of ${judgedWindows.length} windows, first in the window from ${formatClock(Math.max(0, first.startSeconds - analysis.scenarioStartSeconds))} (${how})`;
  });
  if (details.length > 0) sentences.push(`${capitalise(load)} broke its SLOs: ${details.join('; ')}.`);
  if (thresholdsFailed.length > 0) {
    sentences.push(
      `${thresholdsFailed.length} k6 threshold(s) failed: ${thresholdsFailed.map(describeThresholdFailure).join('; ')}.`,
    );
  }
  return { status: 'fail', headline: scaled('Broke its SLOs', analysis), text: withTail(sentences, analysis) };
}

/** Adds the funnel and reconciliation sentences every verdict carries. */
function withTail(sentences: string[], analysis: VerdictInputs): string {
  const { funnel, reconciliation } = analysis;
  if (funnel.arrivals > 0 && funnel.errorDrops > 0) {
    sentences.push(
      `Over the whole run, errors and throttling ended ${funnel.errorDrops.toLocaleString('en-US')} journeys (${((funnel.errorDrops / funnel.arrivals) * 100).toFixed(1)} % of ${funnel.arrivals.toLocaleString('en-US')} arrivals).`,
    );
  }
  if (reconciliation.available && reconciliation.lost > 0) {
    sentences.push(
      `The target acknowledged but did not store ${reconciliation.lost.toLocaleString('en-US')} records (${(reconciliation.lostShare * 100).toFixed(2)} %).`,
    );
  } else if (reconciliation.available) {
    sentences.push('Every acknowledged record was stored.');
  }
  return sentences.join(' ');
}

/** A non-breakpoint headline with the run's scale: "Met every SLO — at 1/5,000 of the real opening: …". */
function scaled(headline: string, analysis: VerdictInputs): string {
  const scale = scaleWords(analysis);
  return scale ? `${headline} — ${scale}` : headline;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
