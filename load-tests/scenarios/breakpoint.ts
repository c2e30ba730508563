/**
 * breakpoint: stepped arrival rates for finding capacity. Step k runs BREAKPOINT_START +
 * k × BREAKPOINT_STEP new applicants per second (× RATE_SCALE) for BREAKPOINT_STEP_SECONDS
 * (÷ TIME_SCALE), on an open model. Steps should be long enough for journeys to settle: several
 * journey lengths. The report finds the last step that met the objectives.
 *
 *   mkdir -p results/$RUN_ID && k6 run --out json=results/$RUN_ID/k6.ndjson -e RUN_ID=$RUN_ID -e BREAKPOINT_START=5 -e BREAKPOINT_STEP=5 \
 *     -e BREAKPOINT_STEPS=8 -e BREAKPOINT_STEP_SECONDS=120 load-tests/scenarios/breakpoint.ts
 */

import { applicantJourney } from '../journeys/applicant.ts';
import { readBreakpointEnv, readCommonEnv } from '../lib/env.ts';
import { configureHttp } from '../lib/http.ts';
import { openScenarioOptions } from '../lib/options.ts';
import { planBreakpoint } from '../lib/plan.ts';
import { reportPlanEnded, reportPlannedRate } from '../lib/planned-rate.ts';
import { summaryOutputs, type SummaryData } from '../lib/summary.ts';

const env = readCommonEnv(__ENV);
const plan = planBreakpoint(readBreakpointEnv(__ENV));
configureHttp();

export const options = openScenarioOptions(plan, env);

const journey = applicantJourney(env);

export default async function breakpoint(): Promise<void> {
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
