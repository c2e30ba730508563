/**
 * k6 `options` of a scenario script, built from its plan: the load scenario with its VUs, the
 * `planned_rate` helper scenario, thresholds, and the `run` tag on every sample. Pure.
 */

import { FUNNEL_STAGES } from '../../contracts/funnel.ts';
import { formatK6Duration } from '../../contracts/durations.ts';
import { STAGE_OBJECTIVES } from '../../contracts/slo.ts';
import { meanJourneyThinkSeconds } from '../journeys/behaviour.ts';
import type { CommonEnv } from '../../contracts/script-variables.ts';
import type { ScenarioPlan } from '../../contracts/plan.ts';
import { openScenarioThresholds, smokeThresholds, type Thresholds } from './thresholds.ts';

/** Name of the helper scenario that reports the planned arrival rate once a second. */
export const PLANNED_RATE_SCENARIO = 'planned_rate';
/** Exported function the helper scenario runs. */
export const PLANNED_RATE_EXEC = 'plannedRate';
/** How long journeys may run on after the arrivals end before k6 interrupts them. */
export const LOAD_GRACEFUL_STOP = '30s';
/** Most VUs the sizing rule asks for unless MAX_VUS says otherwise. */
export const DEFAULT_MAX_VUS_CAP = 10_000;
/** Trend statistics in the end-of-test summary. */
export const SUMMARY_TREND_STATS = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)', 'count'];

/** A k6 scenario entry (the subset floodgate writes). */
export type ScenarioOptions = Record<string, unknown> & { readonly executor: string };

/** The k6 options object floodgate's scripts export. */
export interface ScriptOptions {
  readonly scenarios: Record<string, ScenarioOptions>;
  readonly thresholds: Thresholds;
  readonly tags: Record<string, string>;
  readonly summaryTrendStats: string[];
}

/** VUs for an open-model scenario. */
export interface VuSizing {
  readonly preAllocatedVUs: number;
  readonly maxVUs: number;
  /** Journey length the sizing assumed, in seconds. */
  readonly journeySeconds: number;
}

/**
 * Little's law with headroom: `preAllocatedVUs` = peak rate × journey time × 1.5, where the
 * journey time is the mean think time plus every stage at its p95 objective (a target still
 * inside its SLOs must not make the generator drop arrivals); `maxVUs` = twice that, capped at
 * {@link DEFAULT_MAX_VUS_CAP}. PRE_ALLOCATED_VUS and MAX_VUS override.
 */
export function sizeVUs(
  plan: ScenarioPlan,
  env: Pick<CommonEnv, 'thinkTimeScale' | 'preAllocatedVUs' | 'maxVUs'>,
): VuSizing {
  const requestSeconds = FUNNEL_STAGES.reduce((sum, stage) => sum + STAGE_OBJECTIVES[stage].p95Ms / 1000, 0);
  const journeySeconds = meanJourneyThinkSeconds(env.thinkTimeScale) + requestSeconds;
  const cap = Math.max(env.maxVUs ?? DEFAULT_MAX_VUS_CAP, 1);
  const preAllocatedVUs =
    env.preAllocatedVUs ?? Math.min(cap, Math.max(1, Math.ceil(plan.peakRatePerSecond * journeySeconds * 1.5)));
  const maxVUs = env.maxVUs ?? Math.max(preAllocatedVUs, Math.min(cap, preAllocatedVUs * 2));
  return { preAllocatedVUs, maxVUs, journeySeconds };
}

/** The options of an open-model scenario script (`opening`, `breakpoint`, `soak`). */
export function openScenarioOptions(plan: ScenarioPlan, env: CommonEnv): ScriptOptions {
  if (plan.arrivals === undefined) throw new RangeError(`scenario ${plan.scenario} has no arrival plan`);
  const { preAllocatedVUs, maxVUs } = sizeVUs(plan, env);
  return {
    scenarios: {
      [plan.scenario]: { ...plan.arrivals, preAllocatedVUs, maxVUs, gracefulStop: LOAD_GRACEFUL_STOP, exec: 'default' },
      [PLANNED_RATE_SCENARIO]: {
        // One VU, one iteration: under execution segments exactly one instance runs it, so it
        // reports the whole plan, not a segment's share.
        executor: 'shared-iterations',
        vus: 1,
        iterations: 1,
        maxDuration: formatK6Duration(Math.ceil(plan.durationSeconds) + 10),
        gracefulStop: '5s',
        exec: PLANNED_RATE_EXEC,
      },
    },
    thresholds: openScenarioThresholds(plan.plannedArrivals, plan.scenario),
    tags: { run: env.runId },
    summaryTrendStats: [...SUMMARY_TREND_STATS],
  };
}

/** The options of the `smoke` script: one VU, one applicant, strict thresholds. */
export function smokeOptions(env: CommonEnv): ScriptOptions {
  return {
    scenarios: {
      smoke: {
        executor: 'per-vu-iterations',
        vus: 1,
        iterations: 1,
        maxDuration: '2m',
        gracefulStop: '10s',
        exec: 'default',
      },
    },
    thresholds: smokeThresholds(),
    tags: { run: env.runId },
    summaryTrendStats: [...SUMMARY_TREND_STATS],
  };
}
