import { describe, expect, test } from 'vitest';
import { formatGoDuration, formatK6Duration, parseDurationSeconds, parseK6DurationMs } from './durations.ts';

describe("k6's duration grammar (types.ParseExtendedDuration)", () => {
  test.each([
    ['30s', 30_000],
    ['1m30s', 90_000],
    ['1h', 3_600_000],
    ['2d', 172_800_000],
    ['500ms', 500],
    ['1.5s', 1500],
    ['250us', 0.25],
    ['10µs', 0.01],
    ['100', 100],
    [250, 250],
    ['0', 0],
    // Go's time.ParseDuration forms
    ['1h2m3.5s', 3_723_500],
    ['5ns', 5e-6],
    ['10μs', 0.01],
    ['.5s', 500],
    ['1.s', 1000],
    ['-1.5h', -5_400_000],
    ['+30s', 30_000],
    ['1m0s', 60_000],
    // days: an integer count, then an optional non-negative Go duration
    ['1d12h', 129_600_000],
    ['-1d6h', -108_000_000],
    // a bare number is milliseconds, as strconv.ParseFloat reads it
    ['-5', -5],
    ['1e3', 1000],
    ['2.5', 2.5],
  ])('the duration %s is %d ms', (text, ms) => {
    expect(parseK6DurationMs(text)).toBeCloseTo(ms, 9);
  });

  test.each([
    '',
    'abc',
    '10x',
    's',
    null,
    ' 30s',
    '10 s',
    '1.5d',
    '1h2d',
    '2d-3h',
    '1d1x',
    '30S',
    '.s',
    'inf',
    'NaN',
    'Infinity',
    '0x1p4',
  ])('%j is not a duration', (text) => {
    expect(parseK6DurationMs(text)).toBeUndefined();
  });
});

describe('durations of script variables and k6 stages, in seconds', () => {
  test.each([
    ['30s', 30],
    ['1m30s', 90],
    ['250ms', 0.25],
    ['1h', 3600],
    ['1d', 86400],
    ['1500', 1.5],
    [' 2h ', 7200],
    [1500, 1.5],
  ])('parses the duration %j', (text, seconds) => {
    expect(parseDurationSeconds(text)).toBeCloseTo(seconds, 9);
  });

  test.each(['', 'soon', '10 s', '5x', '-5s', '-0'])('rejects the duration %j', (text) => {
    expect(() => parseDurationSeconds(text)).toThrow(/not a duration/);
  });
});

describe('printing a duration', () => {
  test.each([
    [90_000, '1m30s'],
    [500, '500ms'],
    [0, '0s'],
    [3_600_000, '1h0m0s'],
    [0.25, '250µs'],
  ])('%d ms prints as Go prints it: %s', (ms, text) => {
    expect(formatGoDuration(ms)).toBe(text);
  });

  test.each([
    [90, '90s'],
    [1.5, '1500ms'],
    [3600, '3600s'],
  ])('%d s is the k6 option value %s', (seconds, text) => {
    expect(formatK6Duration(seconds)).toBe(text);
  });

  test('every k6 option value reads back as the seconds it was made from', () => {
    for (const seconds of [0.001, 0.25, 1, 59.5, 90, 3600, 86_400])
      expect(parseDurationSeconds(formatK6Duration(seconds))).toBe(seconds);
  });
});
