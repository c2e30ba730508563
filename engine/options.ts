/**
 * The script's `options`, consolidated and validated the way k6 does for what the local engine
 * supports: scenarios (six executors, with the `vus`/`duration`/`iterations`/`stages`
 * shortcuts), thresholds, tags, system tags, summary settings and HTTP defaults. Anything
 * invalid throws an {@link OptionsError} (exit code 104). Scenarios live in scenarios.ts, the
 * readers of single values in option-values.ts; both are re-exported here for the executors.
 */

import { duration, integer, isObject, OptionsError, stringMap, type Raw } from './option-values.ts';
import { parseScenario, shortcutScenario, type ScenarioConfig } from './scenarios.ts';

export { OptionsError } from './option-values.ts';
export { EXECUTOR_TYPES, parseScenario, regularDurationMs } from './scenarios.ts';
export type { ExecutorType, ScenarioConfig, Stage } from './scenarios.ts';

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

/** Consolidates the script's exported `options`. */
export function consolidateOptions(exported: unknown): EngineOptions {
  const raw: Raw = exported === undefined || exported === null ? {} : isObject(exported) ? exported : {};
  if (exported !== undefined && exported !== null && !isObject(exported))
    throw new OptionsError('the exported options must be an object');

  let scenarios: ScenarioConfig[];
  if (raw.scenarios !== undefined && raw.scenarios !== null) {
    if (!isObject(raw.scenarios))
      throw new OptionsError('options.scenarios must be an object of scenario name → scenario');
    scenarios = Object.entries(raw.scenarios).map(([name, scenario]) => parseScenario(name, scenario));
    if (scenarios.length === 0) throw new OptionsError('options.scenarios is empty; define at least one scenario');
  } else {
    scenarios = [shortcutScenario(raw)];
  }

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
