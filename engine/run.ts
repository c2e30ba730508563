/**
 * One run of a k6 script on the local engine: bundle, init, options, thresholds, setup, the
 * scenarios, teardown, handleSummary — with k6's exit codes. The steps are separate functions;
 * runScript wires them and owns every resource it opens (output file, HTTP pools, timers).
 */

import { setMaxListeners } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { FloodgateError, isFloodgateError } from '../contracts/errors.ts';
import { bundleScript } from './bundle.ts';
import { monoNow, wallNow } from './clock.ts';
import { formatDuration } from './durations.ts';
import { callBefore, callWithin, RunawayScriptError } from './guard.ts';
import { executorFor } from './executors/index.ts';
import type { ScenarioContext } from './executors/types.ts';
import { aborted, waitUntil } from './executors/timing.ts';
import { HttpTransport } from './http/transport.ts';
import { MetricRegistry, type Tags } from './metrics/metric.ts';
import { SamplePipeline } from './metrics/pipeline.ts';
import { buildSummaryData, DEFAULT_TREND_STATS, GroupNode, invalidTrendStat, type SummaryData } from './metrics/summary.ts';
import { renderTextSummary } from './metrics/text-summary.ts';
import { buildThresholds, type Threshold } from './metrics/thresholds.ts';
import { createDataModule } from './modules/data.ts';
import { createEncodingModule } from './modules/encoding.ts';
import { createExecutionModule } from './modules/execution.ts';
import { createHttpModule, jarOf } from './modules/http.ts';
import { createK6Module } from './modules/k6.ts';
import { createMetricsModule } from './modules/metrics.ts';
import { createTimersModule } from './modules/timers.ts';
import { consolidateOptions, DEFAULT_SYSTEM_TAGS, OptionsError, parseSystemTags, regularDurationMs, type EngineOptions, type ScenarioConfig } from './options.ts';
import { createNdjsonOutput, type SampleOutput } from './output/ndjson.ts';
import { describeScriptError, IterationState, Runtime, TestAbortSignal, Vu, type ExecutionContext, type ScenarioState } from './runtime.ts';
import { createScriptHost, evaluateBundle } from './script.ts';
import { ExecutionTuple, parseExecutionSegment, parseSegmentSequence, SegmentedIndex, SegmentError } from './segments.ts';

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

/** A progress snapshot. */
export interface EngineProgress {
  readonly elapsedMs: number;
  readonly vus: number;
  readonly vusMax: number;
  readonly iterationsCompleted: number;
  readonly iterationsInterrupted: number;
  readonly droppedIterations: number;
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
}

const VUS_PERIOD_MS = 1000;
const THRESHOLD_PERIOD_MS = 2000;
const MAX_REPEATED_ERRORS = 10;

/** Runs a k6 script on the local engine. Resolves with k6's exit code; rejects only on engine bugs. */
export async function runScript(options: EngineRunOptions): Promise<EngineRunResult> {
  const cwd = options.cwd ?? process.cwd();
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const report = (error: FloodgateError, durationMs = 0, summary?: SummaryData): EngineRunResult => {
    stderr.write(`error: ${error.message}\nhint: ${error.hint}\n`);
    return { exitCode: error.exitCode, error, thresholds: [], durationMs, summary };
  };

  let bundle;
  try {
    bundle = await bundleScript(resolve(cwd, options.script));
  } catch (error) {
    if (isFloodgateError(error)) return report(error);
    throw error;
  }

  const registry = new MetricRegistry();
  const pipeline = new SamplePipeline();
  const rootGroup = new GroupNode('', '');
  const env: Record<string, string> = {};
  if (options.includeSystemEnv !== false) for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
  Object.assign(env, options.env);
  const runtime = new Runtime({ registry, pipeline, rootGroup, env, runTags: {}, systemTags: new Set(DEFAULT_SYSTEM_TAGS), stdout, stderr });
  const transport = new HttpTransport();
  const httpDefaults = { userAgent: '', maxRedirects: 10, discardResponseBodies: false, throwOnHttpError: false };
  const timers = createTimersModule(runtime);
  const modules = {
    k6: createK6Module(runtime),
    'k6/http': createHttpModule({ runtime, transport, options: httpDefaults }),
    'k6/metrics': createMetricsModule(runtime),
    'k6/execution': createExecutionModule(runtime),
    'k6/timers': timers,
    'k6/data': createDataModule(runtime),
    'k6/encoding': createEncodingModule(),
  };
  const console = {
    log: (...args: unknown[]) => runtime.log('info', args),
    info: (...args: unknown[]) => runtime.log('info', args),
    debug: (...args: unknown[]) => runtime.log('debug', args),
    warn: (...args: unknown[]) => runtime.log('warn', args),
    error: (...args: unknown[]) => runtime.log('error', args),
  };
  const script = options.script;

  let exports: Record<string, unknown>;
  try {
    exports = evaluateBundle(bundle, createScriptHost(runtime, modules), { console, timers });
  } catch (error) {
    if (isFloodgateError(error)) return report(error);
    return report(new FloodgateError('SCRIPT_FAILED', { script, detail: describeScriptError(error) }, { cause: error }));
  }

  let engineOptions: EngineOptions;
  let tuple: ExecutionTuple;
  let thresholds: Threshold[] = [];
  let trendStats: readonly string[];
  try {
    if (options.overrideOptions) exports = { ...exports, options: options.overrideOptions(exports.options) };
    engineOptions = consolidateOptions(exports.options);
    runtime.systemTags = options.systemTags ? parseSystemTags(options.systemTags) : engineOptions.systemTags;
    runtime.runTags = Object.freeze({ ...engineOptions.tags, ...options.tags });
    tuple = ExecutionTuple.from(
      parseExecutionSegment(options.executionSegment ?? engineOptions.executionSegment),
      parseSegmentSequence(options.executionSegmentSequence ?? engineOptions.executionSegmentSequence),
    );
    trendStats = engineOptions.summaryTrendStats ?? DEFAULT_TREND_STATS;
    const badStat = invalidTrendStat(trendStats);
    if (badStat !== undefined) throw new OptionsError(`summaryTrendStats: "${badStat}" is not avg, min, med, max, count or p(N)`);
    for (const scenario of engineOptions.scenarios) {
      if (typeof exports[scenario.exec] !== 'function') {
        throw new OptionsError(`scenario ${scenario.name}: the script exports no function "${scenario.exec}"`);
      }
    }
    thresholds = asOptionsError(() => (options.noThresholds ? [] : buildThresholds(engineOptions.thresholds, registry)));
    if (runtime.systemTags.has('expected_response')) asOptionsError(() => registry.builtin('http_req_duration').submetric('expected_response:true'));
  } catch (error) {
    // Only the script's options are blamed with 104; a FloodgateError (e.g. a bad CLI override)
    // keeps its own code; anything else is an engine bug and rejects.
    if (isFloodgateError(error)) return report(error);
    if (error instanceof OptionsError || error instanceof SegmentError) {
      return report(new FloodgateError('SCRIPT_OPTIONS_INVALID', { script, detail: error.message }, { cause: error }));
    }
    throw error;
  }
  const refused = Object.values(engineOptions.refused);
  if (refused.length > 0) return report(new FloodgateError('SCRIPT_UNSUPPORTED', { script, detail: refused.join('; ') }));
  for (const key of engineOptions.ignored) runtime.warnOnce(`options.${key} is not supported by the local engine and is ignored`);
  runtime.options = Object.freeze(JSON.parse(JSON.stringify(exports.options ?? {})) as Record<string, unknown>);
  Object.assign(httpDefaults, {
    userAgent: engineOptions.userAgent,
    maxRedirects: engineOptions.maxRedirects,
    discardResponseBodies: engineOptions.discardResponseBodies,
    throwOnHttpError: engineOptions.throwOnHttpError,
  });
  transport.configure({ insecureSkipTLSVerify: engineOptions.insecureSkipTLSVerify, noConnectionReuse: engineOptions.noConnectionReuse });

  let output: SampleOutput | undefined;
  if (options.out) {
    output = createNdjsonOutput({ path: resolve(cwd, options.out) });
    pipeline.addOutput(output);
  }

  const run = new TestRun(runtime, engineOptions, tuple, exports, thresholds, options, script);
  try {
    const outcome = await run.execute();
    const summary = run.summary(trendStats, stdout, stderr, engineOptions.summaryTimeUnit);
    await run.handleSummary(exports.handleSummary, summary, cwd, stdout, stderr);
    const results = thresholds.map((threshold) => ({ metric: threshold.metricName, threshold: threshold.source, ok: !threshold.failed }));
    const failedThresholds = results.filter((result) => !result.ok);
    let error = outcome.error;
    if (!error && failedThresholds.length > 0) {
      error = new FloodgateError('THRESHOLDS_FAILED', { detail: failedThresholds.map((result) => `${result.metric}: ${result.threshold}`).join(', ') });
    }
    if (!error && runtime.failedMessage !== undefined) error = new FloodgateError('SCRIPT_MARKED_FAILED', { detail: runtime.failedMessage || 'no reason given' });
    if (error) stderr.write(`error: ${error.message}\nhint: ${error.hint}\n`);
    return { exitCode: error?.exitCode ?? 0, error, thresholds: results, durationMs: outcome.durationMs, summary };
  } finally {
    run.dispose();
    await output?.close();
    await transport.close();
  }
}

/** The execution part of a run, with its state. */
class TestRun {
  private readonly stop = new AbortController();
  private stopError: FloodgateError | undefined;
  private readonly freeVus: Vu[] = [];
  private readonly vuIds: SegmentedIndex;
  private setupJson: string | undefined;
  private dropped = 0;
  private readonly errorCounts = new Map<string, number>();
  private readonly tickers: NodeJS.Timeout[] = [];
  private readonly cleanups: Array<() => void> = [];
  private startedMono = 0;
  private endedMono = 0;
  private reportProgress: (() => void) | undefined;

  constructor(
    private readonly runtime: Runtime,
    private readonly options: EngineOptions,
    private readonly tuple: ExecutionTuple,
    private readonly exports: Record<string, unknown>,
    private readonly thresholds: readonly Threshold[],
    private readonly runOptions: EngineRunOptions,
    private readonly script: string,
  ) {
    this.vuIds = new SegmentedIndex(tuple);
    setMaxListeners(0, this.stop.signal); // one listener per scenario and sleeping executor
    runtime.onAbort = (signal) => this.abort(new FloodgateError('SCRIPT_ABORTED', { detail: signal.reason || 'no reason given' }));
  }

  private abort(error: FloodgateError): void {
    if (this.stopError) return;
    this.stopError = error;
    this.stop.abort(error);
  }

  /** Runs setup, the scenarios and teardown. */
  async execute(): Promise<{ error: FloodgateError | undefined; durationMs: number }> {
    const signal = this.runOptions.signal;
    if (signal) {
      const onAbort = (): void => this.abort(new FloodgateError('RUN_ABORTED', { detail: describeReason(signal.reason) }));
      if (signal.aborted) onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.cleanups.push(() => signal.removeEventListener('abort', onAbort));
    }
    const onRejection = (reason: unknown): void => this.logScriptError(reason, 'Uncaught (in promise)');
    process.on('unhandledRejection', onRejection);
    this.cleanups.push(() => process.off('unhandledRejection', onRejection));

    for (let i = 0; i < plannedVus(this.options.scenarios, this.tuple); i += 1) this.freeVus.push(this.initVu());
    this.runtime.testStartWall = wallNow();
    this.runtime.testStartMono = this.startedMono = monoNow();
    this.startTickers();

    let error: FloodgateError | undefined;
    const setup = await this.runLifecycle('setup', this.options.setupTimeoutMs);
    if (setup.error) error = setup.error;
    else if (!setup.stopped) {
      this.setupJson = setup.json;
      for (const vu of this.freeVus) vu.setupData = this.setupData();
      if (!this.stop.signal.aborted) await this.runScenarios();
      const teardown = await this.runLifecycle('teardown', this.options.teardownTimeoutMs);
      if (teardown.error) error = teardown.error;
    }
    this.endedMono = monoNow();
    this.stopTickers();
    this.evaluateThresholds();
    return { error: this.stopError ?? error, durationMs: this.endedMono - this.startedMono };
  }

  private setupData(): unknown {
    return this.setupJson === undefined ? undefined : JSON.parse(this.setupJson);
  }

  private initVu(): Vu {
    const [local, global] = this.vuIds.next();
    const vu = new Vu(local, global, this.runtime.rootGroup);
    vu.setupData = this.setupData();
    this.runtime.vusInitialized += 1;
    return vu;
  }

  private startTickers(): void {
    const runtime = this.runtime;
    const vus = runtime.registry.builtin('vus');
    const vusMax = runtime.registry.builtin('vus_max');
    const runTags: Tags = Object.freeze({ ...runtime.runTags });
    const reportProgress = (): void =>
      this.runOptions.onProgress?.({
        elapsedMs: monoNow() - this.startedMono,
        vus: runtime.vusActive,
        vusMax: runtime.vusInitialized,
        iterationsCompleted: runtime.iterationsCompleted,
        iterationsInterrupted: runtime.iterationsInterrupted,
        droppedIterations: this.dropped,
      });
    const emitVus = (): void => {
      const time = wallNow();
      runtime.pipeline.push({ metric: vus, time, value: runtime.vusActive, tags: runTags });
      runtime.pipeline.push({ metric: vusMax, time, value: runtime.vusInitialized, tags: runTags });
      reportProgress();
    };
    this.tickers.push(setInterval(emitVus, VUS_PERIOD_MS));
    this.reportProgress = reportProgress;
    if (this.thresholds.length > 0) this.tickers.push(setInterval(() => this.checkAbortThresholds(), THRESHOLD_PERIOD_MS));
  }

  private stopTickers(): void {
    for (const ticker of this.tickers) clearInterval(ticker);
    this.tickers.length = 0;
    // k6 writes vus / vus_max only from its once-a-second ticker, never a final sample at the end
    this.reportProgress?.();
  }

  private checkAbortThresholds(): void {
    const elapsed = monoNow() - this.startedMono;
    for (const threshold of this.thresholds) {
      const ok = threshold.evaluate(elapsed);
      if (!ok && threshold.abortOnFail && elapsed >= (threshold.delayAbortEvalMs ?? 0)) {
        this.abort(
          new FloodgateError('THRESHOLDS_FAILED', { detail: `${threshold.metricName}: ${threshold.source} failed with abortOnFail; the test was stopped` }),
        );
      }
    }
  }

  private evaluateThresholds(): void {
    const elapsed = this.endedMono - this.startedMono;
    for (const threshold of this.thresholds) threshold.evaluate(elapsed);
  }

  private logScriptError(error: unknown, prefix: string, scenario?: string): void {
    const text = `${prefix} ${describeScriptError(error)}${scenario ? ` scenario=${scenario}` : ''}`;
    const count = (this.errorCounts.get(text) ?? 0) + 1;
    this.errorCounts.set(text, count);
    if (count <= MAX_REPEATED_ERRORS) this.runtime.stderr.write(`ERRO ${text}\n`);
    if (count === MAX_REPEATED_ERRORS) this.runtime.stderr.write(`ERRO (the error above repeated ${count} times; further repeats are not printed)\n`);
  }

  /** Runs setup() or teardown() like an iteration of VU 0 in group ::setup / ::teardown. */
  private async runLifecycle(phase: 'setup' | 'teardown', timeoutMs: number): Promise<{ error?: FloodgateError; json?: string; stopped?: boolean }> {
    const fn = this.exports[phase];
    if (typeof fn !== 'function' || (phase === 'setup' ? this.options.noSetup : this.options.noTeardown)) return {};
    const runtime = this.runtime;
    const group = new GroupNode(phase, `::${phase}`);
    const vu = new Vu(0, 0, group);
    vu.groupPath = group.path;
    const iteration = new IterationState(0, 0, 0);
    iteration.deadlineMono = monoNow() + timeoutMs;
    const context: ExecutionContext = { phase, vu, scenario: undefined, iteration };
    let value: unknown;
    const body = runtime.within(context, async () => {
      try {
        const data = phase === 'teardown' ? this.setupData() : undefined;
        value = await callWithin(() => (fn as (data: unknown) => unknown)(data), timeoutMs);
      } catch (error) {
        iteration.fail(error);
      }
      await iteration.whenIdle();
    });
    let timer: NodeJS.Timeout | undefined;
    // An abort stops setup (the test never starts); teardown runs to its end regardless.
    const stopped = phase === 'setup' ? aborted(this.stop.signal).then(() => 'stopped' as const) : new Promise<never>(() => undefined);
    const ending = await Promise.race([
      body.then(() => 'done' as const),
      stopped,
      new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    this.emitData(context, iteration);
    if (ending === 'stopped') {
      iteration.interrupt();
      return { stopped: true };
    }
    const timedOut = ending === 'timeout' || iteration.error instanceof RunawayScriptError;
    if (timedOut) {
      iteration.interrupt();
      return { error: new FloodgateError(phase === 'setup' ? 'SETUP_TIMEOUT' : 'TEARDOWN_TIMEOUT', { script: this.script, timeout: formatDuration(timeoutMs) }) };
    }
    if (iteration.error instanceof TestAbortSignal) {
      iteration.interrupt();
      return {};
    }
    if (iteration.error !== undefined) {
      iteration.interrupt();
      return {
        error: new FloodgateError('SCRIPT_FAILED', { script: this.script, detail: `${phase}() threw: ${describeScriptError(iteration.error)}` }, { cause: iteration.error }),
      };
    }
    if (phase === 'setup' && value !== undefined) return { json: JSON.stringify(value) };
    return {};
  }

  private emitData(context: ExecutionContext, iteration: IterationState): void {
    const runtime = this.runtime;
    const dataContext: ExecutionContext = { ...context, iteration: undefined };
    const tags = runtime.tags(undefined, dataContext);
    const metadata = runtime.metadata(dataContext);
    runtime.emit(runtime.registry.builtin('data_sent'), iteration.bytesSent, tags, metadata, undefined, dataContext);
    runtime.emit(runtime.registry.builtin('data_received'), iteration.bytesReceived, tags, metadata, undefined, dataContext);
  }

  private async runScenarios(): Promise<void> {
    await Promise.all(
      this.options.scenarios.map(async (config) => {
        if (config.startTimeMs > 0 && !(await waitUntil(this.startedMono + config.startTimeMs, this.stop.signal))) return;
        await executorFor(config)(this.scenarioContext(config));
      }),
    );
  }

  private scenarioContext(config: ScenarioConfig): ScenarioContext {
    const runtime = this.runtime;
    const fn = this.exports[config.exec] as (data: unknown) => unknown;
    let progress = (): number => 0;
    const state: ScenarioState = {
      name: config.name,
      executor: config.executor,
      startWall: wallNow(),
      env: { ...runtime.env, ...config.env },
      tags: config.tags,
      progress: () => progress(),
    };
    let iterationIndex = new SegmentedIndex(this.tuple);
    const iterations = runtime.registry.builtin('iterations');
    const iterationDuration = runtime.registry.builtin('iteration_duration');
    const droppedMetric = runtime.registry.builtin('dropped_iterations');
    // The latest moment an iteration's code may run: the scenario's regular end plus gracefulStop.
    const hardStopMono = monoNow() + regularDurationMs(config) + config.gracefulStopMs;
    return {
      config,
      tuple: this.tuple,
      testStop: this.stop.signal,
      startMono: monoNow(),
      acquireVu: () => {
        const vu = this.freeVus.pop() ?? this.initVu();
        // k6 rebuilds a VU's tags when a scenario activates it.
        for (const key of Object.keys(vu.tags)) delete vu.tags[key];
        for (const key of Object.keys(vu.metadata)) delete vu.metadata[key];
        runtime.vusActive += 1;
        return vu;
      },
      releaseVu: (vu) => {
        runtime.vusActive -= 1;
        this.freeVus.push(vu);
      },
      useIterationIndex: (iterationTuple) => {
        iterationIndex = new SegmentedIndex(iterationTuple);
      },
      setProgress: (fnProgress) => {
        progress = fnProgress;
      },
      warn: (text) => runtime.warnOnce(text),
      emitDropped: (count, vu) => {
        this.dropped += count;
        const extra: Record<string, string> = {};
        if (runtime.tagOn('scenario')) extra.scenario = config.name;
        if (vu && runtime.tagOn('vu')) extra.vu = String(vu.idInInstance);
        runtime.pipeline.push({ metric: droppedMetric, time: wallNow(), value: count, tags: Object.freeze({ ...runtime.runTags, ...extra }) });
      },
      runIteration: async (vu, hardStop) => {
        // Past the hard stop nothing starts, even before its timer could fire (a loop held the thread).
        if (monoNow() >= hardStopMono) {
          await new Promise((resolve) => setImmediate(resolve)); // a macrotask, so those timers can fire
          return false;
        }
        const [local, global] = iterationIndex.next();
        vu.iterationInInstance += 1;
        const inScenario = (vu.scenarioIterations.get(config.name) ?? -1) + 1;
        vu.scenarioIterations.set(config.name, inScenario);
        vu.group = runtime.rootGroup;
        vu.groupPath = '';
        if (!this.options.noCookiesReset) jarOf(vu).clear();
        const iteration = new IterationState(local - 1, global - 1, inScenario);
        iteration.deadlineMono = hardStopMono;
        const context: ExecutionContext = { phase: 'iteration', vu, scenario: state, iteration };
        const started = monoNow();
        const body = runtime.within(context, async () => {
          try {
            // One watchdog for the iteration starts of the same turn (guard.ts); each runs in its own context.
            await callBefore(() => runtime.within(context, () => fn(vu.setupData)), hardStopMono);
          } catch (error) {
            iteration.fail(error);
          }
          await iteration.whenIdle();
        });
        let interrupted = hardStop.aborted;
        if (!interrupted) {
          let onStop: (() => void) | undefined;
          await Promise.race([
            body,
            new Promise<void>((resolve) => {
              onStop = () => {
                interrupted = true;
                resolve();
              };
              hardStop.addEventListener('abort', onStop, { once: true });
            }),
          ]);
          if (onStop) hardStop.removeEventListener('abort', onStop);
        }
        const ended = monoNow();
        if (iteration.error instanceof TestAbortSignal) interrupted = true;
        if (iteration.error instanceof RunawayScriptError) {
          // k6 interrupts a VU's JavaScript at the hard stop; so does the guard, but all VUs waited
          interrupted = true;
          this.logScriptError(
            `an iteration ran synchronously past the end of gracefulStop (${formatDuration(config.gracefulStopMs)}) and was interrupted; every VU of the local engine waited for it`,
            'Interrupted:',
            config.name,
          );
          await new Promise((resolve) => setImmediate(resolve)); // let the deadline timers that waited fire
        }
        if (interrupted) iteration.interrupt();
        else if (iteration.error !== undefined) {
          this.logScriptError(iteration.error, 'Uncaught (in promise)', config.name);
          iteration.interrupt(); // the event loop stops on an uncaught error: pending timers and requests go
          iteration.interrupted = false;
        }
        this.emitData(context, iteration);
        if (interrupted) {
          runtime.iterationsInterrupted += 1;
          return false;
        }
        const tags = runtime.tags(undefined, { ...context, iteration: undefined });
        const metadata = runtime.metadata(context);
        const time = wallNow();
        runtime.pipeline.push(metadata ? { metric: iterations, time, value: 1, tags, metadata } : { metric: iterations, time, value: 1, tags });
        runtime.pipeline.push(
          metadata
            ? { metric: iterationDuration, time, value: ended - started, tags, metadata }
            : { metric: iterationDuration, time, value: ended - started, tags },
        );
        runtime.iterationsCompleted += 1;
        // k6 (js/runner.go): after a full iteration the VU waits out the rest of minIterationDuration.
        const rest = this.options.minIterationDurationMs - (ended - started);
        if (rest > 0) await waitUntil(monoNow() + rest, hardStop);
        return true;
      },
    };
  }

  /** Builds the handleSummary data. */
  summary(trendStats: readonly string[], stdout: { isTTY?: boolean }, stderr: { isTTY?: boolean }, summaryTimeUnit: string): SummaryData {
    return buildSummaryData({
      metrics: this.runtime.registry.all(),
      rootGroup: this.runtime.rootGroup,
      trendStats,
      summaryTimeUnit,
      noColor: false,
      isStdOutTTY: stdout.isTTY === true,
      isStdErrTTY: stderr.isTTY === true,
      runDurationMs: this.endedMono - this.startedMono,
      setupData: this.setupData(),
    });
  }

  /** Calls handleSummary and writes what it returns; without one (or when it throws), prints the text summary. */
  async handleSummary(
    handler: unknown,
    data: SummaryData,
    cwd: string,
    stdout: NodeJS.WritableStream,
    stderr: NodeJS.WritableStream,
  ): Promise<void> {
    if (typeof handler !== 'function') {
      stdout.write(renderTextSummary(data));
      return;
    }
    const context: ExecutionContext = { phase: 'summary', vu: undefined, scenario: undefined, iteration: undefined };
    let result: unknown;
    try {
      let timer: NodeJS.Timeout | undefined;
      result = await Promise.race([
        this.runtime.within(context, async () => {
          const copy: unknown = JSON.parse(JSON.stringify(data));
          return callWithin(() => (handler as (data: unknown) => unknown)(copy), this.options.handleSummaryTimeoutMs);
        }),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`handleSummary() did not finish within ${formatDuration(this.options.handleSummaryTimeoutMs)}`)), this.options.handleSummaryTimeoutMs);
        }),
      ]).finally(() => clearTimeout(timer));
    } catch (error) {
      stderr.write(`ERRO handleSummary() failed: ${describeScriptError(error)}\n`);
      stdout.write(renderTextSummary(data));
      return;
    }
    if (result === null || result === undefined) return;
    if (typeof result !== 'object') {
      stderr.write('ERRO handleSummary() must return an object of output name → content\n');
      return;
    }
    for (const [name, content] of Object.entries(result as Record<string, unknown>)) {
      const bytes = content instanceof ArrayBuffer ? Buffer.from(content) : ArrayBuffer.isView(content) ? Buffer.from(content.buffer, content.byteOffset, content.byteLength) : String(content);
      if (name === 'stdout') stdout.write(bytes);
      else if (name === 'stderr') stderr.write(bytes);
      else {
        const file = resolve(cwd, name);
        try {
          mkdirSync(dirname(file), { recursive: true });
          writeFileSync(file, bytes);
        } catch (error) {
          stderr.write(`ERRO handleSummary could not write ${name}: ${(error as Error).message}\n`);
        }
      }
    }
  }

  /** Clears timers and listeners. */
  dispose(): void {
    for (const ticker of this.tickers) clearInterval(ticker);
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    this.stop.abort();
  }
}

/** Runs a validation step whose plain Errors describe the script's options (thresholds, submetrics). */
function asOptionsError<T>(step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (error instanceof Error && !(error instanceof OptionsError) && error.constructor === Error) throw new OptionsError(error.message);
    throw error;
  }
}

function describeReason(reason: unknown): string {
  if (isFloodgateError(reason)) return reason.message;
  if (reason instanceof Error) return reason.message;
  return reason === undefined ? 'aborted' : String(reason);
}

/**
 * VUs to initialize before the test starts: the largest sum of planned VUs of scenarios that
 * overlap in time (k6 initializes planned VUs up front, unplanned ones during the run).
 */
export function plannedVus(scenarios: readonly ScenarioConfig[], tuple: ExecutionTuple): number {
  const events: Array<[number, number]> = [];
  for (const scenario of scenarios) {
    let planned: number;
    switch (scenario.executor) {
      case 'constant-arrival-rate':
      case 'ramping-arrival-rate':
        planned = tuple.scale(scenario.preAllocatedVUs);
        break;
      case 'ramping-vus':
        planned = tuple.scale(Math.max(scenario.startVUs, ...scenario.stages.map((stage) => stage.target)));
        break;
      default:
        planned = tuple.scale(scenario.vus);
    }
    const end = scenario.startTimeMs + regularDurationMs(scenario) + scenario.gracefulStopMs;
    events.push([scenario.startTimeMs, planned], [end, -planned]);
  }
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let current = 0;
  let max = 0;
  for (const [, delta] of events) {
    current += delta;
    max = Math.max(max, current);
  }
  return max;
}
