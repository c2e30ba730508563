/**
 * The command line `floodgate run` gives k6 (built and checked as data) and the script variables
 * of a run, in order. Pure: split from runner/run-k6.int.test.ts, which starts a stand-in k6.
 */

import { describe, expect, test } from 'vitest';
import { PROJECT_ROOT, k6ScriptArgument, scenarioScript, scriptVariables } from './index.ts';
import { k6Command } from './k6-command.ts';

describe('the k6 command line', () => {
  test('is k6 run with the NDJSON output, the run tag, every variable and the script', () => {
    expect(
      k6Command({
        script: 'load-tests/scenarios/opening.ts',
        out: 'results/r1',
        runId: 'r1',
        env: [
          ['TARGET_URL', 'http://127.0.0.1:18081'],
          ['RUN_ID', 'r1'],
          ['RESULTS_DIR', 'results/r1'],
          ['RATE_SCALE', '0.01'],
          ['WINDOW', '0-30'],
        ],
      }),
    ).toEqual([
      'k6',
      'run',
      '--quiet',
      '--include-system-env-vars=false',
      '--out',
      'json=results/r1/k6.ndjson',
      '--tag',
      'run=r1',
      '-e',
      'TARGET_URL=http://127.0.0.1:18081',
      '-e',
      'RUN_ID=r1',
      '-e',
      'RESULTS_DIR=results/r1',
      '-e',
      'RATE_SCALE=0.01',
      '-e',
      'WINDOW=0-30',
      'load-tests/scenarios/opening.ts',
    ]);
  });

  test('passes execution segments through before the script', () => {
    const argv = k6Command({
      script: 's.ts',
      out: 'o',
      runId: 'r',
      env: [],
      executionSegment: '0:1/4',
      executionSegmentSequence: '0,1/4,1/2,3/4,1',
    });
    expect(argv.slice(-5)).toEqual([
      '--execution-segment',
      '0:1/4',
      '--execution-segment-sequence',
      '0,1/4,1/2,3/4,1',
      's.ts',
    ]);
  });

  test('names the script relative to the working directory when it lies inside it', () => {
    expect(k6ScriptArgument(scenarioScript('smoke'), PROJECT_ROOT)).toBe('load-tests/scenarios/smoke.ts');
    expect(k6ScriptArgument(scenarioScript('smoke'), '/somewhere/else')).toBe(scenarioScript('smoke'));
  });
});

describe('script variables of a run', () => {
  const options = {
    target: 'http://127.0.0.1:18081',
    rateScale: 0.5,
    env: ['WINDOW=0-30', 'PROFILE=profiles/day.csv', 'NOTE=a=b'],
  };

  test('come in order: target, run, results, scales, then -e pairs; a relative CSV profile becomes absolute', () => {
    expect(scriptVariables(options, 'r1', 'results/r1', '/work')).toEqual([
      ['TARGET_URL', 'http://127.0.0.1:18081'],
      ['RUN_ID', 'r1'],
      ['RESULTS_DIR', 'results/r1'],
      ['RATE_SCALE', '0.5'],
      ['WINDOW', '0-30'],
      ['PROFILE', '/work/profiles/day.csv'],
      ['NOTE', 'a=b'],
    ]);
  });

  test.each([
    [['TARGET_URL=http://x'], /--target/],
    [['RUN_ID=x'], /--run-id/],
    [['RESULTS_DIR=x'], /--out/],
    [['RATE_SCALE=2'], /--rate-scale/],
    [['WINDOW=1-2', 'WINDOW=2-3'], /twice/],
    [['no-equals'], /KEY=VALUE/],
  ])('-e %j is a usage error', (env, message) => {
    expect(() => scriptVariables({ ...options, env }, 'r1', 'o', '/w')).toThrow(message);
  });

  test('--profile becomes an absolute PROFILE, and may not be given again with -e', () => {
    expect(scriptVariables({ target: 'http://t', profile: 'logs/profile.json' }, 'r', 'o', '/w')).toContainEqual([
      'PROFILE',
      '/w/logs/profile.json',
    ]);
    expect(() =>
      scriptVariables({ target: 'http://t', profile: '/p.json', env: ['PROFILE=/q.json'] }, 'r', 'o', '/w'),
    ).toThrow(/set PROFILE with --profile/);
    expect(scriptVariables({ target: 'http://t', env: ['PROFILE=p.json'] }, 'r', 'o', '/w')).toContainEqual([
      'PROFILE',
      '/w/p.json',
    ]);
  });

  test('-e may set TIME_SCALE when the flag is not given', () => {
    expect(scriptVariables({ target: 'http://t', env: ['TIME_SCALE=60'] }, 'r', 'o', '/w')).toContainEqual([
      'TIME_SCALE',
      '60',
    ]);
  });
});
