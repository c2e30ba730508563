/**
 * opening: the registration opening itself. Applicants arrive as the seed's surge says
 * (PROFILE = opening-exp | opening-hyperbolic | a minute,arrivals CSV file), scaled by RATE_SCALE,
 * compressed by TIME_SCALE and cut to WINDOW, on an open model (ramping-arrival-rate): a slow
 * target cannot slow the arrivals. Thresholds per stage from the SLO table.
 *
 *   mkdir -p results/$RUN_ID && k6 run --out json=results/$RUN_ID/k6.ndjson -e RUN_ID=$RUN_ID -e RATE_SCALE=0.01 -e WINDOW=0-30 load-tests/scenarios/opening.ts
 */

import { applicantJourney } from '../journeys/applicant.ts';
import { readCommonEnv, readOpeningEnv } from '../lib/env.ts';
import { configureHttp } from '../lib/http.ts';
import { openScenarioOptions } from '../lib/options.ts';
import { planOpening } from '../lib/plan.ts';
import { reportPlanEnded, reportPlannedRate } from '../lib/planned-rate.ts';
import { summaryOutputs, type SummaryData } from '../lib/summary.ts';

const env = readCommonEnv(__ENV);
const openingEnv = readOpeningEnv(__ENV);
// open() works only in the init context, and only here: the built-in profiles need no file.
const plan = planOpening(openingEnv, openingEnv.profile.kind === 'file' ? open(openingEnv.profile.path) : undefined);
configureHttp();

export const options = openScenarioOptions(plan, env);

const journey = applicantJourney(env);

export default async function opening(): Promise<void> {
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
