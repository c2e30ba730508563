/**
 * The local engine: runs floodgate's k6 scripts under Node with k6 semantics for what they use,
 * writing k6's NDJSON output and handleSummary data. A test harness, not a k6 replacement
 * (engine/README.md lists what it supports and how it differs).
 */

export { runScript, plannedVus } from './run.ts';
export type { EngineRunOptions, EngineRunResult, EngineProgress, ThresholdResult } from './run.ts';
export type { SummaryData } from './metrics/summary.ts';
export { MODULE_EXPORTS } from './bundle.ts';
