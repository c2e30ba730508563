/**
 * Comparison with a baseline run (e.g. the previous release's rehearsal): capacity, per-stage
 * p95 and error rate, funnel completion and lost records, with regressions named.
 */

import { FUNNEL_STAGES, type FunnelStage } from '../../contracts/funnel.ts';
import type { CapacityResult } from './capacity.ts';
import type { FunnelRow } from './funnel.ts';
import type { ReconciliationResult } from './reconciliation.ts';
import type { StageRow } from './windows.ts';

/** Relative change below which a capacity or latency difference is noise. */
const CAPACITY_TOLERANCE = 0.1;
const LATENCY_TOLERANCE = 0.2;
/** Absolute change (share) below which an error-rate or completion difference is noise. */
const RATE_TOLERANCE = 0.01;
const COMPLETION_TOLERANCE = 0.02;

/** A number now and in the baseline. */
export interface Change {
  readonly current?: number;
  readonly baseline?: number;
  /** current − baseline (absolute), when both exist. */
  readonly delta?: number;
  /** (current − baseline) / baseline, when both exist and baseline ≠ 0. */
  readonly relative?: number;
}

/** The comparison. */
export interface ComparisonResult {
  readonly baselineRun: string;
  readonly baselineScenario: string;
  readonly capacityPerMinute: Change;
  readonly stages: Readonly<
    Record<FunnelStage, { readonly p95Ms: Change; readonly errorRate: Change; readonly completedShare: Change }>
  >;
  readonly lost: Change;
  readonly regressions: readonly string[];
  readonly improvements: readonly string[];
}

/**
 * What a comparison reads of a run's analysis (a structural slice of `Analysis`, declared here so
 * this module does not import the analysis that calls it).
 */
export interface ComparedRun {
  readonly run: string;
  readonly scenario: string;
  readonly capacity: Pick<CapacityResult, 'sustainedPerMinute'>;
  readonly overall: Readonly<Record<FunnelStage, Pick<StageRow, 'p95Ms' | 'errorRate'>>>;
  readonly funnel: { readonly stages: Readonly<Record<FunnelStage, Pick<FunnelRow, 'completedShare'>>> };
  readonly reconciliation: ReconciliationResult;
}

/** Compares `current` with `baseline`. */
export function compareRuns(current: ComparedRun, baseline: ComparedRun): ComparisonResult {
  const regressions: string[] = [];
  const improvements: string[] = [];
  const capacity = change(current.capacity.sustainedPerMinute, baseline.capacity.sustainedPerMinute);
  if (capacity.relative !== undefined) {
    const text = `capacity ${formatSigned(capacity.relative * 100)} % (${Math.round(capacity.baseline!)} → ${Math.round(capacity.current!)}/min)`;
    if (capacity.relative < -CAPACITY_TOLERANCE) regressions.push(text);
    else if (capacity.relative > CAPACITY_TOLERANCE) improvements.push(text);
  }
  const stages = {} as Record<FunnelStage, ComparisonResult['stages'][FunnelStage]>;
  for (const stage of FUNNEL_STAGES) {
    const now = current.overall[stage];
    const before = baseline.overall[stage];
    const p95 = change(now.p95Ms, before.p95Ms);
    const errors = change(now.errorRate, before.errorRate);
    const completed = change(current.funnel.stages[stage].completedShare, baseline.funnel.stages[stage].completedShare);
    stages[stage] = { p95Ms: p95, errorRate: errors, completedShare: completed };
    if (p95.relative !== undefined && Math.abs(p95.delta!) > 20) {
      const text = `${stage} p95 ${formatSigned(p95.relative * 100)} % (${Math.round(p95.baseline!)} → ${Math.round(p95.current!)} ms)`;
      if (p95.relative > LATENCY_TOLERANCE) regressions.push(text);
      else if (p95.relative < -LATENCY_TOLERANCE) improvements.push(text);
    }
    if (errors.delta !== undefined && Math.abs(errors.delta) > RATE_TOLERANCE) {
      const text = `${stage} errors ${formatSigned(errors.delta * 100)} pp (${pct(errors.baseline!)} → ${pct(errors.current!)})`;
      (errors.delta > 0 ? regressions : improvements).push(text);
    }
    if (completed.delta !== undefined && Math.abs(completed.delta) > COMPLETION_TOLERANCE) {
      const text = `${stage} completion ${formatSigned(completed.delta * 100)} pp of arrivals`;
      (completed.delta < 0 ? regressions : improvements).push(text);
    }
  }
  const lost = change(
    current.reconciliation.available ? current.reconciliation.lost : undefined,
    baseline.reconciliation.available ? baseline.reconciliation.lost : undefined,
  );
  if (lost.delta !== undefined && lost.delta > 0) regressions.push(`lost records ${lost.baseline} → ${lost.current}`);
  return {
    baselineRun: baseline.run,
    baselineScenario: baseline.scenario,
    capacityPerMinute: capacity,
    stages,
    lost,
    regressions,
    improvements,
  };
}

function change(current: number | undefined, baseline: number | undefined): Change {
  if (current === undefined || baseline === undefined) {
    return { ...(current !== undefined ? { current } : {}), ...(baseline !== undefined ? { baseline } : {}) };
  }
  return {
    current,
    baseline,
    delta: current - baseline,
    ...(baseline !== 0 ? { relative: (current - baseline) / baseline } : {}),
  };
}

function formatSigned(value: number): string {
  return `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(1)}`;
}

function pct(share: number): string {
  return `${(share * 100).toFixed(1)} %`;
}
