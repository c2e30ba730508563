/**
 * opening: the registration opening itself. Applicants arrive as the seed's surge says
 * (PROFILE = opening-exp | opening-hyperbolic | a minute,arrivals CSV file | a profile file from
 * `floodgate profile from-logs`), scaled by RATE_SCALE,
 * compressed by TIME_SCALE and cut to WINDOW, on an open model (ramping-arrival-rate): a slow
 * target cannot slow the arrivals. Thresholds per stage from the SLO table. RETRY_PROFILE=logs makes
 * applicants retry and think as the profile's logs showed; RETRY_PROFILE=storm is the retry storm.
 *
 *   mkdir -p results/$RUN_ID && k6 run --out json=results/$RUN_ID/k6.ndjson -e RUN_ID=$RUN_ID -e RATE_SCALE=0.01 -e WINDOW=0-30 load-tests/scenarios/opening.ts
 */

import { openingScenario } from '../lib/open-scenario.ts';

// open() reads a PROFILE file, in the init context; the built-in profiles need none
const scenario = openingScenario(__ENV, (path) => open(path));

export const options = scenario.options;
export default scenario.iteration;
export const plannedRate = scenario.plannedRate;
export const teardown = scenario.teardown;
export const handleSummary = scenario.handleSummary;
