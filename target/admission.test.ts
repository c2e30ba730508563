import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, test } from 'vitest';
import { createAdmission, type AdmissionOptions } from './admission.ts';

/** A request and a response that records what was written, closing when it ends. */
function exchange(
  method: string,
  url: string,
): {
  request: IncomingMessage;
  response: ServerResponse;
  written: { status?: number; headers?: Record<string, string> };
} {
  const written: { status?: number; headers?: Record<string, string> } = {};
  const response = Object.assign(new EventEmitter(), {
    writeHead(status: number, headers: Record<string, string>) {
      written.status = status;
      written.headers = headers;
    },
    end() {
      response.emit('close');
    },
  });
  return { request: { method, url } as IncomingMessage, response: response as unknown as ServerResponse, written };
}

const options = (overrides: Partial<AdmissionOptions>): AdmissionOptions => ({
  waitingRoom: 0,
  maxConcurrency: 0,
  retryAfterSeconds: 1,
  funnelRoute: (method, path) => (method === 'POST' && path === '/api/register' ? '/api/register' : undefined),
  ...overrides,
});

describe('the admission gate counts what is queued, not only what is in a handler', () => {
  test('five registrations read in one turn with a waiting room of 2: 2 admitted, 3 answered 429 + Retry-After at once, though each handler would finish synchronously', async () => {
    const rejected: number[] = [];
    const admission = createAdmission(
      options({ waitingRoom: 2, onReject: (_route, _method, status) => rejected.push(status) }),
    );
    const handled: string[] = [];
    const exchanges = Array.from({ length: 5 }, () => exchange('POST', '/api/register?x=1'));
    for (const { request, response } of exchanges) {
      admission.handle(request, response, (_request, answer) => {
        handled.push('handled');
        answer.end();
      });
    }
    // Nothing has been handled yet: the admitted ones wait for the check phase, counted.
    expect(handled).toEqual([]);
    expect(admission.admitted()).toBe(2);
    expect(exchanges.map(({ written }) => written.status)).toEqual([undefined, undefined, 429, 429, 429]);
    expect(exchanges[2]!.written.headers!['retry-after']).toBe('1');
    expect(rejected).toEqual([429, 429, 429]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(handled).toEqual(['handled', 'handled']);
    expect(admission.admitted()).toBe(0);
  });

  test('beyond the concurrency limit, 503 + Retry-After; the waiting room, when smaller, answers first', () => {
    const admission = createAdmission(options({ maxConcurrency: 1 }));
    const first = exchange('POST', '/api/register');
    const second = exchange('POST', '/api/register');
    admission.handle(first.request, first.response, () => undefined);
    admission.handle(second.request, second.response, () => undefined);
    expect([first.written.status, second.written.status]).toEqual([undefined, 503]);
    expect(second.written.headers!['retry-after']).toBe('1');

    const both = createAdmission(options({ waitingRoom: 1, maxConcurrency: 1 }));
    const third = exchange('POST', '/api/register');
    both.handle(exchange('POST', '/api/register').request, exchange('POST', '/api/register').response, () => undefined);
    both.handle(third.request, third.response, () => undefined);
    expect(third.written.status).toBe(429);
  });

  test('requests outside the funnel (health, truth, metrics) pass at once, uncounted, even when the site is full', () => {
    const admission = createAdmission(options({ waitingRoom: 1 }));
    admission.handle(
      exchange('POST', '/api/register').request,
      exchange('POST', '/api/register').response,
      () => undefined,
    );
    const passed: string[] = [];
    const health = exchange('GET', '/healthz');
    admission.handle(health.request, health.response, () => passed.push('healthz'));
    expect(passed).toEqual(['healthz']);
    expect(health.written.status).toBeUndefined();
    expect(admission.admitted()).toBe(1);
  });

  test('a connection turned away again before its Retry-After has passed gets its answer when it has (pacing clients that ignore Retry-After); its first answer comes at once; flush() writes held ones at once', async () => {
    const admission = createAdmission(options({ waitingRoom: 1, repeatHoldMs: 300 }));
    admission.handle(
      exchange('POST', '/api/register').request,
      exchange('POST', '/api/register').response,
      () => undefined,
    );
    const connection = {};
    const onConnection = (): ReturnType<typeof exchange> => {
      const made = exchange('POST', '/api/register');
      Object.assign(made.request, { socket: connection });
      admission.handle(made.request, made.response, () => undefined);
      return made;
    };
    const first = onConnection();
    expect(first.written.status).toBe(429);
    const again = onConnection();
    expect(again.written.status).toBeUndefined();
    // Another connection's first answer is not held by this one's.
    const other = exchange('POST', '/api/register');
    Object.assign(other.request, { socket: {} });
    admission.handle(other.request, other.response, () => undefined);
    expect(other.written.status).toBe(429);
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect(again.written.status).toBe(429);
    expect(again.written.headers!['retry-after']).toBe('1');

    const late = onConnection();
    expect(late.written.status).toBeUndefined();
    admission.flush();
    expect(late.written.status).toBe(429);
  });
});
