/**
 * The exact `k6 run` command line `floodgate run --engine k6` executes. Pure, so it is tested
 * without a k6 binary.
 */

/** What goes into the command line. */
export interface K6CommandInput {
  /** Path of the scenario script, as k6 should see it (relative to the working directory). */
  readonly script: string;
  /** Results folder; the NDJSON goes to `<out>/k6.ndjson`. */
  readonly out: string;
  readonly runId: string;
  /** Script variables in order; each becomes `-e KEY=VALUE`. */
  readonly env: ReadonlyArray<readonly [string, string]>;
  /** `--execution-segment`, e.g. `0:1/4`. */
  readonly executionSegment?: string;
  /** `--execution-segment-sequence`, e.g. `0,1/4,1/2,3/4,1`. */
  readonly executionSegmentSequence?: string;
  /** k6 flags given to floodgate run, in k6's spelling, passed on before the script (k6-options.ts, k6-flags.ts). */
  readonly extra?: readonly string[];
}

/**
 * `k6 run --quiet --include-system-env-vars=false --out json=<out>/k6.ndjson --tag run=<id>
 * -e K=V … [segment flags] <script>`.
 *
 * - `--quiet` turns off k6's own progress bar: `floodgate run` draws its own progress from the
 *   NDJSON (the same for both engines), and two live displays on one terminal garble each other.
 *   Logs, errors and the end-of-test summary still print.
 * - `--include-system-env-vars=false`: the script sees only the `-e` pairs, so a stray SEED or
 *   PROFILE in the shell cannot change a test, and run.json's `env` is all the script saw. (k6's
 *   own `K6_*` settings still come from the environment: they are not script variables.)
 * - `--tag run=<id>` tags every sample even if a script forgets `options.tags`.
 */
export function k6Command(input: K6CommandInput): string[] {
  const argv = [
    'k6',
    'run',
    '--quiet',
    '--include-system-env-vars=false',
    '--out',
    `json=${input.out}/k6.ndjson`,
    '--tag',
    `run=${input.runId}`,
  ];
  for (const [key, value] of input.env) argv.push('-e', `${key}=${value}`);
  if (input.executionSegment !== undefined) argv.push('--execution-segment', input.executionSegment);
  if (input.executionSegmentSequence !== undefined)
    argv.push('--execution-segment-sequence', input.executionSegmentSequence);
  argv.push(...(input.extra ?? []));
  argv.push(input.script);
  return argv;
}
