/**
 * Retry waits and Retry-After (load-tests/lib/retry.ts).
 * The code imports nothing from k6, so Node runs it as it is; split from test/loadtests-lib.test.ts.
 */

import { describe, expect, test } from 'vitest';
import { parseRetryAfter, retryWaitSeconds } from './retry.ts';

describe('retry waits', () => {
  const now = Date.parse('2026-11-27T10:00:00Z');
  test.each([
    ['3', 3],
    [' 0 ', 0],
    ['Fri, 27 Nov 2026 10:00:05 GMT', 5],
    ['Fri, 27 Nov 2026 09:59:00 GMT', 0],
    ['soon', undefined],
    [undefined, undefined],
  ])('Retry-After %j asks for %s s', (header, seconds) => {
    expect(parseRetryAfter(header, now)).toBe(seconds);
  });

  test.each([
    ['2', 1, 10, 2],
    ['60', 1, 10, 10],
    [undefined, 1, 10, 1],
    [undefined, 3, 10, 4],
    [undefined, 6, 10, 10],
  ])('Retry-After %j on retry %i with cap %i waits %i s', (header, attempt, cap, wait) => {
    expect(retryWaitSeconds(header, attempt, cap, now)).toBe(wait);
  });
});
