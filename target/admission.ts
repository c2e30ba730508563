/**
 * Admission control of the reference target: the waiting room (429) and the concurrency limit
 * (503), in front of express, counting what is queued as well as what is inside a handler.
 *
 * Why queued requests must be counted: Node reads every ready socket of one event-loop turn,
 * and runs a request's handler to its end before it reads the next socket. A gate that counts
 * "requests inside a handler" therefore never sees more than a few, while a thousand requests
 * wait in the kernel's socket buffers for their turn (measured before this gate: 1,000
 * connections, `--waiting-room 100`, 0 × 429, 896 requests timed out at 10 s, each handled in
 * < 1 s once read). This gate admits a funnel request, counts it, and defers its handling to the
 * check phase of the same turn (`setImmediate`): every request read in this turn is counted
 * before any of them is worked on, so the count is in flight + queued. Those beyond the limit get
 * a small answer without express, routing or reading their body; on a connection turned away
 * less than Retry-After ago, that answer is held until Retry-After has passed (`repeatHoldMs`).
 *
 * Why turns must stay short: Node 20's libuv accepts one new connection per event-loop turn
 * (libuv PR 3696, "don't accept() connections in a loop"; strace: one `accept4` per
 * `epoll_pwait`). The accept rate is the turn rate, so a turn that works through hundreds of
 * requests leaves the connections still in the kernel's accept queue waiting until their requests
 * time out. Held rejections are therefore released a few at a time, never as one large batch, and
 * the target listens with extra accept handles (target/listen.ts).
 */

import type { IncomingMessage, ServerResponse } from 'node:http';

/** Limits of the admission gate. */
export interface AdmissionOptions {
  /** Funnel requests admitted at once (in flight + queued) before 429 + Retry-After; 0 = no waiting room. */
  readonly waitingRoom: number;
  /** Funnel requests admitted at once before 503 + Retry-After (the site's own safety limit); 0 = none. */
  readonly maxConcurrency: number;
  /** Seconds a turned-away client is told to wait. */
  readonly retryAfterSeconds: number;
  /**
   * A turned-away answer on a connection whose previous turned-away answer was written less than
   * this long ago (ms) is held until this long after it; default `retryAfterSeconds` (0 = never
   * held). A client that ignores Retry-After and asks again at once is so paced to it: the
   * rejections cannot themselves become the overload, and event-loop turns stay short. A
   * client's first turned-away answer is written at once.
   */
  readonly repeatHoldMs?: number;
  /** The route pattern of a funnel request (e.g. `/api/batches/:id/join`), undefined for others. */
  readonly funnelRoute: (method: string, path: string) => string | undefined;
  /** Called once per request turned away when its answer is written: route pattern, method, status, seconds held. */
  readonly onReject?: (route: string, method: string, status: 429 | 503, seconds: number) => void;
  /** Called whenever the admitted count changes. */
  readonly onAdmittedChange?: (admitted: number) => void;
}

/** The gate in front of the request handler. */
export interface Admission {
  /**
   * Handles one request: other than funnel requests are passed to `next` at once; a funnel
   * request is answered 429 / 503 at once, or counted and passed to `next` in the check phase.
   */
  handle(
    request: IncomingMessage,
    response: ServerResponse,
    next: (request: IncomingMessage, response: ServerResponse) => void,
  ): void;
  /** Funnel requests admitted and not yet answered (in flight + queued). */
  admitted(): number;
  /** Writes every turned-away answer still held (on close). */
  flush(): void;
}

/**
 * Held turned-away answers are released in ticks of this many ms: each tick writes the few due in
 * it. (A single batch every 250 ms, measured before, wrote ~800 answers at once; the ~800 clients
 * asked again together and the next turn read all 800: turns of 200–900 ms.)
 */
const RELEASE_TICK_MS = 20;

/** Creates the admission gate. */
export function createAdmission(options: AdmissionOptions): Admission {
  let admitted = 0;
  const full = answerBody('waiting_room', `the site is full; try again in ${options.retryAfterSeconds} s`);
  const overloaded = answerBody('overloaded', `the site is overloaded; try again in ${options.retryAfterSeconds} s`);
  const retryAfter = String(options.retryAfterSeconds);

  const holdMs = options.repeatHoldMs ?? options.retryAfterSeconds * 1000;
  interface Rejection {
    readonly response: ServerResponse;
    readonly socket: object | undefined;
    readonly route: string;
    readonly method: string;
    readonly status: 429 | 503;
    readonly started: bigint;
  }
  /** performance.now() of the last turned-away answer written on each connection. */
  const lastTurnedAway = new WeakMap<object, number>();
  /** Held answers by the tick they are due in. */
  const held = new Map<number, Rejection[]>();
  const release = (tick: number): void => {
    const due = held.get(tick) ?? [];
    held.delete(tick);
    for (const rejection of due) if (!rejection.response.destroyed) write(rejection);
  };

  const reject = (
    request: IncomingMessage,
    response: ServerResponse,
    route: string,
    method: string,
    status: 429 | 503,
  ): void => {
    // `request.socket` is the connection (absent in unit tests' plain request objects).
    const socket = (request.socket as object | undefined) ?? undefined;
    const rejection: Rejection = { response, socket, route, method, status, started: process.hrtime.bigint() };
    const last = socket && holdMs > 0 ? lastTurnedAway.get(socket) : undefined;
    const now = performance.now();
    if (last === undefined || last + holdMs <= now) return write(rejection);
    const tick = Math.ceil((last + holdMs) / RELEASE_TICK_MS);
    const group = held.get(tick);
    if (group) return void group.push(rejection);
    held.set(tick, [rejection]);
    setTimeout(release, tick * RELEASE_TICK_MS - now, tick).unref();
  };
  const write = ({ response, socket, route, method, status, started }: Rejection): void => {
    if (socket) lastTurnedAway.set(socket, performance.now());
    options.onReject?.(route, method, status, Number(process.hrtime.bigint() - started) / 1e9);
    const body = status === 429 ? full : overloaded;
    // Written by hand: the cheapest complete answer, so turning a request away costs little.
    // An unread request body is discarded by Node once the answer is sent.
    response.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(body.length),
      'retry-after': retryAfter,
    });
    response.end(body);
  };

  return {
    handle(request, response, next) {
      const method = request.method ?? 'GET';
      const route = options.funnelRoute(method, pathOf(request.url ?? '/'));
      if (route === undefined) return next(request, response);
      if (options.waitingRoom > 0 && admitted >= options.waitingRoom)
        return reject(request, response, route, method, 429);
      if (options.maxConcurrency > 0 && admitted >= options.maxConcurrency)
        return reject(request, response, route, method, 503);
      admitted += 1;
      options.onAdmittedChange?.(admitted);
      response.once('close', () => {
        admitted -= 1;
        options.onAdmittedChange?.(admitted);
      });
      // Deferred to the check phase: the rest of this turn's reads are counted before any is worked on.
      setImmediate(next, request, response);
    },
    admitted: () => admitted,
    flush() {
      for (const tick of [...held.keys()]) release(tick);
    },
  };
}

/** The path of a request target, without its query. */
function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

function answerBody(error: string, message: string): Buffer {
  return Buffer.from(JSON.stringify({ error, message }));
}
