/**
 * k6 thresholds built from the one SLO table (contracts/slo.ts): per stage a p95 latency and an
 * error rate, a bound on dropped iterations, and an abort when errors run away. Pure.
 */

import { FUNNEL_STAGES, STAGE_RESULTS } from '../../contracts/funnel.ts';
import { K6_BUILTIN, K6_METRICS } from '../../contracts/metrics.ts';
import { RUN_OBJECTIVES, STAGE_OBJECTIVES, type StageObjective } from '../../contracts/slo.ts';
import type { FunnelStage } from '../../contracts/funnel.ts';

/** One k6 threshold: an expression, or one that aborts the test when it fails. */
export type Threshold =
  string | { readonly threshold: string; readonly abortOnFail: boolean; readonly delayAbortEval?: string };

/** k6's `options.thresholds`: metric (or submetric) name → thresholds. */
export type Thresholds = Record<string, Threshold[]>;

/** Per stage: `http_req_duration{stage:X}` p95 below the objective, `http_req_failed{stage:X}` below its error rate. */
export function stageThresholds(
  objectives: Readonly<Record<FunnelStage, StageObjective>> = STAGE_OBJECTIVES,
): Thresholds {
  const thresholds: Thresholds = {};
  for (const stage of FUNNEL_STAGES) {
    thresholds[`${K6_BUILTIN.httpReqDuration}{stage:${stage}}`] = [`p(95)<${objectives[stage].p95Ms}`];
    thresholds[`${K6_BUILTIN.httpReqFailed}{stage:${stage}}`] = [`rate<${objectives[stage].maxErrorRate}`];
  }
  return thresholds;
}

/**
 * Thresholds of an open-model scenario: the stage objectives, dropped iterations at most
 * `maxDroppedShare` of the planned arrivals (a run that could not start its applicants is no
 * valid test), and an abort once the overall error rate passes `abortErrorRate` after
 * `abortDelay` (no point hammering a target that is down). Adds the funnel bookkeeping and
 * `iterations{scenario:<scenario>}`, the applicants without the planned-rate helper's iteration.
 */
export function openScenarioThresholds(plannedArrivals: number, scenario: string): Thresholds {
  const droppedBound = Math.floor(plannedArrivals * RUN_OBJECTIVES.maxDroppedShare);
  return {
    // Bookkeeping, always holds: the summary counts finished applicants without the helper's iteration.
    [`${K6_BUILTIN.iterations}{scenario:${scenario}}`]: ['count>=0'],
    ...stageThresholds(),
    [K6_BUILTIN.httpReqFailed]: [
      {
        threshold: `rate<${RUN_OBJECTIVES.abortErrorRate}`,
        abortOnFail: true,
        delayAbortEval: RUN_OBJECTIVES.abortDelay,
      },
    ],
    [K6_BUILTIN.droppedIterations]: [`count<=${droppedBound}`],
    ...funnelBookkeeping(),
  };
}

/**
 * The smoke test's strict thresholds: one applicant completes every stage, nothing fails,
 * nothing is throttled, every check passes, and each stage meets its latency objective.
 */
export function smokeThresholds(): Thresholds {
  const thresholds: Thresholds = funnelBookkeeping();
  for (const stage of FUNNEL_STAGES) {
    thresholds[`${K6_BUILTIN.httpReqDuration}{stage:${stage}}`] = [`p(95)<${STAGE_OBJECTIVES[stage].p95Ms}`];
    thresholds[`${K6_METRICS.funnelStage}{stage:${stage},result:completed}`] = ['count==1'];
  }
  thresholds[`${K6_METRICS.funnelStage}{result:failed}`] = ['count==0'];
  thresholds[`${K6_METRICS.funnelStage}{result:throttled}`] = ['count==0'];
  thresholds[`${K6_METRICS.funnelStage}{result:abandoned}`] = ['count==0'];
  thresholds[K6_BUILTIN.httpReqFailed] = ['rate==0'];
  thresholds[K6_BUILTIN.checks] = ['rate==1'];
  thresholds[K6_BUILTIN.iterations] = ['count==1'];
  return thresholds;
}

/**
 * Bookkeeping thresholds `count>=0` on every `funnel_stage{stage,result}` pair. They always hold;
 * they exist because k6 hands handleSummary only the submetrics that thresholds name, and the
 * summary's funnel table needs every pair.
 */
export function funnelBookkeeping(): Thresholds {
  const thresholds: Thresholds = {};
  for (const stage of FUNNEL_STAGES) {
    for (const result of STAGE_RESULTS)
      thresholds[`${K6_METRICS.funnelStage}{stage:${stage},result:${result}}`] = ['count>=0'];
  }
  return thresholds;
}
