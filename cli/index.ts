/**
 * The `floodgate` command line: a thin adapter. It parses flags into a frozen config, calls one
 * command, and maps errors to exit codes from the table in contracts/errors.ts.
 */

import { Command, CommanderError, Option } from 'commander';
import { FloodgateError, isFloodgateError } from '../contracts/errors.ts';
import type { CommandDefinition } from './command.ts';
import { resolveConfig } from './config.ts';
import { COMMANDS } from './commands.ts';

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(
  argv: readonly string[],
  commands: readonly CommandDefinition<never>[] = COMMANDS,
): Promise<number> {
  const program = new Command('floodgate')
    .description(
      'Rehearse a registration opening: k6 load tests, a Prometheus exporter, Grafana dashboards and a capacity report.',
    )
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => process.stdout.write(text),
      writeErr: (text) => process.stderr.write(text),
    });

  let exitCode = 0;
  let current = '<command>';
  let extracted: unknown;
  let words = [...argv];
  for (const definition of commands as readonly CommandDefinition<Record<string, unknown>>[]) {
    const command = program.command(definition.name).description(definition.summary).exitOverride();
    if (definition.help) command.addHelpText('after', `\n${definition.help}`);
    for (const argument of definition.arguments ?? []) {
      const name = argument.variadic ? `${argument.name}...` : argument.name;
      command.argument(argument.required ? `<${name}>` : `[${name}]`, argument.description);
    }
    const attributes = new Map<string, string>();
    for (const spec of definition.options) {
      const option = new Option(spec.flag, spec.description + (spec.env ? ` (env ${spec.env})` : ''));
      if (spec.default !== undefined) option.default(undefined, String(spec.default)); // shown in --help, resolved by resolveConfig
      if (spec.repeatable)
        option.argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]);
      command.addOption(option);
      // commander names a value after its flag (--error-rate → errorRate); the config uses the spec's key
      attributes.set(spec.key, option.attributeName());
    }
    command.action(async (...received: unknown[]) => {
      current = definition.name;
      const positional = received.slice(0, definition.arguments?.length ?? 0) as Array<string | undefined>;
      const given = command.opts();
      const flags = Object.fromEntries([...attributes].map(([key, attribute]) => [key, given[attribute]]));
      const config = resolveConfig(definition.options, flags);
      exitCode = await runWithSignals((signal) =>
        definition.run({
          config,
          args: positional.flat().filter((value): value is string => value !== undefined),
          signal,
          stdout: process.stdout,
          stderr: process.stderr,
          extracted,
        }),
      );
    });
  }

  try {
    // A command that passes flags on (run: k6's) takes them out before commander parses the rest.
    const at = words.findIndex((word) => !word.startsWith('-'));
    const extracting =
      at >= 0
        ? (commands as readonly CommandDefinition<Record<string, unknown>>[]).find(
            (definition) => definition.name === words[at],
          )
        : undefined;
    if (extracting?.extractFlags) {
      const result = extracting.extractFlags(words.slice(at + 1));
      extracted = result.extracted;
      words = [...words.slice(0, at + 1), ...result.rest];
    }
    await program.parseAsync(words, { from: 'user' });
    return exitCode;
  } catch (error) {
    return reportError(error, current);
  }
}

/** Runs an action with an AbortSignal tied to SIGINT/SIGTERM; a second signal exits at once. */
async function runWithSignals(action: (signal: AbortSignal) => Promise<number>): Promise<number> {
  const controller = new AbortController();
  let received = 0;
  const onSignal = (name: NodeJS.Signals): void => {
    received += 1;
    if (received === 1) {
      const again = name === 'SIGINT' ? 'press Ctrl-C again' : `send ${name} again`;
      process.stderr.write(`\n${name}: stopping; ${again} to exit at once\n`);
      controller.abort(new FloodgateError('INTERRUPTED', { signal: name }));
    } else {
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await action(controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function reportError(error: unknown, command: string): number {
  if (error instanceof CommanderError) {
    // commander has printed its own message; help and version exit 0
    return error.exitCode === 0 || error.code === 'commander.helpDisplayed' || error.code === 'commander.help' ? 0 : 2;
  }
  if (isFloodgateError(error)) {
    process.stderr.write(`error: ${error.message}\nhint: ${error.hint.replaceAll('<command>', command)}\n`);
    return error.exitCode;
  }
  const wrapped = new FloodgateError(
    'INTERNAL',
    { detail: error instanceof Error ? error.message : String(error) },
    { cause: error },
  );
  process.stderr.write(`error: ${wrapped.message}\nhint: ${wrapped.hint}\n`);
  if (process.env.FLOODGATE_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  return wrapped.exitCode;
}
