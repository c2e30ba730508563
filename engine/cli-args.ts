/**
 * The engine CLI's flags (k6's names), parsed into runScript options, with errors that name the
 * flag and say what it takes — never Node's raw parseArgs text.
 */

import { parseArgs } from 'node:util';
import type { EngineRunOptions } from './run.ts';

/** The usage line printed with every flag error. */
export const USAGE =
  'usage: tsx engine/cli.ts run [-e KEY=VALUE]... [--out json=FILE] [--tag k=v]... [--system-tags a,b] [--execution-segment S] [--execution-segment-sequence Q] [--no-thresholds] [--include-system-env-vars=false] script';

/** A bad command line: exit 2 with the message and the usage line. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const FLAGS = {
  env: { type: 'string', short: 'e', multiple: true },
  out: { type: 'string', short: 'o' },
  tag: { type: 'string', multiple: true },
  'system-tags': { type: 'string' },
  'execution-segment': { type: 'string' },
  'execution-segment-sequence': { type: 'string' },
  'no-thresholds': { type: 'boolean' },
  'include-system-env-vars': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const FLAG_LIST = Object.entries(FLAGS)
  .map(([name, spec]) => `--${name}${'short' in spec ? ` (-${spec.short})` : ''}`)
  .join(', ');

function pairs(values: readonly string[] | undefined, flag: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const value of values ?? []) {
    const equals = value.indexOf('=');
    if (equals <= 0)
      throw new UsageError(`${flag} ${value}: expected KEY=VALUE, e.g. ${flag} TARGET_URL=http://127.0.0.1:18081`);
    result[value.slice(0, equals)] = value.slice(equals + 1);
  }
  return result;
}

/** Rewrites a parseArgs error (ERR_PARSE_ARGS_*) as a UsageError naming the flag. */
function usageErrorOf(error: unknown): UsageError {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  const flag = /'(-[^']*)'/.exec(message)?.[1] ?? '';
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION')
    return new UsageError(`unknown flag ${flag}; the local engine takes ${FLAG_LIST}`);
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const name = /--[\w-]+/.exec(message)?.[0] ?? flag;
    return new UsageError(message.includes('argument missing') ? `${name} needs a value` : `${name} takes no value`);
  }
  return new UsageError(message);
}

/** What the command line asks for: `help` (print usage, exit 0) or a run. */
export type ParsedCommand = { readonly help: true } | { readonly help: false; readonly options: EngineRunOptions };

/** Parses `run [flags] script`; throws UsageError for anything else. */
export function parseEngineArgs(argv: readonly string[]): ParsedCommand {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, options: FLAGS });
  } catch (error) {
    throw usageErrorOf(error);
  }
  const { values, positionals } = parsed;
  if (values.help) return { help: true };
  if (positionals[0] !== 'run')
    throw new UsageError(
      positionals.length === 0
        ? 'no command given; the local engine has one: run'
        : `unknown command "${positionals[0]}"; the local engine has one: run`,
    );
  if (positionals.length !== 2)
    throw new UsageError(
      positionals.length < 2
        ? 'run needs the script to run'
        : `run takes one script, got ${positionals.length - 1}: ${positionals.slice(1).join(' ')}`,
    );
  const out = values.out;
  if (out !== undefined && !/^json=./.test(out))
    throw new UsageError(`--out ${out}: the local engine writes only json=FILE (k6's JSON output)`);
  const includeSystemEnv = values['include-system-env-vars'];
  if (includeSystemEnv !== undefined && includeSystemEnv !== 'true' && includeSystemEnv !== 'false') {
    throw new UsageError(`--include-system-env-vars=${includeSystemEnv}: expected true or false`);
  }
  const systemTags = values['system-tags'];
  return {
    help: false,
    options: {
      script: positionals[1] as string,
      env: pairs(values.env, '-e'),
      tags: pairs(values.tag, '--tag'),
      ...(out === undefined ? {} : { out: out.slice('json='.length) }),
      ...(systemTags === undefined
        ? {}
        : {
            systemTags: systemTags
              .split(',')
              .map((tag) => tag.trim())
              .filter((tag) => tag !== ''),
          }),
      ...(values['execution-segment'] === undefined ? {} : { executionSegment: values['execution-segment'] }),
      ...(values['execution-segment-sequence'] === undefined
        ? {}
        : { executionSegmentSequence: values['execution-segment-sequence'] }),
      noThresholds: values['no-thresholds'] === true,
      includeSystemEnv: includeSystemEnv !== 'false',
    },
  };
}
