import { describe, expect, test } from 'vitest';
import { parseEngineArgs, UsageError } from './cli-args.ts';

describe('the engine command line', () => {
  test('k6 flags become runScript options', () => {
    expect(
      parseEngineArgs([
        'run',
        '-e',
        'A=1',
        '--out',
        'json=x.ndjson',
        '--tag',
        'run=r',
        '--system-tags',
        'vu, iter',
        '--no-thresholds',
        's.ts',
      ]),
    ).toEqual({
      help: false,
      options: {
        script: 's.ts',
        env: { A: '1' },
        tags: { run: 'r' },
        out: 'x.ndjson',
        systemTags: ['vu', 'iter'],
        noThresholds: true,
        includeSystemEnv: true,
      },
    });
  });

  test.each([
    [['run', '--vus', '3', 's.ts'], /^unknown flag --vus; the local engine takes --env \(-e\), --out \(-o\)/],
    [['run', 's.ts', '--out'], /^--out needs a value$/],
    [['run', '--no-thresholds=yes', 's.ts'], /^--no-thresholds takes no value$/],
    [['run', '-e', 'NOEQUALS', 's.ts'], /^-e NOEQUALS: expected KEY=VALUE/],
    [['run', '--out', 'csv=x', 's.ts'], /only json=FILE/],
    [['run', '--include-system-env-vars=no', 's.ts'], /expected true or false/],
    [['run'], /^run needs the script to run$/],
    [['start', 's.ts'], /^unknown command "start"/],
    [[], /^no command given/],
  ])('%j is a usage error that names what is wrong', (argv, message) => {
    expect(() => parseEngineArgs(argv)).toThrow(UsageError);
    expect(() => parseEngineArgs(argv)).toThrow(message);
  });
});
