/**
 * The thresholds and options the scenarios hand k6 (load-tests/lib/options.ts, thresholds.ts).
 * The code imports nothing from k6, so Node runs it as it is; split from test/loadtests-lib.test.ts.
 */

import { describe, expect, test } from 'vitest';
import { FUNNEL_STAGES } from '../../contracts/funnel.ts';
import { RUN_OBJECTIVES, STAGE_OBJECTIVES } from '../../contracts/slo.ts';
import { meanJourneyThinkSeconds } from '../journeys/behaviour.ts';
import { readBreakpointEnv, readCommonEnv, type ScriptVariables } from '../../contracts/script-variables.ts';
import { openScenarioOptions, PLANNED_RATE_SCENARIO, sizeVUs, smokeOptions } from './options.ts';
import { planBreakpoint } from '../../contracts/plan.ts';
import { openScenarioThresholds, smokeThresholds } from './thresholds.ts';

const base: ScriptVariables = { RUN_ID: 'unit-1' };

describe('thresholds and options', () => {
  test('every stage gets its p95 and error-rate objective from the SLO table', () => {
    const thresholds = openScenarioThresholds(1000, 'opening');
    for (const stage of FUNNEL_STAGES) {
      expect(thresholds[`http_req_duration{stage:${stage}}`]).toEqual([`p(95)<${STAGE_OBJECTIVES[stage].p95Ms}`]);
      expect(thresholds[`http_req_failed{stage:${stage}}`]).toEqual([`rate<${STAGE_OBJECTIVES[stage].maxErrorRate}`]);
    }
  });

  test('dropped iterations are bounded by the planned total, and errors abort after a delay', () => {
    const thresholds = openScenarioThresholds(2345, 'opening');
    expect(thresholds['iterations{scenario:opening}']).toEqual(['count>=0']);
    expect(thresholds.dropped_iterations).toEqual([`count<=${Math.floor(2345 * RUN_OBJECTIVES.maxDroppedShare)}`]);
    expect(thresholds.http_req_failed).toEqual([
      {
        threshold: `rate<${RUN_OBJECTIVES.abortErrorRate}`,
        abortOnFail: true,
        delayAbortEval: RUN_OBJECTIVES.abortDelay,
      },
    ]);
  });

  test('smoke demands one completed applicant at every stage and nothing failed', () => {
    const thresholds = smokeThresholds();
    for (const stage of FUNNEL_STAGES)
      expect(thresholds[`funnel_stage{stage:${stage},result:completed}`]).toEqual(['count==1']);
    expect(thresholds['funnel_stage{result:failed}']).toEqual(['count==0']);
    expect(thresholds.http_req_failed).toEqual(['rate==0']);
    expect(thresholds.checks).toEqual(['rate==1']);
    expect(thresholds['funnel_stage{stage:register,result:abandoned}']).toEqual(['count>=0']);
  });

  test('VUs follow Little’s law with headroom, and the variables override them', () => {
    const plan = planBreakpoint(readBreakpointEnv({ BREAKPOINT_START: '10', BREAKPOINT_STEPS: '1' }));
    const sizing = sizeVUs(plan, { thinkTimeScale: 0.01 });
    const journey =
      meanJourneyThinkSeconds(0.01) +
      FUNNEL_STAGES.reduce((sum, stage) => sum + STAGE_OBJECTIVES[stage].p95Ms / 1000, 0);
    expect(sizing.journeySeconds).toBeCloseTo(journey, 9);
    expect(sizing.preAllocatedVUs).toBe(Math.ceil(10 * journey * 1.5));
    expect(sizing.maxVUs).toBe(2 * sizing.preAllocatedVUs);
    expect(sizeVUs(plan, { thinkTimeScale: 0.01, preAllocatedVUs: 3, maxVUs: 4 })).toMatchObject({
      preAllocatedVUs: 3,
      maxVUs: 4,
    });
    expect(sizeVUs(plan, { thinkTimeScale: 0.01, maxVUs: 50 })).toMatchObject({ preAllocatedVUs: 50, maxVUs: 50 });
  });

  test('an open scenario runs its arrivals beside a one-iteration planned-rate helper, tagged with the run', () => {
    const env = readCommonEnv(base);
    const plan = planBreakpoint(readBreakpointEnv({ BREAKPOINT_STEPS: '2', BREAKPOINT_STEP_SECONDS: '30' }));
    const options = openScenarioOptions(plan, env);
    expect(Object.keys(options.scenarios)).toEqual(['breakpoint', PLANNED_RATE_SCENARIO]);
    expect(options.scenarios.breakpoint).toMatchObject({ executor: 'ramping-arrival-rate', exec: 'default' });
    expect(options.scenarios[PLANNED_RATE_SCENARIO]).toMatchObject({
      executor: 'shared-iterations',
      vus: 1,
      iterations: 1,
      maxDuration: '70s',
      exec: 'plannedRate',
    });
    expect(options.tags).toEqual({ run: 'unit-1' });
    expect(smokeOptions(env).scenarios.smoke).toMatchObject({ executor: 'per-vu-iterations', vus: 1, iterations: 1 });
  });
});
