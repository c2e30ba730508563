/**
 * The objectives and knobs the analysis judges a run by: per-stage SLOs (contracts/slo.ts), the
 * run-wide guards, and how a breakpoint step is read. `--slo <file>` overrides any of them.
 */

import { FUNNEL_STAGES, type FunnelStage } from '../../contracts/funnel.ts';
import { RUN_OBJECTIVES, STAGE_OBJECTIVES, type StageObjective } from '../../contracts/slo.ts';

/** Everything the analysis judges by. */
export interface ReportObjectives {
  /** Per-stage p95 latency (ms) and error-rate objectives. */
  readonly stages: Readonly<Record<FunnelStage, StageObjective>>;
  /** Share of a stage's requests that may be throttled (429) before the step counts as failing. */
  readonly maxThrottleRate: number;
  /**
   * Share of a stage's arrivals that may still be waiting at the end of a step's judged part
   * before the stage counts as not keeping up (its queue grows). Default 0.1.
   */
  readonly maxBacklogGrowth: number;
  /** Dropped iterations above this share of planned arrivals make a run invalid. */
  readonly maxDroppedShare: number;
  /** Achieved arrivals below this share of planned make a run invalid. */
  readonly minAchievedShare: number;
  /** Share of each breakpoint step discarded as warm-up, 0..0.9. Default 0.25. */
  readonly warmupShare: number;
  /** A stage is judged in a step or window only with at least this many requests. Default 20. */
  readonly minRequests: number;
  /** Consecutive failing steps that make a knee (capacity-model §2.2). Default 2. */
  readonly persistence: number;
  /** Target utilisation for sizing: required capacity = demand / this. Default 0.7. */
  readonly targetUtilisation: number;
  /** Length of a report window, seconds. Default 10. */
  readonly windowSeconds: number;
}

/** The defaults, from contracts/slo.ts and capacity-model.md. */
export const DEFAULT_OBJECTIVES: ReportObjectives = Object.freeze({
  stages: STAGE_OBJECTIVES,
  maxThrottleRate: RUN_OBJECTIVES.maxThrottleRate,
  maxBacklogGrowth: 0.1,
  maxDroppedShare: RUN_OBJECTIVES.maxDroppedShare,
  minAchievedShare: RUN_OBJECTIVES.minAchievedShare,
  warmupShare: 0.25,
  minRequests: 20,
  persistence: 2,
  targetUtilisation: 0.7,
  windowSeconds: 10,
});

/** A partial override, as an SLO file gives it. */
export interface ObjectivesOverride extends Partial<Omit<ReportObjectives, 'stages'>> {
  readonly stages?: Partial<Record<FunnelStage, Partial<StageObjective>>>;
}

/** Applies an override on top of `base`. */
export function withOverrides(base: ReportObjectives, override: ObjectivesOverride = {}): ReportObjectives {
  const stages = {} as Record<FunnelStage, StageObjective>;
  for (const stage of FUNNEL_STAGES) stages[stage] = { ...base.stages[stage], ...(override.stages?.[stage] ?? {}) };
  const { stages: _ignored, ...rest } = override;
  return Object.freeze({ ...base, ...rest, stages });
}
