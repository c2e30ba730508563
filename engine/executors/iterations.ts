/**
 * shared-iterations (a total number of iterations shared by the VUs) and per-vu-iterations
 * (each VU runs its own number), both bounded by maxDuration then gracefulStop. Iterations not
 * attempted in time are reported as `dropped_iterations`, as k6 does.
 */

import { monoNow } from '../clock.ts';
import type { ScenarioConfig } from '../options.ts';
import { scenarioDeadlines } from './timing.ts';
import type { Executor } from './types.ts';

type SharedConfig = Extract<ScenarioConfig, { executor: 'shared-iterations' }>;
type PerVuConfig = Extract<ScenarioConfig, { executor: 'per-vu-iterations' }>;

/** Runs a shared-iterations scenario. */
export const sharedIterations: Executor<SharedConfig> = async (context) => {
  const { config, tuple } = context;
  const vus = tuple.scale(config.vus);
  if (vus === 0) return;
  const iterationTuple = tuple.retupleByValue(config.vus);
  const total = iterationTuple.scale(config.iterations);
  if (total === 0) return;
  context.useIterationIndex(iterationTuple);
  const deadlines = scenarioDeadlines(context.startMono, config.maxDurationMs, config.gracefulStopMs, context.testStop);
  let attempted = 0;
  let done = 0;
  context.setProgress(() => done / total);
  const loop = async (): Promise<void> => {
    const vu = context.acquireVu();
    try {
      while (!deadlines.regular.aborted) {
        attempted += 1;
        if (attempted > total) return;
        await context.runIteration(vu, deadlines.hard);
        done += 1;
      }
    } finally {
      context.releaseVu(vu);
    }
  };
  try {
    await Promise.all(Array.from({ length: vus }, loop));
  } finally {
    deadlines.dispose();
  }
  if (attempted < total) context.emitDropped(total - attempted);
};

/** Runs a per-vu-iterations scenario. */
export const perVuIterations: Executor<PerVuConfig> = async (context) => {
  const { config, tuple } = context;
  const vus = tuple.scale(config.vus);
  if (vus === 0) return;
  const deadlines = scenarioDeadlines(context.startMono, config.maxDurationMs, config.gracefulStopMs, context.testStop);
  let done = 0;
  context.setProgress(() =>
    Math.max(done / (vus * config.iterations), Math.min(1, (monoNow() - context.startMono) / config.maxDurationMs)),
  );
  const loop = async (): Promise<void> => {
    const vu = context.acquireVu();
    try {
      for (let i = 0; i < config.iterations; i += 1) {
        if (deadlines.regular.aborted) {
          if (!context.testStop.aborted) context.emitDropped(config.iterations - i, vu);
          return;
        }
        await context.runIteration(vu, deadlines.hard);
        done += 1;
      }
    } finally {
      context.releaseVu(vu);
    }
  };
  try {
    await Promise.all(Array.from({ length: vus }, loop));
  } finally {
    deadlines.dispose();
  }
};
