/**
 * `floodgate run`'s library: runs one scenario of load-tests/ on k6 (when it is on PATH, or
 * asked for) or on the local engine, writes `<out>/run.json`, and shows progress read from
 * `<out>/k6.ndjson` — the same code for both engines. Resolves to the engine's exit code.
 */

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FloodgateError } from '../contracts/errors.ts';
import { readCommonEnv } from '../load-tests/lib/env.ts';
import { SCENARIO_NAMES, isScenarioName, plannedArrivalsUntil, planScenario, type ScenarioPlan } from '../load-tests/lib/plan.ts';
import { createRunDisplay, type OutputStream } from './display.ts';
import { chooseEngine, findK6, type Engine, type EngineChoice } from './engine-choice.ts';
import { followLines } from './follow.ts';
import { k6Command } from './k6-command.ts';
import { applyLine, emptyProgress, renderProgressBlock, renderProgressLine, type ProgressState } from './progress.ts';
import { checkRunId, defaultRunId } from './run-id.ts';
import { RUN_RECORD_FILE, writeRunRecord, type RunRecord } from './run-record.ts';
import { checkTargetAnswers } from './preflight.ts';
import { unknownVariables, unknownVariableWarning } from './variables.ts';

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
  /** Scenario name: a script in load-tests/scenarios/. */
  readonly scenario: string;
  readonly engine: EngineChoice;
  /** RATE_SCALE, when set. */
  readonly rateScale?: number;
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
}

/** The local engine: runs a script with k6 semantics, resolves to k6's exit code. */
export type LocalEngine = (options: LocalEngineOptions) => Promise<{ exitCode: number }>;

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

/** Runs one scenario; see the module comment. Throws FloodgateError before anything starts on bad input. */
export async function runScenario(options: RunScenarioOptions, context: RunContext): Promise<RunOutcome> {
  const now = context.now ?? (() => new Date());
  const scriptPath = scenarioScript(options.scenario);
  const runId = checkRunId(options.runId ?? defaultRunId(options.scenario, now()));
  const out = options.out ?? join('results', runId);
  const outDir = resolve(context.cwd, out);
  refuseEarlierRun(outDir, out, runId);
  if (options.executionSegment !== undefined && options.executionSegmentSequence === undefined) {
    // without the full sequence k6 builds one around this instance's segment alone: the parts of a
    // distributed run no longer add up, and the planned-rate reporter may run nowhere
    throw new FloodgateError('USAGE', {
      detail: '--execution-segment needs --execution-segment-sequence, the same full sequence on every instance (e.g. 0,1/4,1/2,3/4,1)',
    });
  }
  const env = scriptVariables(options, runId, out, context.cwd);
  const variables = Object.fromEntries(env);
  // The same checks the script makes in its init context, before any engine starts.
  readCommonEnv(variables);
  const plan = planScenario(options.scenario as Parameters<typeof planScenario>[0], variables, (path) => readProfileFile(path));
  const unknown = unknownVariables((options.env ?? []).map((pair) => pair.slice(0, pair.indexOf('='))));

  const k6Path = findK6(context.pathVariable ?? process.env.PATH);
  const engine = chooseEngine(options.engine, k6Path);
  const live = context.stdout.isTTY === true;
  const display = createRunDisplay(context.stdout, context.stderr, live);
  if (options.engine === 'auto' && engine === 'local') display.note('k6 not found on PATH; using the local engine');
  if (engine === 'k6') display.note(`using k6 at ${k6Path}`);
  for (const variable of unknown) display.note(unknownVariableWarning(variable));
  if (options.preflight !== false) {
    await checkTargetAnswers(options.target, {
      ...(context.preflightTimeoutMs === undefined ? {} : { timeoutMs: context.preflightTimeoutMs }),
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
          ...(options.executionSegment === undefined ? {} : { executionSegment: options.executionSegment }),
          ...(options.executionSegmentSequence === undefined ? {} : { executionSegmentSequence: options.executionSegmentSequence }),
        })
      : undefined;
  const startedAt = now();
  const record: RunRecord = {
    run: runId,
    scenario: options.scenario,
    engine,
    target: options.target,
    startedAt: startedAt.toISOString(),
    endedAt: null,
    exitCode: null,
    env: variables,
    plan,
    ...(command ? { command } : {}),
  };
  writeRunRecord(outDir, record);
  display.note(`run ${runId}: ${plan.description}; results in ${out}`);

  const state = emptyProgress();
  const follower = followLines(ndjson, (line) => applyLine(state, line));
  const frameAt = (at: Date) => progressFrame(state, plan, runId, options.scenario, engine, at);
  let ticks = 0;
  const interval = context.progressIntervalMs ?? 1000;
  const timer = setInterval(() => {
    ticks += 1;
    if (live) display.progress(renderProgressBlock(state, frameAt(now())));
    else if (ticks % 5 === 0) display.progress(renderProgressLine(state, frameAt(now())));
  }, interval);

  let exitCode: number;
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
            tags: { run: runId },
            includeSystemEnv: false,
            ...(options.executionSegment === undefined ? {} : { executionSegment: options.executionSegment }),
            ...(options.executionSegmentSequence === undefined ? {} : { executionSegmentSequence: options.executionSegmentSequence }),
            cwd: context.cwd,
            stdout: display.engineStdout,
            stderr: display.engineStderr,
            ...(context.signal ? { signal: context.signal } : {}),
          }).then((result) => result.exitCode);
  } catch (error) {
    clearInterval(timer);
    await follower.stop();
    writeRunRecord(outDir, { ...record, endedAt: now().toISOString(), exitCode: exitCodeOf(error) });
    throw error;
  }
  clearInterval(timer);
  await follower.stop();
  const endedAt = now();
  display.progress(live ? renderProgressBlock(state, frameAt(endedAt)) : renderProgressLine(state, frameAt(endedAt)));
  display.finish();
  writeRunRecord(outDir, { ...record, endedAt: endedAt.toISOString(), exitCode });
  return { exitCode, runId, engine, outDir, ...(command ? { command } : {}), progress: state };
}

/**
 * The script variables of a run, in order: TARGET_URL, RUN_ID, RESULTS_DIR, RATE_SCALE and
 * TIME_SCALE when given, then every `-e` pair. A relative PROFILE file becomes absolute (k6's
 * `open()` does not resolve against the working directory).
 */
export function scriptVariables(
  options: Pick<RunScenarioOptions, 'target' | 'rateScale' | 'timeScale' | 'env'>,
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
  const seen = new Set(pairs.map(([key]) => key));
  for (const text of options.env ?? []) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(text);
    if (!match) throw new FloodgateError('USAGE', { detail: `-e expects KEY=VALUE, got "${text}"` });
    const key = match[1]!;
    let value = match[2]!;
    const flag = RESERVED_VARIABLES[key] ?? (key === 'RATE_SCALE' ? '--rate-scale' : key === 'TIME_SCALE' ? '--time-scale' : undefined);
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

function progressFrame(state: ProgressState, plan: ScenarioPlan, runId: string, scenario: string, engine: Engine, at: Date) {
  const elapsedSeconds = state.firstSampleMs === undefined ? 0 : Math.max(0, (at.getTime() - state.firstSampleMs) / 1000);
  return {
    runId,
    scenario,
    engine,
    elapsedSeconds,
    plannedSeconds: plan.durationSeconds,
    plannedArrivals: plannedArrivalsUntil(plan, elapsedSeconds),
  };
}

function readProfileFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new FloodgateError('PROFILE_INVALID', { detail: `cannot read ${path}: ${(error as Error).message}` }, { cause: error });
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
