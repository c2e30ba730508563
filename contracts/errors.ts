/**
 * The one table of floodgate's error codes: what happened, what to do, and the process exit code.
 * Every expected failure is a {@link FloodgateError} with one of these codes; the CLI prints its
 * message and hint (never a stack trace) and exits with its exit code.
 */

/** One row of the error table. */
export interface ErrorDefinition {
  /** Says what happened; `{name}` placeholders are filled from the error's details. */
  readonly message: string;
  /** Says what to do about it. */
  readonly hint: string;
  /** Process exit code. 99, 104, 107, 108 mirror k6's own codes (k6-contract.md §6). */
  readonly exitCode: number;
}

/** Exit codes shared with k6 (errext/exitcodes), so `floodgate run` exits as k6 would. */
export const K6_EXIT_CODES = Object.freeze({
  thresholdsFailed: 99,
  invalidConfig: 104,
  externalAbort: 105,
  scriptException: 107,
  scriptAborted: 108,
  testFailed: 110,
});

export const ERROR_TABLE = {
  CONFIG_INVALID: {
    message: 'configuration is invalid: {detail}',
    hint: 'fix the flag, environment variable or .env line named above; `floodgate <command> --help` lists every option',
    exitCode: 2,
  },
  USAGE: {
    message: '{detail}',
    hint: 'run `floodgate <command> --help` for the accepted flags',
    exitCode: 2,
  },
  RUN_ID_INVALID: {
    message: 'run id "{run}" is not valid',
    hint: 'use 1–48 lower-case letters, digits, "_" or "-", starting with a letter or digit',
    exitCode: 2,
  },
  PORT_IN_USE: {
    message: 'cannot listen on {host}:{port}: the port is in use',
    hint: 'pick another port with --port, or --port 0 for any free port',
    exitCode: 3,
  },
  LISTEN_FAILED: {
    message: 'cannot listen on {host}:{port}: {detail}',
    hint: 'check the host and port, and that this user may bind them',
    exitCode: 3,
  },
  TOKEN_REQUIRED: {
    message: 'refusing to listen on {host} without a token: ingest and /metrics would be open to the network',
    hint: 'pass --token <secret> (or FLOODGATE_EXPORTER_TOKEN), or listen on 127.0.0.1',
    exitCode: 2,
  },
  TEST_HOOKS_NOT_LOOPBACK: {
    message: 'refusing --test-hooks while listening on {host}: the test mailbox would expose verification tokens',
    hint: 'listen on 127.0.0.1 (the default) when you need --test-hooks',
    exitCode: 2,
  },
  TARGET_UNREACHABLE: {
    message: 'the target at {url} does not answer: {detail}',
    hint: 'start it (`floodgate target`) or pass the right --target URL',
    exitCode: 4,
  },
  PROMETHEUS_UNAVAILABLE: {
    message: 'Prometheus at {url} does not answer: {detail}',
    hint: 'check the Prometheus URL given, that Prometheus runs there, or install it (`apt-get install -y --no-install-recommends prometheus`)',
    exitCode: 4,
  },
  K6_NOT_FOUND: {
    message: 'k6 is not on PATH, and --engine k6 was asked for',
    hint: 'install k6 (https://grafana.com/docs/k6/latest/set-up/install-k6/) or use --engine local or auto',
    exitCode: 5,
  },
  SCENARIO_UNKNOWN: {
    message: 'there is no scenario "{scenario}"',
    hint: 'choose one of: {known}',
    exitCode: 2,
  },
  SCRIPT_ENV_INVALID: {
    message: 'script variable {name} = "{value}" is invalid: {detail}',
    hint: 'pass -e {name}=<value> (k6) or the matching floodgate run flag; load-tests/README.md lists every variable',
    exitCode: 2,
  },
  PROFILE_INVALID: {
    message: 'traffic profile is invalid: {detail}',
    hint: 'see the profile options in the README (PROFILE, RATE_SCALE, TIME_SCALE, WINDOW, BREAKPOINT_*)',
    exitCode: 2,
  },
  PROFILE_FILE_INVALID: {
    message: 'profile file is unusable: {detail}',
    hint: 'write it with `floodgate profile from-logs <logs> --out <file>`; profile/README.md describes the format',
    exitCode: 2,
  },
  LOGS_UNUSABLE: {
    message: 'the access logs give no profile: {detail}',
    hint: 'check --format, --stage-map and --opening against profile/README.md; the counts above say which lines were rejected or left out',
    exitCode: 2,
  },
  SCRIPT_UNSUPPORTED: {
    message: 'the local engine cannot run {script}: {detail}',
    hint: 'use only the k6 APIs the local engine supports (engine/README.md), or run the script with real k6 (--engine k6)',
    exitCode: 107,
  },
  SCRIPT_FAILED: {
    message: 'the script {script} threw: {detail}',
    hint: 'fix the script; the message above names the place',
    exitCode: 107,
  },
  RESULTS_NOT_FOUND: {
    message: 'no results in {dir}: {detail}',
    hint: 'point at a folder written by `floodgate run` (it holds k6.ndjson), or pass --prometheus and --run',
    exitCode: 6,
  },
  RESULTS_UNREADABLE: {
    message: 'cannot read the results in {dir}: {detail}',
    hint: 'check the permissions: this user must be able to list the folder and read k6.ndjson, run.json and summary.json in it',
    exitCode: 6,
  },
  OUTPUT_FAILED: {
    message: 'cannot write {path}: {detail}',
    hint: 'pick an output folder this user may create and write (--out <dir>); /proc, /sys and read-only mounts cannot hold files',
    exitCode: 3,
  },
  INPUT_INVALID: {
    message: '{what} is invalid: {detail}',
    hint: 'fix the input named above and run again',
    exitCode: 2,
  },
  DATABASE_FAILED: {
    message: 'cannot open the database at {path}: {detail}',
    hint: 'check --db: its folder must exist and be writable (or use :memory:)',
    exitCode: 3,
  },
  INTERRUPTED: {
    message: 'interrupted by {signal}',
    hint: 'everything started has been stopped; partial results stay in the output folder',
    exitCode: 130,
  },
  SCRIPT_NOT_FOUND: {
    message: 'cannot read the script {script}: {detail}',
    hint: 'check the path; a relative path is taken from the working directory',
    exitCode: 107,
  },
  SCRIPT_OPTIONS_INVALID: {
    message: 'the options of {script} are invalid: {detail}',
    hint: 'fix `options` in the script (scenarios, thresholds, durations, tags); engine/README.md lists what the local engine accepts',
    exitCode: 104,
  },
  THRESHOLDS_FAILED: {
    message: 'some thresholds have failed: {detail}',
    hint: 'the run did not meet its pass criteria; the summary lists each threshold with ok or FAIL',
    exitCode: 99,
  },
  SCRIPT_ABORTED: {
    message: 'the script aborted the test: {detail}',
    hint: 'exec.test.abort() was called; teardown and the summary ran on the partial results',
    exitCode: 108,
  },
  SCRIPT_MARKED_FAILED: {
    message: 'the script marked the test as failed: {detail}',
    hint: 'exec.test.fail() was called; the run went on to its end',
    exitCode: 110,
  },
  RUN_ABORTED: {
    message: 'the run was stopped before its end: {detail}',
    hint: 'teardown and the summary ran on the partial results',
    exitCode: 105,
  },
  SETUP_DATA_INVALID: {
    message: 'error marshaling setup() data to JSON in {script}: {detail}',
    hint: 'return plain JSON data from setup() (no NaN or Infinity, no cycles): k6 hands every VU a JSON copy of it',
    // k6 gives this error no exit code (internal/js/runner.go Setup), so `k6 run` exits -1 = 255.
    exitCode: 255,
  },
  SETUP_TIMEOUT: {
    message: 'setup() of {script} did not finish within {timeout}',
    hint: 'make setup faster or raise options.setupTimeout',
    exitCode: 100,
  },
  TEARDOWN_TIMEOUT: {
    message: 'teardown() of {script} did not finish within {timeout}',
    hint: 'make teardown faster or raise options.teardownTimeout',
    exitCode: 101,
  },
  REPORT_RUN_INVALID: {
    message: 'the run is invalid (--fail-on {failOn}): {detail}',
    hint: 'the load generator, not the target, limited the run: give it more VUs (MAX_VUS) or machines and run again; report.html says why',
    exitCode: 7,
  },
  REPORT_GATE_FAILED: {
    message: 'the report fails --fail-on {failOn}: {detail}',
    hint: 'the run did not meet its pass criteria (exit 99, as k6 exits on failed thresholds); report.html and junit.xml say what broke',
    exitCode: 99,
  },
  INTERNAL: {
    message: 'internal error: {detail}',
    hint: 'this is a floodgate bug; please report it with the command you ran',
    exitCode: 1,
  },
} as const satisfies Record<string, ErrorDefinition>;

/** An error code from the table. */
export type ErrorCode = keyof typeof ERROR_TABLE;

/** An expected failure: a code from the table, the details that fill its message, and a cause. */
export class FloodgateError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, string | number>>;
  readonly hint: string;
  readonly exitCode: number;

  constructor(code: ErrorCode, details: Record<string, string | number> = {}, options: { cause?: unknown } = {}) {
    const definition: ErrorDefinition = ERROR_TABLE[code];
    super(fill(definition.message, details));
    // Set by hand: k6's runtime (ES2020 lib) has no Error constructor options.
    if (options.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
    this.name = 'FloodgateError';
    this.code = code;
    this.details = Object.freeze({ ...details });
    this.hint = fill(definition.hint, details);
    this.exitCode = definition.exitCode;
  }
}

/** True when `error` is a {@link FloodgateError} (optionally with the given code). */
export function isFloodgateError(error: unknown, code?: ErrorCode): error is FloodgateError {
  return error instanceof FloodgateError && (code === undefined || error.code === code);
}

function fill(template: string, details: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => (key in details ? String(details[key]) : whole));
}
