/**
 * Loading a script: bundle and compile it, run its first init context (k6 reads the options
 * from an instance of its own, internal/js/bundle.go NewBundle), and turn the exported options
 * into the run's plan. The script's mistakes come back as a FloodgateError with k6's exit code
 * (107 script, 104 options); anything else is an engine bug and is thrown.
 */

import { FloodgateError, isFloodgateError } from '../../contracts/errors.ts';
import { bundleScript } from '../bundle.ts';
import type { MetricRegistry } from '../metrics/metric.ts';
import { DEFAULT_TREND_STATS, invalidTrendStat } from '../metrics/summary.ts';
import { buildThresholds, type Threshold } from '../metrics/thresholds.ts';
import { consolidateOptions, OptionsError, parseSystemTags, type EngineOptions } from '../options.ts';
import { describeScriptError, Vu, type Runtime } from '../runtime.ts';
import { compileBundle, type CompiledScript } from '../script.ts';
import { ExecutionTuple, parseExecutionSegment, parseSegmentSequence, SegmentError } from '../segments.ts';
import type { Instantiator } from './instances.ts';

/** The parts of the run options loading reads. */
export interface LoadRequest {
  readonly script: string;
  readonly executionSegment?: string;
  readonly executionSegmentSequence?: string;
  readonly systemTags?: readonly string[];
  readonly tags?: Record<string, string>;
  readonly noThresholds?: boolean;
  readonly overrideOptions?: (exported: unknown) => unknown;
}

/** A script ready to run. */
export interface LoadedPlan {
  /** Exports of the options instance (which functions exist; handleSummary is called on its own instance). */
  readonly exports: Record<string, unknown>;
  readonly options: EngineOptions;
  readonly tuple: ExecutionTuple;
  readonly thresholds: Threshold[];
  readonly trendStats: readonly string[];
}

/** Bundles and compiles the script at `path`; a FloodgateError for what the script cannot do. */
export async function compileScript(path: string): Promise<CompiledScript | FloodgateError> {
  try {
    return compileBundle(await bundleScript(path));
  } catch (error) {
    if (isFloodgateError(error)) return error;
    throw error;
  }
}

/**
 * Runs the options instance and validates the options: sets the runtime's tags and system tags.
 * Resolves a FloodgateError for the script's mistakes; throws engine bugs.
 */
export function loadPlan(
  request: LoadRequest,
  runtime: Runtime,
  registry: MetricRegistry,
  instantiator: Instantiator,
): LoadedPlan | FloodgateError {
  const script = request.script;
  const optionsVu = new Vu(0, 0, runtime.rootGroup);
  optionsVu.resetEnv(runtime.env);
  try {
    instantiator.instantiate(optionsVu);
  } catch (error) {
    if (isFloodgateError(error)) return error;
    return new FloodgateError('SCRIPT_FAILED', { script, detail: describeScriptError(error) }, { cause: error });
  }
  let exports = optionsVu.exports;
  try {
    if (request.overrideOptions) exports = { ...exports, options: request.overrideOptions(exports.options) };
    const options = consolidateOptions(exports.options);
    runtime.systemTags = request.systemTags ? parseSystemTags(request.systemTags) : options.systemTags;
    const runTags = runTagsOf(options.tags, request.tags ?? {});
    runtime.runTags = Object.freeze(runTags.tags);
    if (runTags.dropped.length > 0)
      runtime.warnOnce(
        `options.tags ${runTags.dropped.join(', ')} are not applied: tags given with --tag replace the script's options.tags, as in k6`,
      );
    const tuple = ExecutionTuple.from(
      parseExecutionSegment(request.executionSegment ?? options.executionSegment),
      parseSegmentSequence(request.executionSegmentSequence ?? options.executionSegmentSequence),
    );
    const trendStats = options.summaryTrendStats ?? DEFAULT_TREND_STATS;
    const badStat = invalidTrendStat(trendStats);
    if (badStat !== undefined)
      throw new OptionsError(`summaryTrendStats: "${badStat}" is not avg, min, med, max, count or p(N)`);
    for (const scenario of options.scenarios) {
      if (typeof exports[scenario.exec] !== 'function') {
        throw new OptionsError(`scenario ${scenario.name}: the script exports no function "${scenario.exec}"`);
      }
    }
    const thresholds = asOptionsError(() =>
      request.noThresholds ? [] : buildThresholds(options.thresholds, registry),
    );
    if (runtime.systemTags.has('expected_response'))
      asOptionsError(() => registry.builtin('http_req_duration').submetric('expected_response:true'));
    const refused = Object.values(options.refused);
    if (refused.length > 0) return new FloodgateError('SCRIPT_UNSUPPORTED', { script, detail: refused.join('; ') });
    return { exports, options, tuple, thresholds, trendStats };
  } catch (error) {
    // Only the script's options are blamed with 104; a FloodgateError (e.g. a bad CLI override)
    // keeps its own code; anything else is an engine bug and is thrown.
    if (isFloodgateError(error)) return error;
    if (error instanceof OptionsError || error instanceof SegmentError) {
      return new FloodgateError('SCRIPT_OPTIONS_INVALID', { script, detail: error.message }, { cause: error });
    }
    throw error;
  }
}

/**
 * The run's tags as k6 decides them: tags given on the command line (`--tag`) replace the
 * script's `options.tags` wholesale, they are not merged (k6 lib/options.go Apply `RunTags`;
 * k6's own test internal/cmd/tests/cmd_run_merge_run_tags_test.go, flag off). floodgate's
 * runner always passes `--tag run=…`, so a script's other `options.tags` are dropped under
 * k6 too; the engine says so once, with the keys it dropped.
 */
export function runTagsOf(
  scriptTags: Readonly<Record<string, string>>,
  cliTags: Readonly<Record<string, string>>,
): { tags: Record<string, string>; dropped: string[] } {
  if (Object.keys(cliTags).length === 0) return { tags: { ...scriptTags }, dropped: [] };
  return { tags: { ...cliTags }, dropped: Object.keys(scriptTags).filter((key) => !(key in cliTags)) };
}

/**
 * Runs a validation step whose plain Errors describe the script's options (thresholds,
 * submetrics); a TypeError, RangeError or any other class is an engine bug and stays one.
 */
function asOptionsError<T>(step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (error instanceof Error && !(error instanceof OptionsError) && error.constructor === Error)
      throw new OptionsError(error.message);
    throw error;
  }
}
