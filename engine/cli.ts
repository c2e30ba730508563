/**
 * Runs a k6 script on the local engine from the shell, with k6's flag names:
 *
 *   npx tsx engine/cli.ts run [-e KEY=VALUE]... [--out json=FILE] [--tag k=v]... \
 *     [--system-tags a,b] [--execution-segment 0:1/2 --execution-segment-sequence 0,1/2,1] \
 *     [--no-thresholds] [--include-system-env-vars=false] script.ts
 *
 * Exits with the engine's (k6's) exit code; 2 with the usage line for a bad command line; 1 for
 * an engine bug. `floodgate run --engine local` is the full command.
 */

import { parseEngineArgs, USAGE, UsageError } from './cli-args.ts';
import { runScript } from './index.ts';

async function main(argv: readonly string[]): Promise<number> {
  const command = parseEngineArgs(argv);
  if (command.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const controller = new AbortController();
  const onSignal = (): void => controller.abort(new Error('interrupted by a signal'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const result = await runScript({ ...command.options, signal: controller.signal });
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  return result.exitCode;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`error: ${error.message}\n${USAGE}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(
      `error: the local engine failed (a floodgate bug; please report it with the command you ran): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
