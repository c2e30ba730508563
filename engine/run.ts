/**
 * One run of a k6 script on the local engine — with k6's exit codes. The steps live in
 * engine/run/: load.ts (bundle, the options instance, options and thresholds), instances.ts (one
 * instance of the script per VU), vu-pool.ts, lifecycle.ts (setup, teardown, handleSummary),
 * iterations.ts, test-run.ts, and deadline.ts (the one timeout helper). runScript wires them and
 * owns every resource it opens (output file, HTTP connections, timers).
 */

import { resolve } from 'node:path';
import { FloodgateError, isFloodgateError } from '../contracts/errors.ts';
import { HttpTransport } from './http/transport.ts';
import { MetricRegistry } from './metrics/metric.ts';
import { SamplePipeline } from './metrics/pipeline.ts';
import { GroupNode, type SummaryData } from './metrics/summary.ts';
import { DEFAULT_SYSTEM_TAGS } from './options.ts';
import { createNdjsonOutput, type SampleOutput } from './output/ndjson.ts';
import { Runtime } from './runtime.ts';
import { createInstantiator, type InitCost } from './run/instances.ts';
import { compileScript, loadPlan } from './run/load.ts';
import { handleSummary } from './run/lifecycle.ts';
import { TestRun, type EngineProgress } from './run/test-run.ts';

export type { EngineProgress } from './run/test-run.ts';
export { plannedVus } from './run/vu-pool.ts';

/** How to run a script (the local engine's equivalent of `k6 run` flags). */
export interface EngineRunOptions {
  /** Path of a k6 script (.ts or .js), relative to `cwd`. */
  script: string;
  /** `-e KEY=VALUE` pairs, visible as `__ENV`. */
  env?: Record<string, string>;
  /** Also expose the process environment in `__ENV` (k6's --include-system-env-vars); default true. */
  includeSystemEnv?: boolean;
  /** NDJSON file (k6 `--out json=FILE`), flushed every 200 ms; relative to `cwd`. */
  out?: string;
  /** `--tag k=v` run tags, on every sample; they override the script's `options.tags`. */
  tags?: Record<string, string>;
  /** `--system-tags`; default the script's `options.systemTags`, else k6's default set (vu/iter off). */
  systemTags?: readonly string[];
  /** e.g. "0:1/2" */
  executionSegment?: string;
  /** e.g. "0,1/2,1" */
  executionSegmentSequence?: string;
  /** `--no-thresholds`: do not evaluate thresholds. */
  noThresholds?: boolean;
  /** Base for the script path, `out`, open() of the entry file, and handleSummary's relative paths; default process.cwd(). */
  cwd?: string;
  /** console.log and handleSummary's "stdout"; default process.stdout. */
  stdout?: NodeJS.WritableStream & { isTTY?: boolean };
  /** console.warn/error, engine warnings and errors; default process.stderr. */
  stderr?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Stops the run like k6 on SIGINT: iterations interrupted, teardown and handleSummary run, exit code 105. */
  signal?: AbortSignal;
  /** Called about once a second while scenarios run. */
  onProgress?: (progress: EngineProgress) => void;
  /**
   * The command line's layer over the script's exported `options`, applied before they are read,
   * as k6 applies CLI flags over script options (`floodgate run -u/-d/-i/-s …`, runner/k6-options.ts).
   */
  overrideOptions?: (exported: unknown) => unknown;
}

/** One threshold's final result. */
export interface ThresholdResult {
  readonly metric: string;
  readonly threshold: string;
  readonly ok: boolean;
}

/** The outcome of a run. */
export interface EngineRunResult {
  /** k6's exit code: 0, 99 thresholds, 100/101 setup/teardown timeout, 104 invalid options, 105 aborted, 107 script error, 108 exec.test.abort(), 110 exec.test.fail(). */
  exitCode: number;
  /** The error behind a non-zero exit code (already written to stderr). */
  error?: FloodgateError;
  thresholds: ThresholdResult[];
  /** Test run duration (setup to teardown), ms. */
  durationMs: number;
  /** The handleSummary data; undefined when the run ended before its scenarios could start. */
  summary?: SummaryData;
  /** The init contexts that ran (one per VU, plus options, setup, teardown, handleSummary) and their time. */
  init?: Readonly<InitCost>;
}

/** Runs a k6 script on the local engine. Resolves with k6's exit code; rejects only on engine bugs. */
export async function runScript(options: EngineRunOptions): Promise<EngineRunResult> {
  const cwd = options.cwd ?? process.cwd();
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const script = options.script;
  const report = (error: FloodgateError, durationMs = 0, summary?: SummaryData): EngineRunResult => {
    stderr.write(`error: ${error.message}\nhint: ${error.hint}\n`);
    return { exitCode: error.exitCode, error, thresholds: [], durationMs, summary };
  };

  const compiled = await compileScript(resolve(cwd, script));
  if (isFloodgateError(compiled)) return report(compiled);

  const registry = new MetricRegistry();
  const pipeline = new SamplePipeline();
  const env: Record<string, string> = {};
  if (options.includeSystemEnv !== false)
    for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
  Object.assign(env, options.env);
  const runtime = new Runtime({
    registry,
    pipeline,
    rootGroup: new GroupNode('', ''),
    env,
    runTags: {},
    systemTags: new Set(DEFAULT_SYSTEM_TAGS),
    stdout,
    stderr,
  });
  const transport = new HttpTransport();
  const httpDefaults = { userAgent: '', maxRedirects: 10, discardResponseBodies: false, throwOnHttpError: false };
  const instantiator = createInstantiator({ runtime, compiled, transport, httpDefaults });
  let output: SampleOutput | undefined;
  let run: TestRun | undefined;
  try {
    const plan = loadPlan(options, runtime, registry, instantiator);
    if (isFloodgateError(plan)) return report(plan);
    const engineOptions = plan.options;
    for (const warning of engineOptions.warnings) runtime.warnOnce(warning);
    for (const key of engineOptions.ignored)
      runtime.warnOnce(`options.${key} is not supported by the local engine and is ignored`);
    runtime.options = Object.freeze(JSON.parse(JSON.stringify(plan.exports.options ?? {})) as Record<string, unknown>);
    Object.assign(httpDefaults, {
      userAgent: engineOptions.userAgent,
      maxRedirects: engineOptions.maxRedirects,
      discardResponseBodies: engineOptions.discardResponseBodies,
      throwOnHttpError: engineOptions.throwOnHttpError,
    });
    transport.configure({
      insecureSkipTLSVerify: engineOptions.insecureSkipTLSVerify,
      noConnectionReuse: engineOptions.noConnectionReuse,
    });
    if (options.out) {
      output = createNdjsonOutput({ path: resolve(cwd, options.out) });
      pipeline.addOutput(output);
    }

    run = new TestRun({
      runtime,
      instantiator,
      transport,
      options: engineOptions,
      tuple: plan.tuple,
      exports: plan.exports,
      thresholds: plan.thresholds,
      script,
      signal: options.signal,
      onProgress: options.onProgress,
    });
    const outcome = await run.execute();
    if (!outcome.started && outcome.error) return { ...report(outcome.error), init: instantiator.cost };
    const summary = run.summary(plan.trendStats, stdout, stderr, engineOptions.summaryTimeUnit);
    await handleSummary(
      { runtime, instantiator, script },
      typeof plan.exports.handleSummary === 'function',
      summary,
      engineOptions.handleSummaryTimeoutMs,
      { cwd, stdout, stderr },
    );
    const results = plan.thresholds.map((threshold) => ({
      metric: threshold.metricName,
      threshold: threshold.source,
      ok: !threshold.failed,
    }));
    const failedThresholds = results.filter((result) => !result.ok);
    let error = outcome.error;
    if (!error && failedThresholds.length > 0) {
      error = new FloodgateError('THRESHOLDS_FAILED', {
        detail: failedThresholds.map((result) => `${result.metric}: ${result.threshold}`).join(', '),
      });
    }
    if (!error && runtime.failedMessage !== undefined)
      error = new FloodgateError('SCRIPT_MARKED_FAILED', { detail: runtime.failedMessage || 'no reason given' });
    if (error) stderr.write(`error: ${error.message}\nhint: ${error.hint}\n`);
    return {
      exitCode: error?.exitCode ?? 0,
      error,
      thresholds: results,
      durationMs: outcome.durationMs,
      summary,
      init: instantiator.cost,
    };
  } finally {
    run?.dispose();
    await output?.close();
    await transport.close();
  }
}
