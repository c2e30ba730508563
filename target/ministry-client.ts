/**
 * The target's client for the ministry NIK API: one HTTP call per check with a hard timeout, so
 * the target never waits on the ministry longer than `timeoutMs`, whatever the ministry does.
 */

import { Agent, request } from 'undici';
import { DEADLINE_HEADER, type NikVerdict } from './ministry.ts';

/** How a check ended, as the target sees it. */
export type MinistryCallResult =
  | { readonly outcome: 'ok'; readonly verdict: NikVerdict }
  | { readonly outcome: 'rejected'; readonly verdict: NikVerdict }
  | { readonly outcome: 'unavailable' | 'timeout' | 'error'; readonly detail: string };

/** Outcome label of a call: ok (match), rejected (no match), unavailable (503), timeout, error. */
export type MinistryOutcome = MinistryCallResult['outcome'];

/** A ministry client. */
export interface MinistryClient {
  check(nik: string, dateOfBirth: string): Promise<MinistryCallResult>;
  close(): Promise<void>;
}

/** Creates a client for the ministry at `baseUrl` (e.g. `http://127.0.0.1:18082`). */
export function createMinistryClient(baseUrl: string, timeoutMs: number): MinistryClient {
  // Its own connection pool: unlimited sockets, so the ministry's queue (not the client) limits concurrency.
  const agent = new Agent({ keepAliveTimeout: 10_000, connections: null });
  const url = new URL('/api/nik/verify', baseUrl).toString();
  return {
    async check(nik, dateOfBirth) {
      const signal = AbortSignal.timeout(timeoutMs);
      try {
        const response = await request(url, {
          method: 'POST',
          dispatcher: agent,
          headers: { 'content-type': 'application/json', [DEADLINE_HEADER]: String(timeoutMs) },
          body: JSON.stringify({ nik, dateOfBirth }),
          signal,
        });
        const text = await response.body.text();
        if (response.statusCode === 503) return { outcome: 'unavailable', detail: 'ministry busy (503)' };
        if (response.statusCode === 504)
          return { outcome: 'timeout', detail: 'no ministry slot before the deadline (504)' };
        if (response.statusCode !== 200)
          return { outcome: 'error', detail: `ministry answered ${response.statusCode}` };
        const verdict = JSON.parse(text) as NikVerdict;
        return { outcome: verdict.match ? 'ok' : 'rejected', verdict };
      } catch (error) {
        if (signal.aborted) return { outcome: 'timeout', detail: `no answer within ${timeoutMs} ms` };
        const code = (error as { code?: string }).code;
        if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') {
          return { outcome: 'unavailable', detail: `ministry unreachable (${code})` };
        }
        return { outcome: 'error', detail: error instanceof Error ? error.message : String(error) };
      }
    },
    close: () => agent.close(),
  };
}
