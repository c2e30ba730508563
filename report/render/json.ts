/**
 * `report.json`: the analysis for machines (CI gates, dashboards, a later comparison). Stable keys:
 * `valid`, `verdict`, `answer` (the first screen: `can`, `headline`, `questions`), `capacity.sustainedPerMinute`, `capacity.range` ([last pass, first fail]
 * per minute, null where open), `capacity.limitingStage`,
 * `capacity.limitingStageThroughputPerSecond`, `funnel.<stage>.completed`, `reconciliation.lost`,
 * `forecast`, `steps`, `stages`, `windows`. Numbers keep six significant digits.
 */

import { FUNNEL_STAGES } from '../../contracts/funnel.ts';
import type { Analysis } from '../analysis/index.ts';
import type { StageRow } from '../analysis/windows.ts';

/** The report.json document. */
export function reportDocument(analysis: Analysis): Record<string, unknown> {
  const { funnel } = analysis;
  return {
    kind: analysis.kind,
    version: analysis.version,
    run: analysis.run,
    scenario: analysis.scenario,
    engine: analysis.engine,
    ...(analysis.target ? { target: analysis.target } : {}),
    origin: analysis.origin,
    durationSeconds: analysis.durationSeconds,
    profile: analysis.profile,
    valid: analysis.valid,
    verdict: analysis.verdict,
    answer: analysis.answer,
    validity: analysis.validity,
    capacity: analysis.capacity,
    funnel: {
      ...Object.fromEntries(FUNNEL_STAGES.map((stage) => [stage, funnel.stages[stage]])),
      arrivals: funnel.arrivals,
      errorDrops: funnel.errorDrops,
      behaviouralDrops: funnel.behaviouralDrops,
      continuation: funnel.continuation,
      continuationSource: funnel.continuationSource,
    },
    reconciliation: analysis.reconciliation,
    forecast: analysis.forecast,
    ...(analysis.amplification ? { amplification: analysis.amplification } : {}),
    ...(analysis.usl ? { usl: analysis.usl } : {}),
    stages: Object.fromEntries(FUNNEL_STAGES.map((stage) => [stage, compactStage(analysis.overall[stage])])),
    steps: analysis.steps.map((step) => ({
      ...step,
      stages: Object.fromEntries(FUNNEL_STAGES.map((stage) => [stage, compactStage(step.stages[stage])])),
    })),
    windows: {
      seconds: analysis.windows.seconds,
      rows: analysis.windows.rows.map((row) => ({
        ...row,
        stages: Object.fromEntries(
          FUNNEL_STAGES.filter((stage) => row.stages[stage].requests > 0).map((stage) => [
            stage,
            compactStage(row.stages[stage]),
          ]),
        ),
      })),
    },
    thresholds: analysis.thresholds,
    objectives: analysis.objectives,
    ...(analysis.comparison ? { comparison: analysis.comparison } : {}),
  };
}

/** Renders report.json. */
export function renderJson(analysis: Analysis): string {
  return `${JSON.stringify(reportDocument(analysis), (_key, value: unknown) => (typeof value === 'number' ? significant(value) : value), 2)}\n`;
}

function compactStage(row: StageRow): Record<string, unknown> {
  const { judgement, ...stats } = row;
  return {
    ...stats,
    status: judgement.status,
    ...(judgement.breaches.length > 0 ? { breaches: judgement.breaches } : {}),
  };
}

function significant(value: number): number {
  if (!Number.isFinite(value) || Number.isInteger(value)) return value;
  return Number(value.toPrecision(6));
}
