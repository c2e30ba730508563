/**
 * A traffic profile as k6 `ramping-arrival-rate` stages: the conversion (integral within
 * tolerance, integer targets per `timeUnit`, knots where linear interpolation strays), and the
 * planned rate and arrivals of a stage list. The maths is in ../shared/reference/capacity-model.md §3.
 */

import { formatK6Duration, parseDurationSeconds } from './durations.ts';
import type { TrafficProfile } from './profiles.ts';

/** One k6 `ramping-arrival-rate` stage: the rate ramps linearly to `target` over `duration`. */
export interface ArrivalRateStage {
  /** A k6 duration string, e.g. `"60s"` or `"1500ms"`. */
  readonly duration: string;
  /** Iterations per `timeUnit` at the end of the stage (an integer: k6 reads it as int64). */
  readonly target: number;
}

/** The rate part of a k6 `ramping-arrival-rate` scenario. */
export interface RampingArrivalRate {
  readonly executor: 'ramping-arrival-rate';
  /** Iterations per `timeUnit` at the start (an integer). */
  readonly startRate: number;
  /** A k6 duration string: `"1s"`, `"1m"` or `"1h"`. */
  readonly timeUnit: string;
  readonly stages: readonly ArrivalRateStage[];
}

/** Options of {@link toRampingArrivalRate}. */
export interface StageConversionOptions {
  /** Largest relative error of the total arrivals, default 0.005 (the contract is 1 %). */
  readonly tolerance?: number;
  /** Shortest stage in seconds, default 1. */
  readonly minStageSeconds?: number;
  /** Most stages to emit before giving up, default 2,000. */
  readonly maxStages?: number;
}

const TIME_UNITS: ReadonlyArray<{ readonly text: string; readonly seconds: number }> = [
  { text: '1s', seconds: 1 },
  { text: '1m', seconds: 60 },
  { text: '1h', seconds: 3600 },
];

/**
 * Converts a profile into k6 `ramping-arrival-rate` stages whose integral stays within
 * `tolerance` of the profile's. Knots are kept at every corner of the profile and added where
 * linear interpolation strays from the exact integral; targets are integers per `timeUnit`, with
 * the smallest unit whose rounding keeps the integral within tolerance.
 */
export function toRampingArrivalRate(
  profile: TrafficProfile,
  options: StageConversionOptions = {},
): RampingArrivalRate {
  const tolerance = options.tolerance ?? 0.005;
  const minStage = options.minStageSeconds ?? 1;
  const maxStages = options.maxStages ?? 2000;
  const exact = profile.arrivalsBetween(0, profile.durationSeconds);
  if (!(exact > 0)) throw new RangeError(`profile ${profile.name} has no arrivals`);

  const knots = knotsFor(profile, tolerance / 4, minStage, maxStages);
  let best: RampingArrivalRate | undefined;
  for (const unit of TIME_UNITS) {
    const startRate = Math.round(profile.rateAt(0) * unit.seconds);
    const stages: ArrivalRateStage[] = [];
    for (let i = 1; i < knots.length; i += 1) {
      const a = knots[i - 1]!;
      const b = knots[i]!;
      // Just inside b, so a jump at b belongs to the next stage.
      const rateAtEnd = b - a > 1e-6 ? profile.rateAt(b - 1e-6) : profile.rateAt(b);
      stages.push({ duration: formatK6Duration(b - a), target: Math.round(rateAtEnd * unit.seconds) });
    }
    const candidate: RampingArrivalRate = { executor: 'ramping-arrival-rate', startRate, timeUnit: unit.text, stages };
    best = candidate;
    if (Math.abs(rampingArrivals(candidate) - exact) <= tolerance * exact) return candidate;
  }
  return best!;
}

/** Total iterations a `ramping-arrival-rate` configuration asks for (the integral of its rate). */
export function rampingArrivals(config: Pick<RampingArrivalRate, 'startRate' | 'timeUnit' | 'stages'>): number {
  const unit = parseDurationSeconds(config.timeUnit);
  let previous = config.startRate;
  let total = 0;
  for (const stage of config.stages) {
    total += ((previous + stage.target) / 2) * (parseDurationSeconds(stage.duration) / unit);
    previous = stage.target;
  }
  return total;
}

/** Planned arrival rate (iterations per second) of a `ramping-arrival-rate` configuration at `tSeconds`. */
export function rampingRateAt(
  config: Pick<RampingArrivalRate, 'startRate' | 'timeUnit' | 'stages'>,
  tSeconds: number,
): number {
  const unit = parseDurationSeconds(config.timeUnit);
  let previous = config.startRate;
  let start = 0;
  for (const stage of config.stages) {
    const length = parseDurationSeconds(stage.duration);
    if (tSeconds < start + length) {
      const share = length > 0 ? (tSeconds - start) / length : 1;
      return Math.max(0, previous + (stage.target - previous) * share) / unit;
    }
    previous = stage.target;
    start += length;
  }
  return tSeconds < 0 ? 0 : tSeconds === start ? previous / unit : 0;
}

/** Total length in seconds of a list of k6 stages. */
export function stagesDurationSeconds(stages: readonly ArrivalRateStage[]): number {
  return stages.reduce((sum, stage) => sum + parseDurationSeconds(stage.duration), 0);
}

// --- internals -------------------------------------------------------------------------------

function knotsFor(profile: TrafficProfile, tolerance: number, minStage: number, maxStages: number): number[] {
  // A jump cannot be a k6 stage boundary (stages ramp from the previous target), so each jump
  // gets a short ramp after it: one shortest stage, or a tenth of the way to the next corner when
  // that is shorter (compressed per-minute bins can be a second long).
  const corners = [...profile.corners, profile.durationSeconds].sort((x, y) => x - y);
  const jumps = profile.corners.filter((c) => Math.abs(profile.rateAt(c - 1e-6) - profile.rateAt(c + 1e-6)) > 1e-9);
  const afterJumps = jumps
    .map((c) => {
      const next = corners.find((corner) => corner > c) ?? profile.durationSeconds;
      return c + Math.max(0.001, Math.min(minStage, (next - c) / 10));
    })
    .filter((t) => t < profile.durationSeconds);
  const fixed = [...new Set([0, ...profile.corners, ...afterJumps, profile.durationSeconds])].sort((x, y) => x - y);
  const knots: number[] = [0];
  const total = profile.arrivalsBetween(0, profile.durationSeconds);
  const refine = (a: number, b: number): void => {
    const exact = profile.arrivalsBetween(a, b);
    const rateEnd = b - a > 1e-6 ? profile.rateAt(b - 1e-6) : profile.rateAt(b);
    const linear = ((profile.rateAt(a) + rateEnd) / 2) * (b - a);
    const error = Math.abs(linear - exact);
    const allowed = tolerance * Math.max(exact, (total * (b - a)) / profile.durationSeconds);
    if (error > allowed && b - a >= 2 * minStage && knots.length < maxStages) {
      const middle = Math.round((a + b) / 2 / minStage) * minStage;
      if (middle > a && middle < b) {
        refine(a, middle);
        refine(middle, b);
        return;
      }
    }
    knots.push(b);
  };
  for (let i = 1; i < fixed.length; i += 1) refine(fixed[i - 1]!, fixed[i]!);
  return knots;
}
