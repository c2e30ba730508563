/**
 * constant-arrival-rate and ramping-arrival-rate (an open model): iterations start at the times
 * the rate's integral gives (schedule.ts), whatever the target's speed. At each start a free VU
 * takes it; with none free the start is dropped (`dropped_iterations` +1) and, below maxVUs, one
 * more VU is initialized in the background, as k6 does.
 */

import { monoNow } from '../clock.ts';
import type { ScenarioConfig } from '../options.ts';
import { regularDurationMs } from '../options.ts';
import type { Vu } from '../runtime.ts';
import { constantArrivals, rampingArrivals } from '../schedule.ts';
import { scenarioDeadlines, waitUntil } from './timing.ts';
import type { Executor } from './types.ts';

type ArrivalRateConfig = Extract<ScenarioConfig, { executor: 'constant-arrival-rate' | 'ramping-arrival-rate' }>;

/** Runs an arrival-rate scenario. */
export const arrivalRate: Executor<ArrivalRateConfig> = async (context) => {
  const { config, tuple } = context;
  const maxVUs = tuple.scale(config.maxVUs);
  if (maxVUs === 0) return; // this segment has no share of the scenario
  const preAllocated = tuple.scale(config.preAllocatedVUs);
  // k6 shares the iterations between instances in proportion to their maxVUs.
  const iterationTuple = tuple.retupleByValue(config.maxVUs);
  context.useIterationIndex(iterationTuple);
  const stripes = iterationTuple.sequence.stripedOffsets(iterationTuple.index);
  const durationMs = regularDurationMs(config);
  const starts =
    config.executor === 'constant-arrival-rate'
      ? constantArrivals(config.rate, config.timeUnitMs, config.durationMs, stripes)
      : rampingArrivals(config.startRate, config.timeUnitMs, config.stages, stripes);
  const deadlines = scenarioDeadlines(context.startMono, durationMs, config.gracefulStopMs, context.testStop);
  context.setProgress(() => Math.min(1, (monoNow() - context.startMono) / durationMs));

  const all: Vu[] = [];
  const free: Vu[] = [];
  for (let i = 0; i < preAllocated; i += 1) {
    const vu = context.acquireVu();
    all.push(vu);
    free.push(vu);
  }
  let unplannedLeft = maxVUs - preAllocated;
  let initializing = false;
  const running = new Set<Promise<void>>();

  try {
    for (const offset of starts) {
      if (!(await waitUntil(context.startMono + offset, deadlines.regular))) break;
      const vu = free.pop();
      if (vu) {
        const iteration: Promise<void> = context.runIteration(vu, deadlines.hard).then(() => {
          running.delete(iteration);
          free.push(vu);
        });
        running.add(iteration);
        continue;
      }
      context.emitDropped(1);
      if (unplannedLeft === 0) {
        context.warn(
          `scenario ${config.name}: insufficient VUs, reached ${maxVUs} active VUs and cannot initialize more`,
        );
      } else if (!initializing) {
        initializing = true;
        unplannedLeft -= 1;
        // k6 initializes unplanned VUs in the background; the VU joins the pool shortly after.
        setImmediate(() => {
          initializing = false;
          if (deadlines.regular.aborted) return;
          const added = context.acquireVu();
          all.push(added);
          free.push(added);
        });
      }
    }
    await Promise.all(running);
  } finally {
    deadlines.dispose();
    await new Promise((resolve) => setImmediate(resolve));
    for (const vu of all) context.releaseVu(vu);
  }
};
