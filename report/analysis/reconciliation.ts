/**
 * Reconciliation: what the target acknowledged (funnel `completed` counts: the journey saw a
 * success answer) against what it actually stored for the run (its truth endpoint), per stage.
 * Acknowledged but not stored is `lost`; stored but never acknowledged is `unacknowledged`
 * (e.g. a request still in flight when the test ended, or a write the client saw fail).
 */

import { FUNNEL_STAGES, type FunnelStage } from '../../contracts/funnel.ts';
import type { RunTruth } from '../../contracts/run-result.ts';
import type { RangeTotals } from './totals.ts';

/** Stages the target stores a record for (landing stores nothing). */
export const RECORDED_STAGES: readonly FunnelStage[] = FUNNEL_STAGES.filter((stage) => stage !== 'landing');

/** One stage reconciled. */
export interface ReconciliationRow {
  readonly acknowledged: number;
  readonly stored: number;
  /** max(0, acknowledged − stored). */
  readonly lost: number;
  /** lost / acknowledged. */
  readonly lostShare: number;
  /** max(0, stored − acknowledged). */
  readonly unacknowledged: number;
}

/** The reconciliation of a run. */
export interface ReconciliationResult {
  /** False when the target's truth could not be read; the numbers below are then 0. */
  readonly available: boolean;
  /** Where the truth came from. */
  readonly source?: string;
  /** Records acknowledged but not stored, over all stages. */
  readonly lost: number;
  /** lost / acknowledged over all stages. */
  readonly lostShare: number;
  readonly unacknowledged: number;
  readonly acknowledged: number;
  readonly stages: Readonly<Partial<Record<FunnelStage, ReconciliationRow>>>;
}

/** Reconciles the acknowledged counts of `totals` with `truth`. */
export function reconcile(totals: RangeTotals, truth: RunTruth | undefined): ReconciliationResult {
  if (!truth) return { available: false, lost: 0, lostShare: 0, unacknowledged: 0, acknowledged: 0, stages: {} };
  const stages: Partial<Record<FunnelStage, ReconciliationRow>> = {};
  let lost = 0;
  let unacknowledged = 0;
  let acknowledgedTotal = 0;
  for (const stage of RECORDED_STAGES) {
    const stored = truth.stages[stage];
    if (stored === undefined) continue;
    const acknowledged = totals.stages[stage].funnel.completed;
    const row: ReconciliationRow = {
      acknowledged,
      stored,
      lost: Math.max(0, acknowledged - stored),
      lostShare: acknowledged > 0 ? Math.max(0, acknowledged - stored) / acknowledged : 0,
      unacknowledged: Math.max(0, stored - acknowledged),
    };
    stages[stage] = row;
    lost += row.lost;
    unacknowledged += row.unacknowledged;
    acknowledgedTotal += acknowledged;
  }
  return {
    available: true,
    source: truth.source,
    lost,
    lostShare: acknowledgedTotal > 0 ? lost / acknowledgedTotal : 0,
    unacknowledged,
    acknowledged: acknowledgedTotal,
    stages,
  };
}
