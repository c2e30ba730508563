/**
 * Retry amplification as the run measured it (capacity-model.md §3.6): HTTP requests per
 * applicant at the peak and off it, and what that did to capacity at the stage that refused most.
 *
 * How an applicant is counted without an identity: each journey records `funnel_stage{result=
 * entered}` once per stage it starts, however many attempts it then makes, so requests ÷ entered
 * over the same slots is requests per applicant — from counters, with no applicant id in any tag
 * or label (the same division works on Prometheus: the dashboards' amplification panel). Requests
 * beyond one per applicant at a stage are its retries (journey retries under RETRY_PROFILE, and
 * the HTTP client's own 429 retries): exact for a stage of one request per attempt, which is
 * every reference-target stage but join_batch (it lists the batches, then joins one).
 *
 * The peak: the slots whose planned arrivals (or, without a plan, new applicants over ±5 slots)
 * reach half the busiest slot's — the definition `floodgate profile from-logs` uses for logs; a
 * stage's own peak is where the applicants entering it do. Requests count where they happen, so
 * the requests of an applicant who arrived in the peak but was still at it after the peak ended
 * count off it. How long that is the run measures: the mean journey, from entering the landing to
 * the journey's end (Little's law over the funnel counters, {@link meanJourneySeconds}). A peak
 * shorter than {@link PEAK_JOURNEYS} mean journeys (or than {@link PEAK_MIN_SECONDS}) is not split,
 * and the report says why: in a time-compressed run whose peak lasts seconds much of the peak's
 * load would count after it.
 */

import { FUNNEL_STAGES, type FunnelStage } from '../../contracts/funnel.ts';
import type { RunResult, RunSlot } from '../../contracts/run-result.ts';
import type { CapacityResult } from './capacity.ts';
import { runSlots, totalsOf, type RangeTotals } from './totals.ts';

/** One part of the run (the peak, off it, or all of it). */
export interface AmplificationSpan {
  readonly seconds: number;
  /** Journeys started (landing entered). */
  readonly applicants: number;
  /** HTTP requests of every stage. */
  readonly requests: number;
  /** requests ÷ applicants; undefined without applicants. */
  readonly requestsPerApplicant?: number;
  /** Per stage: requests ÷ applicants who entered the stage, and the share of its requests beyond one per applicant. */
  readonly stages: Readonly<Partial<Record<FunnelStage, StageAmplification>>>;
}

/** One stage over a span. */
export interface StageAmplification {
  readonly requests: number;
  readonly entered: number;
  readonly okRequests: number;
  readonly requestsPerApplicant: number;
  /** Seconds the figures cover (a stage's own peak or off-peak; the whole span for `overall`). */
  readonly seconds: number;
  /** (requests − entered × {@link REQUESTS_PER_ATTEMPT}) ÷ requests, at least 0: the share of its requests that were retries. */
  readonly retryShare: number;
}

/** What the amplification did at the stage that refused most (or the breakpoint's limiting stage). */
export interface AmplificationImpact {
  readonly stage: FunnelStage;
  /** Why this stage: the breakpoint's limiting stage, or the most refused and failed requests at the peak. */
  readonly why: 'limiting-stage' | 'most-refused-at-peak';
  /** At the peak: requests per second the stage received, successful ones, and applicants who entered it per second. */
  readonly requestsPerSecond: number;
  readonly okPerSecond: number;
  readonly applicantsPerSecond: number;
  /** The stage's successful requests per second the capacity figure rests on: the breakpoint's saturation throughput, else the peak's. */
  readonly throughputPerSecond: number;
  /** throughputPerSecond ÷ requests per applicant at the peak: applicants per second it serves under the storm. */
  readonly applicantsPerSecondAtPeak: number;
  /** The same throughput at the off-peak requests per applicant (undefined when off-peak is unmeasured); without a split, at one request per applicant. */
  readonly applicantsPerSecondOffPeak?: number;
  /** 1 − peak ÷ off-peak applicants per second: the capacity the extra requests took (≤ 0: none). */
  readonly capacityLostShare?: number;
  /** The stage's retries share at the peak. */
  readonly retryShare: number;
}

/** The section. */
export interface AmplificationResult {
  /** False when the run started no applicant (nothing to divide by). */
  readonly available: boolean;
  /** How the peak was found. */
  readonly peakBy: 'planned-arrivals' | 'new-applicants';
  readonly overall: AmplificationSpan;
  readonly peak: AmplificationSpan;
  readonly offPeak: AmplificationSpan;
  /** requests per applicant at the peak ÷ off it. */
  readonly peakOverOffPeak?: number;
  /**
   * False when the peak was shorter than {@link PEAK_MIN_SECONDS}: the peak and off-peak figures
   * are then left unstated (the renderers say why) and the impact rests on the whole run.
   */
  readonly split: boolean;
  /** The shortest peak this run could split: {@link PEAK_JOURNEYS} mean journeys, at least {@link PEAK_MIN_SECONDS}. */
  readonly peakMinSeconds: number;
  /** The mean journey the run measured, seconds (undefined without applicants). */
  readonly meanJourneySeconds?: number;
  readonly impact?: AmplificationImpact;
}

/**
 * Requests one plain attempt of a stage makes, where it is not one: join_batch lists the batches,
 * then joins one (load-tests/targets/reference.ts). A stage's retries are its requests beyond this
 * many per applicant — exact when every attempt makes exactly these (a join that finds its batch
 * full and tries the next makes more, and counts as a retry).
 */
export const REQUESTS_PER_ATTEMPT: Readonly<Partial<Record<FunnelStage, number>>> = { join_batch: 2 };

/** Share of the busiest slot's arrivals a slot must reach to be peak. */
export const PEAK_SHARE = 0.5;
/** Slots either side a new-applicant count is summed over, when the run carries no plan. */
const SMOOTH_SLOTS = 5;

/**
 * A peak must last this many mean journeys to be split from the rest: a request counts when it is
 * answered, and an applicant who arrived in the peak makes its requests (retries too) within its
 * journey, so at most about one journey's worth of the peak's requests lands after it — ≈ 1/10
 * here (a 6 s peak of a run whose journeys took seconds read 0.06× the off-peak).
 */
export const PEAK_JOURNEYS = 10;

/**
 * The shortest peak split whatever the journeys: two of the ±{@link SMOOTH_SLOTS}-slot windows a
 * stage's own peak is found over, at 1 s slots (a shorter peak is mostly those windows' edges).
 */
export const PEAK_MIN_SECONDS = 2 * (2 * SMOOTH_SLOTS + 1);

/** Measures the amplification of a run. Pure. */
export function analyseAmplification(
  result: RunResult,
  capacity: Pick<CapacityResult, 'limitingStage' | 'limitingStageThroughputPerSecond'>,
): AmplificationResult {
  const slots = runSlots(result);
  const resolution = result.resolutionSeconds;
  const hasPlanned = slots.some((slot) => (slot.planned ?? 0) > 0);
  const isPeak = peakOf(
    hasPlanned
      ? slots.map((slot) => slot.planned ?? 0)
      : smoothed(
          slots.map((slot) => slot.stages.landing?.funnel.entered ?? 0),
          SMOOTH_SLOTS,
        ),
  );
  const overall = span(totalsOf(slots, resolution));
  const peakTotals = totalsOf(
    slots.filter((_, index) => isPeak[index]),
    resolution,
  );
  const offTotals = totalsOf(
    slots.filter((_, index) => !isPeak[index]),
    resolution,
  );
  const peak = { ...span(peakTotals), stages: stageSpans(slots, resolution, true) };
  const offPeak = { ...span(offTotals), stages: stageSpans(slots, resolution, false) };
  const ratio =
    peak.requestsPerApplicant !== undefined &&
    offPeak.requestsPerApplicant !== undefined &&
    offPeak.requestsPerApplicant > 0
      ? peak.requestsPerApplicant / offPeak.requestsPerApplicant
      : undefined;
  const journey = meanJourneySeconds(slots, resolution);
  const peakMinSeconds = Math.max(PEAK_MIN_SECONDS, PEAK_JOURNEYS * (journey ?? 0));
  const split = peak.seconds >= peakMinSeconds && offPeak.seconds > 0;
  const impact = split
    ? impactOf(peak, offPeak, capacity)
    : impactOf({ ...overall, stages: withSeconds(overall.stages, overall.seconds) }, undefined, capacity);
  return {
    available: overall.applicants > 0,
    peakBy: hasPlanned ? 'planned-arrivals' : 'new-applicants',
    overall,
    peak,
    offPeak,
    ...(ratio !== undefined && split ? { peakOverOffPeak: ratio } : {}),
    split,
    peakMinSeconds,
    ...(journey !== undefined ? { meanJourneySeconds: journey } : {}),
    ...(impact ? { impact } : {}),
  };
}

/**
 * The mean time a journey took, from entering the landing to its end (a stage that did not
 * complete, a stop before a stage, or the last stage done), by Little's law: the journeys under
 * way summed over the slots, times the slot length, over the journeys started — plus one slot,
 * since a journey that starts and ends within a slot adds nothing to the sum (so this is an upper
 * bound by up to a slot). A journey the run's end cut off counts as under way to the end.
 * Undefined without applicants.
 */
export function meanJourneySeconds(slots: readonly RunSlot[], resolution: number): number | undefined {
  let started = 0;
  let ended = 0;
  let underWay = 0;
  for (const slot of slots) {
    started += slot.stages.landing?.funnel.entered ?? 0;
    for (const stage of FUNNEL_STAGES) {
      const funnel = slot.stages[stage]?.funnel;
      if (!funnel) continue;
      ended += (funnel.failed ?? 0) + (funnel.throttled ?? 0) + (funnel.abandoned ?? 0);
      if (stage === FUNNEL_STAGES[FUNNEL_STAGES.length - 1]) ended += funnel.completed ?? 0;
    }
    underWay += Math.max(0, started - ended);
  }
  return started > 0 ? (underWay * resolution) / started + resolution : undefined;
}

/** True for the slots whose weight reaches {@link PEAK_SHARE} of the busiest's. */
function peakOf(weights: readonly number[]): boolean[] {
  const busiest = Math.max(0, ...weights);
  return weights.map((weight) => busiest > 0 && weight >= PEAK_SHARE * busiest);
}

/**
 * Per stage, its peak: the slots where applicants entering that stage (over ±5 slots) reach half
 * its busiest — a later stage peaks a little after the landing, by the journey's time to reach it.
 */
function stageSpans(
  slots: readonly RunSlot[],
  resolution: number,
  peak: boolean,
): Partial<Record<FunnelStage, StageAmplification>> {
  const stages: Partial<Record<FunnelStage, StageAmplification>> = {};
  for (const stage of FUNNEL_STAGES) {
    const isPeak = peakOf(
      smoothed(
        slots.map((slot) => slot.stages[stage]?.funnel.entered ?? 0),
        SMOOTH_SLOTS,
      ),
    );
    const figures = span(
      totalsOf(
        slots.filter((_, index) => isPeak[index] === peak),
        resolution,
      ),
    ).stages[stage];
    if (figures) stages[stage] = { ...figures, seconds: isPeak.filter((value) => value === peak).length * resolution };
  }
  return stages;
}

function span(totals: RangeTotals): AmplificationSpan {
  const stages: Partial<Record<FunnelStage, StageAmplification>> = {};
  let requests = 0;
  for (const stage of FUNNEL_STAGES) {
    const figures = totals.stages[stage];
    requests += figures.requestCount;
    const entered = figures.funnel.entered;
    if (entered <= 0 || figures.requestCount <= 0) continue;
    stages[stage] = {
      requests: figures.requestCount,
      entered,
      okRequests: figures.requests.ok,
      requestsPerApplicant: figures.requestCount / entered,
      seconds: totals.seconds,
      retryShare: Math.max(0, 1 - (entered * (REQUESTS_PER_ATTEMPT[stage] ?? 1)) / figures.requestCount),
    };
  }
  return {
    seconds: totals.seconds,
    applicants: totals.arrivals,
    requests,
    ...(totals.arrivals > 0 ? { requestsPerApplicant: requests / totals.arrivals } : {}),
    stages,
  };
}

function withSeconds(stages: AmplificationSpan['stages'], seconds: number): AmplificationSpan['stages'] {
  return Object.fromEntries(Object.entries(stages).map(([stage, figures]) => [stage, { ...figures, seconds }]));
}

/** The impact at the peak against the off-peak; with `offPeak` undefined, over the whole run against one request per applicant. */
function impactOf(
  peak: AmplificationSpan,
  offPeak: AmplificationSpan | undefined,
  capacity: Pick<CapacityResult, 'limitingStage' | 'limitingStageThroughputPerSecond'>,
): AmplificationImpact | undefined {
  let stage: FunnelStage | undefined = capacity.limitingStage;
  const why = stage ? 'limiting-stage' : 'most-refused-at-peak';
  if (!stage) {
    let worst = 0;
    for (const candidate of FUNNEL_STAGES) {
      const figures = peak.stages[candidate];
      const refused = figures ? figures.requests - figures.okRequests : 0;
      if (refused > worst) {
        worst = refused;
        stage = candidate;
      }
    }
  }
  const atPeak = stage ? peak.stages[stage] : undefined;
  if (!stage || !atPeak || !(atPeak.seconds > 0)) return undefined;
  const okPerSecond = atPeak.okRequests / atPeak.seconds;
  const throughputPerSecond =
    capacity.limitingStage === stage && capacity.limitingStageThroughputPerSecond !== undefined
      ? capacity.limitingStageThroughputPerSecond
      : okPerSecond;
  const applicantsPerSecondAtPeak = throughputPerSecond / atPeak.requestsPerApplicant;
  const off = offPeak?.stages[stage];
  const applicantsPerSecondOffPeak = offPeak
    ? off
      ? throughputPerSecond / off.requestsPerApplicant
      : undefined
    : throughputPerSecond;
  return {
    stage,
    why,
    requestsPerSecond: atPeak.requests / atPeak.seconds,
    okPerSecond,
    applicantsPerSecond: atPeak.entered / atPeak.seconds,
    throughputPerSecond,
    applicantsPerSecondAtPeak,
    ...(applicantsPerSecondOffPeak !== undefined
      ? {
          applicantsPerSecondOffPeak,
          capacityLostShare:
            applicantsPerSecondOffPeak > 0 ? 1 - applicantsPerSecondAtPeak / applicantsPerSecondOffPeak : 0,
        }
      : {}),
    retryShare: atPeak.retryShare,
  };
}

function smoothed(values: readonly number[], radius: number): number[] {
  return values.map((_, index) => {
    let sum = 0;
    for (let j = Math.max(0, index - radius); j <= Math.min(values.length - 1, index + radius); j += 1)
      sum += values[j]!;
    return sum;
  });
}
