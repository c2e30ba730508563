/**
 * Funnel completion per stage against the seed's expectation (capacity-model §4.3). In a load test
 * floodgate owns the ground truth: every exit is tagged either `abandoned` (the applicant's random
 * draw said stop: behavioural) or `failed`/`throttled` (the system's doing). Observed continuation
 * is compared with the expected probability inside a 95 % binomial band; a shortfall beyond the
 * band, and every error exit, is load-caused.
 */

import {
  DEFAULT_PHOTO_UPLOAD_SHARE,
  FUNNEL_STAGES,
  continuationTable,
  expectedCompletion,
  type ContinuationTable,
  type FunnelStage,
} from '../../contracts/funnel.ts';
import { planFactsOrDefaults } from '../../contracts/plan.ts';
import type { RunResult } from '../../contracts/run-result.ts';
import type { Continuation } from '../../contracts/script-variables.ts';
import type { RangeTotals } from './totals.ts';

/** z for a two-sided 95 % band. */
const Z95 = 1.959964;

/** One stage of the funnel. */
export interface FunnelRow {
  readonly entered: number;
  readonly completed: number;
  readonly failed: number;
  readonly throttled: number;
  readonly abandoned: number;
  /** Probability an applicant who completed the previous stage attempts this one. */
  readonly expectedContinuation: number;
  /** entered / (entered + abandoned); undefined when nobody reached the choice. */
  readonly observedContinuation?: number;
  /** 95 % binomial band around the expected continuation for the observed number of choices. */
  readonly continuationBand?: readonly [number, number];
  /** `below`/`above` when the observed continuation leaves the band. */
  readonly continuationStatus: 'within' | 'below' | 'above' | 'no-data';
  /** completed / entered. */
  readonly stageSuccessRate?: number;
  /** Expected share of arrivals completing this stage when nothing fails. */
  readonly expectedCompletedShare: number;
  /** completed / arrivals. */
  readonly completedShare?: number;
  /** arrivals × expected share, and its 95 % band. */
  readonly expectedCompleted: number;
  readonly expectedCompletedBand: readonly [number, number];
  /** Exits caused by the system at this stage: failed + throttled. */
  readonly errorDrops: number;
  /** Exits by choice before this stage: abandoned. */
  readonly behaviouralDrops: number;
  /** Completions missing below the expected band (0 when within it). */
  readonly shortfall: number;
}

/** The funnel of a run. */
export interface FunnelResult {
  /** Journeys started (landing entered). */
  readonly arrivals: number;
  /** The continuation table compared against. */
  readonly continuation: ContinuationTable;
  /** Where it came from: the seed, with the photo-upload share assumed or set by the run. */
  readonly continuationSource: string;
  readonly stages: Readonly<Record<FunnelStage, FunnelRow>>;
  /** Applicants lost to errors over the whole funnel (sum of error drops). */
  readonly errorDrops: number;
  readonly behaviouralDrops: number;
}

/**
 * The continuation a run was asked to follow, as its plan recorded it (run.json `plan`, carried
 * by the run-result); for a run-result from before floodgate recorded it, as contracts/plan.ts
 * re-reads it from the run's variables with the scenario's defaults.
 */
export function runContinuation(result: Pick<RunResult, 'continuation' | 'env' | 'scenario'>): Continuation {
  return result.continuation ?? planFactsOrDefaults(result.scenario, result.env).continuation;
}

/**
 * The continuation table a run's funnel is compared with: the seed's, with the photo-upload share
 * the run set (`PHOTO_SHARE`), or 1 everywhere when every applicant tried every stage
 * (`CONTINUATION=full`, the smoke scenario's default); and where it came from, in words.
 */
export function continuationFor(
  continuation: Continuation,
  scenario: string,
): { table: ContinuationTable; source: string } {
  if (continuation.mode === 'full') {
    const table = Object.freeze(Object.fromEntries(FUNNEL_STAGES.map((stage) => [stage, 1]))) as ContinuationTable;
    const why = continuation.modeSet ? '' : `, the ${scenario} scenario's default`;
    return { table, source: `every applicant tries every stage (CONTINUATION=full${why})` };
  }
  if (continuation.photoShareSet) {
    return {
      table: continuationTable(continuation.photoShare),
      source: `seed (SEED.md), photo-upload share ${continuation.photoShare} (PHOTO_SHARE)`,
    };
  }
  return {
    table: continuationTable(),
    source: `seed (SEED.md), photo-upload share ${DEFAULT_PHOTO_UPLOAD_SHARE} (an assumption: the seed gives none)`,
  };
}

/** The funnel over `totals` (usually the whole run). */
export function analyseFunnel(
  totals: RangeTotals,
  continuation: { table: ContinuationTable; source: string },
): FunnelResult {
  const arrivals = totals.arrivals;
  const expected = expectedCompletion(continuation.table);
  const stages = {} as Record<FunnelStage, FunnelRow>;
  let errorDrops = 0;
  let behaviouralDrops = 0;
  for (const stage of FUNNEL_STAGES) {
    const counts = totals.stages[stage].funnel;
    const p = continuation.table[stage];
    const choices = counts.entered + counts.abandoned;
    const observed = choices > 0 ? counts.entered / choices : undefined;
    const half = choices > 0 ? Z95 * Math.sqrt((p * (1 - p)) / choices) : 0;
    const band: readonly [number, number] = [Math.max(0, p - half), Math.min(1, p + half)];
    const share = expected[stage];
    const expectedCompleted = arrivals * share;
    const completedHalf = Z95 * Math.sqrt(arrivals * share * (1 - share));
    const expectedBand: readonly [number, number] = [
      Math.max(0, expectedCompleted - completedHalf),
      expectedCompleted + completedHalf,
    ];
    const drops = counts.failed + counts.throttled;
    errorDrops += drops;
    behaviouralDrops += counts.abandoned;
    stages[stage] = {
      entered: counts.entered,
      completed: counts.completed,
      failed: counts.failed,
      throttled: counts.throttled,
      abandoned: counts.abandoned,
      expectedContinuation: p,
      ...(observed !== undefined ? { observedContinuation: observed, continuationBand: band } : {}),
      continuationStatus:
        observed === undefined
          ? 'no-data'
          : observed < band[0] - 1e-12
            ? 'below'
            : observed > band[1] + 1e-12
              ? 'above'
              : 'within',
      ...(counts.entered > 0 ? { stageSuccessRate: counts.completed / counts.entered } : {}),
      expectedCompletedShare: share,
      ...(arrivals > 0 ? { completedShare: counts.completed / arrivals } : {}),
      expectedCompleted,
      expectedCompletedBand: expectedBand,
      errorDrops: drops,
      behaviouralDrops: counts.abandoned,
      shortfall: counts.completed < expectedBand[0] ? expectedCompleted - counts.completed : 0,
    };
  }
  return {
    arrivals,
    continuation: continuation.table,
    continuationSource: continuation.source,
    stages,
    errorDrops,
    behaviouralDrops,
  };
}
