/**
 * constant-vus and ramping-vus (closed models): a number of VUs loop over the iteration
 * function; ramping-vus follows its stages, and VUs leaving on a ramp-down get
 * gracefulRampDown to finish their iteration.
 */

import { monoNow } from '../clock.ts';
import type { ScenarioConfig, Stage } from '../options.ts';
import { regularDurationMs } from '../options.ts';
import type { Vu } from '../runtime.ts';
import { scenarioDeadlines, waitUntil } from './timing.ts';
import type { Executor } from './types.ts';

type ConstantConfig = Extract<ScenarioConfig, { executor: 'constant-vus' }>;
type RampingConfig = Extract<ScenarioConfig, { executor: 'ramping-vus' }>;

/** Runs a constant-vus scenario. */
export const constantVus: Executor<ConstantConfig> = async (context) => {
  const { config, tuple } = context;
  const vus = tuple.scale(config.vus);
  if (vus === 0) return;
  const deadlines = scenarioDeadlines(context.startMono, config.durationMs, config.gracefulStopMs, context.testStop);
  context.setProgress(() => Math.min(1, (monoNow() - context.startMono) / config.durationMs));
  const loop = async (): Promise<void> => {
    const vu = context.acquireVu();
    try {
      while (!deadlines.regular.aborted) await context.runIteration(vu, deadlines.hard);
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

/**
 * The whole-test VU count of a ramping-vus scenario at `offsetMs`: linear between stages, the
 * count changing when the line crosses a whole number.
 */
export function rampingVusAt(startVUs: number, stages: readonly Stage[], offsetMs: number): number {
  let from = startVUs;
  let stageStart = 0;
  for (const stage of stages) {
    if (offsetMs < stageStart + stage.durationMs) {
      const line = from + ((stage.target - from) * (offsetMs - stageStart)) / stage.durationMs;
      return stage.target >= from ? Math.floor(line + 1e-9) : Math.ceil(line - 1e-9);
    }
    from = stage.target;
    stageStart += stage.durationMs;
  }
  return from;
}

const RAMP_TICK_MS = 20;

interface Slot {
  vu: Vu;
  stopping: boolean;
  hard: AbortController;
  rampDownTimer: NodeJS.Timeout | undefined;
  done: Promise<void>;
}

/** Runs a ramping-vus scenario. */
export const rampingVus: Executor<RampingConfig> = async (context) => {
  const { config, tuple } = context;
  const durationMs = regularDurationMs(config);
  const deadlines = scenarioDeadlines(context.startMono, durationMs, config.gracefulStopMs, context.testStop);
  context.setProgress(() => Math.min(1, (monoNow() - context.startMono) / durationMs));
  const slots: Slot[] = [];
  const finished: Array<Promise<void>> = [];

  const startSlot = (): void => {
    const vu = context.acquireVu();
    const hard = new AbortController();
    const onHard = (): void => hard.abort();
    deadlines.hard.addEventListener('abort', onHard, { once: true });
    const slot: Slot = { vu, stopping: false, hard, rampDownTimer: undefined, done: Promise.resolve() };
    slot.done = (async () => {
      try {
        while (!deadlines.regular.aborted && !slot.stopping) await context.runIteration(vu, hard.signal);
      } finally {
        clearTimeout(slot.rampDownTimer);
        deadlines.hard.removeEventListener('abort', onHard);
        const index = slots.indexOf(slot);
        if (index >= 0) slots.splice(index, 1);
        context.releaseVu(vu);
      }
    })();
    slots.push(slot);
    finished.push(slot.done);
  };

  const adjust = (): void => {
    const target = tuple.scale(rampingVusAt(config.startVUs, config.stages, monoNow() - context.startMono));
    const live = slots.filter((slot) => !slot.stopping);
    for (let count = live.length; count < target; count += 1) {
      const revived = slots.find((slot) => slot.stopping);
      if (revived) {
        revived.stopping = false;
        clearTimeout(revived.rampDownTimer);
      } else startSlot();
    }
    for (let index = live.length - 1; index >= target; index -= 1) {
      const slot = live[index] as Slot;
      slot.stopping = true;
      slot.rampDownTimer = setTimeout(() => slot.hard.abort(), config.gracefulRampDownMs);
    }
  };

  try {
    while (!deadlines.regular.aborted) {
      adjust();
      if (!(await waitUntil(monoNow() + RAMP_TICK_MS, deadlines.regular))) break;
    }
    await Promise.all(finished);
  } finally {
    deadlines.dispose();
  }
};
