/**
 * Was the test itself sound? A run whose load generator could not deliver the planned arrivals
 * (dropped iterations, achieved below planned, VUs at their ceiling) measured the generator, not
 * the target: it is marked invalid, with reasons, instead of blaming the target.
 *
 * For a breakpoint, the generator is judged on the steps the capacity rests on (up to the last
 * passing step); shortfalls at the first failing step only widen the range and are a warning.
 */

import { K6_SUMMARY_SHAPE_NAMES } from '../../contracts/k6-summary.ts';
import type { RunResult } from '../../contracts/run-result.ts';
import type { CapacityResult, StepRow } from './capacity.ts';
import type { ReportObjectives } from './objectives.ts';
import { runSlots, totalsOf } from './totals.ts';

/** The validity box. */
export interface ValidityResult {
  readonly valid: boolean;
  /** Why the run is invalid (empty when valid). */
  readonly reasons: readonly string[];
  /** Things to know that do not invalidate the run. */
  readonly warnings: readonly string[];
  /** How the run differs from the real event (scaling, compression, engine). */
  readonly disclosures: readonly string[];
  /** What the generator checks covered, in words. */
  readonly judged: string;
  readonly plannedArrivals?: number;
  readonly achievedArrivals: number;
  readonly achievedShare?: number;
  readonly droppedIterations: number;
  readonly droppedShare?: number;
  readonly peakVus: number;
  readonly vusMax: number;
  readonly saturatedSlots: number;
  readonly engine: string;
  readonly rateScale: number;
  readonly timeScale: number;
  readonly linesRead?: number;
  readonly linesRejected: number;
  readonly exitCode?: number;
}

/** Judges the run's validity. `steps` and `capacity` come from the capacity analysis. */
export function analyseValidity(
  result: RunResult,
  steps: readonly StepRow[],
  capacity: CapacityResult,
  objectives: ReportObjectives,
): ValidityResult {
  const reasons: string[] = [];
  const warnings: string[] = [];
  const percent = (share: number): string => `${(share * 100).toFixed(1)} %`;

  let planned = 0;
  let hasPlanned = false;
  let arrivals = 0;
  let dropped = 0;
  let saturated = 0;
  let peakVus = 0;
  let vusMax = 0;
  let judged: string;
  if (steps.length > 0 && capacity.outcome !== 'not-measured') {
    const lastIndex =
      capacity.outcome === 'below-first-step' ? capacity.firstFailStep! : (capacity.lastPassStep ?? steps.length - 1);
    const judgedSteps = steps.filter((step) => step.index <= lastIndex);
    for (const step of judgedSteps) {
      planned += (step.plannedPerSecond ?? step.rate) * step.judgedSeconds;
      hasPlanned = true;
      arrivals += step.arrivalsPerSecond * step.judgedSeconds;
      dropped += step.dropped;
      saturated += step.saturatedSlots;
      peakVus = Math.max(peakVus, step.vus);
    }
    judged = `the steady part of steps 1–${lastIndex + 1} (the steps the capacity finding rests on)`;
    const failStep =
      capacity.outcome === 'knee' ? steps.find((step) => step.index === capacity.firstFailStep) : undefined;
    if (failStep && generatorFellShort(failStep.achievedShare, failStep.droppedShare, objectives)) {
      warnings.push(
        `the generator also fell short at the first failing step (${failStep.rate.toFixed(1)}/s: achieved ${percent(failStep.achievedShare ?? 1)}, ` +
          `dropped ${percent(failStep.droppedShare ?? 0)}); the upper end of the capacity range is less certain`,
      );
    }
  } else {
    const totals = totalsOf(runSlots(result), result.resolutionSeconds);
    planned = totals.planned;
    hasPlanned = totals.hasPlanned;
    arrivals = totals.arrivals;
    dropped = totals.dropped;
    saturated = totals.saturatedSlots;
    peakVus = totals.vus;
    judged = 'the whole run';
  }
  for (const slot of result.slots) vusMax = Math.max(vusMax, slot.vusMax ?? 0);

  const achievedShare = hasPlanned && planned > 0 ? arrivals / planned : undefined;
  const droppedShare = hasPlanned && planned > 0 ? dropped / planned : undefined;
  if (droppedShare !== undefined && droppedShare > objectives.maxDroppedShare) {
    reasons.push(
      `the load generator dropped ${Math.round(dropped).toLocaleString('en-US')} iterations (${percent(droppedShare)} of planned, limit ${percent(objectives.maxDroppedShare)})` +
        (saturated > 0 ? `: it ran out of VUs (all ${vusMax} in use)` : ''),
    );
  } else if (saturated > 0) {
    warnings.push(
      `the generator reached its VU ceiling (${vusMax}) and dropped a few iterations in ${saturated} slot(s)`,
    );
  }
  if (achievedShare !== undefined && achievedShare < objectives.minAchievedShare) {
    reasons.push(
      `only ${percent(achievedShare)} of the planned arrivals started (limit ${percent(objectives.minAchievedShare)}): the generator could not keep up with the profile`,
    );
  }
  if (result.planSource === 'script variables') {
    warnings.push(
      "run.json holds no plan (a script of your own, -u/-d/-i/-s replaced the scenario's plan, or an older floodgate wrote it): the profile, its scales and the continuation were re-read from the run's script variables",
    );
  }
  if (!hasPlanned)
    warnings.push('the run recorded no planned arrival rate, so achieved against planned could not be checked');
  if (arrivals === 0)
    reasons.push('no applicant journey started (no funnel landing samples): there is nothing to judge');

  const rejected =
    result.source.kind === 'ndjson' ? Object.values(result.source.rejected).reduce((sum, count) => sum + count, 0) : 0;
  if (rejected > 0 && result.source.kind === 'ndjson') {
    const byReason = Object.entries(result.source.rejected)
      .map(([reason, count]) => `${reason} ${count}`)
      .join(', ');
    warnings.push(`${rejected} of ${result.source.lines} input lines were rejected and skipped (${byReason})`);
  }
  if (result.source.kind === 'ndjson' && result.source.otherRuns) {
    const { points, runs } = result.source.otherRuns;
    warnings.push(
      `${points} samples of other runs in the same NDJSON (${runs.join(', ')}) were left out: this report is run ${result.run}; pass --run <id> to report on another`,
    );
  }
  if (result.exitCode !== undefined && ![0, 99].includes(result.exitCode)) {
    warnings.push(
      `the load run ended with exit code ${result.exitCode} (not a clean finish): later windows may be missing`,
    );
  }

  if (result.summary && !result.summary.thresholds) {
    warnings.push(`${K6_SUMMARY_SHAPE_NAMES[result.summary.shape]}: k6's threshold verdicts are unknown, not passed`);
  }
  // k6 exits 99 only when a threshold failed (internal/cmd/run.go): a report showing none failed
  // is reading verdicts that are not the run's (e.g. a summary.json a script wrote itself).
  if (result.exitCode === 99 && !result.thresholds.some((threshold) => threshold.ok === false)) {
    warnings.push(
      `the load run exited 99 (k6: a threshold failed), but none of the ${result.thresholds.length} thresholds read here failed${result.summary ? ` — ${result.summary.file} may not be k6's own summary of this run` : ' — the run has no summary to say which'}`,
    );
  }

  const disclosures: string[] = [];
  if (result.summary)
    disclosures.push(`summary read from ${result.summary.file}: ${K6_SUMMARY_SHAPE_NAMES[result.summary.shape]}`);
  if (result.source.kind === 'ndjson' && result.source.gzip)
    disclosures.push(`results read from gzip (${result.source.path})`);
  if (result.source.kind === 'prometheus')
    disclosures.push(
      `results read from Prometheus (${result.source.url})${result.source.resolution ? `, ${result.source.resolution}` : ''}`,
    );
  if (result.profile.rateScale !== 1) disclosures.push(`rates scaled × ${result.profile.rateScale} (RATE_SCALE)`);
  if (result.profile.timeScale !== 1)
    disclosures.push(`time compressed ÷ ${result.profile.timeScale} (TIME_SCALE): event minutes per real minute`);
  if (result.profile.window)
    disclosures.push(
      `event minutes ${result.profile.window.fromMinute}–${result.profile.window.toMinute} only (WINDOW)`,
    );
  if (result.engine === 'local')
    disclosures.push('load generated by floodgate’s local engine (k6 semantics under Node), not k6 itself');
  disclosures.push('one run; repeat at least 3 times before planning on the numbers');

  return {
    valid: reasons.length === 0,
    reasons,
    warnings,
    disclosures,
    judged,
    ...(hasPlanned ? { plannedArrivals: planned } : {}),
    achievedArrivals: arrivals,
    ...(achievedShare !== undefined ? { achievedShare } : {}),
    droppedIterations: dropped,
    ...(droppedShare !== undefined ? { droppedShare } : {}),
    peakVus,
    vusMax,
    saturatedSlots: saturated,
    engine: result.engine,
    rateScale: result.profile.rateScale,
    timeScale: result.profile.timeScale,
    ...(result.source.kind === 'ndjson' ? { linesRead: result.source.lines } : {}),
    linesRejected: rejected,
    ...(result.exitCode !== undefined ? { exitCode: result.exitCode } : {}),
  };
}

function generatorFellShort(
  achievedShare: number | undefined,
  droppedShare: number | undefined,
  objectives: ReportObjectives,
): boolean {
  return (
    (achievedShare !== undefined && achievedShare < objectives.minAchievedShare) ||
    (droppedShare !== undefined && droppedShare > objectives.maxDroppedShare)
  );
}
