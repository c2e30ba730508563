/**
 * The service-level objectives of a registration opening, per funnel stage: one table that k6
 * thresholds, dashboard SLO lines, alert rules and the capacity report all read.
 */

import type { FunnelStage } from './funnel.ts';

/** Objectives for one stage. */
export interface StageObjective {
  /** 95th percentile of request duration must stay below this, in milliseconds. */
  readonly p95Ms: number;
  /** Share of the stage's requests that may fail (errors; throttling is counted apart), 0..1. */
  readonly maxErrorRate: number;
}

/**
 * Default objectives. The ministry NIK check and the photo upload are allowed more time: the first
 * waits on a government API, the second moves a file.
 */
export const STAGE_OBJECTIVES: Readonly<Record<FunnelStage, StageObjective>> = Object.freeze({
  landing: { p95Ms: 500, maxErrorRate: 0.01 },
  register: { p95Ms: 1500, maxErrorRate: 0.01 },
  verify_email: { p95Ms: 1000, maxErrorRate: 0.01 },
  verify_nik: { p95Ms: 3000, maxErrorRate: 0.01 },
  upload_photo: { p95Ms: 3000, maxErrorRate: 0.01 },
  join_batch: { p95Ms: 1500, maxErrorRate: 0.01 },
});

/** Run-wide objectives and guards. */
export const RUN_OBJECTIVES = Object.freeze({
  /** Dropped iterations may be at most this share of planned arrivals, else the run is invalid. */
  maxDroppedShare: 0.01,
  /** Achieved arrivals below this share of planned make the run invalid (generator shortfall). */
  minAchievedShare: 0.95,
  /** Above this overall error rate the test aborts itself (k6 abortOnFail), after the delay. */
  abortErrorRate: 0.5,
  /** How long the abort threshold waits before it may fire. */
  abortDelay: '10s',
  /** Share of 429 answers above which a stage counts as throttling (reported, not an error). */
  maxThrottleRate: 0.05,
});
