/**
 * The manager's question (capacity-model §5): can we take an 80,000/min opening, and what must grow
 * by how much? Capacity against the seed's peak for both surge shapes: headroom, the scale-out
 * factor at the target utilisation, and — when demand exceeds capacity — the fluid-model queue a
 * waiting room would hold: the largest backlog, the longest wait, the minutes over capacity.
 */

import { SEED_FIGURES } from '../../contracts/funnel.ts';
import { openingExpProfile, openingHyperbolicProfile, type TrafficProfile } from '../../contracts/profiles.ts';

/** The queue one surge shape builds at a given capacity. */
export interface SurgeForecast {
  readonly shape: string;
  readonly description: string;
  /** Arrivals in the first minute (the calibrated peak). */
  readonly peakPerMinute: number;
  readonly overCapacity: boolean;
  /** Applicants waiting at the worst moment. */
  readonly maxBacklog: number;
  /** FIFO wait of the applicant arriving at the worst moment, minutes (backlog / capacity). */
  readonly maxWaitMinutes: number;
  /** Minutes during which arrivals exceed capacity. */
  readonly minutesOverCapacity: number;
  /** Minute from the opening at which the queue is empty again; null when it never clears in the window. */
  readonly queueClearsAtMinute: number | null;
}

/** The forecast. */
export interface ForecastResult {
  /** False without a capacity figure (not a breakpoint run, or no step passed). */
  readonly available: boolean;
  readonly reason?: string;
  /** The seed's peak: sign-up attempts in the first minute. */
  readonly demandPeakPerMinute: number;
  readonly capacityPerMinute?: number;
  /**
   * True when the capacity is only a lower bound (a breakpoint whose every step passed): then the
   * ratio and headroom are at least, the scale-out factor, backlogs and waits at most, the values
   * given.
   */
  readonly capacityIsLowerBound: boolean;
  /** capacity / demand. */
  readonly capacityRatio?: number;
  /** (capacity − demand) / demand. */
  readonly headroom?: number;
  readonly targetUtilisation: number;
  /** demand / target utilisation. */
  readonly requiredCapacityPerMinute: number;
  /** required / capacity: how many times the measured system must grow (linear scale-out). */
  readonly scaleOutFactor?: number;
  /**
   * Throughput ceiling of the tested deployment from the USL fit (over in-flight requests),
   * new applicants per minute: more load cannot get more out of it; only scale-out can.
   */
  readonly uslCeilingPerMinute?: number;
  /**
   * True when the capacity covers the required capacity; false when it does not; undefined without
   * a capacity, or when a lower-bound capacity falls short (the run cannot tell).
   */
  readonly ready?: boolean;
  /** The limiting stage and the rate it must sustain at the demand peak (requests per second). */
  readonly limitingStage?: string;
  readonly requiredStageRatePerSecond?: number;
  readonly surges: readonly SurgeForecast[];
}

/** Inputs of the forecast. */
export interface ForecastInputs {
  /** Sustained capacity, new applicants per minute; undefined when not measured. */
  readonly capacityPerMinute?: number;
  /** The capacity is a lower bound: the run did not reach the limit. Default false. */
  readonly capacityIsLowerBound?: boolean;
  readonly targetUtilisation: number;
  readonly uslCeilingPerMinute?: number;
  readonly limitingStage?: string;
  /** Successful requests of the limiting stage per applicant. */
  readonly limitingStageRequestsPerArrival?: number;
  /** Why capacity is missing, for the text. */
  readonly missingReason?: string;
}

/** The seed's two surge shapes at full scale. */
export function seedSurges(): TrafficProfile[] {
  return [openingExpProfile(), openingHyperbolicProfile()];
}

/** Forecasts the seed's opening against the measured capacity. */
export function forecastOpening(
  inputs: ForecastInputs,
  surges: readonly TrafficProfile[] = seedSurges(),
): ForecastResult {
  const demand = SEED_FIGURES.peakPerMinute;
  const required = demand / inputs.targetUtilisation;
  const capacity = inputs.capacityPerMinute;
  const capacityIsLowerBound = inputs.capacityIsLowerBound ?? false;
  if (capacity === undefined || !(capacity > 0)) {
    return {
      available: false,
      capacityIsLowerBound,
      reason: inputs.missingReason ?? 'no capacity figure: run the breakpoint scenario to measure one',
      demandPeakPerMinute: demand,
      targetUtilisation: inputs.targetUtilisation,
      requiredCapacityPerMinute: required,
      surges: [],
    };
  }
  return {
    available: true,
    demandPeakPerMinute: demand,
    capacityPerMinute: capacity,
    capacityIsLowerBound,
    capacityRatio: capacity / demand,
    headroom: (capacity - demand) / demand,
    targetUtilisation: inputs.targetUtilisation,
    requiredCapacityPerMinute: required,
    scaleOutFactor: required / capacity,
    ...(inputs.uslCeilingPerMinute !== undefined ? { uslCeilingPerMinute: inputs.uslCeilingPerMinute } : {}),
    ...(capacity >= required ? { ready: true } : capacityIsLowerBound ? {} : { ready: false }),
    ...(inputs.limitingStage ? { limitingStage: inputs.limitingStage } : {}),
    ...(inputs.limitingStageRequestsPerArrival !== undefined
      ? { requiredStageRatePerSecond: (demand / 60) * inputs.limitingStageRequestsPerArrival }
      : {}),
    surges: surges.map((profile) => fluidQueue(profile, capacity)),
  };
}

/**
 * The fluid-model queue of `profile` served at `capacityPerMinute` (capacity-model §5.2): the
 * backlog grows by arrivals − capacity while arrivals exceed it, and a FIFO wait is backlog /
 * capacity. Integrated exactly per step of `stepSeconds` over the profile's length.
 */
export function fluidQueue(profile: TrafficProfile, capacityPerMinute: number, stepSeconds = 6): SurgeForecast {
  const served = (capacityPerMinute / 60) * stepSeconds;
  let backlog = 0;
  let maxBacklog = 0;
  let over = 0;
  let clears: number | null = null;
  let queued = false;
  for (let t = 0; t < profile.durationSeconds; t += stepSeconds) {
    const arrivals = profile.arrivalsBetween(t, Math.min(profile.durationSeconds, t + stepSeconds));
    if (arrivals > served) over += stepSeconds;
    backlog = Math.max(0, backlog + arrivals - served);
    if (backlog > 0) queued = true;
    if (backlog > maxBacklog) maxBacklog = backlog;
    if (queued && backlog === 0 && clears === null) clears = (t + stepSeconds) / 60;
  }
  return {
    shape: profile.name,
    description: profile.description,
    peakPerMinute: profile.arrivalsBetween(0, 60),
    overCapacity: maxBacklog > 0,
    maxBacklog,
    maxWaitMinutes: maxBacklog / capacityPerMinute,
    minutesOverCapacity: over / 60,
    queueClearsAtMinute: queued ? clears : 0,
  };
}
