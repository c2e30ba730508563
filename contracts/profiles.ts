/**
 * Traffic profiles: arrival rate over time (the seed's opening, breakpoint steps, steady,
 * per-minute bins). Their conversion into k6 stages is in k6-stages.ts, the duration grammar in
 * durations.ts. The maths is in ../shared/reference/capacity-model.md §3.
 *
 * Time in a profile is real (wall-clock) seconds from the start of the scenario; rates are new
 * applicants (iterations) per second.
 */

import { formatK6Duration } from './durations.ts';
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
export function openingExpProfile(
  scaling: EventScaling = {},
  calibration: OpeningCalibration = SEED_OPENING,
): TrafficProfile {
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
  if (
    !(startRate > 0) ||
    !(stepRate >= 0) ||
    !Number.isInteger(steps) ||
    steps < 1 ||
    !(stepSeconds > 0) ||
    !(scale > 0)
  ) {
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
    if (!(count >= 0) || !Number.isFinite(count))
      throw new RangeError(`minute ${minute}: count must be a number ≥ 0, got ${count}`);
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
  if (!(timeScale >= 1))
    throw new RangeError(`timeScale must be ≥ 1 (event minutes per real minute), got ${timeScale}`);
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
      `event minutes ${window.fromMinute}–${window.toMinute} in ${formatK6Duration(durationSeconds)}`,
    durationSeconds,
    rateAt: (t) => (t < 0 || t > durationSeconds ? 0 : (rateScale * timeScale * ratePerMinute(toEventMinute(t))) / 60),
    arrivalsBetween: (a, b) => rateScale * arrivalsInMinutes(toEventMinute(clamp(a)), toEventMinute(clamp(b))),
    corners: eventCorners
      .map((minute) => ((minute - window.fromMinute) * 60) / timeScale)
      .filter((t) => t > 0 && t < durationSeconds),
  };
}

function piecewiseLinearProfile(
  name: string,
  description: string,
  points: ReadonlyArray<{ t: number; rate: number }>,
): TrafficProfile {
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
