/**
 * opening: the registration opening itself. Applicants arrive as the seed's surge says
 * (PROFILE = opening-exp | opening-hyperbolic | a minute,arrivals CSV file), scaled by RATE_SCALE,
 * compressed by TIME_SCALE and cut to WINDOW, on an open model (ramping-arrival-rate): a slow
 * target cannot slow the arrivals. Thresholds per stage from the SLO table.
 *
 *   mkdir -p results/$RUN_ID && k6 run --out json=results/$RUN_ID/k6.ndjson -e RUN_ID=$RUN_ID -e RATE_SCALE=0.01 -e WINDOW=0-30 load-tests/scenarios/opening.ts
 */

import { readCommonEnv, readOpeningEnv } from '../lib/env.ts';
import { planOpening } from '../lib/plan.ts';
import { openScenario } from '../lib/open-scenario.ts';

const env = readCommonEnv(__ENV);
const openingEnv = readOpeningEnv(__ENV);
// open() works only in the init context, and only here: the built-in profiles need no file.
const plan = planOpening(openingEnv, openingEnv.profile.kind === 'file' ? open(openingEnv.profile.path) : undefined);
const scenario = openScenario(plan, env);

export const options = scenario.options;
export default scenario.iteration;
export const plannedRate = scenario.plannedRate;
export const teardown = scenario.teardown;
export const handleSummary = scenario.handleSummary;
