/**
 * The analysis of one run: pure functions from a {@link RunResult} to everything the report says.
 * One file per section (windows, capacity, usl, funnel, reconciliation, validity, forecast,
 * comparison, verdict); this file runs them in order.
 */

import type { RunResult } from '../../contracts/run-result.ts';
import { analyseAmplification } from './amplification.ts';
import { writeAnswer } from './answer.ts';
import { analyseSteps, findCapacity, type StepRow } from './capacity.ts';
import { compareRuns } from './comparison.ts';
import { forecastOpening } from './forecast.ts';
import { analyseFunnel, continuationFor, runContinuation } from './funnel.ts';
import { DEFAULT_OBJECTIVES, type ReportObjectives } from './objectives.ts';
import { reconcile } from './reconciliation.ts';
import { reportedThresholds } from './thresholds.ts';
import { runSlots, totalsOf } from './totals.ts';
import { REPORT_KIND, REPORT_VERSION, type Analysis, type UslSection } from './types.ts';
import { fitUsl } from './usl.ts';
import { analyseValidity } from './validity.ts';
import { writeVerdict } from './verdict.ts';
import { analyseWindows, stageRows } from './windows.ts';

export { REPORT_KIND, REPORT_VERSION, type Analysis, type UslSection } from './types.ts';

/** Options of {@link analyseRun}. */
export interface AnalysisOptions {
  readonly objectives?: ReportObjectives;
  /** The baseline run's analysis, for the comparison section. */
  readonly baseline?: Analysis;
  /** Seed of the USL bootstrap, default 1. */
  readonly seed?: number;
}

/** Analyses a run. Pure: the same run-result and options give the same analysis. */
export function analyseRun(result: RunResult, options: AnalysisOptions = {}): Analysis {
  const objectives = options.objectives ?? DEFAULT_OBJECTIVES;
  const runTotals = totalsOf(runSlots(result), result.resolutionSeconds);
  const activeSeconds = Math.max(result.resolutionSeconds, result.durationSeconds - result.scenarioStartSeconds);
  const overall = stageRows(runTotals, activeSeconds, objectives);
  const windows = analyseWindows(result, objectives);
  const steps = analyseSteps(result, objectives);
  const capacity = findCapacity(steps, objectives);
  const usl = fitUslSection(steps, options.seed);
  const funnel = analyseFunnel(runTotals, continuationFor(runContinuation(result), result.scenario));
  const reconciliation = reconcile(runTotals, result.truth);
  const validity = analyseValidity(result, steps, capacity, objectives);
  const forecast = forecastOpening({
    ...(capacity.sustainedPerMinute !== undefined ? { capacityPerMinute: capacity.sustainedPerMinute } : {}),
    capacityIsLowerBound: capacity.outcome === 'not-reached',
    targetUtilisation: objectives.targetUtilisation,
    ...(usl?.ceilingPerMinute !== undefined && usl.ceilingDetermined
      ? { uslCeilingPerMinute: usl.ceilingPerMinute }
      : {}),
    ...(capacity.limitingStage ? { limitingStage: capacity.limitingStage } : {}),
    ...(capacity.limitingStageRequestsPerArrival !== undefined
      ? { limitingStageRequestsPerArrival: capacity.limitingStageRequestsPerArrival }
      : {}),
    missingReason:
      capacity.outcome === 'below-first-step'
        ? 'no step met every SLO, so there is no sustained capacity to forecast with'
        : 'capacity is measured by a breakpoint run; this run is not one',
  });
  const amplification = analyseAmplification(result, capacity);
  const partial: Omit<Analysis, 'verdict' | 'answer' | 'comparison'> = {
    kind: REPORT_KIND,
    version: REPORT_VERSION,
    run: result.run,
    scenario: result.scenario,
    engine: result.engine,
    ...(result.target ? { target: result.target } : {}),
    origin: result.origin,
    scenarioStartSeconds: result.scenarioStartSeconds,
    durationSeconds: result.durationSeconds,
    profile: result.profile,
    valid: validity.valid,
    validity,
    objectives,
    overall,
    windows,
    steps,
    capacity,
    ...(usl ? { usl } : {}),
    funnel,
    reconciliation,
    forecast,
    ...(amplification.available ? { amplification } : {}),
    thresholds: reportedThresholds(result.thresholds),
  };
  const comparison = options.baseline ? compareRuns(partial, options.baseline) : undefined;
  const withComparison = { ...partial, ...(comparison ? { comparison } : {}) };
  const verdict = writeVerdict(withComparison);
  return { ...withComparison, verdict, answer: writeAnswer({ ...withComparison, verdict }) };
}

/** Fits the USL on the steps (N = requests in flight, X = successful requests/s), converted to applicants. */
function fitUslSection(steps: readonly StepRow[], seed = 1): UslSection | undefined {
  const fit = fitUsl(
    steps.filter((step) => step.status !== 'insufficient').map((step) => ({ n: step.inFlight, x: step.okPerSecond })),
    { seed },
  );
  if (!fit) return undefined;
  const passing = steps.filter((step) => step.status === 'pass');
  const ok = passing.reduce((sum, step) => sum + step.okPerSecond * step.judgedSeconds, 0);
  const arrivals = passing.reduce((sum, step) => sum + step.arrivalsPerSecond * step.judgedSeconds, 0);
  const requestsPerArrival = arrivals > 0 && ok > 0 ? ok / arrivals : undefined;
  const undetermined = ceilingProblem(fit);
  return {
    ...fit,
    ...(requestsPerArrival !== undefined ? { requestsPerArrival } : {}),
    ...(requestsPerArrival !== undefined && fit.peakThroughput !== null && !undetermined
      ? { ceilingPerMinute: (fit.peakThroughput / requestsPerArrival) * 60 }
      : {}),
    ceilingDetermined: undetermined === undefined,
    ...(undetermined ? { ceilingUndeterminedReason: undetermined } : {}),
  };
}

/** How much wider than 3× end to end, or above the measured throughput, a ceiling range may not be. */
const CEILING_SPREAD = 3;

/** Why the fit does not pin the throughput ceiling down; undefined when it does. */
function ceilingProblem(fit: NonNullable<ReturnType<typeof fitUsl>>): string | undefined {
  const measured = Math.max(...fit.points.map((point) => point.x));
  const range = fit.bootstrap.peakThroughput;
  if (fit.peakThroughput === null) return 'the steps fit a straight line: no ceiling within reach of the data';
  if (!range) return 'most bootstrap refits found no ceiling';
  const [low, high] = range;
  if (!(low > 0) || !Number.isFinite(high) || high / low > CEILING_SPREAD)
    return 'the bootstrap range of the ceiling is too wide to mean anything';
  if (high > CEILING_SPREAD * measured || fit.peakThroughput > CEILING_SPREAD * measured) {
    return `the fitted ceiling lies far beyond the ${measured.toFixed(1)} requests/s measured`;
  }
  return undefined;
}
