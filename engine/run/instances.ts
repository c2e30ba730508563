/**
 * Instances of the script: the bundle is compiled once and its init code evaluated once per VU,
 * as k6 instantiates its bundle per VU (internal/js/bundle.go Instantiate, js/runner.go newVU) —
 * plus once for the options and once each for setup, teardown and handleSummary. Each instance
 * has its own module state, global object and `k6/http` module (its `setResponseCallback`);
 * modules without per-VU state (metrics registry, SharedArray cache, timers) are shared.
 */

import { monoNow } from '../clock.ts';
import { formatGoDuration as formatDuration } from '../../contracts/durations.ts';
import { RunawayScriptError } from '../guard.ts';
import type { HttpTransport } from '../http/transport.ts';
import { createDataModule } from '../modules/data.ts';
import { createEncodingModule } from '../modules/encoding.ts';
import { createExecutionModule } from '../modules/execution.ts';
import { createHttpModule, type HttpModuleDependencies } from '../modules/http.ts';
import { createK6Module } from '../modules/k6.ts';
import { createMetricsModule } from '../modules/metrics.ts';
import { createTimersModule } from '../modules/timers.ts';
import { createInterruptChecks } from '../interrupt.ts';
import { initContext, type Runtime, type Vu } from '../runtime.ts';
import { createIntrinsicsWatch } from '../intrinsics.ts';
import {
  createScriptHost,
  instantiate,
  intrinsicsRefusal,
  type CompiledScript,
  type ScriptGlobals,
} from '../script.ts';

/** What instances cost: how many init contexts ran, and their time (ms). */
export interface InitCost {
  count: number;
  totalMs: number;
  maxMs: number;
}

/** Evaluates the script's init code for VUs. */
export interface Instantiator {
  /** Runs the init code for `vu` in its init context and stores the exports on it; throws what the script throws. */
  instantiate(vu: Vu): void;
  /** Init contexts run so far and their cost. */
  readonly cost: Readonly<InitCost>;
  /** Built-ins changed since the first instance (engine/intrinsics.ts); empty when none. */
  changedIntrinsics(): string[];
  /** Puts the built-ins back as they were before the first instance. */
  restoreIntrinsics(): void;
}

/** What {@link createInstantiator} needs. */
export interface InstantiatorDependencies {
  readonly runtime: Runtime;
  readonly compiled: CompiledScript;
  readonly transport: HttpTransport;
  /** Read by every VU's `k6/http` at request time (the options arrive after the first instance). */
  readonly httpDefaults: HttpModuleDependencies['options'];
  /**
   * How long one init context may run before it is interrupted (default {@link DEFAULT_INIT_TIMEOUT_MS}).
   * k6 has no such limit (an endless init waits for Ctrl-C); the engine ends the run instead.
   */
  readonly initTimeoutMs?: number;
}

/** The engine's limit on one init context: a minute, as k6's default setupTimeout. */
export const DEFAULT_INIT_TIMEOUT_MS = 60_000;

/** Builds the instantiator of one run. */
export function createInstantiator({
  runtime,
  compiled,
  transport,
  httpDefaults,
  initTimeoutMs = DEFAULT_INIT_TIMEOUT_MS,
}: InstantiatorDependencies): Instantiator {
  const timers = createTimersModule(runtime);
  const shared = {
    k6: createK6Module(runtime),
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
  const checks = createInterruptChecks(() => runtime.interruptState());
  const globals: ScriptGlobals = { console, timers, checks };
  const cost: InitCost = { count: 0, totalMs: 0, maxMs: 0 };
  // built-ins the code changed in ways the load-time scan cannot see (engine/intrinsics.ts)
  const watch = createIntrinsicsWatch();
  return {
    cost,
    changedIntrinsics: () => watch.changes(),
    restoreIntrinsics: () => watch.restore(),
    instantiate(vu) {
      vu.connections ??= transport.connectionsForVu();
      const modules = { ...shared, 'k6/http': createHttpModule({ runtime, transport, options: httpDefaults }) };
      const host = createScriptHost(runtime, modules);
      const started = monoNow();
      // Init is interrupted after initTimeoutMs; its deadline ends with it (its timers run on).
      const deadline = { mono: started + initTimeoutMs };
      try {
        vu.exports = runtime.within(initContext(vu, deadline), () => instantiate(compiled, host, globals));
      } catch (error) {
        if (!(error instanceof RunawayScriptError)) throw error;
        const message = `the init context ran longer than ${formatDuration(initTimeoutMs)} and was interrupted (k6 would wait until Ctrl-C)`;
        const replaced = new RunawayScriptError(undefined, message);
        // keep the frames of the script's own code, where it was interrupted
        replaced.stack = [`${replaced.name}: ${message}`, ...(error.stack ?? '').split('\n').slice(1)].join('\n');
        throw replaced;
      } finally {
        deadline.mono = Number.POSITIVE_INFINITY;
        const took = monoNow() - started;
        cost.count += 1;
        cost.totalMs += took;
        cost.maxMs = Math.max(cost.maxMs, took);
      }
      const changed = watch.changes();
      if (changed.length > 0) {
        watch.restore();
        throw intrinsicsRefusal(compiled.bundle.entry, changed);
      }
    },
  };
}
