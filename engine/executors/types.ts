/**
 * What an executor gets from the engine: its scenario, this instance's execution tuple, VUs to
 * borrow, a way to run one iteration, and the test-wide stop signal. One executor per file;
 * executors/index.ts lists them.
 */

import type { ScenarioConfig } from '../options.ts';
import type { Vu } from '../runtime.ts';
import type { ExecutionTuple } from '../segments.ts';

/** The engine side of one running scenario. */
export interface ScenarioContext<C extends ScenarioConfig = ScenarioConfig> {
  readonly config: C;
  /** This instance's tuple for the whole test (segment within sequence). */
  readonly tuple: ExecutionTuple;
  /** Aborted when the whole test stops early (exec.test.abort, threshold abort, external abort). */
  readonly testStop: AbortSignal;
  /** Monotonic ms when the scenario started. */
  readonly startMono: number;
  /** Takes an initialized VU (or initializes one) and marks it active. */
  acquireVu(): Vu;
  /** Returns a VU to the instance's buffer. */
  releaseVu(vu: Vu): void;
  /** Iteration numbering from now on follows `tuple` (k6 re-segments by maxVUs / vus). */
  useIterationIndex(tuple: ExecutionTuple): void;
  /**
   * Runs one iteration on `vu`; resolves true when it ran to its end, false when `hardStop`
   * interrupted it (then it emitted no `iterations` sample).
   */
  runIteration(vu: Vu, hardStop: AbortSignal): Promise<boolean>;
  /** Emits `dropped_iterations` with the scenario's tags (and `vu` when switched on). */
  emitDropped(count: number, vu?: Vu): void;
  /** Sets how `exec.scenario.progress` is computed. */
  setProgress(progress: () => number): void;
  /** An engine warning (printed once). */
  warn(text: string): void;
}

/** Runs a scenario to its end; resolves when every iteration has finished or was interrupted. */
export type Executor<C extends ScenarioConfig = ScenarioConfig> = (context: ScenarioContext<C>) => Promise<void>;
