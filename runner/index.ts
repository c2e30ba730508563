/**
 * `floodgate run`'s library: runs one scenario of load-tests/ on k6 (when it is on PATH, or
 * asked for) or on the local engine, writes `<out>/run.json`, and shows progress read from
 * `<out>/k6.ndjson` — the same code for both engines. Resolves to the engine's exit code.
 */

import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { createGzip } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { FloodgateError } from '../contracts/errors.ts';
import { readCommonEnv } from '../contracts/script-variables.ts';
import { ADAPTER_MAILBOXES } from '../contracts/adapter-mailboxes.ts';
import {
  SCENARIO_NAMES,
  isScenarioName,
  planScenario,
  type RunPlan,
  type ScenarioName,
  type ScenarioPlan,
} from '../contracts/plan.ts';
import { createRunDisplay, type OutputStream } from './display.ts';
import { chooseEngine, findK6, type Engine, type EngineChoice } from './engine-choice.ts';
import { followLines } from './follow.ts';
import { k6Command } from './k6-command.ts';
import { localEngineOptions, type GivenK6Flag } from './k6-flags.ts';
import {
  applyCliOptions,
  checkExecutionFlags,
  executionArgv,
  hasExecutionFlags,
  localOutputRefusal,
  parseOutputs,
  type ExecutionFlags,
} from './k6-options.ts';
import { plannedStartsBy } from './planned-starts.ts';
import { runProfileRecord } from './run-profile.ts';
import type { RunProfileRecord } from '../contracts/run-record.ts';
import { summaryExport, type LegacySummaryData } from './summary-export.ts';
import { applyLine, emptyProgress, type ProgressState } from './progress.ts';
import { createStageWindow, renderTerminalLine, renderTerminalView, type ViewFrame } from './terminal-view.ts';
import { checkRunId, defaultRunId } from './run-id.ts';
import { RUN_RECORD_FILE, writeRunRecord, type RunRecord } from './run-record.ts';
import { checkTargetAnswers } from './preflight.ts';
import { checkScenarioVariables, unknownVariableWarning, type UnknownVariable } from './variables.ts';

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

/** What to run. Names follow the `floodgate run` flags. */
export interface RunScenarioOptions {
  /** Base URL of the target. */
  readonly target: string;
  /** Scenario name: a script in load-tests/scenarios/. Ignored when `script` is given. */
  readonly scenario: string;
  /**
   * Path of a k6 script (relative to the working directory): a file of load-tests/scenarios/ runs
   * as that scenario; any other script runs as it is (no plan, no pre-flight, no variable checks).
   */
  readonly script?: string;
  /** k6's -u/--vus, -d/--duration, -i/--iterations, -s/--stage, with k6's meaning (k6-options.ts). */
  readonly execution?: ExecutionFlags;
  /** k6's --tag NAME=VALUE, repeatable; `run` is --run-id's. */
  readonly tags?: readonly string[];
  /** k6's -o/--out values: json=FILE and the other k6 outputs (a value that is no output is the old results-folder --out). */
  readonly outputs?: readonly string[];
  /** k6's --summary-export FILE: the summary in k6's old JSON export shape. */
  readonly summaryExport?: string;
  /** k6's --no-thresholds. */
  readonly noThresholds?: boolean;
  /** k6's -q/--quiet: no progress display. */
  readonly quiet?: boolean;
  /** Other k6 flags, passed through to k6 (k6-flags.ts); the local engine applies or refuses them. */
  readonly k6Flags?: readonly GivenK6Flag[];
  readonly engine: EngineChoice;
  /** RATE_SCALE, when set. */
  readonly rateScale?: number;
  /** PROFILE of the opening: a profile file from `floodgate profile from-logs` (or a CSV), made absolute. */
  readonly profile?: string;
  /** TIME_SCALE, when set. */
  readonly timeScale?: number;
  /** Run id; default `<yyyymmdd-hhmmss>-<scenario>`. */
  readonly runId?: string;
  /** Results folder; default `results/<run>`. */
  readonly out?: string;
  /** Extra script variables, `KEY=VALUE`. */
  readonly env?: readonly string[];
  readonly executionSegment?: string;
  readonly executionSegmentSequence?: string;
  /**
   * One GET of the target before any engine starts; TARGET_UNREACHABLE when nothing answers.
   * Default true; false for a system that must see nothing but the test itself.
   */
  readonly preflight?: boolean;
}

/** Options the local engine's `runScript` takes (engine/index.ts). */
export interface LocalEngineOptions {
  readonly script: string;
  readonly env: Record<string, string>;
  /** Path of the NDJSON file to write. */
  readonly out: string;
  readonly tags: Record<string, string>;
  /** Expose the process environment in `__ENV`; floodgate passes false (only the `-e` pairs). */
  readonly includeSystemEnv: boolean;
  readonly executionSegment?: string;
  readonly executionSegmentSequence?: string;
  readonly cwd: string;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly signal?: AbortSignal;
  /** k6's --no-thresholds. */
  readonly noThresholds?: boolean;
  /** The command line's layer over the script's exported options, as k6 applies CLI flags (k6-options.ts). */
  readonly overrideOptions?: (exported: unknown) => unknown;
}

/** The local engine: runs a script with k6 semantics, resolves to k6's exit code and the handleSummary data. */
export type LocalEngine = (options: LocalEngineOptions) => Promise<{ exitCode: number; summary?: unknown }>;

/** The edges of a run: where to write, the clock, PATH, and the local engine. */
export interface RunContext {
  /** Working directory: relative paths (`--out`, PROFILE) start here, and k6 runs here. */
  readonly cwd: string;
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  /** Aborted on Ctrl-C: the engine is stopped and run.json still written. */
  readonly signal?: AbortSignal;
  /** PATH to look for k6 on; default `process.env.PATH`. */
  readonly pathVariable?: string;
  /** Loads the local engine (lazily, so a k6 run never loads it). */
  readonly localEngine: () => Promise<LocalEngine>;
  /** Clock; default `() => new Date()`. */
  readonly now?: () => Date;
  /** Redraw interval of the live block, default 1000 ms; the non-TTY line comes every 5th redraw. */
  readonly progressIntervalMs?: number;
  /** How long the pre-flight waits for the target, default 5000 ms (preflight.ts). */
  readonly preflightTimeoutMs?: number;
  /** The environment k6 settings are read from (K6_WEB_DASHBOARD …); default `process.env`. */
  readonly environment?: Readonly<Record<string, string | undefined>>;
}

/** How a run ended. */
export interface RunOutcome {
  readonly exitCode: number;
  readonly runId: string;
  readonly engine: Engine;
  /** Absolute path of the results folder. */
  readonly outDir: string;
  /** argv of k6, when k6 ran. */
  readonly command?: readonly string[];
  /** Progress state at the end (what the NDJSON held). */
  readonly progress: ProgressState;
}

/** Runs one scenario or script; see the module comment. Throws FloodgateError before anything starts on bad input. */
export async function runScenario(options: RunScenarioOptions, context: RunContext): Promise<RunOutcome> {
  const now = context.now ?? (() => new Date());
  const environment = context.environment ?? process.env;
  const chosen = chooseScript(options, context.cwd);
  const scenario = chosen.scenario;
  const scriptPath = chosen.path;
  const parsedOutputs = parseOutputs(options.outputs ?? []);
  const runId = checkRunId(options.runId ?? defaultRunId(chosen.name, now()));
  const out = options.out ?? parsedOutputs.resultsDir ?? join('results', runId);
  const outDir = resolve(context.cwd, out);
  refuseEarlierRun(outDir, out, runId);
  if (options.executionSegment !== undefined && options.executionSegmentSequence === undefined) {
    // without the full sequence k6 builds one around this instance's segment alone: the parts of a
    // distributed run no longer add up, and the planned-rate reporter may run nowhere
    throw new FloodgateError('USAGE', {
      detail:
        '--execution-segment needs --execution-segment-sequence, the same full sequence on every instance (e.g. 0,1/4,1/2,3/4,1)',
    });
  }
  const execution = options.execution ?? {};
  checkExecutionFlags(execution);
  const overridden = hasExecutionFlags(execution);
  const tags = runTags(options.tags ?? [], runId);
  const env = scriptVariables(options, runId, out, context.cwd);
  const variables = Object.fromEntries(env);
  let plan: RunPlan | null = null;
  let profile: RunProfileRecord | undefined;
  let unknown: UnknownVariable[] = [];
  if (scenario !== undefined) {
    // The same checks the script makes in its init context, before any engine starts.
    unknown = checkScenarioVariables(
      scenario,
      env.map(([key]) => key),
    );
    const common = readCommonEnv(variables);
    refuseMissingMailbox(common.adapter, common.emailTokenSource);
    plan = planScenario(scenario, variables, (path) => readProfileFile(path));
    profile = runProfileRecord(scenario, variables, (path) => readProfileFile(path));
  }

  const k6Path = findK6(context.pathVariable ?? process.env.PATH);
  const engine = chooseEngine(options.engine, k6Path);
  const k6Flags = options.k6Flags ?? [];
  // On the local engine, every k6 flag and output is applied or refused here, before anything starts.
  const localOptions = engine === 'local' ? localEngineOptions(k6Flags) : {};
  const jsonCopies = parsedOutputs.outputs
    .filter((output) => output.type === 'json')
    .map((output) => resolve(context.cwd, output.target));
  if (engine === 'local') {
    const refused = parsedOutputs.outputs.find((output) => output.type !== 'json');
    if (refused) throw new FloodgateError('USAGE', { detail: localOutputRefusal(refused) });
  }
  const live = context.stdout.isTTY === true && options.quiet !== true;
  const display = createRunDisplay(context.stdout, context.stderr, live);
  if (options.engine === 'auto' && engine === 'local') display.note('k6 not found on PATH; using the local engine');
  if (engine === 'k6') display.note(`using k6 at ${k6Path}`);
  if (parsedOutputs.resultsDir !== undefined && options.out === undefined) {
    display.note(
      `--out ${parsedOutputs.resultsDir} is no k6 output (k6's --out takes type=target, e.g. json=FILE): taken as the results folder, as floodgate's old --out; use --results-dir for that`,
    );
  }
  const dashboardNote = webDashboardNote(environment, engine);
  if (dashboardNote) display.note(dashboardNote);
  for (const variable of unknown) display.note(unknownVariableWarning(variable));
  if (overridden && plan) {
    display.note(
      `${executionArgv(execution).join(' ')} replace the ${scenario} scenario's arrival plan (k6: "cli" level configuration overrides the script's scenarios); the progress shows no plan`,
    );
    plan = null;
  }
  if (options.preflight !== false && scenario !== undefined) {
    await checkTargetAnswers(options.target, {
      timeoutMs: context.preflightTimeoutMs,
      ...(context.signal ? { signal: context.signal } : {}),
    });
  }

  mkdirSync(outDir, { recursive: true });
  const ndjson = join(outDir, 'k6.ndjson');
  rmSync(ndjson, { force: true }); // a folder k6 wrote into by hand (no run.json) starts a fresh stream, as k6 would
  const script = k6ScriptArgument(scriptPath, context.cwd);
  const command =
    engine === 'k6'
      ? k6Command({
          script,
          out,
          runId,
          env,
          executionSegment: options.executionSegment,
          executionSegmentSequence: options.executionSegmentSequence,
          extra: [
            ...executionArgv(execution),
            ...Object.entries(tags)
              .filter(([key]) => key !== 'run')
              .flatMap(([key, value]) => ['--tag', `${key}=${value}`]),
            ...parsedOutputs.outputs.flatMap((output) => ['--out', output.text]),
            ...(options.summaryExport === undefined ? [] : ['--summary-export', options.summaryExport]),
            ...(options.noThresholds === true ? ['--no-thresholds'] : []),
            ...k6Flags.flatMap((flag) => flag.argv),
          ],
        })
      : undefined;
  const startedAt = now();
  const record: RunRecord = {
    run: runId,
    scenario: scenario ?? chosen.name,
    ...(scenario === undefined ? { script } : {}),
    engine,
    target: options.target,
    startedAt: startedAt.toISOString(),
    endedAt: null,
    exitCode: null,
    env: variables,
    plan,
    ...(profile ? { profile } : {}),
    ...(command ? { command } : {}),
  };
  writeRunRecord(outDir, record);
  display.note(
    `run ${runId}: ${plan ? plan.description : `${script}${overridden ? ` (${executionArgv(execution).join(' ')})` : ''}`}; results in ${out}`,
  );

  const state = emptyProgress();
  const window = createStageWindow();
  // On k6, k6 writes the json outputs itself; on the local engine the runner copies the stream as it grows.
  const copies = engine === 'local' ? jsonCopies.map((path) => createNdjsonCopy(path)) : [];
  const follower = followLines(ndjson, (line) => {
    applyLine(state, line);
    window.addLine(line);
    for (const copy of copies) copy.write(line);
  });
  const frameAt = (at: Date) => progressFrame(state, plan, runId, scenario ?? chosen.name, engine, at);
  let ticks = 0;
  const interval = context.progressIntervalMs ?? 1000;
  const quiet = options.quiet === true;
  const timer = setInterval(() => {
    ticks += 1;
    if (quiet) return;
    if (live) display.progress(renderTerminalView(state, window.rows(), frameAt(now())));
    else if (ticks % 5 === 0) display.progress(renderTerminalLine(state, window.rows(), frameAt(now())));
  }, interval);
  const finalView = (at: Date): string =>
    live
      ? renderTerminalView(state, window.rows(), frameAt(at))
      : renderTerminalLine(state, window.rows(), frameAt(at));

  let exitCode: number;
  let summaryData: unknown;
  const layered = overridden || Object.keys(localOptions).length > 0;
  try {
    exitCode =
      engine === 'k6'
        ? await runK6(k6Path!, command!, context.cwd, display.engineStdout, display.engineStderr, context.signal)
        : await (
            await context.localEngine()
          )({
            script: scriptPath,
            env: variables,
            out: ndjson,
            tags,
            includeSystemEnv: false,
            executionSegment: options.executionSegment,
            executionSegmentSequence: options.executionSegmentSequence,
            cwd: context.cwd,
            stdout: display.engineStdout,
            stderr: display.engineStderr,
            ...(context.signal ? { signal: context.signal } : {}),
            ...(options.noThresholds === true ? { noThresholds: true } : {}),
            ...(layered
              ? {
                  overrideOptions: (exported: unknown) => {
                    const result = applyCliOptions(exported, execution, localOptions);
                    for (const warning of result.warnings) display.note(`warning: ${warning}`);
                    return result.options;
                  },
                }
              : {}),
          }).then((result) => {
            summaryData = result.summary;
            return result.exitCode;
          });
  } catch (error) {
    clearInterval(timer);
    await follower.stop();
    await Promise.all(copies.map((copy) => copy.close()));
    display.finishWithSummary(undefined);
    writeRunRecord(outDir, { ...record, endedAt: now().toISOString(), exitCode: exitCodeOf(error) });
    throw error;
  }
  clearInterval(timer);
  await follower.stop();
  await Promise.all(copies.map((copy) => copy.close()));
  const endedAt = now();
  // The summary is the last thing on screen, with the exact end state above it.
  display.finishWithSummary(quiet || state.firstSampleMs === undefined ? undefined : finalView(endedAt));
  if (engine === 'local' && options.summaryExport !== undefined && summaryData !== undefined) {
    writeFileSync(resolve(context.cwd, options.summaryExport), summaryExport(summaryData as LegacySummaryData));
  }
  writeRunRecord(outDir, { ...record, endedAt: endedAt.toISOString(), exitCode });
  return { exitCode, runId, engine, outDir, ...(command ? { command } : {}), progress: state };
}

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
 * What to say about K6_WEB_DASHBOARD: with k6 it is passed on (k6 reads it from the environment)
 * and k6 serves its dashboard; the local engine has none, and says what floodgate offers instead.
 */
export function webDashboardNote(
  environment: Readonly<Record<string, string | undefined>>,
  engine: Engine,
): string | undefined {
  const value = environment.K6_WEB_DASHBOARD;
  if (value === undefined || !['true', '1', 'yes'].includes(value.trim().toLowerCase())) return undefined;
  if (engine === 'k6') {
    const port = environment.K6_WEB_DASHBOARD_PORT ?? '5665';
    return port === '-1'
      ? 'K6_WEB_DASHBOARD=true: passed on to k6 (its HTTP server is off: K6_WEB_DASHBOARD_PORT=-1)'
      : `K6_WEB_DASHBOARD=true: passed on to k6; its web dashboard is at http://127.0.0.1:${port}`;
  }
  return (
    "K6_WEB_DASHBOARD=true: k6's web dashboard needs k6, and the local engine has none. " +
    "floodgate's live page shows the run instead: `floodgate exporter --follow 'results/*/k6.ndjson'` and open the /live page it prints " +
    '(the terminal view below shows the same per stage); or install k6 and pass --engine k6'
  );
}

/** A file that receives a copy of the NDJSON stream, line by line (gzipped when it ends in .gz, as k6's json output). */
function createNdjsonCopy(path: string): { write(line: string): void; close(): Promise<void> } {
  mkdirSync(dirname(path), { recursive: true });
  const file = createWriteStream(path);
  const gzip = path.endsWith('.gz') ? createGzip() : undefined;
  gzip?.pipe(file);
  const sink: NodeJS.WritableStream = gzip ?? file;
  return {
    write(line) {
      sink.write(`${line}\n`);
    },
    close: () =>
      new Promise((resolveClose, rejectClose) => {
        file.once('close', () => resolveClose());
        file.once('error', rejectClose);
        sink.end();
      }),
  };
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

function progressFrame(
  state: ProgressState,
  plan: ScenarioPlan | null,
  runId: string,
  scenario: string,
  engine: Engine,
  at: Date,
): ViewFrame {
  const elapsedSeconds =
    state.firstSampleMs === undefined ? 0 : Math.max(0, (at.getTime() - state.firstSampleMs) / 1000);
  return {
    runId,
    scenario,
    engine,
    elapsedSeconds,
    plannedSeconds: plan?.durationSeconds ?? 0,
    plannedArrivals: plan ? plannedStartsBy(plan, elapsedSeconds) : 0,
    hasPlan: plan !== null,
    windowSeconds: 10,
  };
}

function readProfileFile(path: string): string {
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

/** Runs k6 as a child; Ctrl-C is passed on as SIGINT, which k6 answers by stopping gracefully. */
function runK6(
  k6Path: string,
  argv: readonly string[],
  cwd: string,
  stdout: NodeJS.WritableStream,
  stderr: NodeJS.WritableStream,
  signal: AbortSignal | undefined,
): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(k6Path, argv.slice(1), { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(stdout, { end: false });
    child.stderr.pipe(stderr, { end: false });
    const onAbort = (): void => {
      child.kill('SIGINT');
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    child.once('error', (error) => {
      signal?.removeEventListener('abort', onAbort);
      reject(new FloodgateError('K6_NOT_FOUND', {}, { cause: error }));
    });
    child.once('close', (code, signalName) => {
      signal?.removeEventListener('abort', onAbort);
      resolvePromise(code ?? (signalName === 'SIGINT' ? 130 : 1));
    });
  });
}

function exitCodeOf(error: unknown): number {
  return error instanceof FloodgateError ? error.exitCode : 1;
}
