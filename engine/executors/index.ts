/** The executors the engine runs, one per k6 executor type. Add an executor by adding a file and a row. */

import type { ExecutorType, ScenarioConfig } from '../options.ts';
import { arrivalRate } from './arrival-rate.ts';
import { perVuIterations, sharedIterations } from './iterations.ts';
import type { Executor } from './types.ts';
import { constantVus, rampingVus } from './vus.ts';

/** Executor by k6 executor type. */
export const EXECUTORS: Readonly<Record<ExecutorType, Executor<never>>> = {
  'shared-iterations': sharedIterations,
  'per-vu-iterations': perVuIterations,
  'constant-vus': constantVus,
  'ramping-vus': rampingVus,
  'constant-arrival-rate': arrivalRate,
  'ramping-arrival-rate': arrivalRate,
};

/** The executor of `scenario`. */
export function executorFor(scenario: ScenarioConfig): Executor<ScenarioConfig> {
  return EXECUTORS[scenario.executor] as unknown as Executor<ScenarioConfig>;
}

export type { Executor, ScenarioContext } from './types.ts';
