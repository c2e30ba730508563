/**
 * The execution part of a run: the VUs initialized, setup, the scenarios, teardown, with the
 * once-a-second vus ticker, abortOnFail thresholds and the test-wide stop (exec.test.abort,
 * SIGINT, a VU's failed init).
 */

import { setMaxListeners } from 'node:events';
import { FloodgateError, isFloodgateError } from '../../contracts/errors.ts';
import { monoNow, wallNow } from '../clock.ts';
import { executorFor } from '../executors/index.ts';
import { waitUntil } from '../executors/timing.ts';
import type { HttpTransport } from '../http/transport.ts';
import type { Tags } from '../metrics/metric.ts';
import { buildSummaryData, type SummaryData } from '../metrics/summary.ts';
import type { Threshold } from '../metrics/thresholds.ts';
import type { EngineOptions } from '../options.ts';
import { describeScriptError, type Runtime } from '../runtime.ts';
import type { ExecutionTuple } from '../segments.ts';
import type { Instantiator } from './instances.ts';
import { scenarioContext } from './iterations.ts';
import { runLifecycle } from './lifecycle.ts';
import { plannedVus, unplannedVus, VuPool } from './vu-pool.ts';

const VUS_PERIOD_MS = 1000;
const THRESHOLD_PERIOD_MS = 2000;
const MAX_REPEATED_ERRORS = 10;

/** A progress snapshot. */
export interface EngineProgress {
  readonly elapsedMs: number;
  readonly vus: number;
  readonly vusMax: number;
  readonly iterationsCompleted: number;
  readonly iterationsInterrupted: number;
  readonly droppedIterations: number;
}

/** What a test run is made of. */
export interface TestRunDependencies {
  readonly runtime: Runtime;
  readonly instantiator: Instantiator;
  readonly transport: HttpTransport;
  readonly options: EngineOptions;
  readonly tuple: ExecutionTuple;
  readonly exports: Record<string, unknown>;
  readonly thresholds: readonly Threshold[];
  readonly script: string;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: EngineProgress) => void;
}

/** One execution of the test, with its state. */
export class TestRun {
  private readonly stop = new AbortController();
  private stopError: FloodgateError | undefined;
  private readonly pool: VuPool;
  private dropped = 0;
  private readonly errorCounts = new Map<string, number>();
  private readonly tickers: NodeJS.Timeout[] = [];
  private readonly cleanups: Array<() => void> = [];
  private startedMono = 0;
  private endedMono = 0;
  private reportProgress: (() => void) | undefined;

  constructor(private readonly dependencies: TestRunDependencies) {
    const { runtime, instantiator, tuple, script } = dependencies;
    this.pool = new VuPool(runtime, instantiator, tuple, (error) =>
      this.abort(
        new FloodgateError(
          'SCRIPT_FAILED',
          { script, detail: `a VU's init context threw: ${describeScriptError(error)}` },
          { cause: error },
        ),
      ),
    );
    setMaxListeners(0, this.stop.signal); // one listener per scenario and sleeping executor
    runtime.onAbort = (signal) =>
      this.abort(new FloodgateError('SCRIPT_ABORTED', { detail: signal.reason || 'no reason given' }));
    // An engine limit reached at run time stops the run (exit 107): a run that passes having sent
    // nothing is worse than no run (the load-time scan catches most of them earlier).
    runtime.onUnsupported = (error) => this.abort(error);
  }

  private abort(error: FloodgateError): void {
    if (this.stopError) return;
    this.stopError = error;
    this.stop.abort(error);
  }

  /** Runs setup, the scenarios and teardown. */
  async execute(): Promise<{ error: FloodgateError | undefined; durationMs: number; started: boolean }> {
    const { runtime, options, script } = this.dependencies;
    const signal = this.dependencies.signal;
    if (signal) {
      const onAbort = (): void =>
        this.abort(new FloodgateError('RUN_ABORTED', { detail: describeReason(signal.reason) }));
      if (signal.aborted) onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.cleanups.push(() => signal.removeEventListener('abort', onAbort));
    }
    const onRejection = (reason: unknown): void => this.logScriptError(reason, 'Uncaught (in promise)');
    process.on('unhandledRejection', onRejection);
    this.cleanups.push(() => process.off('unhandledRejection', onRejection));

    try {
      this.pool.preallocate(
        plannedVus(options.scenarios, this.dependencies.tuple),
        unplannedVus(options.scenarios, this.dependencies.tuple),
      );
    } catch (error) {
      const failed = isFloodgateError(error)
        ? error
        : new FloodgateError(
            'SCRIPT_FAILED',
            { script, detail: `a VU's init context threw: ${describeScriptError(error)}` },
            { cause: error },
          );
      return { error: failed, durationMs: 0, started: false };
    }
    runtime.testStartWall = wallNow();
    runtime.testStartMono = this.startedMono = monoNow();
    this.startTickers();

    let error: FloodgateError | undefined;
    const lifecycle = { runtime, instantiator: this.dependencies.instantiator, script };
    const setup =
      typeof this.dependencies.exports.setup === 'function' && !options.noSetup
        ? await runLifecycle(lifecycle, 'setup', options.setupTimeoutMs, undefined, this.stop.signal)
        : {};
    if (setup.error) error = setup.error;
    else if (!setup.stopped) {
      this.pool.setSetupData(setup.json);
      if (!this.stop.signal.aborted) await this.runScenarios();
      if (typeof this.dependencies.exports.teardown === 'function' && !options.noTeardown) {
        const teardown = await runLifecycle(
          lifecycle,
          'teardown',
          options.teardownTimeoutMs,
          this.pool.setupData(),
          this.stop.signal,
        );
        if (teardown.error) error = teardown.error;
      }
    }
    this.endedMono = monoNow();
    this.stopTickers();
    this.evaluateThresholds();
    return { error: this.stopError ?? error, durationMs: this.endedMono - this.startedMono, started: true };
  }

  private async runScenarios(): Promise<void> {
    const dependencies = {
      runtime: this.dependencies.runtime,
      pool: this.pool,
      transport: this.dependencies.transport,
      options: this.dependencies.options,
      tuple: this.dependencies.tuple,
      testStop: this.stop.signal,
      countDropped: (count: number) => {
        this.dropped += count;
      },
      logScriptError: (error: unknown, prefix: string, scenario?: string) =>
        this.logScriptError(error, prefix, scenario),
    };
    await Promise.all(
      this.dependencies.options.scenarios.map(async (config) => {
        if (config.startTimeMs > 0 && !(await waitUntil(this.startedMono + config.startTimeMs, this.stop.signal)))
          return;
        await executorFor(config)(scenarioContext(dependencies, config));
      }),
    );
  }

  private startTickers(): void {
    const runtime = this.dependencies.runtime;
    const vus = runtime.registry.builtin('vus');
    const vusMax = runtime.registry.builtin('vus_max');
    const runTags: Tags = Object.freeze({ ...runtime.runTags });
    const reportProgress = (): void =>
      this.dependencies.onProgress?.({
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
    if (this.dependencies.thresholds.length > 0)
      this.tickers.push(setInterval(() => this.checkAbortThresholds(), THRESHOLD_PERIOD_MS));
  }

  private stopTickers(): void {
    for (const ticker of this.tickers) clearInterval(ticker);
    this.tickers.length = 0;
    // k6 writes vus / vus_max only from its once-a-second ticker, never a final sample at the end
    this.reportProgress?.();
  }

  private checkAbortThresholds(): void {
    const elapsed = monoNow() - this.startedMono;
    for (const threshold of this.dependencies.thresholds) {
      const ok = threshold.evaluate(elapsed);
      if (!ok && threshold.abortOnFail && elapsed >= (threshold.delayAbortEvalMs ?? 0)) {
        this.abort(
          new FloodgateError('THRESHOLDS_FAILED', {
            detail: `${threshold.metricName}: ${threshold.source} failed with abortOnFail; the test was stopped`,
          }),
        );
      }
    }
  }

  private evaluateThresholds(): void {
    const elapsed = this.endedMono - this.startedMono;
    for (const threshold of this.dependencies.thresholds) threshold.evaluate(elapsed);
  }

  private logScriptError(error: unknown, prefix: string, scenario?: string): void {
    if (isFloodgateError(error) && error.code === 'SCRIPT_UNSUPPORTED') this.abort(error);
    const text = `${prefix} ${describeScriptError(error)}${scenario ? ` scenario=${scenario}` : ''}`;
    const count = (this.errorCounts.get(text) ?? 0) + 1;
    this.errorCounts.set(text, count);
    const stderr = this.dependencies.runtime.stderr;
    if (count <= MAX_REPEATED_ERRORS) stderr.write(`ERRO ${text}\n`);
    if (count === MAX_REPEATED_ERRORS)
      stderr.write(`ERRO (the error above repeated ${count} times; further repeats are not printed)\n`);
  }

  /** Builds the handleSummary data. */
  summary(
    trendStats: readonly string[],
    stdout: { isTTY?: boolean },
    stderr: { isTTY?: boolean },
    summaryTimeUnit: string,
  ): SummaryData {
    return buildSummaryData({
      metrics: this.dependencies.runtime.registry.all(),
      rootGroup: this.dependencies.runtime.rootGroup,
      trendStats,
      summaryTimeUnit,
      noColor: false,
      isStdOutTTY: stdout.isTTY === true,
      isStdErrTTY: stderr.isTTY === true,
      runDurationMs: this.endedMono - this.startedMono,
      setupData: this.pool.setupData(),
    });
  }

  /** Clears timers and listeners. */
  dispose(): void {
    for (const ticker of this.tickers) clearInterval(ticker);
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    this.stop.abort();
  }
}

function describeReason(reason: unknown): string {
  if (isFloodgateError(reason)) return reason.message;
  if (reason instanceof Error) return reason.message;
  return reason === undefined ? 'aborted' : String(reason);
}
