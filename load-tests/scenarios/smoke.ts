/**
 * smoke: one applicant walks every stage (no one abandons, no think time), with strict
 * thresholds: every stage completes, nothing fails or is throttled, every check passes, each
 * stage meets its latency objective. A quick proof that the target and the adapter agree; a stage
 * that does not complete is printed with its status and error code.
 *
 *   mkdir -p results/$RUN_ID && k6 run --out json=results/$RUN_ID/k6.ndjson -e RUN_ID=$RUN_ID -e TARGET_URL=http://127.0.0.1:18081 load-tests/scenarios/smoke.ts
 */

import { applicantJourney } from '../journeys/applicant.ts';
import { SCENARIO_COMMON_DEFAULTS, readCommonEnv } from '../../contracts/script-variables.ts';
import { configureHttp } from '../lib/http.ts';
import { smokeOptions } from '../lib/options.ts';
import { summaryOutputs, type SummaryData } from '../lib/summary.ts';

const env = readCommonEnv(__ENV, SCENARIO_COMMON_DEFAULTS.smoke);
configureHttp();

export const options = smokeOptions(env);

const journey = applicantJourney(env);

export default async function smoke(): Promise<void> {
  await journey();
}

export function handleSummary(data: SummaryData): Record<string, string> {
  return summaryOutputs(data, { runId: env.runId, scenario: 'smoke', resultsDir: env.resultsDir });
}
