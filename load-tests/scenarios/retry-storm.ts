/**
 * retry-storm: the opening, with applicants who retry. Every throttled or failing page is tried
 * again within seconds by nearly everyone who met it (RETRY_PROFILE=storm, journeys/retries.ts),
 * or as the logs of a real opening showed (RETRY_PROFILE=logs with PROFILE=/abs/profile.json):
 * how a few hundred thousand people become far more requests at the peak. The same variables as
 * the opening; the report states the requests per applicant it measured, at the peak and off it.
 *
 *   mkdir -p results/$RUN_ID && k6 run --out json=results/$RUN_ID/k6.ndjson -e RUN_ID=$RUN_ID -e RATE_SCALE=0.01 -e WINDOW=0-30 load-tests/scenarios/retry-storm.ts
 */

import { openingScenario } from '../lib/open-scenario.ts';

// the storm unless RETRY_PROFILE says otherwise; open() reads a PROFILE file in the init context
const scenario = openingScenario({ RETRY_PROFILE: 'storm', ...__ENV }, (path) => open(path));

export const options = scenario.options;
export default scenario.iteration;
export const plannedRate = scenario.plannedRate;
export const teardown = scenario.teardown;
export const handleSummary = scenario.handleSummary;
