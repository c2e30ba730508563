/**
 * How many iterations k6's arrival-rate executors have started by a time: not the integral of the
 * rate itself but where k6 puts each start. `ramping-arrival-rate` starts iteration i (from 1)
 * when the integral reaches i (`cal` in k6's lib/executor/ramping_arrival_rate.go: `i` starts at
 * 1, "the algorithm works with area"), so floor(integral). `constant-arrival-rate` starts one at
 * 0 and then one every period (lib/executor/constant_arrival_rate.go: `gi` from 0), so
 * floor(t / period) + 1, never more than the whole plan. This is what the achieved arrivals can
 * be held to, one for one. Pure.
 */

import { plannedArrivalsUntil, type ScenarioPlan } from '../contracts/plan.ts';

/** Rounding slack of the integral, in iterations: 60.0000000001 is 60. */
const EPSILON = 1e-9;

/** Iterations the plan's executor has started by `tSeconds` after its start. */
export function plannedStartsBy(plan: ScenarioPlan, tSeconds: number): number {
  const arrivals = plan.arrivals;
  if (arrivals === undefined) return tSeconds >= 0 ? plan.plannedArrivals : 0;
  if (tSeconds < 0) return 0;
  if (arrivals.executor === 'constant-arrival-rate') {
    const total = totalConstantStarts(plan);
    const perSecond = plannedArrivalsUntil(plan, 1);
    if (!(perSecond > 0)) return 0;
    const t = Math.min(tSeconds, plan.durationSeconds);
    return Math.min(total, Math.floor(t * perSecond + EPSILON) + 1);
  }
  return Math.floor(plannedArrivalsUntil(plan, tSeconds) + EPSILON);
}

/** Every start of a constant-arrival-rate plan: one per period while the time is below the duration. */
function totalConstantStarts(plan: ScenarioPlan): number {
  const all = plannedArrivalsUntil(plan, plan.durationSeconds);
  return Math.ceil(all - EPSILON);
}
