/**
 * Traffic profiles: arrival rate over time, and their conversion into k6 `ramping-arrival-rate`
 * stages. The maths is in ../shared/reference/capacity-model.md §3.
 *
 * Time in a profile is real (wall-clock) seconds from the start of the scenario; rates are new
 * applicants (iterations) per second.
 */

import { SEED_FIGURES } from './funnel.ts';

/** A rate over time. */
export interface TrafficProfile {
  /** Short name, e.g. `opening-exp`. */
  readonly name: string;
  /** One line a person can read: shape and scale. */
  readonly description: string;
  /** Length of the profile in real seconds. */
  readonly durationSeconds: number;
  /** Arrivals per second at `tSeconds` (0 outside [0, duration]). */
  rateAt(tSeconds: number): number;
  /** Exact number of arrivals in [fromSeconds, toSeconds]. */
  arrivalsBetween(fromSeconds: number, toSeconds: number): number;
  /** Times (s) where the rate has a corner or a jump; stage conversion keeps a knot there. */
  readonly corners: readonly number[];
}

/** Names of the built-in profiles. */
export const PROFILE_NAMES = ['opening-exp', 'opening-hyperbolic', 'breakpoint', 'steady'] as const;
/** A built-in profile name. */
export type ProfileName = (typeof PROFILE_NAMES)[number];

/** Scaling of an event-shaped profile (`opening-*`, or a profile read from a file). */
export interface EventScaling {
  /** Multiplies every rate; 0.01 turns the 80,000/min peak into 800/min. Default 1. */
  readonly rateScale?: number;
  /**
   * Time compression, ≥ 1: event minutes per real minute. The count is preserved (rates are
   * multiplied by the same factor), so 60 plays the first hour in one minute. Default 1.
   */
  readonly timeScale?: number;
  /** Part of the event to play, in event minutes from the opening. Default the first 1,260 minutes. */
  readonly window?: { readonly fromMinute: number; readonly toMinute: number };
}

/** The calibrated parameters of the two opening shapes (per event minute). */
export interface OpeningCalibration {
  /** Exponential: λ(t) = amplitude · e^(−t/τ) per minute. */
  readonly exponential: { readonly amplitudePerMinute: number; readonly tauMinutes: number };
  /** Hyperbolic: λ(t) = amplitude / (1 + t/c) per minute. */
  readonly hyperbolic: { readonly amplitudePerMinute: number; readonly cMinutes: number };
}

/**
 * Fits both opening shapes so that the first minute holds `peakPerMinute` arrivals and the first
 * `windowMinutes` hold `total` (capacity-model.md §3.3). Defaults are the seed's figures.
 */
export function calibrateOpening(
  peakPerMinute: number = SEED_FIGURES.peakPerMinute,
  total: number = SEED_FIGURES.registrations,
  windowMinutes: number = SEED_FIGURES.windowMinutes,
): OpeningCalibration {
  const ratio = total / peakPerMinute;
  if (!(ratio > 1 && ratio < windowMinutes)) {
    throw new RangeError(`total/peak must lie between 1 and the window length; got ${ratio}`);
  }
  // Exponential: (1 − e^(−W/τ)) / (1 − e^(−1/τ)) = ratio, increasing in τ.
  const tau = bisect((t) => (1 - Math.exp(-windowMinutes / t)) / (1 - Math.exp(-1 / t)) - ratio, 1e-3, 1e6);
  const expAmplitude = peakPerMinute / (tau * (1 - Math.exp(-1 / tau)));
  // Hyperbolic: ln(1 + W/c) / ln(1 + 1/c) = ratio, increasing in c.
  const c = bisect((x) => Math.log(1 + windowMinutes / x) / Math.log(1 + 1 / x) - ratio, 1e-6, 1e6);
  const hypAmplitude = peakPerMinute / (c * Math.log(1 + 1 / c));
  return {
    exponential: { amplitudePerMinute: expAmplitude, tauMinutes: tau },
    hyperbolic: { amplitudePerMinute: hypAmplitude, cMinutes: c },
  };
}

/** The seed's calibration, computed once. */
export const SEED_OPENING: OpeningCalibration = calibrateOpening();

/**
 * `opening-exp`: the light-tailed surge (everyone waiting rushes in at once), 96.8 % of the day's
 * arrivals within the first hour at seed scale.
 */
export function openingExpProfile(scaling: EventScaling = {}, calibration: OpeningCalibration = SEED_OPENING): TrafficProfile {
  const { amplitudePerMinute: a, tauMinutes: tau } = calibration.exponential;
  return eventProfile(
    'opening-exp',
    `exponential surge, τ = ${tau.toFixed(2)} min`,
    (m) => a * Math.exp(-m / tau),
    (m1, m2) => a * tau * (Math.exp(-m1 / tau) - Math.exp(-m2 / tau)),
    scaling,
  );
}

/**
 * `opening-hyperbolic`: the heavy-tailed surge (a spike, then news spreads all day), 52 % within
 * the first hour at seed scale.
 */
export function openingHyperbolicProfile(
  scaling: EventScaling = {},
  calibration: OpeningCalibration = SEED_OPENING,
): TrafficProfile {
  const { amplitudePerMinute: a, cMinutes: c } = calibration.hyperbolic;
  return eventProfile(
    'opening-hyperbolic',
    `hyperbolic surge, c = ${c.toFixed(3)} min`,
    (m) => a / (1 + m / c),
    (m1, m2) => a * c * Math.log((1 + m2 / c) / (1 + m1 / c)),
    scaling,
  );
}

/** Parameters of a breakpoint (stepped) profile; rates in new applicants per second. */
export interface BreakpointParameters {
  /** Rate of the first step. */
  readonly startRate: number;
  /** Added to the rate at each further step. */
  readonly stepRate: number;
  /** Number of steps, ≥ 1. */
  readonly steps: number;
  /** Length of each step in seconds; long enough for the journey to settle. */
  readonly stepSeconds: number;
  /** Seconds of linear ramp at the start of each step after the first. Default min(5, stepSeconds / 10). */
  readonly rampSeconds?: number;
  /** Multiplies every rate. Default 1. */
  readonly rateScale?: number;
}

/** One step of a breakpoint profile, in real seconds. */
export interface BreakpointStep {
  readonly index: number;
  readonly rate: number;
  readonly startSeconds: number;
  readonly endSeconds: number;
}

/** The steps of a breakpoint profile, for analysis (report) and for the profile itself. */
export function breakpointSteps(parameters: BreakpointParameters): BreakpointStep[] {
  const { startRate, stepRate, steps, stepSeconds } = parameters;
  const scale = parameters.rateScale ?? 1;
  if (!(startRate > 0) || !(stepRate >= 0) || !Number.isInteger(steps) || steps < 1 || !(stepSeconds > 0) || !(scale > 0)) {
    throw new RangeError(
      `breakpoint needs startRate > 0, stepRate ≥ 0, an integer steps ≥ 1 and stepSeconds > 0; got ${JSON.stringify(parameters)}`,
    );
  }
  return Array.from({ length: steps }, (_, index) => ({
    index,
    rate: (startRate + index * stepRate) * scale,
    startSeconds: index * stepSeconds,
    endSeconds: (index + 1) * stepSeconds,
  }));
}

/** `breakpoint`: stepped arrival rates for finding capacity (capacity-model.md §2). */
export function breakpointProfile(parameters: BreakpointParameters): TrafficProfile {
  const steps = breakpointSteps(parameters);
  const ramp = Math.min(parameters.rampSeconds ?? Math.min(5, parameters.stepSeconds / 10), parameters.stepSeconds);
  const points: Array<{ t: number; rate: number }> = [];
  for (const step of steps) {
    if (step.index === 0) points.push({ t: 0, rate: step.rate });
    else points.push({ t: step.startSeconds + ramp, rate: step.rate });
    points.push({ t: step.endSeconds, rate: step.rate });
  }
  const last = steps[steps.length - 1]!;
  return piecewiseLinearProfile(
    'breakpoint',
    `${steps.length} steps of ${parameters.stepSeconds}s from ${steps[0]!.rate}/s to ${last.rate}/s`,
    points,
  );
}

/** `steady`: one constant rate (per second) for `durationSeconds`. */
export function steadyProfile(ratePerSecond: number, durationSeconds: number): TrafficProfile {
  if (!(ratePerSecond > 0) || !(durationSeconds > 0)) {
    throw new RangeError(`steady needs a rate > 0 and a duration > 0; got ${ratePerSecond}/s for ${durationSeconds}s`);
  }
  return piecewiseLinearProfile('steady', `${ratePerSecond}/s for ${durationSeconds}s`, [
    { t: 0, rate: ratePerSecond },
    { t: durationSeconds, rate: ratePerSecond },
  ]);
}

/**
 * A profile from per-minute counts of arrivals, e.g. binned from access logs: `minute,arrivals`
 * rows, optionally with a header. Each minute's count is spread evenly over that minute; the
 * result is an event shape and takes the same scaling as the opening profiles.
 */
export function binnedProfile(name: string, perMinute: readonly number[], scaling: EventScaling = {}): TrafficProfile {
  if (perMinute.length === 0) throw new RangeError('a binned profile needs at least one minute');
  perMinute.forEach((count, minute) => {
    if (!(count >= 0) || !Number.isFinite(count)) throw new RangeError(`minute ${minute}: count must be a number ≥ 0, got ${count}`);
  });
  const cumulative = [0];
  for (const count of perMinute) cumulative.push(cumulative[cumulative.length - 1]! + count);
  const integral = (m: number): number => {
    const clamped = Math.max(0, Math.min(perMinute.length, m));
    const whole = Math.floor(clamped);
    return cumulative[whole]! + (whole < perMinute.length ? perMinute[whole]! * (clamped - whole) : 0);
  };
  const windowed = { window: { fromMinute: 0, toMinute: perMinute.length }, ...scaling };
  return eventProfile(
    name,
    `${perMinute.length} per-minute bins, ${cumulative[perMinute.length]} arrivals`,
    (m) => (m >= 0 && m < perMinute.length ? perMinute[Math.floor(m)]! : 0),
    (m1, m2) => integral(m2) - integral(m1),
    windowed,
    Array.from({ length: perMinute.length + 1 }, (_, i) => i),
  );
}

/**
 * Parses `minute,arrivals` CSV (a header row is skipped; `#` starts a comment) into per-minute
 * counts. Minutes must be consecutive from 0. Throws with the line number on bad input.
 */
export function parseProfileCsv(text: string): number[] {
  const counts: number[] = [];
  let firstRow = true;
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') return;
    const cells = line.split(',').map((cell) => cell.trim());
    const isHeader = firstRow && Number.isNaN(Number(cells[0]));
    firstRow = false;
    if (isHeader) return;
    const [minuteText, countText] = cells;
    const minute = Number(minuteText);
    const count = Number(countText);
    if (cells.length !== 2 || !Number.isInteger(minute) || !(count >= 0)) {
      throw new RangeError(`profile CSV line ${index + 1}: expected "minute,arrivals" with numbers, got "${raw}"`);
    }
    if (minute !== counts.length) {
      throw new RangeError(`profile CSV line ${index + 1}: expected minute ${counts.length}, got ${minute}`);
    }
    counts.push(count);
  });
  if (counts.length === 0) throw new RangeError('profile CSV holds no rows');
  return counts;
}

// --- k6 stages ---------------------------------------------------------------------------------

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
export function toRampingArrivalRate(profile: TrafficProfile, options: StageConversionOptions = {}): RampingArrivalRate {
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
      stages.push({ duration: formatDuration(b - a), target: Math.round(rateAtEnd * unit.seconds) });
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
export function rampingRateAt(config: Pick<RampingArrivalRate, 'startRate' | 'timeUnit' | 'stages'>, tSeconds: number): number {
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

/** Formats seconds as a k6 (Go) duration: whole seconds as `"90s"`, else whole milliseconds. */
export function formatDuration(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/**
 * Parses a k6 duration: a Go duration string (`"1h2m3.5s"`, `"250ms"`, `"1d"` is accepted as k6
 * does) or a bare number of milliseconds. Returns seconds.
 */
export function parseDurationSeconds(text: string | number): number {
  if (typeof text === 'number') return text / 1000;
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) / 1000;
  const unitSeconds: Record<string, number> = { d: 86400, h: 3600, m: 60, s: 1, ms: 1e-3, us: 1e-6, 'µs': 1e-6, ns: 1e-9 };
  const pattern = /(\d+(?:\.\d+)?|\.\d+)(ms|us|µs|ns|d|h|m|s)/gy;
  let total = 0;
  let consumed = 0;
  for (const match of trimmed.matchAll(pattern)) {
    total += Number(match[1]) * unitSeconds[match[2]!]!;
    consumed += match[0].length;
  }
  if (consumed === 0 || consumed !== trimmed.length) {
    throw new RangeError(`"${text}" is not a duration; use forms like "30s", "5m", "1h30m" or "250ms"`);
  }
  return total;
}

// --- internals -------------------------------------------------------------------------------

function eventProfile(
  name: string,
  shape: string,
  ratePerMinute: (eventMinute: number) => number,
  arrivalsInMinutes: (fromMinute: number, toMinute: number) => number,
  scaling: EventScaling,
  eventCorners: readonly number[] = [],
): TrafficProfile {
  const rateScale = scaling.rateScale ?? 1;
  const timeScale = scaling.timeScale ?? 1;
  const window = scaling.window ?? { fromMinute: 0, toMinute: SEED_FIGURES.windowMinutes };
  if (!(rateScale > 0)) throw new RangeError(`rateScale must be > 0, got ${rateScale}`);
  if (!(timeScale >= 1)) throw new RangeError(`timeScale must be ≥ 1 (event minutes per real minute), got ${timeScale}`);
  if (!(window.fromMinute >= 0 && window.toMinute > window.fromMinute)) {
    throw new RangeError(`window must satisfy 0 ≤ from < to, got ${window.fromMinute}..${window.toMinute}`);
  }
  const durationSeconds = ((window.toMinute - window.fromMinute) * 60) / timeScale;
  const toEventMinute = (seconds: number): number => window.fromMinute + (seconds * timeScale) / 60;
  const clamp = (seconds: number): number => Math.max(0, Math.min(durationSeconds, seconds));
  return {
    name,
    description:
      `${shape}; rate × ${rateScale}, time ÷ ${timeScale}, ` +
      `event minutes ${window.fromMinute}–${window.toMinute} in ${formatDuration(durationSeconds)}`,
    durationSeconds,
    rateAt: (t) => (t < 0 || t > durationSeconds ? 0 : (rateScale * timeScale * ratePerMinute(toEventMinute(t))) / 60),
    arrivalsBetween: (a, b) => rateScale * arrivalsInMinutes(toEventMinute(clamp(a)), toEventMinute(clamp(b))),
    corners: eventCorners
      .map((minute) => ((minute - window.fromMinute) * 60) / timeScale)
      .filter((t) => t > 0 && t < durationSeconds),
  };
}

function piecewiseLinearProfile(name: string, description: string, points: ReadonlyArray<{ t: number; rate: number }>): TrafficProfile {
  const durationSeconds = points[points.length - 1]!.t;
  const rateAt = (t: number): number => {
    if (t < 0 || t > durationSeconds) return 0;
    for (let i = 1; i < points.length; i += 1) {
      const a = points[i - 1]!;
      const b = points[i]!;
      if (t <= b.t) return b.t === a.t ? b.rate : a.rate + ((b.rate - a.rate) * (t - a.t)) / (b.t - a.t);
    }
    return points[points.length - 1]!.rate;
  };
  const cumulativeAt = (t: number): number => {
    let total = 0;
    for (let i = 1; i < points.length; i += 1) {
      const a = points[i - 1]!;
      const b = points[i]!;
      if (t <= a.t) break;
      const end = Math.min(t, b.t);
      total += ((a.rate + rateAt(end)) / 2) * (end - a.t);
    }
    return total;
  };
  return {
    name,
    description,
    durationSeconds,
    rateAt,
    arrivalsBetween: (a, b) => cumulativeAt(Math.min(b, durationSeconds)) - cumulativeAt(Math.max(a, 0)),
    corners: points.map((point) => point.t).filter((t) => t > 0 && t < durationSeconds),
  };
}

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

function bisect(f: (x: number) => number, low: number, high: number): number {
  let lo = low;
  let hi = high;
  const rising = f(hi) > f(lo);
  for (let i = 0; i < 200; i += 1) {
    const mid = Math.sqrt(lo * hi); // geometric: the brackets span many orders of magnitude
    if (f(mid) > 0 === rising) hi = mid;
    else lo = mid;
  }
  return Math.sqrt(lo * hi);
}
