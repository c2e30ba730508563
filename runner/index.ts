/**
 * `floodgate run`'s library: runs one scenario of load-tests/ on k6 (when it is on PATH, or
 * asked for) or on the local engine, writes `<out>/run.json`, and shows progress read from
 * `<out>/k6.ndjson` — the same code for both engines. Resolves to the engine's exit code.
 * The run's inputs (script, variables, tags, results folder) are checked in run-inputs.ts, and
 * the k6 child process and NDJSON copy live in engine-io.ts; this file re-exports what others use.
 */

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FloodgateError } from '../contracts/errors.ts';
import { readCommonEnv } from '../contracts/script-variables.ts';
import { planScenario, type RunPlan, type ScenarioPlan } from '../contracts/plan.ts';
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
import { writeRunRecord, type RunRecord } from './run-record.ts';
import { checkTargetAnswers } from './preflight.ts';
import { checkScenarioVariables, unknownVariableWarning, type UnknownVariable } from './variables.ts';

import {
  chooseScript,
  k6ScriptArgument,
  readProfileFile,
  refuseEarlierRun,
  refuseMissingMailbox,
  runTags,
  scriptVariables,
} from './run-inputs.ts';
import { createNdjsonCopy, runK6, webDashboardNote } from './engine-io.ts';

export {
  PROJECT_ROOT,
  RESERVED_VARIABLES,
  SCENARIOS_DIR,
  chooseScript,
  k6ScriptArgument,
  refuseEarlierRun,
  refuseMissingMailbox,
  runTags,
  scenarioScript,
  scriptVariables,
} from './run-inputs.ts';
export { webDashboardNote } from './engine-io.ts';

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

function exitCodeOf(error: unknown): number {
  return error instanceof FloodgateError ? error.exitCode : 1;
}
