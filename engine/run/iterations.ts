/**
 * Iterations: what a scenario's executor gets from the run (engine/executors/types.ts) — VUs
 * from the pool, activated for the scenario as k6's VU.Activate does, and one iteration at a
 * time run to the end of its event loop, interrupted at the scenario's hard stop.
 */

import { CookieJar } from '../http/cookies.ts';
import type { HttpTransport } from '../http/transport.ts';
import { monoNow, wallNow } from '../clock.ts';
import { formatGoDuration as formatDuration } from '../../contracts/durations.ts';
import type { ScenarioContext } from '../executors/types.ts';
import { waitUntil } from '../executors/timing.ts';
import { callBefore, RunawayScriptError } from '../guard.ts';
import { regularDurationMs, type EngineOptions, type ScenarioConfig } from '../options.ts';
import {
  IterationState,
  TestAbortSignal,
  type ExecutionContext,
  type Runtime,
  type ScenarioState,
} from '../runtime.ts';
import { SegmentedIndex, type ExecutionTuple } from '../segments.ts';
import { withinLimits } from './deadline.ts';
import type { VuPool } from './vu-pool.ts';

/** What iterations need from the run. */
export interface IterationDependencies {
  readonly runtime: Runtime;
  readonly pool: VuPool;
  readonly transport: HttpTransport;
  readonly options: EngineOptions;
  readonly tuple: ExecutionTuple;
  /** Aborted when the whole test stops. */
  readonly testStop: AbortSignal;
  /** Counts dropped iterations for the progress line. */
  countDropped(count: number): void;
  /** Logs a script error (repeats folded), k6's `ERRO …` line. */
  logScriptError(error: unknown, prefix: string, scenario?: string): void;
}

/** Emits `data_sent` / `data_received` of an iteration (or setup/teardown), as k6's runFn does after each call. */
export function emitDataSamples(runtime: Runtime, context: ExecutionContext, iteration: IterationState): void {
  const dataContext: ExecutionContext = { ...context, iteration: undefined };
  const tags = runtime.tags(undefined, dataContext);
  const metadata = runtime.metadata(dataContext);
  runtime.emit(runtime.registry.builtin('data_sent'), iteration.bytesSent, tags, metadata, undefined, dataContext);
  runtime.emit(
    runtime.registry.builtin('data_received'),
    iteration.bytesReceived,
    tags,
    metadata,
    undefined,
    dataContext,
  );
}

/** The executor's view of one scenario. */
export function scenarioContext(dependencies: IterationDependencies, config: ScenarioConfig): ScenarioContext {
  const { runtime, pool, transport, options, tuple, testStop } = dependencies;
  let progress = (): number => 0;
  const state: ScenarioState = {
    name: config.name,
    executor: config.executor,
    startWall: wallNow(),
    env: Object.freeze({ ...runtime.env, ...config.env }),
    tags: config.tags,
    progress: () => progress(),
  };
  let iterationIndex = new SegmentedIndex(tuple);
  const iterations = runtime.registry.builtin('iterations');
  const iterationDuration = runtime.registry.builtin('iteration_duration');
  const droppedMetric = runtime.registry.builtin('dropped_iterations');
  // The latest moment an iteration's code may run: the scenario's regular end plus gracefulStop.
  const hardStopMono = monoNow() + regularDurationMs(config) + config.gracefulStopMs;
  return {
    config,
    tuple,
    testStop,
    startMono: monoNow(),
    acquireVu: () => {
      const vu = pool.acquire();
      // k6 (VU.Activate) rebuilds a VU's tags and its __ENV when a scenario activates it.
      for (const key of Object.keys(vu.tags)) delete vu.tags[key];
      for (const key of Object.keys(vu.metadata)) delete vu.metadata[key];
      vu.resetEnv(state.env);
      runtime.vusActive += 1;
      return vu;
    },
    releaseVu: (vu) => {
      runtime.vusActive -= 1;
      pool.release(vu);
    },
    useIterationIndex: (iterationTuple) => {
      iterationIndex = new SegmentedIndex(iterationTuple);
    },
    setProgress: (fnProgress) => {
      progress = fnProgress;
    },
    warn: (text) => runtime.warnOnce(text),
    emitDropped: (count, vu) => {
      dependencies.countDropped(count);
      const extra: Record<string, string> = {};
      if (runtime.tagOn('scenario')) extra.scenario = config.name;
      if (vu && runtime.tagOn('vu')) extra.vu = String(vu.idInInstance);
      runtime.pipeline.push({
        metric: droppedMetric,
        time: wallNow(),
        value: count,
        tags: Object.freeze({ ...runtime.runTags, ...extra }),
      });
    },
    runIteration: async (vu, hardStop) => {
      const fn = vu.exports[config.exec];
      // Past the hard stop nothing starts, even before its timer could fire (a loop held the
      // thread); nor on a VU whose init failed (the run is stopping).
      if (monoNow() >= hardStopMono || typeof fn !== 'function') {
        await new Promise((resolve) => setImmediate(resolve)); // a macrotask, so those timers can fire
        return false;
      }
      const [local, global] = iterationIndex.next();
      vu.iterationInInstance += 1;
      const inScenario = (vu.scenarioIterations.get(config.name) ?? -1) + 1;
      vu.scenarioIterations.set(config.name, inScenario);
      vu.group = runtime.rootGroup;
      vu.groupPath = '';
      // k6 (js/runner.go runFn): a new cookie jar for every iteration unless noCookiesReset
      if (!options.noCookiesReset) vu.cookieJar = new CookieJar();
      const iteration = new IterationState(local - 1, global - 1, inScenario);
      iteration.deadlineMono = hardStopMono;
      const context: ExecutionContext = { phase: 'iteration', vu, scenario: state, iteration };
      const started = monoNow();
      const body = runtime.within(context, async () => {
        try {
          // One watchdog for the iteration starts of the same turn (guard.ts); each runs in its own context.
          await callBefore(
            () => runtime.within(context, () => (fn as (data: unknown) => unknown)(vu.setupData)),
            hardStopMono,
          );
        } catch (error) {
          iteration.fail(error);
        }
        await iteration.whenIdle();
      });
      let interrupted = (await withinLimits(body, { signal: hardStop })).kind === 'stopped';
      const ended = monoNow();
      if (iteration.error instanceof TestAbortSignal) interrupted = true;
      if (iteration.error instanceof RunawayScriptError) {
        // k6 interrupts a VU's JavaScript at the hard stop; so does the guard, but all VUs waited
        interrupted = true;
        dependencies.logScriptError(
          `an iteration ran synchronously past the end of gracefulStop (${formatDuration(config.gracefulStopMs)}) and was interrupted; every VU of the local engine waited for it`,
          'Interrupted:',
          config.name,
        );
        await new Promise((resolve) => setImmediate(resolve)); // let the deadline timers that waited fire
      }
      if (interrupted) iteration.interrupt();
      else if (iteration.error !== undefined) {
        dependencies.logScriptError(iteration.error, 'Uncaught (in promise)', config.name);
        iteration.interrupt(); // the event loop stops on an uncaught error: pending timers and requests go
        iteration.interrupted = false;
      }
      emitDataSamples(runtime, context, iteration);
      // k6 (js/runner.go runFn): noVUConnectionReuse closes the VU's idle connections after each call
      if (options.noVUConnectionReuse && vu.connections) transport.closeIdle(vu.connections);
      if (interrupted) {
        runtime.iterationsInterrupted += 1;
        return false;
      }
      const tags = runtime.tags(undefined, { ...context, iteration: undefined });
      const metadata = runtime.metadata(context);
      const time = wallNow();
      runtime.pipeline.push(
        metadata
          ? { metric: iterations, time, value: 1, tags, metadata }
          : { metric: iterations, time, value: 1, tags },
      );
      runtime.pipeline.push(
        metadata
          ? { metric: iterationDuration, time, value: ended - started, tags, metadata }
          : { metric: iterationDuration, time, value: ended - started, tags },
      );
      runtime.iterationsCompleted += 1;
      // k6 (js/runner.go): after a full iteration the VU waits out the rest of minIterationDuration.
      const rest = options.minIterationDurationMs - (ended - started);
      if (rest > 0) await waitUntil(monoNow() + rest, hardStop);
      return true;
    },
  };
}
