/**
 * `floodgate run [script]`: runs one of floodgate's scenarios, or any k6 script, on k6 (when on
 * PATH) or the local engine, with live progress, writing `<results>/k6.ndjson`, `summary.json`,
 * `summary.txt` (floodgate's scenarios) and `run.json`. Takes k6's own flags with k6's meaning.
 * Exits with the engine's exit code. A thin adapter over runner/index.ts.
 */

import { z } from 'zod';
import { SCENARIO_NAMES } from '../contracts/plan.ts';
import { DEFAULT_TARGET_URL } from '../contracts/script-variables.ts';
import { ENGINE_CHOICES } from '../runner/engine-choice.ts';
import { extractK6Flags, type GivenK6Flag } from '../runner/k6-flags.ts';
import { runScenario, type LocalEngine, type RunScenarioOptions } from '../runner/index.ts';
import { FloodgateError } from '../contracts/errors.ts';
import { defineCommand } from './command.ts';
import { option, schemas } from './config.ts';

/** The resolved config of `floodgate run`: the runner's options, named like its flags. */
export type RunCommandConfig = Omit<RunScenarioOptions, 'execution' | 'noThresholds' | 'outputs'> & {
  readonly vus?: number;
  readonly duration?: string;
  readonly iterations?: number;
  readonly stage?: readonly string[];
  readonly tag?: readonly string[];
  readonly k6Out?: readonly string[];
  readonly thresholds?: boolean;
};

/** Loads the local engine only when it runs. */
const localEngine = async (): Promise<LocalEngine> => (await import('../engine/index.ts')).runScript;

export const runCommand = defineCommand<RunCommandConfig>({
  name: 'run',
  summary:
    "Run a load-test scenario (smoke, opening, breakpoint, soak) or any k6 script, with k6's flags, on k6, or on the local engine when k6 is not installed.",
  help: [
    "Writes <results>/k6.ndjson (k6 --out json), summary.json, summary.txt and run.json; exits with the engine's exit code (99: thresholds failed).",
    "Before the engine starts (floodgate's scenarios): one GET of --target (any HTTP answer will do; else exit 4, TARGET_UNREACHABLE), and a folder that already holds a run.json is refused.",
    'Examples: floodgate run --scenario opening --rate-scale 0.001 --time-scale 60 -e WINDOW=0-10',
    '          floodgate run my-test.ts --vus 5 --duration 10s --out json=x.ndjson',
    "k6's other run flags (--http-debug, --user-agent, --paused …) are passed on to k6; the local engine applies the ones it can and names what to use instead for the rest.",
    'Script variables (-e KEY=VALUE) are listed in load-tests/README.md.',
  ].join('\n'),
  arguments: [
    {
      name: 'script',
      description: 'a k6 script (.ts/.js); a file of load-tests/scenarios/ runs as that scenario (default: --scenario)',
      required: false,
    },
  ],
  extractFlags(argv) {
    const { rest, flags } = extractK6Flags(argv);
    return { rest, extracted: flags };
  },
  options: [
    option({
      key: 'target',
      env: 'FLOODGATE_TARGET_URL',
      flag: '--target <url>',
      default: DEFAULT_TARGET_URL,
      description: 'base URL of the system under test',
      schema: schemas.url,
    }),
    option({
      key: 'scenario',
      env: 'FLOODGATE_SCENARIO',
      flag: '--scenario <name>',
      default: 'smoke',
      description: `scenario: ${SCENARIO_NAMES.join(', ')}`,
      schema: schemas.text,
    }),
    option({
      key: 'engine',
      env: 'FLOODGATE_ENGINE',
      flag: '--engine <engine>',
      default: 'auto',
      description: 'auto (k6 when on PATH, else local), k6 or local',
      schema: z.enum(ENGINE_CHOICES),
    }),
    option({
      key: 'rateScale',
      env: 'FLOODGATE_RATE_SCALE',
      flag: '--rate-scale <x>',
      description: 'RATE_SCALE: multiplies every arrival rate (opening default 0.01)',
      schema: schemas.positive,
    }),
    option({
      key: 'timeScale',
      env: 'FLOODGATE_TIME_SCALE',
      flag: '--time-scale <x>',
      description: 'TIME_SCALE ≥ 1: compresses time (opening keeps the count; breakpoint and soak keep the rates)',
      schema: z.coerce.number().min(1),
    }),
    option({
      key: 'profile',
      flag: '--profile <file>',
      description:
        'PROFILE of the opening: a profile file from `floodgate profile from-logs` (.json) or a minute,arrivals CSV',
      schema: schemas.text,
    }),
    option({
      key: 'runId',
      env: 'FLOODGATE_RUN_ID',
      flag: '--run-id <id>',
      description: 'run id (default <yyyymmdd-hhmmss>-<scenario>, UTC)',
      schema: schemas.text,
    }),
    option({
      key: 'out',
      env: 'FLOODGATE_OUT',
      flag: '--results-dir <dir>',
      description: 'results folder (default results/<run>)',
      schema: schemas.text,
    }),
    option({
      key: 'vus',
      flag: '-u, --vus <n>',
      description:
        "k6's --vus: virtual users (with -d/-i/-s, or alone: that many iterations; replaces the script's scenarios as k6 does)",
      schema: schemas.count,
    }),
    option({
      key: 'duration',
      flag: '-d, --duration <duration>',
      description: "k6's --duration, e.g. 10s: constant-vus for that long, replacing the script's scenarios",
      schema: schemas.text,
    }),
    option({
      key: 'iterations',
      flag: '-i, --iterations <n>',
      description: "k6's --iterations: shared-iterations in total, replacing the script's scenarios",
      schema: schemas.positiveInt,
    }),
    option({
      key: 'stage',
      flag: '-s, --stage <duration:target>',
      description: "k6's --stage, repeatable: ramping-vus stages, replacing the script's scenarios",
      schema: z.array(z.string()),
      repeatable: true,
    }),
    option({
      key: 'tag',
      flag: '--tag <NAME=VALUE>',
      description: "k6's --tag, repeatable: a tag on every sample (run is --run-id's)",
      schema: z.array(z.string()),
      repeatable: true,
    }),
    option({
      key: 'k6Out',
      flag: '-o, --out <type=target>',
      description: "k6's --out, repeatable: json=FILE (also a copy of k6.ndjson), or another k6 output (k6 only)",
      schema: z.array(z.string()),
      repeatable: true,
    }),
    option({
      key: 'summaryExport',
      flag: '--summary-export <file>',
      description: "k6's --summary-export: the summary in k6's JSON export shape",
      schema: schemas.text,
    }),
    option({
      key: 'thresholds',
      flag: '--no-thresholds',
      default: true,
      description: "k6's --no-thresholds: do not evaluate thresholds",
      schema: schemas.boolean,
    }),
    option({
      key: 'quiet',
      flag: '-q, --quiet',
      description: "k6's --quiet: no progress display",
      schema: schemas.boolean,
    }),
    option({
      key: 'env',
      flag: '-e, --env <KEY=VALUE>',
      description: 'script variable, repeatable (see load-tests/README.md)',
      schema: z.array(z.string()),
      repeatable: true,
    }),
    option({
      key: 'executionSegment',
      flag: '--execution-segment <segment>',
      description: 'run this part of the test, e.g. 0:1/4 (k6 --execution-segment)',
      schema: schemas.text,
    }),
    option({
      key: 'executionSegmentSequence',
      flag: '--execution-segment-sequence <sequence>',
      description: 'all parts of a distributed run, e.g. 0,1/4,1/2,3/4,1',
      schema: schemas.text,
    }),
    option({
      key: 'preflight',
      flag: '--no-preflight',
      default: true,
      description: 'skip the one GET of the target that checks it answers before the test starts',
      schema: schemas.boolean,
    }),
  ],
  async run({ config, args, signal, stdout, stderr, extracted }) {
    const script = args[0];
    if (script !== undefined && config.scenario !== 'smoke' && !script.endsWith(`${config.scenario}.ts`)) {
      throw new FloodgateError('USAGE', { detail: `give a script or --scenario ${config.scenario}, not both` });
    }
    const execution = {
      vus: config.vus,
      duration: config.duration,
      iterations: config.iterations,
      stages: config.stage,
    };
    const outcome = await runScenario(
      {
        target: config.target,
        scenario: config.scenario,
        script,
        execution,
        tags: config.tag ?? [],
        outputs: config.k6Out ?? [],
        summaryExport: config.summaryExport,
        noThresholds: config.thresholds === false,
        quiet: config.quiet === true,
        k6Flags: (extracted ?? []) as GivenK6Flag[],
        engine: config.engine,
        rateScale: config.rateScale,
        timeScale: config.timeScale,
        profile: config.profile,
        runId: config.runId,
        out: config.out,
        env: config.env ?? [],
        executionSegment: config.executionSegment,
        executionSegmentSequence: config.executionSegmentSequence,
        preflight: config.preflight ?? true,
      },
      { cwd: process.cwd(), stdout, stderr, signal, localEngine },
    );
    return outcome.exitCode;
  },
});
