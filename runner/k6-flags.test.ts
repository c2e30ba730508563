import { describe, expect, test } from 'vitest';
import { isFloodgateError } from '../contracts/errors.ts';
import { extractK6Flags, K6_PASS_THROUGH_FLAGS, localEngineOptions } from './k6-flags.ts';

describe("k6's other run flags", () => {
  test('are taken out of the argv in every spelling, leaving floodgate flags and the script in order', () => {
    const { rest, flags } = extractK6Flags([
      'script.ts',
      '--http-debug',
      '--vus',
      '5',
      '--user-agent',
      'qa/1',
      '-w',
      '--http-debug=full',
      '--summary-trend-stats=avg,p(99)',
      '--',
      '--paused',
    ]);
    expect(rest).toEqual(['script.ts', '--vus', '5', '--', '--paused']);
    expect(flags.map((flag) => [flag.spec.name, flag.value, flag.argv])).toEqual([
      ['http-debug', true, ['--http-debug']],
      ['user-agent', 'qa/1', ['--user-agent', 'qa/1']],
      ['throw', true, ['-w']],
      ['http-debug', 'full', ['--http-debug=full']],
      ['summary-trend-stats', 'avg,p(99)', ['--summary-trend-stats=avg,p(99)']],
    ]);
  });

  test('a flag that needs a value and has none is a usage error, not a parser stack', () => {
    expect(() => extractK6Flags(['--user-agent'])).toThrow(/--user-agent needs a value/);
  });

  test('the local engine applies the ones that are script options, in k6 option names', () => {
    const { flags } = extractK6Flags([
      '--user-agent',
      'qa/1',
      '--max-redirects',
      '3',
      '--summary-trend-stats',
      'avg,p(99)',
      '--insecure-skip-tls-verify',
      '--system-tags',
      'status,stage',
      '--no-usage-report',
    ]);
    expect(localEngineOptions(flags)).toEqual({
      userAgent: 'qa/1',
      maxRedirects: 3,
      summaryTrendStats: ['avg', 'p(99)'],
      insecureSkipTLSVerify: true,
      systemTags: ['status', 'stage'],
    });
  });

  test.each(K6_PASS_THROUGH_FLAGS.filter((spec) => !spec.option).map((spec) => [spec.name, spec] as const))(
    'on the local engine --%s is refused with what to use instead',
    (name, spec) => {
      const argv = spec.arity === 'value' ? [`--${name}`, 'x'] : [`--${name}`];
      let message = '';
      try {
        localEngineOptions(extractK6Flags(argv).flags);
      } catch (error) {
        if (isFloodgateError(error) && error.code === 'USAGE') message = error.message;
      }
      expect(message).toContain(`--${name} is a k6 flag the local engine cannot honour: `);
      expect(spec.instead!.length).toBeGreaterThan(20);
    },
  );

  test('--http-debug names where the request details are instead', () => {
    expect(() => localEngineOptions(extractK6Flags(['--http-debug=full']).flags)).toThrow(/k6\.ndjson.*LOG_FAILURES/);
  });
});
