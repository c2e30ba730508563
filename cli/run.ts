/**
 * `floodgate run`: runs one load-test scenario on k6 (when on PATH) or the local engine, with
 * live progress, writing `<out>/k6.ndjson`, `summary.json`, `summary.txt` and `run.json`. Exits
 * with the engine's exit code. A thin adapter over runner/index.ts.
 */

import { z } from 'zod';
import { SCENARIO_NAMES } from '../load-tests/lib/plan.ts';
import { ENGINE_CHOICES } from '../runner/engine-choice.ts';
import { runScenario, type LocalEngine, type RunScenarioOptions } from '../runner/index.ts';
import { defineCommand } from './command.ts';
import { option, schemas } from './config.ts';

/** The resolved config of `floodgate run`: the runner's options, named like its flags. */
export type RunCommandConfig = RunScenarioOptions;

/** Loads the local engine only when it runs. */
const localEngine = async (): Promise<LocalEngine> => (await import('../engine/index.ts')).runScript;

export const runCommand = defineCommand<RunCommandConfig>({
  name: 'run',
  summary: 'Run a load-test scenario (smoke, opening, breakpoint, soak) on k6, or on the local engine when k6 is not installed.',
  help: [
    'Writes <out>/k6.ndjson (k6 --out json), summary.json, summary.txt and run.json; exits with the engine\'s exit code (99: thresholds failed).',
    'Before the engine starts: one GET of --target (any HTTP answer will do; else exit 4, TARGET_UNREACHABLE), and a folder that already holds a run.json is refused.',
    'Example: floodgate run --scenario opening --rate-scale 0.001 --time-scale 60 -e WINDOW=0-10',
    'Script variables (-e KEY=VALUE) are listed in load-tests/README.md.',
  ].join('\n'),
  options: [
    option({ key: 'target', env: 'FLOODGATE_TARGET_URL', flag: '--target <url>', default: 'http://127.0.0.1:18081', description: 'base URL of the system under test', schema: schemas.url }),
    option({ key: 'scenario', env: 'FLOODGATE_SCENARIO', flag: '--scenario <name>', default: 'smoke', description: `scenario: ${SCENARIO_NAMES.join(', ')}`, schema: schemas.text }),
    option({ key: 'engine', env: 'FLOODGATE_ENGINE', flag: '--engine <engine>', default: 'auto', description: 'auto (k6 when on PATH, else local), k6 or local', schema: z.enum(ENGINE_CHOICES) }),
    option({ key: 'rateScale', env: 'FLOODGATE_RATE_SCALE', flag: '--rate-scale <x>', description: 'RATE_SCALE: multiplies every arrival rate (opening default 0.01)', schema: schemas.positive }),
    option({ key: 'timeScale', env: 'FLOODGATE_TIME_SCALE', flag: '--time-scale <x>', description: 'TIME_SCALE ≥ 1: compresses time (opening keeps the count; breakpoint and soak keep the rates)', schema: z.coerce.number().min(1) }),
    option({ key: 'runId', env: 'FLOODGATE_RUN_ID', flag: '--run-id <id>', description: 'run id (default <yyyymmdd-hhmmss>-<scenario>, UTC)', schema: schemas.text }),
    option({ key: 'out', env: 'FLOODGATE_OUT', flag: '--out <dir>', description: 'results folder (default results/<run>)', schema: schemas.text }),
    option({ key: 'env', flag: '-e, --env <KEY=VALUE>', description: 'script variable, repeatable (see load-tests/README.md)', schema: z.array(z.string()), repeatable: true }),
    option({ key: 'executionSegment', flag: '--execution-segment <segment>', description: 'run this part of the test, e.g. 0:1/4 (k6 --execution-segment)', schema: schemas.text }),
    option({ key: 'executionSegmentSequence', flag: '--execution-segment-sequence <sequence>', description: 'all parts of a distributed run, e.g. 0,1/4,1/2,3/4,1', schema: schemas.text }),
    option({ key: 'preflight', flag: '--no-preflight', default: true, description: 'skip the one GET of the target that checks it answers before the test starts', schema: schemas.boolean }),
  ],
  async run({ config, signal, stdout, stderr }) {
    const outcome = await runScenario(
      {
        target: config.target,
        scenario: config.scenario,
        engine: config.engine,
        ...(config.rateScale === undefined ? {} : { rateScale: config.rateScale }),
        ...(config.timeScale === undefined ? {} : { timeScale: config.timeScale }),
        ...(config.runId === undefined ? {} : { runId: config.runId }),
        ...(config.out === undefined ? {} : { out: config.out }),
        env: config.env ?? [],
        ...(config.executionSegment === undefined ? {} : { executionSegment: config.executionSegment }),
        ...(config.executionSegmentSequence === undefined ? {} : { executionSegmentSequence: config.executionSegmentSequence }),
        preflight: config.preflight ?? true,
      },
      { cwd: process.cwd(), stdout, stderr, signal, localEngine },
    );
    return outcome.exitCode;
  },
});
