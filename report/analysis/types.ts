/**
 * The shape of one run's analysis (`report.json`), apart from the code that computes it: the
 * section modules that read an analysis (comparison, verdict, answer) import these types from
 * here, and `index.ts` — which runs those modules — imports them too, so no module imports the one
 * that calls it.
 */

import type { FunnelStage } from '../../contracts/funnel.ts';
import type { RunProfile, ThresholdResult } from '../../contracts/run-result.ts';
import type { AmplificationResult } from './amplification.ts';
import type { ManagerAnswer } from './answer.ts';
import type { CapacityResult, StepRow } from './capacity.ts';
import type { ComparisonResult } from './comparison.ts';
import type { ForecastResult } from './forecast.ts';
import type { FunnelResult } from './funnel.ts';
import type { ReportObjectives } from './objectives.ts';
import type { ReconciliationResult } from './reconciliation.ts';
import type { UslFit } from './usl.ts';
import type { ValidityResult } from './validity.ts';
import type { Verdict } from './verdict.ts';
import type { StageRow, WindowRow } from './windows.ts';

/** Kind and version of the analysis document (`report.json`). */
export const REPORT_KIND = 'floodgate.report';
export const REPORT_VERSION = 1;

/** The USL fit with the conversion to new applicants. */
export interface UslSection extends UslFit {
  /** Successful requests (all stages) per new applicant, measured on passing steps. */
  readonly requestsPerArrival?: number;
  /** peakThroughput converted to new applicants per minute (only when the ceiling is determined). */
  readonly ceilingPerMinute?: number;
  /**
   * Whether the fit pins the throughput ceiling down: its 5–95 % range exists, is no wider than
   * 3× from end to end, and stays within 3× the largest throughput measured. An absurd range
   * (e.g. 6.9–843,114,924) means the steps never bent the curve: "not determined", not a figure.
   */
  readonly ceilingDetermined: boolean;
  /** Why the ceiling is not determined, in words. */
  readonly ceilingUndeterminedReason?: string;
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
  /** The first screen: can we take the opening, what caps us, what would fix it. */
  readonly answer: ManagerAnswer;
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
  /** Requests per applicant at the peak and off it, and what they did to capacity (amplification.ts); absent when the run started no applicant. */
  readonly amplification?: AmplificationResult;
  /** The run's k6 thresholds (summary.json), less the bookkeeping ones that can never fail. */
  readonly thresholds: readonly ThresholdResult[];
  readonly comparison?: ComparisonResult;
}
