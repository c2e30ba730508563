/**
 * soak: one steady rate (SOAK_RATE new applicants per second, × RATE_SCALE) for a long time
 * (SOAK_DURATION, ÷ TIME_SCALE), on an open model (constant-arrival-rate): finds what only time
 * shows — leaks, growing queues, filling disks, expiring sessions.
 *
 *   mkdir -p results/$RUN_ID && k6 run --out json=results/$RUN_ID/k6.ndjson -e RUN_ID=$RUN_ID -e SOAK_RATE=5 -e SOAK_DURATION=2h load-tests/scenarios/soak.ts
 */

import { applicantJourney } from '../journeys/applicant.ts';
import { readCommonEnv, readSoakEnv } from '../lib/env.ts';
import { configureHttp } from '../lib/http.ts';
import { openScenarioOptions } from '../lib/options.ts';
import { planSoak } from '../lib/plan.ts';
import { reportPlanEnded, reportPlannedRate } from '../lib/planned-rate.ts';
import { summaryOutputs, type SummaryData } from '../lib/summary.ts';

const env = readCommonEnv(__ENV);
const plan = planSoak(readSoakEnv(__ENV));
configureHttp();

export const options = openScenarioOptions(plan, env);

const journey = applicantJourney(env);

export default async function soak(): Promise<void> {
  await journey();
}

export async function plannedRate(): Promise<void> {
  await reportPlannedRate(plan);
}

// k6 runs teardown also after Ctrl-C or an abort, which cut the planned_rate helper short.
export function teardown(): void {
  reportPlanEnded(plan);
}

export function handleSummary(data: SummaryData): Record<string, string> {
  return summaryOutputs(data, { runId: env.runId, scenario: plan.scenario, resultsDir: env.resultsDir });
}
