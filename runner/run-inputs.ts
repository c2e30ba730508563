/**
 * The inputs of a run, checked before anything starts: which script (a scenario of load-tests/ or
 * a user's own), its script variables and tags, the results folder, the profile file. Split from
 * runner/index.ts (which re-exports what others import) so that file holds the run itself.
 */

import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADAPTER_MAILBOXES } from '../contracts/adapter-mailboxes.ts';
import { FloodgateError } from '../contracts/errors.ts';
import { SCENARIO_NAMES, isScenarioName, type ScenarioName } from '../contracts/plan.ts';
import type { RunScenarioOptions } from './index.ts';
import { RUN_RECORD_FILE } from './run-record.ts';

/** The project's root folder (holding load-tests/). */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Folder of the scenario scripts. */
export const SCENARIOS_DIR = join(PROJECT_ROOT, 'load-tests', 'scenarios');

/** Script variables floodgate run sets itself; `-e` may not set them (use the flags). */
export const RESERVED_VARIABLES: Readonly<Record<string, string>> = Object.freeze({
  TARGET_URL: '--target',
  RUN_ID: '--run-id',
  RESULTS_DIR: '--out',
});

/** The script a run executes: one of floodgate's scenarios, or a user's own k6 script. */
interface ChosenScript {
  readonly path: string;
  /** Scenario name, or the script's base name for a user's script (run ids, run.json). */
  readonly name: string;
  /** Set when the script is one of floodgate's scenarios. */
  readonly scenario?: ScenarioName;
}

/**
 * `options.script` when given (a file of load-tests/scenarios/ is that scenario; SCRIPT_NOT_FOUND
 * when there is no such file), else the `--scenario`.
 */
export function chooseScript(options: Pick<RunScenarioOptions, 'script' | 'scenario'>, cwd: string): ChosenScript {
  if (options.script === undefined) {
    const path = scenarioScript(options.scenario);
    return { path, name: options.scenario, scenario: options.scenario as ScenarioName };
  }
  const path = resolve(cwd, options.script);
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new FloodgateError('SCRIPT_NOT_FOUND', {
      script: options.script,
      detail: existsSync(path) ? 'it is a folder, not a script file' : 'no such file',
    });
  }
  const base = basename(path).replace(/\.(ts|js|mjs|cjs|mts)$/, '');
  if (dirname(path) === SCENARIOS_DIR && isScenarioName(base)) return { path, name: base, scenario: base };
  return {
    path,
    name:
      base
        .toLowerCase()
        .replace(/[^a-z0-9_-]+/g, '-')
        .replace(/^-+|-+$/g, '') || 'script',
  };
}

/**
 * SCRIPT_ENV_INVALID when the email token source is the test mailbox (the default) and the
 * adapter has none (contracts/adapter-mailboxes.ts): said before any engine starts, as the
 * script itself would say it in its init context.
 */
export function refuseMissingMailbox(adapter: string, source: string): void {
  if (source !== 'mailbox' || ADAPTER_MAILBOXES[adapter] !== undefined) return;
  throw new FloodgateError('SCRIPT_ENV_INVALID', {
    name: 'EMAIL_TOKEN_SOURCE',
    value: 'mailbox',
    detail: `adapter ${adapter} has no test mailbox (mailbox is the default, for the reference target); pass -e EMAIL_TOKEN_SOURCE=header (your staging echoes the token at registration) or -e EMAIL_TOKEN_SOURCE=mailpit -e MAILPIT_URL=<url>`,
  });
}

/** `--tag NAME=VALUE` pairs as run tags, with `run` set from the run id (USAGE on a bad pair or `run=`). */
export function runTags(pairs: readonly string[], runId: string): Record<string, string> {
  const tags: Record<string, string> = { run: runId };
  for (const pair of pairs) {
    const equals = pair.indexOf('=');
    if (equals <= 0)
      throw new FloodgateError('USAGE', { detail: `--tag expects NAME=VALUE, got "${pair}" (k6's --tag)` });
    const name = pair.slice(0, equals);
    if (name === 'run')
      throw new FloodgateError('USAGE', { detail: '--tag run=… is the run id: set it with --run-id' });
    tags[name] = pair.slice(equals + 1);
  }
  return tags;
}

/**
 * The script variables of a run, in order: TARGET_URL, RUN_ID, RESULTS_DIR, RATE_SCALE,
 * TIME_SCALE and PROFILE when given, then every `-e` pair. A relative PROFILE file becomes absolute (k6's
 * `open()` does not resolve against the working directory).
 */
export function scriptVariables(
  options: Pick<RunScenarioOptions, 'target' | 'rateScale' | 'timeScale' | 'env' | 'profile'>,
  runId: string,
  out: string,
  cwd: string,
): Array<[string, string]> {
  const pairs: Array<[string, string]> = [
    ['TARGET_URL', options.target],
    ['RUN_ID', runId],
    ['RESULTS_DIR', out],
  ];
  if (options.rateScale !== undefined) pairs.push(['RATE_SCALE', String(options.rateScale)]);
  if (options.timeScale !== undefined) pairs.push(['TIME_SCALE', String(options.timeScale)]);
  if (options.profile !== undefined)
    pairs.push(['PROFILE', isAbsolute(options.profile) ? options.profile : resolve(cwd, options.profile)]);
  const seen = new Set(pairs.map(([key]) => key));
  for (const text of options.env ?? []) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(text);
    if (!match) throw new FloodgateError('USAGE', { detail: `-e expects KEY=VALUE, got "${text}"` });
    const key = match[1]!;
    let value = match[2]!;
    const flag =
      RESERVED_VARIABLES[key] ??
      (
        { RATE_SCALE: '--rate-scale', TIME_SCALE: '--time-scale', PROFILE: '--profile' } as Readonly<
          Record<string, string>
        >
      )[key];
    if (flag !== undefined && (RESERVED_VARIABLES[key] !== undefined || seen.has(key))) {
      throw new FloodgateError('USAGE', { detail: `set ${key} with ${flag}, not with -e` });
    }
    if (seen.has(key)) throw new FloodgateError('USAGE', { detail: `-e ${key} is given twice` });
    if (key === 'PROFILE' && /\.(csv|json)$/i.test(value) && !isAbsolute(value)) value = resolve(cwd, value);
    seen.add(key);
    pairs.push([key, value]);
  }
  return pairs;
}

/**
 * USAGE when `outDir` already holds a run.json. A second run there would overwrite the earlier
 * results, and with the same run id its synthetic applicants (emails and NIKs derive from the
 * run id) collide with the records the earlier run left on the target: 409 duplicate_email.
 */
export function refuseEarlierRun(outDir: string, out: string, runId: string): void {
  const path = join(outDir, RUN_RECORD_FILE);
  if (!existsSync(path)) return;
  let earlier: string | undefined;
  try {
    earlier = (JSON.parse(readFileSync(path, 'utf8')) as { run?: unknown }).run as string | undefined;
  } catch {
    earlier = undefined; // unreadable: still a run's folder
  }
  const detail =
    earlier === runId
      ? `${out} already holds run "${runId}" (${RUN_RECORD_FILE}): running it again would overwrite its results, and its applicants ` +
        `(emails and NIKs derive from the run id) would collide with the records the earlier run left on the target (409 duplicate_email). ` +
        `Pass another --run-id, leave --run-id out for a fresh one, or remove ${out}`
      : `${out} already holds the results of ${earlier === undefined ? 'an earlier run' : `run "${earlier}"`} (${RUN_RECORD_FILE}); ` +
        `run "${runId}" would overwrite them. Pass another --out, leave --out out (results/<run>), or remove ${out}`;
  throw new FloodgateError('USAGE', { detail });
}

/** Absolute path of a scenario's script; SCENARIO_UNKNOWN when there is none. */
export function scenarioScript(scenario: string): string {
  const path = join(SCENARIOS_DIR, `${scenario}.ts`);
  if (!isScenarioName(scenario) || !existsSync(path)) {
    throw new FloodgateError('SCENARIO_UNKNOWN', { scenario, known: SCENARIO_NAMES.join(', ') });
  }
  return path;
}

/** The script path as k6 gets it: relative to the working directory when inside it, else absolute. */
export function k6ScriptArgument(scriptPath: string, cwd: string): string {
  const relativePath = relative(cwd, scriptPath);
  return relativePath.startsWith('..') || isAbsolute(relativePath) ? scriptPath : relativePath;
}

export function readProfileFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new FloodgateError(
      'PROFILE_INVALID',
      { detail: `cannot read ${path}: ${(error as Error).message}` },
      { cause: error },
    );
  }
}
