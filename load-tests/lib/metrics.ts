/**
 * floodgate's custom k6 metrics. Created when this module is first imported, which is the init
 * context (k6 registers custom metrics only there); names from contracts/metrics.ts.
 */

import { Counter, Gauge } from 'k6/metrics';
import type { FunnelStage, StageResult } from '../../contracts/funnel.ts';
import { K6_METRICS } from '../../contracts/metrics.ts';

/** `funnel_stage`: +1 per applicant and stage result; tags `stage`, `result`. */
export const funnelStage = new Counter(K6_METRICS.funnelStage);

/** `planned_arrival_rate`: planned new applicants per second; tag `planned_scenario`. */
export const plannedArrivalRate = new Gauge(K6_METRICS.plannedArrivalRate);

/** Records one stage result of one applicant. */
export function recordStage(stage: FunnelStage, result: StageResult): void {
  funnelStage.add(1, { stage, result });
}
