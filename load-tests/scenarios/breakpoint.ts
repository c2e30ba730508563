/**
 * breakpoint: stepped arrival rates for finding capacity. Step k runs BREAKPOINT_START +
 * k × BREAKPOINT_STEP new applicants per second (× RATE_SCALE) for BREAKPOINT_STEP_SECONDS
 * (÷ TIME_SCALE), on an open model. Steps should be long enough for journeys to settle: several
 * journey lengths. The report finds the last step that met the objectives.
 *
 *   mkdir -p results/$RUN_ID && k6 run --out json=results/$RUN_ID/k6.ndjson -e RUN_ID=$RUN_ID -e BREAKPOINT_START=5 -e BREAKPOINT_STEP=5 \
 *     -e BREAKPOINT_STEPS=8 -e BREAKPOINT_STEP_SECONDS=120 load-tests/scenarios/breakpoint.ts
 */

import { readBreakpointEnv, readCommonEnv } from '../../contracts/script-variables.ts';
import { planBreakpoint } from '../../contracts/plan.ts';
import { openScenario } from '../lib/open-scenario.ts';

const env = readCommonEnv(__ENV);
const plan = planBreakpoint(readBreakpointEnv(__ENV));
const scenario = openScenario(plan, env);

export const options = scenario.options;
export default scenario.iteration;
export const plannedRate = scenario.plannedRate;
export const teardown = scenario.teardown;
export const handleSummary = scenario.handleSummary;
