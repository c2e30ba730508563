/**
 * What one `floodgate` command is: its flags (as config options), its arguments, and one action
 * that calls a library function and returns an exit code. cli/index.ts lists the commands.
 */

import type { OptionSpec } from './config.ts';

/** Everything an action gets: its frozen config, positional arguments, and the process edges. */
export interface CommandContext<C> {
  readonly config: Readonly<C>;
  readonly args: readonly string[];
  /** Aborted on the first Ctrl-C (SIGINT) or SIGTERM: stop, clean up, return. */
  readonly signal: AbortSignal;
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** What the command's `extractFlags` took out of its argv before parsing (undefined without one). */
  readonly extracted?: unknown;
}

/** A positional argument. */
export interface ArgumentSpec {
  readonly name: string;
  readonly description: string;
  readonly required: boolean;
  /** Takes every remaining word (only the last argument may). */
  readonly variadic?: boolean;
}

/** One command. */
export interface CommandDefinition<C = Record<string, unknown>> {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Longer help: examples, what it writes. Optional. */
  readonly help?: string;
  readonly arguments?: readonly ArgumentSpec[];
  readonly options: readonly OptionSpec[];
  /**
   * Takes flags the command passes on unparsed (k6's, for `run`) out of the words after the
   * command's name, before the parser sees them; what it returns arrives as `extracted`.
   */
  extractFlags?(argv: readonly string[]): { rest: string[]; extracted: unknown };
  /** Runs the command; resolves to the process exit code. Throws FloodgateError for expected failures. */
  run(context: CommandContext<C>): Promise<number>;
}

/** Declares a command with its config type. */
export function defineCommand<C>(definition: CommandDefinition<C>): CommandDefinition<C> {
  return definition;
}
