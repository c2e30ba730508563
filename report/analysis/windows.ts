/**
 * Per window (default 10 s) and funnel stage: throughput, error and throttle rates, and latency
 * quantiles read from the window's merged histograms — never averages of percentiles. Each stage
 * in each window is judged against its SLO, which gives the heat grid over time.
 */

import { FUNNEL_STAGES, type FunnelStage } from '../../contracts/funnel.ts';
import type { StageObjective } from '../../contracts/slo.ts';
import type { RunResult } from '../../contracts/run-result.ts';
import type { ReportObjectives } from './objectives.ts';
import { stageStats, totalsOf, type RangeTotals, type StageStats } from './totals.ts';

/** Why a stage missed its objective. */
export interface Breach {
  /**
   * `p95` latency, `errors` rate, `throttled` rate, `backlog` growth (a queue that grows), or
   * `saturated`: more arrivals per second than the stage ever completed (breakpoint steps only).
   */
  readonly kind: 'p95' | 'errors' | 'throttled' | 'backlog' | 'saturated';
  readonly value: number;
  readonly objective: number;
  /** value / objective; above 1 is a breach. */
  readonly ratio: number;
}

/** A stage judged against its objective over one window or step. */
export interface StageJudgement {
  /** `insufficient`: too few requests to judge (fewer than `minRequests`). */
  readonly status: 'pass' | 'fail' | 'insufficient';
  readonly breaches: readonly Breach[];
  /** Largest value/objective ratio over the checks (above 1 means a breach). */
  readonly worstRatio: number;
}

/** One stage in one window or step. */
export interface StageRow extends StageStats {
  readonly judgement: StageJudgement;
}

/** One window. */
export interface WindowRow {
  readonly index: number;
  /** Seconds from the run's origin. */
  readonly startSeconds: number;
  readonly seconds: number;
  /** Planned new applicants per second, when the run says. */
  readonly plannedPerSecond?: number;
  /** Journeys started per second (landing entered). */
  readonly arrivalsPerSecond: number;
  readonly dropped: number;
  readonly vus: number;
  readonly stages: Readonly<Record<FunnelStage, StageRow>>;
}

/** Fewest applicants left waiting before backlog growth is judged (tiny counts are noise). */
const MIN_BACKLOG = 5;

/** Judges one stage's stats against its objective. */
export function judgeStage(stats: StageStats, objective: StageObjective, objectives: ReportObjectives): StageJudgement {
  const checks: Array<{ breach: Breach; breached: boolean }> = [];
  if (stats.p95Ms !== undefined) {
    const breach = check('p95', stats.p95Ms, objective.p95Ms);
    checks.push({ breach, breached: breach.ratio > 1 });
  }
  // A rate breaches only when it is significantly above its objective (one-sided exact binomial
  // test at 5 %), so a step with 20 requests does not fail on one random error.
  if (stats.errorRate !== undefined) {
    const breach = check('errors', stats.errorRate, objective.maxErrorRate);
    const count = Math.round(stats.errorRate * stats.requests);
    checks.push({
      breach,
      breached: breach.ratio > 1 && binomialUpperTail(count, stats.requests, objective.maxErrorRate) < 0.05,
    });
  }
  if (stats.throttleRate !== undefined) {
    const breach = check('throttled', stats.throttleRate, objectives.maxThrottleRate);
    const count = Math.round(stats.throttleRate * stats.requests);
    checks.push({
      breach,
      breached: breach.ratio > 1 && binomialUpperTail(count, stats.requests, objectives.maxThrottleRate) < 0.05,
    });
  }
  // A growing queue is not sustained load even before its latency breaks the objective.
  if (stats.backlogGrowth !== undefined && stats.entered - stats.answered >= MIN_BACKLOG) {
    const breach = check('backlog', stats.backlogGrowth, objectives.maxBacklogGrowth);
    checks.push({ breach, breached: breach.ratio > 1 });
  }
  const worstRatio = checks.reduce((worst, item) => Math.max(worst, item.breach.ratio), 0);
  if (stats.requests < objectives.minRequests) return { status: 'insufficient', breaches: [], worstRatio };
  const breaches = checks.filter((item) => item.breached).map((item) => item.breach);
  return { status: breaches.length > 0 ? 'fail' : 'pass', breaches, worstRatio };
}

/** Stats and judgement of every stage in `totals` over `seconds`. */
export function stageRows(
  totals: RangeTotals,
  seconds: number,
  objectives: ReportObjectives,
): Record<FunnelStage, StageRow> {
  const rows = {} as Record<FunnelStage, StageRow>;
  for (const stage of FUNNEL_STAGES) {
    const stats = stageStats(totals.stages[stage], seconds);
    rows[stage] = { ...stats, judgement: judgeStage(stats, objectives.stages[stage], objectives) };
  }
  return rows;
}

/** The run cut into windows of about `objectives.windowSeconds` (a whole number of slots). */
export function analyseWindows(
  result: RunResult,
  objectives: ReportObjectives,
): { seconds: number; rows: WindowRow[] } {
  const resolution = result.resolutionSeconds;
  const perWindow = Math.max(1, Math.round(objectives.windowSeconds / resolution));
  const seconds = perWindow * resolution;
  const rows: WindowRow[] = [];
  for (let first = 0; first < result.slots.length; first += perWindow) {
    const slots = result.slots.slice(first, first + perWindow);
    const covered = slots.length * resolution;
    const totals = totalsOf(slots, resolution);
    rows.push({
      index: rows.length,
      startSeconds: slots[0]!.t,
      seconds: covered,
      ...(totals.hasPlanned ? { plannedPerSecond: totals.planned / covered } : {}),
      arrivalsPerSecond: totals.arrivals / covered,
      dropped: totals.dropped,
      vus: totals.vus,
      stages: stageRows(totals, covered, objectives),
    });
  }
  return { seconds, rows };
}

/**
 * P(X ≥ k) for X ~ Binomial(n, p): the chance of seeing at least `k` events in `n` trials if the
 * true rate were `p`. Exact (summed in log space), with a shortcut far in the tail.
 */
export function binomialUpperTail(k: number, n: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  const sd = Math.sqrt(n * p * (1 - p));
  if (k > n * p + 12 * sd + 12) return 0;
  // P(X ≥ k) = 1 − Σ_{i<k} C(n,i) pⁱ(1−p)ⁿ⁻ⁱ, terms by recurrence in logs.
  let logTerm = n * Math.log1p(-p);
  const logRatio = Math.log(p) - Math.log1p(-p);
  let below = 0;
  for (let i = 0; i < k; i += 1) {
    below += Math.exp(logTerm);
    logTerm += Math.log((n - i) / (i + 1)) + logRatio;
  }
  return Math.min(1, Math.max(0, 1 - below));
}

export function check(kind: Breach['kind'], value: number, objective: number): Breach {
  // An objective of 0 tolerates nothing: any value breaches it by a large finite ratio (JSON has no Infinity).
  const ratio = objective > 0 ? value / objective : value > 0 ? 1e6 : 0;
  return { kind, value, objective, ratio };
}
