/**
 * Which log lines are the funnel, and which stage each is: the filters (health checks, static
 * assets, bots, paths of no interest) and the stage table (method + path regex → funnel stage),
 * capacity-model.md §3.6 steps 1–2. The default table is the reference target's; a file in the
 * format below (`--stage-map <file>`) describes any other system.
 *
 * ```json
 * {
 *   "stages": [
 *     { "stage": "landing", "method": "GET", "path": "^/$" },
 *     { "stage": "register", "method": "POST", "path": "^/api/register$" }
 *   ],
 *   "ignore": { "health": "^/(healthz|metrics)", "static": "\\.(css|js|png)$", "bots": "bot|spider", "paths": ["^/api/test/"] },
 *   "slowSeconds": 3
 * }
 * ```
 * Omitted `ignore` entries keep the defaults; `path` and `bots` are case-insensitive regexes.
 */

import { FUNNEL_STAGES, isFunnelStage, type FunnelStage } from '../contracts/funnel.ts';
import type { LogErrorClass } from '../contracts/profile-file.ts';
import type { LogRecord } from './record.ts';

/** One row of the stage table. */
export interface StageRule {
  readonly stage: FunnelStage;
  /** HTTP method, or `*` for any. */
  readonly method: string;
  readonly path: RegExp;
}

/** Why a line that was read is left out of the funnel. */
export const IGNORE_REASONS = ['health', 'static', 'bot', 'ignored_path', 'unmapped'] as const;
export type IgnoreReason = (typeof IGNORE_REASONS)[number];

/** The filters and the stage table. */
export interface LogRules {
  readonly stages: readonly StageRule[];
  readonly health: RegExp;
  readonly static: RegExp;
  readonly bots: RegExp;
  readonly ignoredPaths: readonly RegExp[];
  /** A success slower than this, followed by another attempt, counts as a `slow` retry. */
  readonly slowSeconds: number;
}

/** The reference target's routes (target/README.md). */
export const REFERENCE_TARGET_RULES: LogRules = {
  stages: [
    { stage: 'landing', method: 'GET', path: /^\/(\?.*)?$/ },
    { stage: 'register', method: 'POST', path: /^\/api\/register(\?.*)?$/ },
    { stage: 'verify_email', method: 'POST', path: /^\/api\/verify-email(\?.*)?$/ },
    { stage: 'verify_nik', method: 'POST', path: /^\/api\/verify-nik(\?.*)?$/ },
    { stage: 'upload_photo', method: 'POST', path: /^\/api\/photo(\?.*)?$/ },
    { stage: 'join_batch', method: 'POST', path: /^\/api\/batches\/[^/]+\/join(\?.*)?$/ },
  ],
  health: /^\/(healthz|health|livez|readyz|ready|metrics|truth)(\/|\?|$)/i,
  static: /\.(css|js|mjs|map|png|jpe?g|gif|svg|ico|webp|woff2?|ttf|eot|txt)(\?|$)/i,
  bots: /\b(bot|crawler|spider|slurp|bingpreview|facebookexternalhit|monitoring|pingdom|uptimerobot|kube-probe|elb-healthchecker)\b/i,
  ignoredPaths: [/^\/api\/test\//],
  slowSeconds: 3,
};

/** The stage of a record, or why it is left out. */
export function classifyRecord(record: LogRecord, rules: LogRules): FunnelStage | IgnoreReason {
  const byPath = classifyRequest(record.method, record.path, rules);
  if (byPath === 'health' || byPath === 'static') return byPath;
  return rules.bots.test(record.userAgent) ? 'bot' : byPath;
}

/** The stage of a method and path, or why they are left out (the user agent aside: bots are the caller's). */
export function classifyRequest(method: string, path: string, rules: LogRules): FunnelStage | IgnoreReason {
  if (rules.health.test(path)) return 'health';
  if (rules.static.test(path)) return 'static';
  if (rules.ignoredPaths.some((pattern) => pattern.test(path))) return 'ignored_path';
  for (const rule of rules.stages) {
    if ((rule.method === '*' || rule.method === method) && rule.path.test(path)) return rule.stage;
  }
  return 'unmapped';
}

/** Distinct requests and user agents a classifier remembers before it starts afresh. */
const CLASSIFIER_MEMORY = 50_000;

/**
 * {@link classifyRecord} with a memory of the requests and user agents it has seen: a log repeats
 * them, and the regexes are the dearest part of a line. Bounded: past {@link CLASSIFIER_MEMORY}
 * entries a cache starts afresh (a log of unique query strings costs the regexes, not memory).
 */
export function createClassifier(rules: LogRules): (record: LogRecord) => FunnelStage | IgnoreReason {
  // per method, then per path: no key string built per line
  const requests = new Map<string, Map<string, FunnelStage | IgnoreReason>>();
  let remembered = 0;
  const agents = new Map<string, boolean>();
  let lastAgent = '';
  let lastBot = false;
  return (record) => {
    let paths = requests.get(record.method);
    if (paths === undefined) {
      paths = new Map();
      requests.set(record.method, paths);
    }
    let byPath = paths.get(record.path);
    if (byPath === undefined) {
      if (remembered >= CLASSIFIER_MEMORY) {
        for (const memory of requests.values()) memory.clear();
        remembered = 0;
      }
      byPath = classifyRequest(record.method, record.path, rules);
      paths.set(record.path, byPath);
      remembered += 1;
    }
    if (byPath === 'health' || byPath === 'static') return byPath;
    // consecutive lines mostly share their agent (the parsers hand the same string on)
    if (record.userAgent !== lastAgent || agents.size === 0) {
      let bot = agents.get(record.userAgent);
      if (bot === undefined) {
        if (agents.size >= CLASSIFIER_MEMORY) agents.clear();
        bot = rules.bots.test(record.userAgent);
        agents.set(record.userAgent, bot);
      }
      lastAgent = record.userAgent;
      lastBot = bot;
    }
    return lastBot ? 'bot' : byPath;
  };
}

/** The class of an answer: undefined for a success (2xx, 3xx). */
export function answerClass(status: number): Exclude<LogErrorClass, 'slow'> | undefined {
  if (status >= 200 && status < 400) return undefined;
  if (status === 429) return 'throttled';
  if (status === 0 || status === 499 || status >= 500) return 'capacity';
  return 'behavioural';
}

/**
 * Reads a stage-map file's JSON (format above) into rules, keeping the defaults for what it
 * omits. Throws RangeError naming the bad entry.
 */
export function parseStageMap(value: unknown, where: string): LogRules {
  const fail = (detail: string): never => {
    throw new RangeError(`${where}: ${detail}`);
  };
  if (typeof value !== 'object' || value === null) fail('expected a JSON object with "stages"');
  const file = value as Record<string, unknown>;
  if (!Array.isArray(file.stages) || file.stages.length === 0)
    fail('"stages" must be a non-empty array of { stage, method, path }');
  const regex = (text: unknown, name: string): RegExp => {
    if (typeof text !== 'string') fail(`${name} must be a regex string`);
    try {
      return new RegExp(text as string, 'i');
    } catch (error) {
      return fail(`${name} is not a valid regex: ${(error as Error).message}`);
    }
  };
  const stages = (file.stages as unknown[]).map((entry, index): StageRule => {
    const row = (entry ?? {}) as Record<string, unknown>;
    if (typeof row.stage !== 'string' || !isFunnelStage(row.stage))
      fail(`stages[${index}].stage must be one of ${FUNNEL_STAGES.join(', ')}`);
    const method = typeof row.method === 'string' ? row.method.toUpperCase() : '*';
    return { stage: row.stage as FunnelStage, method, path: regex(row.path, `stages[${index}].path`) };
  });
  const ignore = (file.ignore ?? {}) as Record<string, unknown>;
  const paths =
    ignore.paths === undefined
      ? REFERENCE_TARGET_RULES.ignoredPaths
      : Array.isArray(ignore.paths)
        ? ignore.paths.map((text, i) => regex(text, `ignore.paths[${i}]`))
        : fail('ignore.paths must be an array of regex strings');
  const slow = file.slowSeconds === undefined ? REFERENCE_TARGET_RULES.slowSeconds : Number(file.slowSeconds);
  if (!(slow > 0)) fail('slowSeconds must be a number > 0');
  return {
    stages,
    health: ignore.health === undefined ? REFERENCE_TARGET_RULES.health : regex(ignore.health, 'ignore.health'),
    static: ignore.static === undefined ? REFERENCE_TARGET_RULES.static : regex(ignore.static, 'ignore.static'),
    bots: ignore.bots === undefined ? REFERENCE_TARGET_RULES.bots : regex(ignore.bots, 'ignore.bots'),
    ignoredPaths: paths,
    slowSeconds: slow,
  };
}
