/**
 * soak: one steady rate (SOAK_RATE new applicants per second, × RATE_SCALE) for a long time
 * (SOAK_DURATION, ÷ TIME_SCALE), on an open model (constant-arrival-rate): finds what only time
 * shows — leaks, growing queues, filling disks, expiring sessions.
 *
 *   mkdir -p results/$RUN_ID && k6 run --out json=results/$RUN_ID/k6.ndjson -e RUN_ID=$RUN_ID -e SOAK_RATE=5 -e SOAK_DURATION=2h load-tests/scenarios/soak.ts
 */

import { readCommonEnv, readSoakEnv } from '../../contracts/script-variables.ts';
import { planSoak } from '../../contracts/plan.ts';
import { openScenario } from '../lib/open-scenario.ts';

const env = readCommonEnv(__ENV);
const plan = planSoak(readSoakEnv(__ENV));
const scenario = openScenario(plan, env);

export const options = scenario.options;
export default scenario.iteration;
export const plannedRate = scenario.plannedRate;
export const teardown = scenario.teardown;
export const handleSummary = scenario.handleSummary;
