/**
 * When each iteration of an arrival-rate scenario starts: offsets from the scenario start,
 * computed from the integral of the rate (k6's `cal` in ramping_arrival_rate.go and the tick
 * formula of constant_arrival_rate.go), never from a timer per iteration. Segmented runs take
 * only their striped share of the global sequence of starts.
 */

/** One stage of a ramping arrival rate: reach `target` iterations per time unit over `durationMs`. */
export interface RateStage {
  readonly durationMs: number;
  readonly target: number;
}

/** This instance's striped share: its first global index and the steps to its next ones. */
export interface Stripes {
  readonly start: number;
  readonly steps: readonly number[];
}

/** The whole sequence, for unsegmented runs. */
export const ALL_STRIPES: Stripes = Object.freeze({ start: 0, steps: Object.freeze([1]) });

/**
 * Start offsets (ms) of a constant arrival rate: global iteration `g` starts at
 * `g × timeUnit / rate`, for every `g` of this instance's stripes, while the offset is below
 * `durationMs`.
 */
export function* constantArrivals(
  rate: number,
  timeUnitMs: number,
  durationMs: number,
  stripes: Stripes = ALL_STRIPES,
): Generator<number> {
  const period = timeUnitMs / rate;
  let global = stripes.start;
  for (let local = 0; ; local += 1) {
    const at = period * global;
    if (at >= durationMs) return;
    yield at;
    global += stripes.steps[local % stripes.steps.length] as number;
  }
}

/**
 * Start offsets (ms) of a ramping arrival rate: the n-th global iteration starts where the area
 * under the (linearly ramped) rate curve reaches n. Offsets at or past the end of the last stage
 * are not produced (the scenario's regular duration is over by then).
 */
export function* rampingArrivals(
  startRate: number,
  timeUnitMs: number,
  stages: readonly RateStage[],
  stripes: Stripes = ALL_STRIPES,
): Generator<number> {
  let stepIndex = -1;
  const nextStep = (): number => {
    stepIndex += 1;
    return stripes.steps[stepIndex % stripes.steps.length] as number;
  };
  let stageStart = 0;
  let doneSoFar = 0;
  let endCount = 0;
  let from = startRate / timeUnitMs;
  let i = stripes.start + 1; // areas count from 1: the first iteration starts when one whole arrival has accumulated
  const totalMs = stages.reduce((sum, stage) => sum + stage.durationMs, 0);
  for (const stage of stages) {
    const to = stage.target / timeUnitMs;
    const duration = stage.durationMs;
    if (from !== to) {
      endCount += duration * ((to - from) / 2 + from);
      for (; i <= endCount; i += nextStep()) {
        const x =
          (from * duration -
            Math.sqrt(Math.max(0, duration * (from * from * duration + 2 * (i - doneSoFar) * (to - from))))) /
          (from - to);
        const at = x + stageStart;
        if (at >= totalMs) return;
        yield at;
      }
    } else {
      endCount += duration * to;
      for (; i <= endCount; i += nextStep()) {
        const at = (i - doneSoFar) / to + stageStart;
        if (at >= totalMs) return;
        yield at;
      }
    }
    doneSoFar = endCount;
    from = to;
    stageStart += duration;
  }
}

/** The planned rate (iterations per second, whole test) at `offsetMs` into a ramping arrival rate. */
export function plannedRateAt(
  startRate: number,
  timeUnitMs: number,
  stages: readonly RateStage[],
  offsetMs: number,
): number {
  let from = startRate;
  let stageStart = 0;
  for (const stage of stages) {
    if (offsetMs < stageStart + stage.durationMs) {
      const fraction = stage.durationMs === 0 ? 1 : (offsetMs - stageStart) / stage.durationMs;
      return ((from + (stage.target - from) * fraction) * 1000) / timeUnitMs;
    }
    from = stage.target;
    stageStart += stage.durationMs;
  }
  return 0;
}
