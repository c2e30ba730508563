/**
 * The `planned_rate` helper scenario's body: one iteration that lasts the whole plan and adds the
 * planned arrival rate to the `planned_arrival_rate` gauge once a second, tagged with the load
 * scenario it describes, so live views can put planned and achieved arrivals side by side.
 *
 * Each report is the mean planned rate until the next one, and the last report, 0, comes at the
 * plan's end: a reader that holds each value until the next (sample-and-hold, as the exporter
 * integrates it) gets the plan's arrivals.
 */

import exec from 'k6/execution';
import { pause } from './http.ts';
import { plannedArrivalRate } from './metrics.ts';
import { plannedRateReport, type ScenarioPlan } from '../../contracts/plan.ts';

/** Reports the plan once a second until it ends, then reports 0 at its end. */
export async function reportPlannedRate(plan: ScenarioPlan): Promise<void> {
  // The helper starts with the load scenario (both at startTime 0), so its clock is the plan's.
  const start = exec.scenario.startTime;
  for (;;) {
    const report = plannedRateReport(plan, (Date.now() - start) / 1000);
    if (report === undefined) break;
    plannedArrivalRate.add(report.rate, { planned_scenario: plan.scenario });
    await pause((start + report.untilSeconds * 1000 - Date.now()) / 1000);
  }
  reportPlanEnded(plan);
}

/**
 * Reports a planned rate of 0. The scripts call it from `teardown` too: a run stopped early
 * (Ctrl-C, `abortOnFail`, `exec.test.abort()`) cuts the helper's iteration short, and k6 still
 * runs teardown then, so the gauge does not keep the last rate of a run that has ended.
 */
export function reportPlanEnded(plan: ScenarioPlan): void {
  plannedArrivalRate.add(0, { planned_scenario: plan.scenario });
}
