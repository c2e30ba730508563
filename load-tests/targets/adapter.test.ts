/**
 * A stage that does not complete (load-tests/targets/adapter.ts).
 * The code imports nothing from k6, so Node runs it as it is; split from test/loadtests-lib.test.ts.
 */

import { describe, expect, test } from 'vitest';
import type { StageResponse } from '../lib/http.ts';
import { notCompleted } from './adapter.ts';

describe('a stage that does not complete', () => {
  const response = (status: number, body: string, error = '', throttled = false): StageResponse => ({
    status,
    throttled,
    body,
    error,
    header: () => undefined,
    json<T>() {
      try {
        return JSON.parse(body) as T;
      } catch {
        return undefined;
      }
    },
  });

  test.each([
    [
      response(409, '{"error":"duplicate_email","message":"x"}'),
      { result: 'failed', status: 409, reason: 'registration: HTTP 409 duplicate_email' },
    ],
    [
      response(400, '{"error":"someone@example.com is taken"}'),
      { result: 'failed', status: 400, reason: 'registration: HTTP 400' },
    ],
    [response(502, '<html>bad gateway</html>'), { result: 'failed', status: 502, reason: 'registration: HTTP 502' }],
    [
      response(0, '', 'dial tcp 127.0.0.1:9: connect: connection refused'),
      { result: 'failed', status: 0, reason: 'registration: dial tcp 127.0.0.1:9: connect: connection refused' },
    ],
    [response(429, '', '', true), { result: 'throttled', status: 429, reason: 'registration: throttled (429)' }],
  ])('%#: says why without echoing the body', (answer, expected) => {
    expect(notCompleted(answer, 'registration')).toEqual(expected);
  });
});
