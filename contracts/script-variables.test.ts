/**
 * The script variables every scenario reads (contracts/script-variables.ts): defaults, errors, and the list of names.
 * The k6 scripts and `floodgate run` both read them (moved from test/loadtests-lib.test.ts).
 */

import { describe, expect, test } from 'vitest';
import { isFloodgateError } from './errors.ts';
import {
  readBreakpointEnv,
  readCommonEnv,
  readOpeningEnv,
  readSoakEnv,
  SCRIPT_VARIABLE_NAMES,
  type ScriptVariables,
} from './script-variables.ts';

const base: ScriptVariables = { RUN_ID: 'unit-1' };

function codeAndName(action: () => unknown): { code: string; name: string | number | undefined } {
  try {
    action();
  } catch (error) {
    if (isFloodgateError(error)) return { code: error.code, name: error.details.name };
    throw error;
  }
  throw new Error('expected a FloodgateError');
}

describe('script variables', () => {
  test('take their defaults when only RUN_ID is given', () => {
    const env = readCommonEnv(base);
    expect(env).toMatchObject({
      targetUrl: 'http://127.0.0.1:18081',
      runId: 'unit-1',
      resultsDir: 'results/unit-1',
      adapter: 'reference',
      emailTokenSource: 'mailbox',
      thinkTimeScale: 0.01,
      photoShare: 0.9,
      continuation: 'seed',
      seed: 'unit-1',
      requestTimeout: '30s',
      retryMax: 3,
      retryAfterMaxSeconds: 10,
    });
  });

  test('lose a trailing slash on URLs and folders', () => {
    const env = readCommonEnv({ ...base, TARGET_URL: 'http://127.0.0.1:9/', RESULTS_DIR: 'out/x/' });
    expect(env.targetUrl).toBe('http://127.0.0.1:9');
    expect(env.resultsDir).toBe('out/x');
  });

  test.each([
    [{}, 'RUN_ID'],
    [{ RUN_ID: 'Bad Id' }, 'RUN_ID'],
    [{ ...base, TARGET_URL: 'ftp://x' }, 'TARGET_URL'],
    [{ ...base, EMAIL_TOKEN_SOURCE: 'pigeon' }, 'EMAIL_TOKEN_SOURCE'],
    [{ ...base, EMAIL_TOKEN_SOURCE: 'mailpit' }, 'MAILPIT_URL'],
    [{ ...base, EMAIL_TOKEN_PATTERN: '(' }, 'EMAIL_TOKEN_PATTERN'],
    [{ ...base, THINK_TIME_SCALE: '-1' }, 'THINK_TIME_SCALE'],
    [{ ...base, PHOTO_SHARE: '0.1' }, 'PHOTO_SHARE'],
    [{ ...base, PHOTO_BYTES: '10' }, 'PHOTO_BYTES'],
    [{ ...base, RETRY_429_MAX: '1.5' }, 'RETRY_429_MAX'],
    [{ ...base, REQUEST_TIMEOUT: 'soon' }, 'REQUEST_TIMEOUT'],
    [{ ...base, PRE_ALLOCATED_VUS: '10', MAX_VUS: '5' }, 'MAX_VUS'],
    [{ ...base, CONTINUATION: 'sometimes' }, 'CONTINUATION'],
  ] as Array<[ScriptVariables, string]>)('%j is rejected naming %s', (variables, name) => {
    expect(codeAndName(() => readCommonEnv(variables))).toEqual({ code: 'SCRIPT_ENV_INVALID', name });
  });

  test('a scenario may choose its own defaults, and variables still win', () => {
    expect(readCommonEnv(base, { thinkTimeScale: 0, continuation: 'full' })).toMatchObject({
      thinkTimeScale: 0,
      continuation: 'full',
    });
    expect(readCommonEnv({ ...base, THINK_TIME_SCALE: '0.5' }, { thinkTimeScale: 0 }).thinkTimeScale).toBe(0.5);
  });

  test.each([
    [
      {},
      {
        profile: { kind: 'builtin', name: 'opening-exp' },
        rateScale: 0.01,
        timeScale: 1,
        window: { fromMinute: 0, toMinute: 60 },
      },
    ],
    [
      { PROFILE: 'opening-hyperbolic', RATE_SCALE: '0.5', TIME_SCALE: '60', WINDOW: '10..40' },
      {
        profile: { kind: 'builtin', name: 'opening-hyperbolic' },
        rateScale: 0.5,
        timeScale: 60,
        window: { fromMinute: 10, toMinute: 40 },
      },
    ],
    [{ PROFILE: '/data/day.csv' }, { profile: { kind: 'file', path: '/data/day.csv' } }],
  ] as Array<[ScriptVariables, object]>)('opening variables %j read as %j', (variables, expected) => {
    expect(readOpeningEnv(variables)).toMatchObject(expected);
  });

  test.each([
    [{ PROFILE: 'tsunami' }, 'PROFILE'],
    [{ WINDOW: '30-10' }, 'WINDOW'],
    [{ WINDOW: 'all' }, 'WINDOW'],
    [{ TIME_SCALE: '0.5' }, 'TIME_SCALE'],
    [{ RATE_SCALE: '0' }, 'RATE_SCALE'],
    [{ PROFILE: 'profiles/day.csv' }, 'PROFILE'], // k6 would look for it beside the script
  ] as Array<[ScriptVariables, string]>)('opening variables %j are rejected naming %s', (variables, name) => {
    expect(codeAndName(() => readOpeningEnv(variables))).toEqual({ code: 'SCRIPT_ENV_INVALID', name });
  });

  test('breakpoint and soak variables have documented defaults', () => {
    expect(readBreakpointEnv({})).toEqual({
      startRate: 2,
      stepRate: 2,
      steps: 8,
      stepSeconds: 120,
      rateScale: 1,
      timeScale: 1,
    });
    expect(readSoakEnv({})).toEqual({ rate: 2, durationSeconds: 3600, rateScale: 1, timeScale: 1 });
    expect(codeAndName(() => readBreakpointEnv({ BREAKPOINT_STEPS: '0' }))).toEqual({
      code: 'SCRIPT_ENV_INVALID',
      name: 'BREAKPOINT_STEPS',
    });
    expect(codeAndName(() => readSoakEnv({ SOAK_DURATION: 'forever' }))).toEqual({
      code: 'SCRIPT_ENV_INVALID',
      name: 'SOAK_DURATION',
    });
  });

  test('a soak compressed below one second is refused before k6 would refuse it', () => {
    expect(codeAndName(() => readSoakEnv({ SOAK_DURATION: '30s', TIME_SCALE: '60' }))).toEqual({
      code: 'SCRIPT_ENV_INVALID',
      name: 'SOAK_DURATION',
    });
    expect(readSoakEnv({ SOAK_DURATION: '60s', TIME_SCALE: '60' }).durationSeconds).toBe(60);
  });
});

describe('the list of script variables', () => {
  test('holds exactly the variables the readers read, in every scenario', () => {
    const read = new Set<string>();
    const recording = (values: Record<string, string>): ScriptVariables =>
      new Proxy(values, {
        get(target, name) {
          if (typeof name === 'string') read.add(name);
          return target[name as string];
        },
      });
    readCommonEnv(recording({ RUN_ID: 'unit-1', EMAIL_TOKEN_SOURCE: 'mailpit', MAILPIT_URL: 'http://127.0.0.1:8025' }));
    readOpeningEnv(recording({}));
    readBreakpointEnv(recording({}));
    readSoakEnv(recording({}));
    expect([...read].sort()).toEqual([...SCRIPT_VARIABLE_NAMES].sort());
  });
});
