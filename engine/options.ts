/**
 * The script's `options`, consolidated and validated the way k6 does for what the local engine
 * supports: scenarios (six executors, with the `vus`/`duration`/`iterations`/`stages`
 * shortcuts), thresholds, tags, system tags, summary settings and HTTP defaults. Anything
 * invalid throws an {@link OptionsError} (exit code 104).
 */

import { parseK6DurationMs as parseDuration } from '../contracts/durations.ts';

/** An invalid option; the engine reports it with exit code 104, as k6. */
export class OptionsError extends Error {
  override readonly name = 'OptionsError';
}

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

/** k6's default system tags. */
export const DEFAULT_SYSTEM_TAGS: readonly string[] = [
  'proto',
  'subproto',
  'status',
  'method',
  'url',
  'name',
  'group',
  'check',
  'error',
  'error_code',
  'tls_version',
  'scenario',
  'service',
  'expected_response',
];

/** Every system tag k6 knows; only these can be switched with systemTags. */
export const ALL_SYSTEM_TAGS: readonly string[] = [...DEFAULT_SYSTEM_TAGS, 'vu', 'iter', 'ip', 'ocsp_status'];

/** The consolidated options the engine runs with. */
export interface EngineOptions {
  readonly scenarios: readonly ScenarioConfig[];
  /** k6's warnings while deriving the scenarios (e.g. "`vus=3` overrides scenarios configuration"). */
  readonly warnings: readonly string[];
  /** Raw `thresholds` object, validated later against the metric registry. */
  readonly thresholds: unknown;
  readonly tags: Readonly<Record<string, string>>;
  readonly systemTags: ReadonlySet<string>;
  readonly summaryTrendStats: readonly string[] | undefined;
  readonly summaryTimeUnit: string;
  readonly setupTimeoutMs: number;
  readonly teardownTimeoutMs: number;
  readonly userAgent: string;
  readonly maxRedirects: number;
  readonly discardResponseBodies: boolean;
  /** `options.throw`: HTTP network errors throw instead of returning a response with `error`. */
  readonly throwOnHttpError: boolean;
  readonly insecureSkipTLSVerify: boolean;
  readonly noConnectionReuse: boolean;
  /** Close a VU's idle connections after each iteration (k6 js/runner.go runFn). */
  readonly noVUConnectionReuse: boolean;
  /** Keep each VU's cookies from one iteration to the next (k6 empties the jar by default). */
  readonly noCookiesReset: boolean;
  readonly executionSegment: string | undefined;
  readonly executionSegmentSequence: string | undefined;
  /** `minIterationDuration`: a VU waits out the rest of it after a full iteration (k6 js/runner.go). */
  readonly minIterationDurationMs: number;
  /** `noSetup` / `noTeardown`: skip setup() / teardown(). */
  readonly noSetup: boolean;
  readonly noTeardown: boolean;
  /** `handleSummaryTimeout` (default 2 min). */
  readonly handleSummaryTimeoutMs: number;
  /** Options present in the script that change nothing the engine measures, ignored with a warning. */
  readonly ignored: readonly string[];
  /** k6 options that change results and the engine cannot do: option → why (refused at load, exit 107). */
  readonly refused: Readonly<Record<string, string>>;
}

/** The user agent the engine sends unless `options.userAgent` says otherwise. */
export const DEFAULT_USER_AGENT = 'floodgate-local-engine/0.1 (k6-compatible; +https://k6.io/)';

const HANDLED_KEYS = new Set([
  'scenarios',
  'vus',
  'duration',
  'iterations',
  'stages',
  'thresholds',
  'tags',
  'systemTags',
  'summaryTrendStats',
  'summaryTimeUnit',
  'setupTimeout',
  'teardownTimeout',
  'userAgent',
  'maxRedirects',
  'discardResponseBodies',
  'throw',
  'insecureSkipTLSVerify',
  'noConnectionReuse',
  'noVUConnectionReuse',
  'noCookiesReset',
  'executionSegment',
  'executionSegmentSequence',
  'minIterationDuration',
  'noSetup',
  'noTeardown',
  'handleSummaryTimeout',
]);

/**
 * k6 options (lib/options.go) that change what a run measures or sends and the engine does not
 * implement: refused at load time rather than ignored. Options that change nothing measured
 * (`cloud`, `ext`, `httpDebug`, `metricSamplesBufferSize`, `batch`, `batchPerHost` with http.batch
 * refused) are ignored with a warning.
 */
export const REFUSED_OPTIONS: Readonly<Record<string, string>> = {
  rps: 'options.rps (a global request-rate limit) is not implemented by the local engine; use an arrival-rate scenario',
  dns: 'options.dns (k6 DNS caching and selection) is not implemented by the local engine',
  hosts: 'options.hosts (host name overrides) is not implemented by the local engine',
  blacklistIPs: 'options.blacklistIPs is not implemented by the local engine',
  blockHostnames: 'options.blockHostnames is not implemented by the local engine',
  tlsAuth: 'options.tlsAuth (client certificates) is not implemented by the local engine',
  tlsCipherSuites: 'options.tlsCipherSuites is not implemented by the local engine',
  tlsVersion: 'options.tlsVersion is not implemented by the local engine',
  paused: 'options.paused (start paused, resume through the REST API) is not implemented by the local engine',
  localIPs: 'options.localIPs is not implemented by the local engine',
};

const SCENARIO_NAME = /^[0-9a-zA-Z_-]+$/;

type Raw = Record<string, unknown>;

function isObject(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function duration(where: string, value: unknown, fallback?: number): number {
  if (value === undefined || value === null) {
    if (fallback !== undefined) return fallback;
    throw new OptionsError(`${where} is required`);
  }
  const parsed = parseDuration(value);
  if (parsed === undefined)
    throw new OptionsError(`${where} = ${JSON.stringify(value)} is not a duration (e.g. "30s", "1m30s", "500ms")`);
  return parsed;
}

function integer(where: string, value: unknown, fallback?: number): number {
  if (value === undefined || value === null) {
    if (fallback !== undefined) return fallback;
    throw new OptionsError(`${where} is required`);
  }
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw new OptionsError(`${where} = ${JSON.stringify(value)} must be a whole number`);
  return value;
}

function stringMap(where: string, value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isObject(value)) throw new OptionsError(`${where} must be an object of string values`);
  const result: Record<string, string> = {};
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== 'string' && typeof item !== 'number' && typeof item !== 'boolean')
      throw new OptionsError(`${where}.${key} must be a string`);
    result[key] = String(item);
  }
  return result;
}

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

/** Whether an option is given at all (k6's `Valid`; `null` reads as unset, as in k6's JSON). */
function given(raw: Raw, key: string): boolean {
  return raw[key] !== undefined && raw[key] !== null;
}

/** k6's `default` scenario with its defaults: per-vu-iterations, 1 VU, 1 iteration. */
const ONE_ITERATION_IN_ONE_VU = { executor: 'per-vu-iterations', vus: 1, iterations: 1 } as const;

/** The scenarios a run gets, and k6's warnings on the way. */
interface DerivedScenarios {
  readonly scenarios: ScenarioConfig[];
  readonly warnings: string[];
}

/**
 * Turns the `vus`/`duration`/`iterations`/`stages` shortcuts into the run's scenarios, or refuses
 * a conflict, case by case in the order of k6's DeriveScenariosFromShortcuts
 * (lib/executor/execution_config_shortcuts.go): iterations, then duration, then stages, then a
 * lone `vus` (which overrides `scenarios`, with k6's warning), then the scenarios, else one
 * iteration in one VU. The conflicts are k6's ExecutionConflictErrors (exit 104).
 */
function deriveScenarios(raw: Raw): DerivedScenarios {
  const vus = given(raw, 'vus') ? raw.vus : undefined;
  const hasStages = given(raw, 'stages');
  if (hasStages && !Array.isArray(raw.stages)) throw new OptionsError('options.stages must be a list of stages');
  const stageList = hasStages ? (raw.stages as unknown[]) : [];
  const hasScenarios = given(raw, 'scenarios');
  const conflict = (a: string, b: string): OptionsError =>
    new OptionsError(`using \`${a}\` and \`${b}\` options simultaneously is not allowed`);
  const one = (config: Raw): DerivedScenarios => ({ scenarios: [parseScenario('default', config)], warnings: [] });

  if (given(raw, 'iterations')) {
    if (stageList.length > 0) throw conflict('iterations', 'stages');
    if (hasScenarios) throw conflict('iterations', 'scenarios');
    // parseScenario reads an undefined or null field as not given (its k6 default).
    return one({ executor: 'shared-iterations', vus, iterations: raw.iterations, maxDuration: raw.duration });
  }
  if (given(raw, 'duration')) {
    if (stageList.length > 0) throw conflict('duration', 'stages');
    if (hasScenarios) throw conflict('duration', 'scenarios');
    if (duration('options.duration', raw.duration) <= 0)
      throw new OptionsError(
        '`duration` option should be more than 0, for infinite duration use the externally-controlled executor',
      );
    return one({ executor: 'constant-vus', vus, duration: raw.duration });
  }
  if (stageList.length > 0) {
    if (hasScenarios) throw conflict('stages', 'scenarios');
    return one({ executor: 'ramping-vus', startVUs: vus, stages: stageList });
  }
  if (vus !== undefined && !hasStages) {
    const derived = one({ executor: 'shared-iterations', vus, iterations: vus });
    if (hasScenarios) derived.warnings.push(`\`vus=${String(vus)}\` overrides scenarios configuration`);
    return derived;
  }
  if (hasScenarios) {
    if (!isObject(raw.scenarios))
      throw new OptionsError('options.scenarios must be an object of scenario name → scenario');
    const entries = Object.entries(raw.scenarios);
    if (entries.length > 0)
      return { scenarios: entries.map(([name, scenario]) => parseScenario(name, scenario)), warnings: [] };
  }
  const derived = one(ONE_ITERATION_IN_ONE_VU);
  if (hasStages)
    derived.warnings.push('`stages` was explicitly set to an empty value, running the script with 1 iteration in 1 VU');
  if (hasScenarios)
    derived.warnings.push(
      '`scenarios` was explicitly set to an empty value, running the script with 1 iteration in 1 VU',
    );
  return derived;
}

/** Consolidates the script's exported `options`. */
export function consolidateOptions(exported: unknown): EngineOptions {
  const raw: Raw = exported === undefined || exported === null ? {} : isObject(exported) ? exported : {};
  if (exported !== undefined && exported !== null && !isObject(exported))
    throw new OptionsError('the exported options must be an object');

  const { scenarios, warnings } = deriveScenarios(raw);

  let systemTags = new Set(DEFAULT_SYSTEM_TAGS);
  if (raw.systemTags !== undefined && raw.systemTags !== null) {
    if (!Array.isArray(raw.systemTags)) throw new OptionsError('options.systemTags must be a list of tag names');
    systemTags = parseSystemTags(raw.systemTags);
  }

  let summaryTrendStats: string[] | undefined;
  if (raw.summaryTrendStats !== undefined) {
    if (!Array.isArray(raw.summaryTrendStats) || raw.summaryTrendStats.some((stat) => typeof stat !== 'string')) {
      throw new OptionsError('options.summaryTrendStats must be a list such as ["avg", "p(95)"]');
    }
    summaryTrendStats = raw.summaryTrendStats as string[];
  }
  const summaryTimeUnit = raw.summaryTimeUnit === undefined ? '' : String(raw.summaryTimeUnit);
  if (!['', 's', 'ms', 'us'].includes(summaryTimeUnit))
    throw new OptionsError(`options.summaryTimeUnit "${summaryTimeUnit}" must be one of s, ms, us`);

  return {
    scenarios,
    warnings,
    thresholds: raw.thresholds,
    tags: stringMap('options.tags', raw.tags),
    systemTags,
    summaryTrendStats,
    summaryTimeUnit,
    setupTimeoutMs: duration('options.setupTimeout', raw.setupTimeout, 60_000),
    teardownTimeoutMs: duration('options.teardownTimeout', raw.teardownTimeout, 60_000),
    userAgent: raw.userAgent === undefined ? DEFAULT_USER_AGENT : String(raw.userAgent),
    maxRedirects: integer('options.maxRedirects', raw.maxRedirects, 10),
    discardResponseBodies: raw.discardResponseBodies === true,
    throwOnHttpError: raw.throw === true,
    insecureSkipTLSVerify: raw.insecureSkipTLSVerify === true,
    noConnectionReuse: raw.noConnectionReuse === true,
    noVUConnectionReuse: raw.noVUConnectionReuse === true,
    noCookiesReset: raw.noCookiesReset === true,
    executionSegment: raw.executionSegment === undefined ? undefined : String(raw.executionSegment),
    executionSegmentSequence:
      raw.executionSegmentSequence === undefined ? undefined : String(raw.executionSegmentSequence),
    minIterationDurationMs: duration('options.minIterationDuration', raw.minIterationDuration, 0),
    noSetup: raw.noSetup === true,
    noTeardown: raw.noTeardown === true,
    handleSummaryTimeoutMs: duration('options.handleSummaryTimeout', raw.handleSummaryTimeout, 120_000),
    ignored: Object.keys(raw).filter((key) => !HANDLED_KEYS.has(key) && !(key in REFUSED_OPTIONS)),
    refused: Object.fromEntries(
      Object.keys(raw)
        .filter((key) => key in REFUSED_OPTIONS && raw[key] !== undefined && raw[key] !== null)
        .map((key) => [key, REFUSED_OPTIONS[key] as string]),
    ),
  };
}

/** Validates a list of system tag names. */
export function parseSystemTags(list: readonly unknown[]): Set<string> {
  const result = new Set<string>();
  for (const tag of list) {
    if (typeof tag !== 'string' || !ALL_SYSTEM_TAGS.includes(tag)) {
      throw new OptionsError(`"${String(tag)}" is not a system tag; choose from ${ALL_SYSTEM_TAGS.join(', ')}`);
    }
    result.add(tag);
  }
  return result;
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
