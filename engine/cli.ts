/**
 * Runs a k6 script on the local engine from the shell, with k6's flag names:
 *
 *   npx tsx engine/cli.ts run [-e KEY=VALUE]... [--out json=FILE] [--tag k=v]... \
 *     [--system-tags a,b] [--execution-segment 0:1/2 --execution-segment-sequence 0,1/2,1] \
 *     [--no-thresholds] [--include-system-env-vars=false] script.ts
 *
 * Exits with the engine's (k6's) exit code. `floodgate run --engine local` is the full command.
 */

import { parseArgs } from 'node:util';
import { runScript } from './index.ts';

function pairs(values: readonly string[] | undefined, flag: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const value of values ?? []) {
    const equals = value.indexOf('=');
    if (equals <= 0) throw new Error(`${flag} ${value}: expected KEY=VALUE`);
    result[value.slice(0, equals)] = value.slice(equals + 1);
  }
  return result;
}

const USAGE = 'usage: tsx engine/cli.ts run [-e KEY=VALUE]... [--out json=FILE] [--tag k=v]... [--system-tags a,b] [--execution-segment S] [--execution-segment-sequence Q] [--no-thresholds] script';

async function main(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      env: { type: 'string', short: 'e', multiple: true },
      out: { type: 'string', short: 'o' },
      tag: { type: 'string', multiple: true },
      'system-tags': { type: 'string' },
      'execution-segment': { type: 'string' },
      'execution-segment-sequence': { type: 'string' },
      'no-thresholds': { type: 'boolean' },
      'include-system-env-vars': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || positionals[0] !== 'run' || positionals.length !== 2) {
    process.stdout.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const out = values.out;
  if (out !== undefined && !out.startsWith('json=')) throw new Error(`--out ${out}: the local engine writes only json=FILE`);
  const controller = new AbortController();
  const onSignal = (): void => controller.abort(new Error('interrupted by a signal'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const result = await runScript({
    script: positionals[1] as string,
    env: pairs(values.env, '-e'),
    tags: pairs(values.tag, '--tag'),
    ...(out === undefined ? {} : { out: out.slice('json='.length) }),
    ...(values['system-tags'] === undefined ? {} : { systemTags: values['system-tags'].split(',').map((tag) => tag.trim()) }),
    ...(values['execution-segment'] === undefined ? {} : { executionSegment: values['execution-segment'] }),
    ...(values['execution-segment-sequence'] === undefined ? {} : { executionSegmentSequence: values['execution-segment-sequence'] }),
    noThresholds: values['no-thresholds'] === true,
    includeSystemEnv: values['include-system-env-vars'] !== 'false',
    signal: controller.signal,
  });
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  return result.exitCode;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    process.exitCode = 2;
  },
);
