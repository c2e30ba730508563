import { describe, expect, test } from 'vitest';
import { isFloodgateError } from '../contracts/errors.ts';
import { applyCliOptions, checkExecutionFlags, executionArgv, localOutputRefusal, parseOutputs } from './k6-options.ts';

const script = {
  scenarios: { applicants: { executor: 'ramping-arrival-rate', stages: [] } },
  thresholds: { http_req_failed: ['rate<0.01'] },
  userAgent: 'x',
};

function usageDetail(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    if (isFloodgateError(error) && error.code === 'USAGE') return error.message;
    throw error;
  }
  throw new Error('no USAGE error');
}

describe('the command line layer over the script options, as k6 consolidates them', () => {
  test('--vus 5 --duration 10s replaces the script scenarios with constant-vus, warning as k6 does, and keeps the rest', () => {
    const { options, warnings } = applyCliOptions(script, { vus: 5, duration: '10s' });
    expect(options).toEqual({ thresholds: script.thresholds, userAgent: 'x', vus: 5, duration: '10s' });
    expect(warnings).toEqual(['"cli" level configuration overrode scenarios configuration entirely']);
  });

  test('--iterations sets iterations (shared-iterations), and a script duration is cleared with it', () => {
    expect(applyCliOptions({ duration: '1m', vus: 2 }, { iterations: 7 }).options).toEqual({ vus: 2, iterations: 7 });
  });

  test('--stage becomes options.stages', () => {
    expect(applyCliOptions({}, { stages: ['1s:2', '2s:0'] }).options.stages).toEqual([
      { duration: '1s', target: 2 },
      { duration: '2s', target: 0 },
    ]);
  });

  test('--vus alone over scenarios runs that many iterations, with k6 warning', () => {
    const { options, warnings } = applyCliOptions(script, { vus: 3 });
    expect(options.scenarios).toBeUndefined();
    expect(options).toMatchObject({ vus: 3, iterations: 3 });
    expect(warnings).toEqual(['`vus=3` overrides scenarios configuration']);
  });

  test('--vus alone over a script duration only changes the VUs', () => {
    expect(applyCliOptions({ duration: '30s', vus: 1 }, { vus: 4 })).toEqual({
      options: { duration: '30s', vus: 4 },
      warnings: [],
    });
  });

  test('other flags options (user agent, …) go on top', () => {
    expect(applyCliOptions(script, {}, { userAgent: 'qa' }).options.userAgent).toBe('qa');
  });

  test.each([
    [{ iterations: 3, stages: ['1s:1'] }, 'using `iterations` and `stages` options simultaneously is not allowed'],
    [{ duration: '5s', stages: ['1s:1'] }, 'using `duration` and `stages` options simultaneously is not allowed'],
    [{ duration: '0s' }, '`duration` option should be more than 0'],
    [{ duration: '10' }, 'expected a duration with its unit'],
    [{ stages: ['10s'] }, 'expected [duration]:[target]'],
    [{ vus: -1 }, 'expected a whole number of virtual users'],
  ])('%o is refused before any engine starts, with k6 words', (flags, words) => {
    expect(usageDetail(() => checkExecutionFlags(flags))).toContain(words);
  });

  test('k6 gets the flags in its own spelling', () => {
    expect(executionArgv({ vus: 5, duration: '10s', iterations: 2, stages: ['1s:1'] })).toEqual([
      '--vus',
      '5',
      '--duration',
      '10s',
      '--iterations',
      '2',
      '--stage',
      '1s:1',
    ]);
  });
});

describe('-o/--out values', () => {
  test('json=FILE and other k6 outputs are outputs; a plain path is the old results folder', () => {
    expect(parseOutputs(['json=x.ndjson', 'csv=y.csv', 'web-dashboard', 'results/r1'])).toEqual({
      outputs: [
        { type: 'json', target: 'x.ndjson', text: 'json=x.ndjson' },
        { type: 'csv', target: 'y.csv', text: 'csv=y.csv' },
        { type: 'web-dashboard', target: '', text: 'web-dashboard' },
      ],
      resultsDir: 'results/r1',
    });
  });

  test('json without a file is refused (k6 would write nowhere useful)', () => {
    expect(usageDetail(() => parseOutputs(['json']))).toContain('--out json=FILE');
  });

  test.each([
    ['web-dashboard', '/live'],
    ['experimental-prometheus-rw', 'floodgate exporter --follow'],
    ['csv', '--out json=FILE'],
    ['influxdb', '--out json=FILE'],
  ])('on the local engine, %s is refused with what to use instead', (type, instead) => {
    const refusal = localOutputRefusal({ type, target: '', text: type });
    expect(refusal).toContain(instead);
    expect(refusal).toContain('--engine k6');
  });
});
