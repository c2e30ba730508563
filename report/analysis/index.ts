/**
 * The analysis of one run: pure functions from a {@link RunResult} to everything the report says.
 * One file per section (windows, capacity, usl, funnel, reconciliation, validity, forecast,
 * comparison, verdict); this file runs them in order.
 */

import type { FunnelStage } from '../../contracts/funnel.ts';
import type { RunProfile, RunResult, ThresholdResult } from '../../contracts/run-result.ts';
import { analyseSteps, findCapacity, type CapacityResult, type StepRow } from './capacity.ts';
import { compareRuns, type ComparisonResult } from './comparison.ts';
import { forecastOpening, type ForecastResult } from './forecast.ts';
import { analyseFunnel, continuationFor, type FunnelResult } from './funnel.ts';
import { DEFAULT_OBJECTIVES, type ReportObjectives } from './objectives.ts';
import { reconcile, type ReconciliationResult } from './reconciliation.ts';
import { reportedThresholds } from './thresholds.ts';
import { runSlots, totalsOf } from './totals.ts';
import { fitUsl, type UslFit } from './usl.ts';
import { analyseValidity, type ValidityResult } from './validity.ts';
import { writeVerdict, type Verdict } from './verdict.ts';
import { analyseWindows, stageRows, type StageRow, type WindowRow } from './windows.ts';

/** Kind and version of the analysis document (`report.json`). */
export const REPORT_KIND = 'floodgate.report';
export const REPORT_VERSION = 1;

/** The USL fit with the conversion to new applicants. */
export interface UslSection extends UslFit {
  /** Successful requests (all stages) per new applicant, measured on passing steps. */
  readonly requestsPerArrival?: number;
  /** peakThroughput converted to new applicants per minute. */
  readonly ceilingPerMinute?: number;
}

/** Everything the report says about one run. */
export interface Analysis {
  readonly kind: typeof REPORT_KIND;
  readonly version: typeof REPORT_VERSION;
  readonly run: string;
  readonly scenario: string;
  readonly engine: string;
  readonly target?: string;
  readonly origin: string;
  readonly scenarioStartSeconds: number;
  readonly durationSeconds: number;
  readonly profile: RunProfile;
  readonly verdict: Verdict;
  readonly valid: boolean;
  readonly validity: ValidityResult;
  readonly objectives: ReportObjectives;
  /** Every stage over the whole run (from the scenario's start). */
  readonly overall: Readonly<Record<FunnelStage, StageRow>>;
  readonly windows: { readonly seconds: number; readonly rows: readonly WindowRow[] };
  readonly steps: readonly StepRow[];
  readonly capacity: CapacityResult;
  readonly usl?: UslSection;
  readonly funnel: FunnelResult;
  readonly reconciliation: ReconciliationResult;
  readonly forecast: ForecastResult;
  /** The run's k6 thresholds (summary.json), less the bookkeeping ones that can never fail. */
  readonly thresholds: readonly ThresholdResult[];
  readonly comparison?: ComparisonResult;
}

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
  const funnel = analyseFunnel(runTotals, continuationFor(result.env, result.scenario));
  const reconciliation = reconcile(runTotals, result.truth);
  const validity = analyseValidity(result, steps, capacity, objectives);
  const forecast = forecastOpening({
    ...(capacity.sustainedPerMinute !== undefined ? { capacityPerMinute: capacity.sustainedPerMinute } : {}),
    capacityIsLowerBound: capacity.outcome === 'not-reached',
    targetUtilisation: objectives.targetUtilisation,
    ...(usl?.ceilingPerMinute !== undefined ? { uslCeilingPerMinute: usl.ceilingPerMinute } : {}),
    ...(capacity.limitingStage ? { limitingStage: capacity.limitingStage } : {}),
    ...(capacity.limitingStageRequestsPerArrival !== undefined
      ? { limitingStageRequestsPerArrival: capacity.limitingStageRequestsPerArrival }
      : {}),
    missingReason:
      capacity.outcome === 'below-first-step'
        ? 'no step met every SLO, so there is no sustained capacity to forecast with'
        : 'capacity is measured by a breakpoint run; this run is not one',
  });
  const partial: Omit<Analysis, 'verdict' | 'comparison'> = {
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
    thresholds: reportedThresholds(result.thresholds),
  };
  const comparison = options.baseline ? compareRuns(partial, options.baseline) : undefined;
  const withComparison = { ...partial, ...(comparison ? { comparison } : {}) };
  return { ...withComparison, verdict: writeVerdict(withComparison) };
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
  return {
    ...fit,
    ...(requestsPerArrival !== undefined ? { requestsPerArrival } : {}),
    ...(requestsPerArrival !== undefined && fit.peakThroughput !== null ? { ceilingPerMinute: (fit.peakThroughput / requestsPerArrival) * 60 } : {}),
  };
}

