/**
 * The `planned_rate` helper scenario's body: one iteration that lasts the whole plan and adds the
 * planned arrival rate to the `planned_arrival_rate` gauge once a second, tagged with the load
 * scenario it describes, so live views can put planned and achieved arrivals side by side.
 */

import exec from 'k6/execution';
import { pause } from './http.ts';
import { plannedArrivalRate } from './metrics.ts';
import { plannedRateAt, type ScenarioPlan } from './plan.ts';

/** Reports the plan once a second until it ends, then reports 0. */
export async function reportPlannedRate(plan: ScenarioPlan): Promise<void> {
  const tags = { planned_scenario: plan.scenario };
  // The helper starts with the load scenario (both at startTime 0), so its clock is the plan's.
  const start = exec.scenario.startTime;
  for (let second = 0; ; second += 1) {
    const elapsed = (Date.now() - start) / 1000;
    if (elapsed > plan.durationSeconds) break;
    plannedArrivalRate.add(plannedRateAt(plan, elapsed), tags);
    await pause((start + (second + 1) * 1000 - Date.now()) / 1000);
  }
  plannedArrivalRate.add(0, tags);
}
