/**
 * `options.scenarios` as k6 validates them: the six executors the engine runs, each scenario's
 * keys and limits, the `vus`/`duration`/`iterations`/`stages` shortcuts that make k6's `default`
 * scenario, and a scenario's regular duration for planning.
 */

import { parseK6DurationMs as parseDuration } from '../contracts/durations.ts';
import { duration, integer, isObject, OptionsError, stringMap, type Raw } from './option-values.ts';

/** Executors the engine runs. */
export const EXECUTOR_TYPES = [
  'shared-iterations',
  'per-vu-iterations',
  'constant-vus',
  'ramping-vus',
  'constant-arrival-rate',
  'ramping-arrival-rate',
] as const;
/** One executor type. */
export type ExecutorType = (typeof EXECUTOR_TYPES)[number];

/** One stage of a ramping executor. */
export interface Stage {
  readonly durationMs: number;
  readonly target: number;
}

interface BaseScenario {
  readonly name: string;
  readonly startTimeMs: number;
  readonly gracefulStopMs: number;
  /** Exported function each iteration calls. */
  readonly exec: string;
  readonly env: Readonly<Record<string, string>>;
  readonly tags: Readonly<Record<string, string>>;
}

/** A validated scenario (values unscaled: segments are applied by the executors). */
export type ScenarioConfig =
  | (BaseScenario & {
      readonly executor: 'shared-iterations';
      readonly vus: number;
      readonly iterations: number;
      readonly maxDurationMs: number;
    })
  | (BaseScenario & {
      readonly executor: 'per-vu-iterations';
      readonly vus: number;
      readonly iterations: number;
      readonly maxDurationMs: number;
    })
  | (BaseScenario & { readonly executor: 'constant-vus'; readonly vus: number; readonly durationMs: number })
  | (BaseScenario & {
      readonly executor: 'ramping-vus';
      readonly startVUs: number;
      readonly stages: readonly Stage[];
      readonly gracefulRampDownMs: number;
    })
  | (BaseScenario & {
      readonly executor: 'constant-arrival-rate';
      readonly rate: number;
      readonly timeUnitMs: number;
      readonly durationMs: number;
      readonly preAllocatedVUs: number;
      readonly maxVUs: number;
    })
  | (BaseScenario & {
      readonly executor: 'ramping-arrival-rate';
      readonly startRate: number;
      readonly timeUnitMs: number;
      readonly stages: readonly Stage[];
      readonly preAllocatedVUs: number;
      readonly maxVUs: number;
    });

const SCENARIO_NAME = /^[0-9a-zA-Z_-]+$/;

function stages(where: string, value: unknown): Stage[] {
  if (!Array.isArray(value) || value.length === 0)
    throw new OptionsError(`${where}: at least one stage has to be specified`);
  return value.map((stage, index) => {
    if (!isObject(stage)) throw new OptionsError(`${where}[${index}] must be {duration, target}`);
    const durationMs = duration(`${where}[${index}].duration`, stage.duration);
    if (durationMs < 0) throw new OptionsError(`${where}[${index}]: the duration can't be negative`);
    const target = integer(`${where}[${index}].target`, stage.target);
    if (target < 0) throw new OptionsError(`${where}[${index}]: the target can't be negative`);
    return { durationMs, target };
  });
}

const KEYS_BY_EXECUTOR: Readonly<Record<ExecutorType, readonly string[]>> = {
  'shared-iterations': ['vus', 'iterations', 'maxDuration'],
  'per-vu-iterations': ['vus', 'iterations', 'maxDuration'],
  'constant-vus': ['vus', 'duration'],
  'ramping-vus': ['startVUs', 'stages', 'gracefulRampDown'],
  'constant-arrival-rate': ['rate', 'timeUnit', 'duration', 'preAllocatedVUs', 'maxVUs'],
  'ramping-arrival-rate': ['startRate', 'timeUnit', 'stages', 'preAllocatedVUs', 'maxVUs'],
};
const BASE_KEYS = ['executor', 'startTime', 'gracefulStop', 'exec', 'env', 'tags', 'options'];
const MIN_DURATION_MS = 1000;

/** Validates one entry of `options.scenarios`. */
export function parseScenario(name: string, raw: unknown): ScenarioConfig {
  const where = `scenarios.${name}`;
  if (!SCENARIO_NAME.test(name))
    throw new OptionsError(`scenario name "${name}" may only hold letters, digits, "_" and "-"`);
  if (!isObject(raw)) throw new OptionsError(`${where} must be an object`);
  const executor = raw.executor;
  if (typeof executor !== 'string')
    throw new OptionsError(`${where}.executor is required (one of ${EXECUTOR_TYPES.join(', ')})`);
  if (executor === 'externally-controlled')
    throw new OptionsError(`${where}: the externally-controlled executor was removed in k6 v2 and is not supported`);
  if (!(EXECUTOR_TYPES as readonly string[]).includes(executor)) {
    throw new OptionsError(`${where}.executor "${executor}" is unknown; use one of ${EXECUTOR_TYPES.join(', ')}`);
  }
  const type = executor as ExecutorType;
  const allowed = new Set([...BASE_KEYS, ...KEYS_BY_EXECUTOR[type]]);
  for (const key of Object.keys(raw)) {
    if (!allowed.has(key)) throw new OptionsError(`${where}: unknown field "${key}" for executor ${type}`);
  }
  const exec = raw.exec === undefined ? 'default' : raw.exec;
  if (typeof exec !== 'string' || exec === '')
    throw new OptionsError(`${where}.exec must be the name of an exported function`);
  const base: BaseScenario = {
    name,
    startTimeMs: duration(`${where}.startTime`, raw.startTime, 0),
    gracefulStopMs: duration(`${where}.gracefulStop`, raw.gracefulStop, 30_000),
    exec,
    env: stringMap(`${where}.env`, raw.env),
    tags: stringMap(`${where}.tags`, raw.tags),
  };
  if (base.startTimeMs < 0) throw new OptionsError(`${where}: the startTime can't be negative`);
  if (base.gracefulStopMs < 0) throw new OptionsError(`${where}: the gracefulStop timeout can't be negative`);

  switch (type) {
    case 'shared-iterations':
    case 'per-vu-iterations': {
      const vus = integer(`${where}.vus`, raw.vus, 1);
      const iterations = integer(`${where}.iterations`, raw.iterations, 1);
      const maxDurationMs = duration(`${where}.maxDuration`, raw.maxDuration, 600_000);
      if (vus <= 0) throw new OptionsError(`${where}: the number of VUs must be more than 0`);
      if (iterations <= 0) throw new OptionsError(`${where}: the number of iterations must be more than 0`);
      if (type === 'shared-iterations' && iterations < vus) {
        throw new OptionsError(
          `${where}: the number of iterations (${iterations}) can't be less than the number of VUs (${vus})`,
        );
      }
      if (maxDurationMs < MIN_DURATION_MS) throw new OptionsError(`${where}: the maxDuration must be at least 1s`);
      return { ...base, executor: type, vus, iterations, maxDurationMs };
    }
    case 'constant-vus': {
      const vus = integer(`${where}.vus`, raw.vus, 1);
      if (vus <= 0) throw new OptionsError(`${where}: the number of VUs must be more than 0`);
      const durationMs = duration(`${where}.duration`, raw.duration);
      if (durationMs < MIN_DURATION_MS) throw new OptionsError(`${where}: the duration must be at least 1s`);
      return { ...base, executor: type, vus, durationMs };
    }
    case 'ramping-vus': {
      const startVUs = integer(`${where}.startVUs`, raw.startVUs, 1);
      if (startVUs < 0) throw new OptionsError(`${where}: the number of start VUs can't be negative`);
      const list = stages(`${where}.stages`, raw.stages);
      if (startVUs === 0 && list.every((stage) => stage.target === 0))
        throw new OptionsError(`${where}: either startVUs or one of the stage targets must be above 0`);
      return {
        ...base,
        executor: type,
        startVUs,
        stages: list,
        gracefulRampDownMs: duration(`${where}.gracefulRampDown`, raw.gracefulRampDown, 30_000),
      };
    }
    case 'constant-arrival-rate': {
      const rate = integer(`${where}.rate`, raw.rate);
      if (rate <= 0) throw new OptionsError(`${where}: the iteration rate must be more than 0`);
      const timeUnitMs = duration(`${where}.timeUnit`, raw.timeUnit, 1000);
      if (timeUnitMs <= 0) throw new OptionsError(`${where}: the timeUnit must be more than 0`);
      const durationMs = duration(`${where}.duration`, raw.duration);
      if (durationMs < MIN_DURATION_MS) throw new OptionsError(`${where}: the duration must be at least 1s`);
      const { preAllocatedVUs, maxVUs } = vuLimits(where, raw);
      return { ...base, executor: type, rate, timeUnitMs, durationMs, preAllocatedVUs, maxVUs };
    }
    case 'ramping-arrival-rate': {
      const startRate = integer(`${where}.startRate`, raw.startRate, 0);
      if (startRate < 0) throw new OptionsError(`${where}: the startRate value can't be negative`);
      const timeUnitMs = duration(`${where}.timeUnit`, raw.timeUnit, 1000);
      if (timeUnitMs <= 0) throw new OptionsError(`${where}: the timeUnit must be more than 0`);
      const { preAllocatedVUs, maxVUs } = vuLimits(where, raw);
      return {
        ...base,
        executor: type,
        startRate,
        timeUnitMs,
        stages: stages(`${where}.stages`, raw.stages),
        preAllocatedVUs,
        maxVUs,
      };
    }
  }
}

function vuLimits(where: string, raw: Raw): { preAllocatedVUs: number; maxVUs: number } {
  if (raw.preAllocatedVUs === undefined)
    throw new OptionsError(`${where}: the number of preAllocatedVUs isn't specified`);
  const preAllocatedVUs = integer(`${where}.preAllocatedVUs`, raw.preAllocatedVUs);
  if (preAllocatedVUs < 0) throw new OptionsError(`${where}: the number of preAllocatedVUs can't be negative`);
  const maxVUs = integer(`${where}.maxVUs`, raw.maxVUs, preAllocatedVUs);
  if (maxVUs < preAllocatedVUs) throw new OptionsError(`${where}: maxVUs can't be less than preAllocatedVUs`);
  return { preAllocatedVUs, maxVUs };
}

/** Turns the `vus`/`duration`/`iterations`/`stages` shortcuts into k6's `default` scenario. */
export function shortcutScenario(raw: Raw): ScenarioConfig {
  const hasVus = raw.vus !== undefined && raw.vus !== null;
  if (raw.iterations !== undefined && raw.iterations !== null) {
    return parseScenario('default', {
      executor: 'shared-iterations',
      vus: hasVus ? raw.vus : 1,
      iterations: raw.iterations,
      ...(raw.duration !== undefined ? { maxDuration: raw.duration } : {}),
    });
  }
  if (raw.duration !== undefined && raw.duration !== null && parseDuration(raw.duration) !== 0) {
    return parseScenario('default', { executor: 'constant-vus', vus: hasVus ? raw.vus : 1, duration: raw.duration });
  }
  if (Array.isArray(raw.stages) && raw.stages.length > 0) {
    return parseScenario('default', { executor: 'ramping-vus', startVUs: hasVus ? raw.vus : 1, stages: raw.stages });
  }
  const vus = hasVus ? raw.vus : 1;
  return parseScenario('default', { executor: 'shared-iterations', vus, iterations: vus });
}

/** The regular duration (before gracefulStop) of a scenario, for planning. */
export function regularDurationMs(scenario: ScenarioConfig): number {
  switch (scenario.executor) {
    case 'shared-iterations':
    case 'per-vu-iterations':
      return scenario.maxDurationMs;
    case 'constant-vus':
    case 'constant-arrival-rate':
      return scenario.durationMs;
    case 'ramping-vus':
    case 'ramping-arrival-rate':
      return scenario.stages.reduce((sum, stage) => sum + stage.durationMs, 0);
  }
}
