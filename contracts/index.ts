/**
 * contracts/: the definitions every floodgate component shares. Pure TypeScript, no imports
 * outside this folder, so k6 scripts and Node code load the same files.
 */
export * from './funnel.ts';
export * from './identity.ts';
export * from './profiles.ts';
export * from './k6-stages.ts';
export * from './durations.ts';
export * from './metrics.ts';
export * from './slo.ts';
export * from './errors.ts';
export * from './random.ts';
export * from './run-result.ts';
export * from './thresholds.ts';
