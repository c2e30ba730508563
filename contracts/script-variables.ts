/**
 * Script variables (`k6 run -e KEY=VALUE`, k6's `__ENV`): read, validated and given defaults in
 * one place, so a wrong value stops the test in the init context with a message that names the
 * variable and says what to pass. Pure: takes the variables as a record, imports no k6 module,
 * so `floodgate run` validates the same variables before it starts an engine.
 *
 * Over 400 lines on purpose: every variable a script reads, with its default and its message, in
 * one place (SCRIPT_VARIABLE_NAMES is the list the runner's `-e` warning checks against); split per
 * scenario, the scripts and the runner would drift apart again.
 */

import { DEFAULT_PHOTO_UPLOAD_SHARE, SEED_CONTINUATION } from './funnel.ts';
import { FloodgateError } from './errors.ts';
import { isRunId } from './identity.ts';
import { parseDurationSeconds } from './durations.ts';
import { PROFILE_NAMES } from './profiles.ts';

/** Default photo size in bytes (`PHOTO_BYTES`). */
export const DEFAULT_PHOTO_BYTES = 32 * 1024;
/**
 * Smallest photo in bytes: the one-pixel PNG of load-tests/lib/photo.ts with an empty padding
 * chunk (signature 8, IHDR 25, IDAT 22, IEND 12, empty padding chunk 12). photo.ts checks that it
 * builds exactly this size.
 */
export const MIN_PHOTO_BYTES = 79;

/** Script variables as k6 hands them over (`__ENV`). */
export type ScriptVariables = Readonly<Record<string, string | undefined>>;

/** Where the journey gets the email verification token from. */
export const EMAIL_TOKEN_SOURCES = ['mailbox', 'header', 'mailpit'] as const;
/** One email token source. */
export type EmailTokenSource = (typeof EMAIL_TOKEN_SOURCES)[number];

/** Variables every scenario reads. */
export interface CommonEnv {
  /** Base URL of the system under test, without a trailing slash. `TARGET_URL`, default `http://127.0.0.1:18081`. */
  readonly targetUrl: string;
  /** Run id, tagged on every sample as `run`. `RUN_ID`, required. */
  readonly runId: string;
  /** Folder handleSummary writes into. `RESULTS_DIR`, default `results/<RUN_ID>`. */
  readonly resultsDir: string;
  /** Target adapter name (targets/index.ts). `ADAPTER`, default `reference`. */
  readonly adapter: string;
  /** Email token source. `EMAIL_TOKEN_SOURCE`, default `mailbox`. */
  readonly emailTokenSource: EmailTokenSource;
  /** Base URL of a Mailpit-compatible API. `MAILPIT_URL`, required when the source is `mailpit`. */
  readonly mailpitUrl?: string;
  /**
   * Regular expression whose first group is the token in a mail's text, for the Mailpit source.
   * `EMAIL_TOKEN_PATTERN`, default {@link DEFAULT_EMAIL_TOKEN_PATTERN}.
   */
  readonly emailTokenPattern: string;
  /** Multiplies every think time; 0 removes them. `THINK_TIME_SCALE`, default per scenario. */
  readonly thinkTimeScale: number;
  /** Share of NIK-verified applicants who upload a photo (an assumption). `PHOTO_SHARE`, default 0.9. */
  readonly photoShare: number;
  /** Size of the uploaded photo in bytes. `PHOTO_BYTES`, default 32768 (minimum 79, a one-pixel PNG). */
  readonly photoBytes: number;
  /** `seed`: applicants stop as the seed's funnel says; `full`: everyone tries every stage. `CONTINUATION`. */
  readonly continuation: 'seed' | 'full';
  /** Seed of the behavioural draws. `SEED`, default the run id. */
  readonly seed: string;
  /** Client timeout of one request. `REQUEST_TIMEOUT`, default `30s`. */
  readonly requestTimeout: string;
  /** Retries of a 429 answer before the stage counts as throttled. `RETRY_429_MAX`, default 3. */
  readonly retryMax: number;
  /** Longest wait on one Retry-After, in seconds (longer answers are capped). `RETRY_AFTER_MAX_SECONDS`, default 10. */
  readonly retryAfterMaxSeconds: number;
  /** Print why a stage failed (stage, status, error code; never the applicant). `LOG_FAILURES`, default per scenario. */
  readonly logFailures: boolean;
  /** Pre-allocated VUs, overriding the sizing rule. `PRE_ALLOCATED_VUS`. */
  readonly preAllocatedVUs?: number;
  /** Most VUs, overriding the sizing rule. `MAX_VUS`. */
  readonly maxVUs?: number;
}

/** Defaults a scenario may choose differently. */
export interface CommonDefaults {
  readonly thinkTimeScale?: number;
  readonly logFailures?: boolean;
  readonly continuation?: 'seed' | 'full';
}

/**
 * The common-variable defaults each scenario script passes to {@link readCommonEnv} where they
 * differ from the general ones: the smoke walks one applicant through every stage at once, loudly.
 * The plan (contracts/plan.ts) records the continuation with the same defaults in run.json.
 */
export const SCENARIO_COMMON_DEFAULTS: Readonly<Record<string, CommonDefaults>> = Object.freeze({
  smoke: Object.freeze({ thinkTimeScale: 0, continuation: 'full', logFailures: true }),
});

/** Default base URL of the reference target: the scripts' `TARGET_URL` and `floodgate run --target`. */
export const DEFAULT_TARGET_URL = 'http://127.0.0.1:18081';
/** Default pattern of the email token in a verification mail: the `token=` parameter of a link. */
export const DEFAULT_EMAIL_TOKEN_PATTERN = 'token=([A-Za-z0-9._~-]+)';
/** Default think-time scale of the open scenarios: a journey then takes a few seconds. */
export const DEFAULT_THINK_TIME_SCALE = 0.01;

/**
 * Every variable floodgate's scripts read, in every scenario (the readers below; a test keeps the
 * list and the readers in step). `floodgate run` warns about `-e` names not in it, which are
 * often typos; it still passes them on, because a custom adapter may read its own.
 */
export const SCRIPT_VARIABLE_NAMES = [
  'RUN_ID',
  'TARGET_URL',
  'RESULTS_DIR',
  'ADAPTER',
  'EMAIL_TOKEN_SOURCE',
  'MAILPIT_URL',
  'EMAIL_TOKEN_PATTERN',
  'THINK_TIME_SCALE',
  'PHOTO_SHARE',
  'PHOTO_BYTES',
  'CONTINUATION',
  'SEED',
  'REQUEST_TIMEOUT',
  'RETRY_429_MAX',
  'RETRY_AFTER_MAX_SECONDS',
  'LOG_FAILURES',
  'PRE_ALLOCATED_VUS',
  'MAX_VUS',
  'PROFILE',
  'RATE_SCALE',
  'TIME_SCALE',
  'WINDOW',
  'RETRY_PROFILE',
  'BREAKPOINT_START',
  'BREAKPOINT_STEP',
  'BREAKPOINT_STEPS',
  'BREAKPOINT_STEP_SECONDS',
  'SOAK_RATE',
  'SOAK_DURATION',
] as const;

/** The variables every scenario reads (readCommonEnv). */
export const COMMON_VARIABLE_NAMES: readonly string[] = SCRIPT_VARIABLE_NAMES.slice(
  0,
  SCRIPT_VARIABLE_NAMES.indexOf('MAX_VUS') + 1,
);

/**
 * The variables each scenario reads beyond the common ones (its reader below). `floodgate run`
 * refuses a variable only another scenario reads (`--scenario opening -e SOAK_DURATION=2h` would
 * run the opening's hour, not two hours of soak).
 */
export const SCENARIO_VARIABLE_NAMES: Readonly<Record<'smoke' | 'opening' | 'breakpoint' | 'soak', readonly string[]>> =
  Object.freeze({
    smoke: [],
    opening: ['PROFILE', 'RATE_SCALE', 'TIME_SCALE', 'WINDOW'],
    breakpoint: [
      'BREAKPOINT_START',
      'BREAKPOINT_STEP',
      'BREAKPOINT_STEPS',
      'BREAKPOINT_STEP_SECONDS',
      'RATE_SCALE',
      'TIME_SCALE',
    ],
    soak: ['SOAK_RATE', 'SOAK_DURATION', 'RATE_SCALE', 'TIME_SCALE'],
  });

/** Reads the variables every scenario shares. Throws SCRIPT_ENV_INVALID naming the variable. */
export function readCommonEnv(variables: ScriptVariables, defaults: CommonDefaults = {}): CommonEnv {
  const read = reader(variables);
  const runId = read.text('RUN_ID');
  if (runId === undefined) {
    throw invalid('RUN_ID', '', 'it is required; pick an id of lower-case letters, digits, "_" or "-"');
  }
  if (!isRunId(runId)) {
    throw invalid('RUN_ID', runId, 'use 1–48 lower-case letters, digits, "_" or "-", starting with a letter or digit');
  }
  const targetUrl = (read.text('TARGET_URL') ?? DEFAULT_TARGET_URL).replace(/\/+$/, '');
  if (!/^https?:\/\/[^/\s]+/.test(targetUrl)) {
    throw invalid('TARGET_URL', targetUrl, 'expected an http:// or https:// URL');
  }
  const emailTokenSource = read.oneOf('EMAIL_TOKEN_SOURCE', EMAIL_TOKEN_SOURCES, 'mailbox');
  const mailpitUrl = read.text('MAILPIT_URL')?.replace(/\/+$/, '');
  if (emailTokenSource === 'mailpit' && mailpitUrl === undefined) {
    throw invalid(
      'MAILPIT_URL',
      '',
      'EMAIL_TOKEN_SOURCE=mailpit needs the base URL of the Mailpit API, e.g. http://127.0.0.1:8025',
    );
  }
  const emailTokenPattern = read.text('EMAIL_TOKEN_PATTERN') ?? DEFAULT_EMAIL_TOKEN_PATTERN;
  read.check(
    'EMAIL_TOKEN_PATTERN',
    emailTokenPattern,
    () => new RegExp(emailTokenPattern).source.includes('('),
    'expected a regular expression with one capturing group',
  );
  const requestTimeout = read.text('REQUEST_TIMEOUT') ?? '30s';
  read.check(
    'REQUEST_TIMEOUT',
    requestTimeout,
    () => parseDurationSeconds(requestTimeout) > 0,
    'expected a duration such as 30s',
  );
  const preAllocatedVUs = read.number('PRE_ALLOCATED_VUS', { integer: true, min: 1 });
  const maxVUs = read.number('MAX_VUS', { integer: true, min: 1 });
  if (preAllocatedVUs !== undefined && maxVUs !== undefined && maxVUs < preAllocatedVUs) {
    throw invalid('MAX_VUS', String(maxVUs), `must be at least PRE_ALLOCATED_VUS (${preAllocatedVUs})`);
  }
  const thinkTimeScale =
    read.number('THINK_TIME_SCALE', { min: 0 }) ?? defaults.thinkTimeScale ?? DEFAULT_THINK_TIME_SCALE;
  const continuation = readContinuation(variables, defaults);
  return {
    targetUrl,
    runId,
    resultsDir: (read.text('RESULTS_DIR') ?? `results/${runId}`).replace(/\/+$/, ''),
    adapter: read.text('ADAPTER') ?? 'reference',
    emailTokenSource,
    mailpitUrl,
    emailTokenPattern,
    thinkTimeScale,
    photoShare: continuation.photoShare,
    photoBytes: read.number('PHOTO_BYTES', { integer: true, min: MIN_PHOTO_BYTES }) ?? DEFAULT_PHOTO_BYTES,
    continuation: continuation.mode,
    seed: read.text('SEED') ?? runId,
    requestTimeout,
    retryMax: read.number('RETRY_429_MAX', { integer: true, min: 0 }) ?? 3,
    retryAfterMaxSeconds: read.number('RETRY_AFTER_MAX_SECONDS', { min: 0 }) ?? 10,
    logFailures:
      read.oneOf('LOG_FAILURES', ['true', 'false'] as const, defaults.logFailures ? 'true' : 'false') === 'true',
    preAllocatedVUs,
    maxVUs,
  };
}

/**
 * How applicants continue from stage to stage, as the journey reads it (`CONTINUATION`,
 * `PHOTO_SHARE`), and whether each came from a variable or a default: the report says which.
 */
export interface Continuation {
  /** `seed`: applicants stop as the seed's funnel says; `full`: everyone tries every stage. */
  readonly mode: 'seed' | 'full';
  /** True when `CONTINUATION` set the mode; false when it is the scenario's (or the general) default. */
  readonly modeSet: boolean;
  /** Share of NIK-verified applicants who upload a photo. */
  readonly photoShare: number;
  /** True when `PHOTO_SHARE` set it; false when it is the assumed default ({@link DEFAULT_PHOTO_UPLOAD_SHARE}). */
  readonly photoShareSet: boolean;
}

/** Reads `CONTINUATION` and `PHOTO_SHARE` (part of {@link readCommonEnv}). Throws SCRIPT_ENV_INVALID naming the variable. */
export function readContinuation(variables: ScriptVariables, defaults: CommonDefaults = {}): Continuation {
  const read = reader(variables);
  const photoShare = read.number('PHOTO_SHARE', { min: SEED_CONTINUATION.batchOfNikVerified, max: 1 });
  return {
    mode: read.oneOf('CONTINUATION', ['seed', 'full'] as const, defaults.continuation ?? 'seed'),
    modeSet: read.text('CONTINUATION') !== undefined,
    photoShare: photoShare ?? DEFAULT_PHOTO_UPLOAD_SHARE,
    photoShareSet: photoShare !== undefined,
  };
}

/** Where an event profile comes from: a built-in shape, a `minute,arrivals` CSV file, or a profile file from `floodgate profile from-logs` (`.json`). */
export type ProfileSource =
  | { readonly kind: 'builtin'; readonly name: 'opening-exp' | 'opening-hyperbolic' }
  | { readonly kind: 'file'; readonly path: string };

/** The choices of `RETRY_PROFILE`. */
export const RETRY_PROFILE_CHOICES = ['off', 'logs', 'storm'] as const;
export type RetryProfileChoice = (typeof RETRY_PROFILE_CHOICES)[number];

/** Variables of the `opening` scenario. */
export interface OpeningEnv {
  /** `PROFILE`: `opening-exp` (default), `opening-hyperbolic`, a path to a `minute,arrivals` CSV file, or to a profile file (`.json`, from `floodgate profile from-logs`). */
  readonly profile: ProfileSource;
  /**
   * `RETRY_PROFILE`: what applicants do after a bad answer. `off` (default): the HTTP client
   * retries 429 (RETRY_429_MAX) and the journey ends at the first failed stage; `logs`: as the
   * PROFILE file measured (retry share and delay per answer class, think times per stage);
   * `storm`: nearly everyone tries again within seconds (RETRY_STORM in journeys/retries.ts).
   */
  readonly retryProfile: RetryProfileChoice;
  /** `RATE_SCALE`, default 0.01 (the 80,000/min peak becomes 800/min). */
  readonly rateScale: number;
  /** `TIME_SCALE`, ≥ 1, default 1: event minutes per real minute; the count is kept. */
  readonly timeScale: number;
  /** `WINDOW`: event minutes `from-to`, default `0-60` (the first hour). */
  readonly window: { readonly fromMinute: number; readonly toMinute: number };
}

/** Reads the `opening` variables. */
export function readOpeningEnv(variables: ScriptVariables): OpeningEnv {
  const read = reader(variables);
  const profileText = read.text('PROFILE') ?? 'opening-exp';
  let profile: ProfileSource;
  if (profileText === 'opening-exp' || profileText === 'opening-hyperbolic')
    profile = { kind: 'builtin', name: profileText };
  else if (/\.(csv|json)$/i.test(profileText)) {
    // k6's open() resolves a relative path against the script's folder, not the working directory
    if (!/^(\/|file:\/\/|[A-Za-z]:[\\/])/.test(profileText)) {
      throw invalid(
        'PROFILE',
        profileText,
        'give the profile file as an absolute path (k6 opens relative paths from the script folder); floodgate run makes a relative path absolute for you',
      );
    }
    profile = { kind: 'file', path: profileText };
  } else {
    throw invalid(
      'PROFILE',
      profileText,
      `expected opening-exp, opening-hyperbolic or a path to a .csv or .json (floodgate profile from-logs) file (built-in profiles: ${PROFILE_NAMES.join(', ')})`,
    );
  }
  const retryProfile = read.oneOf('RETRY_PROFILE', RETRY_PROFILE_CHOICES, 'off');
  if (retryProfile === 'logs' && !(profile.kind === 'file' && /\.json$/i.test(profile.path))) {
    throw invalid(
      'RETRY_PROFILE',
      retryProfile,
      'logs needs PROFILE to be a profile file from floodgate profile from-logs (.json); use storm for the built-in retry storm',
    );
  }
  const windowText = read.text('WINDOW') ?? '0-60';
  const match = /^\s*(\d+(?:\.\d+)?)\s*(?:-|\.\.)\s*(\d+(?:\.\d+)?)\s*$/.exec(windowText);
  const window = match ? { fromMinute: Number(match[1]), toMinute: Number(match[2]) } : undefined;
  if (!window || !(window.toMinute > window.fromMinute)) {
    throw invalid('WINDOW', windowText, 'expected event minutes "from-to" with from < to, e.g. 0-60');
  }
  return {
    profile,
    retryProfile,
    rateScale: read.number('RATE_SCALE', { min: 0, exclusiveMin: true }) ?? 0.01,
    timeScale: read.number('TIME_SCALE', { min: 1 }) ?? 1,
    window,
  };
}

/** Variables of the `breakpoint` scenario; rates in new applicants per second. */
export interface BreakpointEnv {
  /** `BREAKPOINT_START`, default 2. */
  readonly startRate: number;
  /** `BREAKPOINT_STEP`, default 2. */
  readonly stepRate: number;
  /** `BREAKPOINT_STEPS`, default 8. */
  readonly steps: number;
  /** `BREAKPOINT_STEP_SECONDS`, default 120: long enough for journeys started in a step to finish in it. */
  readonly stepSeconds: number;
  /** `RATE_SCALE`, default 1: multiplies every step's rate. */
  readonly rateScale: number;
  /** `TIME_SCALE`, ≥ 1, default 1: divides the step length; rates stay (they are what is measured). */
  readonly timeScale: number;
}

/** Reads the `breakpoint` variables. */
export function readBreakpointEnv(variables: ScriptVariables): BreakpointEnv {
  const read = reader(variables);
  return {
    startRate: read.number('BREAKPOINT_START', { min: 0, exclusiveMin: true }) ?? 2,
    stepRate: read.number('BREAKPOINT_STEP', { min: 0 }) ?? 2,
    steps: read.number('BREAKPOINT_STEPS', { integer: true, min: 1 }) ?? 8,
    stepSeconds: read.number('BREAKPOINT_STEP_SECONDS', { min: 0, exclusiveMin: true }) ?? 120,
    rateScale: read.number('RATE_SCALE', { min: 0, exclusiveMin: true }) ?? 1,
    timeScale: read.number('TIME_SCALE', { min: 1 }) ?? 1,
  };
}

/** Variables of the `soak` scenario. */
export interface SoakEnv {
  /** `SOAK_RATE`, new applicants per second, default 2. */
  readonly rate: number;
  /** `SOAK_DURATION`, a k6 duration, default `1h`. */
  readonly durationSeconds: number;
  /** `RATE_SCALE`, default 1: multiplies the rate. */
  readonly rateScale: number;
  /** `TIME_SCALE`, ≥ 1, default 1: divides the duration; the rate stays. */
  readonly timeScale: number;
}

/** Reads the `soak` variables. */
export function readSoakEnv(variables: ScriptVariables): SoakEnv {
  const read = reader(variables);
  const durationText = read.text('SOAK_DURATION') ?? '1h';
  let durationSeconds = 0;
  read.check(
    'SOAK_DURATION',
    durationText,
    () => (durationSeconds = parseDurationSeconds(durationText)) > 0,
    'expected a duration such as 30m or 2h',
  );
  const timeScale = read.number('TIME_SCALE', { min: 1 }) ?? 1;
  // k6's constant-arrival-rate refuses a duration under one second (exit 104): say so first
  if (durationSeconds / timeScale < 1) {
    throw invalid(
      'SOAK_DURATION',
      durationText,
      `divided by TIME_SCALE ${timeScale} it lasts under one second, the shortest k6 accepts`,
    );
  }
  return {
    rate: read.number('SOAK_RATE', { min: 0, exclusiveMin: true }) ?? 2,
    durationSeconds,
    rateScale: read.number('RATE_SCALE', { min: 0, exclusiveMin: true }) ?? 1,
    timeScale,
  };
}

// --- internals -------------------------------------------------------------------------------

interface NumberRule {
  readonly integer?: boolean;
  readonly min?: number;
  readonly exclusiveMin?: boolean;
  readonly max?: number;
}

function reader(variables: ScriptVariables) {
  const text = (name: string): string | undefined => {
    const value = variables[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  return {
    text,
    number(name: string, rule: NumberRule): number | undefined {
      const raw = text(name);
      if (raw === undefined) return undefined;
      const value = Number(raw);
      const kind = rule.integer ? 'an integer' : 'a number';
      const lower = rule.min === undefined ? '' : ` ${rule.exclusiveMin ? '>' : '≥'} ${rule.min}`;
      const upper = rule.max === undefined ? '' : `${lower ? ' and' : ''} ≤ ${rule.max}`;
      const fits =
        Number.isFinite(value) &&
        (!rule.integer || Number.isInteger(value)) &&
        (rule.min === undefined || (rule.exclusiveMin ? value > rule.min : value >= rule.min)) &&
        (rule.max === undefined || value <= rule.max);
      if (!fits) throw invalid(name, raw, `expected ${kind}${lower}${upper}`);
      return value;
    },
    oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
      const raw = text(name);
      if (raw === undefined) return fallback;
      if (!(allowed as readonly string[]).includes(raw))
        throw invalid(name, raw, `expected one of ${allowed.join(', ')}`);
      return raw as T;
    },
    check(name: string, raw: string, predicate: () => boolean, expected: string): void {
      let ok = false;
      try {
        ok = predicate();
      } catch {
        ok = false;
      }
      if (!ok) throw invalid(name, raw, expected);
    },
  };
}

function invalid(name: string, value: string, detail: string): FloodgateError {
  return new FloodgateError('SCRIPT_ENV_INVALID', { name, value, detail });
}
