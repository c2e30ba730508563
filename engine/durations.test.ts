import { expect, test } from 'vitest';
import { formatDuration, parseDuration } from './durations.ts';

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
])('the duration %s is %d ms', (text, ms) => {
  expect(parseDuration(text)).toBeCloseTo(ms, 9);
});

test.each(['', 'abc', '10x', 's', null])('%s is not a duration', (text) => {
  expect(parseDuration(text)).toBeUndefined();
});

test.each([
  [90_000, '1m30s'],
  [500, '500ms'],
  [0, '0s'],
])('%d ms prints as %s', (ms, text) => {
  expect(formatDuration(ms)).toBe(text);
});
