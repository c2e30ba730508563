/**
 * k6's command-line test options, with k6's meaning, for both engines. Pure.
 *
 * - **Execution** (`-u/--vus`, `-d/--duration`, `-i/--iterations`, `-s/--stage`): k6 layers its
 *   config as defaults < script `options` < environment < CLI flags (`getConsolidatedConfig` in
 *   k6's `internal/cmd/config.go`). A higher layer that sets any of duration, iterations, stages
 *   or scenarios clears all four of the lower one (`Options.Apply` in `lib/options.go`), and
 *   `lib/executor/execution_config_shortcuts.go` turns what is left into the `default` scenario:
 *   iterations → shared-iterations (duration its maxDuration), duration → constant-vus, stages →
 *   ramping-vus, `vus` alone → shared-iterations of `vus` iterations, replacing the script's
 *   scenarios with a warning. With k6 the flags are passed on; on the local engine
 *   {@link applyCliOptions} does the same to the script's exported options.
 * - **Outputs** (`-o/--out`): `json=FILE` and the other k6 output types (`internal/cmd/outputs.go`).
 */

import { FloodgateError } from '../contracts/errors.ts';

/** The execution flags as given. */
export interface ExecutionFlags {
  readonly vus?: number;
  /** A Go duration, e.g. `10s`, `1m30s`. */
  readonly duration?: string;
  readonly iterations?: number;
  /** `[duration]:[target]` each, e.g. `30s:10`. */
  readonly stages?: readonly string[];
}

/** True when any execution flag is set. */
export function hasExecutionFlags(flags: ExecutionFlags): boolean {
  return (
    flags.vus !== undefined ||
    flags.duration !== undefined ||
    flags.iterations !== undefined ||
    (flags.stages?.length ?? 0) > 0
  );
}

const GO_DURATION = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/;

/** One stage of `-s/--stage`, as k6's `options.stages` holds it. */
export interface CliStage {
  readonly duration: string;
  readonly target: number;
}

/** Parses `[duration]:[target]`; USAGE with k6's form when it is not. */
export function parseStage(text: string): CliStage {
  const match = /^([^:]+):(\d+)$/.exec(text.trim());
  if (!match || !GO_DURATION.test(match[1]!)) {
    throw new FloodgateError('USAGE', {
      detail: `-s/--stage "${text}": expected [duration]:[target], e.g. 30s:10 (k6's --stage)`,
    });
  }
  return { duration: match[1]!, target: Number(match[2]) };
}

/**
 * Checks the execution flags as k6 does before a test starts (the same messages as k6's
 * ExecutionConflictError), and returns the stages parsed.
 */
export function checkExecutionFlags(flags: ExecutionFlags): CliStage[] {
  if (flags.vus !== undefined && !(Number.isInteger(flags.vus) && flags.vus >= 0)) {
    throw new FloodgateError('USAGE', { detail: `-u/--vus ${flags.vus}: expected a whole number of virtual users` });
  }
  if (flags.iterations !== undefined && !(Number.isInteger(flags.iterations) && flags.iterations > 0)) {
    throw new FloodgateError('USAGE', {
      detail: `-i/--iterations ${flags.iterations}: expected a whole number above 0`,
    });
  }
  if (flags.duration !== undefined && !GO_DURATION.test(flags.duration)) {
    throw new FloodgateError('USAGE', {
      detail: `-d/--duration "${flags.duration}": expected a duration with its unit, e.g. 10s, 1m30s, 2h (k6 takes Go durations)`,
    });
  }
  const stages = (flags.stages ?? []).map(parseStage);
  if (flags.iterations !== undefined && stages.length > 0)
    conflict('using `iterations` and `stages` options simultaneously is not allowed');
  if (flags.duration !== undefined && flags.iterations === undefined && stages.length > 0)
    conflict('using `duration` and `stages` options simultaneously is not allowed');
  if (flags.duration !== undefined && /^(?:0+(?:\.0+)?(?:ns|us|µs|ms|s|m|h))+$/.test(flags.duration)) {
    conflict('`duration` option should be more than 0, for infinite duration use the externally-controlled executor');
  }
  return stages;
}

function conflict(message: string): never {
  throw new FloodgateError('USAGE', { detail: `${message} (k6 refuses it too)` });
}

/** The k6 argv of the execution flags, in k6's spelling. */
export function executionArgv(flags: ExecutionFlags): string[] {
  const argv: string[] = [];
  if (flags.vus !== undefined) argv.push('--vus', String(flags.vus));
  if (flags.duration !== undefined) argv.push('--duration', flags.duration);
  if (flags.iterations !== undefined) argv.push('--iterations', String(flags.iterations));
  for (const stage of flags.stages ?? []) argv.push('--stage', stage);
  return argv;
}

/** The script's options with the CLI layer applied, and k6's warnings about it. */
export interface LayeredOptions {
  readonly options: Record<string, unknown>;
  readonly warnings: string[];
}

/**
 * The script's exported `options` with the command line's layer on top, as k6 consolidates
 * them (see the module comment). `extra` holds other options the flags set (userAgent, …).
 */
export function applyCliOptions(
  exported: unknown,
  flags: ExecutionFlags,
  extra: Readonly<Record<string, unknown>> = {},
): LayeredOptions {
  const options: Record<string, unknown> =
    typeof exported === 'object' && exported !== null && !Array.isArray(exported)
      ? { ...(exported as Record<string, unknown>) }
      : {};
  const warnings: string[] = [];
  const stages = checkExecutionFlags(flags);
  const shortcut = flags.duration !== undefined || flags.iterations !== undefined || stages.length > 0;
  const has = (key: string): boolean => options[key] !== undefined && options[key] !== null;
  if (shortcut) {
    if (has('scenarios')) warnings.push('"cli" level configuration overrode scenarios configuration entirely');
    for (const key of ['duration', 'iterations', 'stages', 'scenarios']) delete options[key];
  }
  if (flags.vus !== undefined) options.vus = flags.vus;
  if (flags.duration !== undefined) options.duration = flags.duration;
  if (flags.iterations !== undefined) options.iterations = flags.iterations;
  if (stages.length > 0) options.stages = stages;
  if (
    flags.vus !== undefined &&
    !shortcut &&
    !has('duration') &&
    !has('iterations') &&
    !has('stages') &&
    has('scenarios')
  ) {
    warnings.push(`\`vus=${flags.vus}\` overrides scenarios configuration`);
    delete options.scenarios;
    options.iterations = flags.vus;
  }
  Object.assign(options, extra);
  return { options, warnings };
}

/** k6's built-in output types (`internal/cmd/builtin_output_gen.go`, plus `web-dashboard` from outputs.go). */
export const K6_OUTPUT_TYPES = [
  'json',
  'csv',
  'cloud',
  'experimental-prometheus-rw',
  'influxdb',
  'statsd',
  'datadog',
  'kafka',
  'experimental-opentelemetry',
  'opentelemetry',
  'web-dashboard',
] as const;

/** One `-o/--out` value. */
export interface K6Output {
  readonly type: string;
  /** What follows `type=`; '' when none. */
  readonly target: string;
  /** The value as given, for k6. */
  readonly text: string;
}

/** What the `-o/--out` values say. */
export interface ParsedOutputs {
  readonly outputs: K6Output[];
  /**
   * A value that is no output (`--out results/x`): floodgate's old meaning of --out, the results
   * folder. Kept for old scripts; `--results-dir` is its name now.
   */
  readonly resultsDir?: string;
}

/** Splits `-o/--out` values into k6 outputs and an old-style results folder. */
export function parseOutputs(values: readonly string[]): ParsedOutputs {
  const outputs: K6Output[] = [];
  let resultsDir: string | undefined;
  for (const text of values) {
    const equals = text.indexOf('=');
    const type = equals < 0 ? text : text.slice(0, equals);
    const isOutput =
      equals > 0 ? /^[a-z][a-z0-9-]*$/.test(type) : (K6_OUTPUT_TYPES as readonly string[]).includes(text);
    if (!isOutput) {
      if (resultsDir !== undefined)
        throw new FloodgateError('USAGE', {
          detail: `--out ${text}: a second results folder (${resultsDir} was the first); k6 outputs take type=target, e.g. --out json=results.ndjson`,
        });
      resultsDir = text;
      continue;
    }
    const target = equals < 0 ? '' : text.slice(equals + 1);
    if (type === 'json' && target === '')
      throw new FloodgateError('USAGE', {
        detail: '--out json needs a file: --out json=FILE (the results folder always holds k6.ndjson)',
      });
    outputs.push({ type, target, text });
  }
  return resultsDir === undefined ? { outputs } : { outputs, resultsDir };
}

/** What the local engine offers instead of a k6 output it does not have. */
export function localOutputRefusal(output: K6Output): string {
  const install = 'or install k6 and pass --engine k6';
  switch (output.type) {
    case 'web-dashboard':
      return `--out ${output.text}: k6's web dashboard needs k6. floodgate's live page shows the run instead: \`floodgate exporter --follow <results>/k6.ndjson\`, then open its /live page; ${install}`;
    case 'experimental-prometheus-rw':
      return `--out ${output.text}: the local engine does not push remote write. \`floodgate exporter --follow <results>/k6.ndjson\` turns the same samples into Prometheus metrics for Prometheus to scrape; ${install}`;
    case 'csv':
      return `--out ${output.text}: the local engine writes only k6's JSON output; use --out json=FILE (the results folder always holds k6.ndjson), ${install}`;
    default:
      return `--out ${output.text}: the local engine writes only k6's JSON output (--out json=FILE; the results folder always holds k6.ndjson); ${install}`;
  }
}
