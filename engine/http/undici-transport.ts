/**
 * The engine's former HTTP/1.1 transport, kept for comparison (`FLOODGATE_HTTP_CLIENT=undici`,
 * see transport.ts): keep-alive undici Pools per VU and origin, and per request the
 * phases k6 reports (blocked, connecting, tls_handshaking, sending, waiting, receiving),
 * measured from undici's dispatch callbacks, its `undici:client:sendHeaders` diagnostics
 * channel, and a timing connector.
 */

import { subscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { Pool, buildConnector, type Dispatcher } from 'undici';
import { monoNow } from '../clock.ts';
import { decodeBody as decode } from './body.ts';
import { k6ErrorFor, REQUEST_TIMEOUT, type K6NetworkError } from './errors.ts';
import { tlsVersionOf } from './exchange.ts';
import type { Timings, TransportOptions, TransportRequest, TransportResult, VuConnections } from './types.ts';

interface ConnectTiming {
  start: number;
  tcp: number;
  ready: number;
  secure: boolean;
  used: boolean;
}

const connectTimings = new WeakMap<Socket, ConnectTiming>();
let handlerSymbol: symbol | undefined;
let subscribed = false;

function subscribeOnce(): void {
  if (subscribed) return;
  subscribed = true;
  subscribe('undici:client:sendHeaders', (message) => {
    const { request, headers, socket } = message as { request: object; headers: string; socket: Socket };
    handlerSymbol ??= Object.getOwnPropertySymbols(request).find((symbol) => symbol.description === 'handler');
    const handler = handlerSymbol ? (request as Record<symbol, unknown>)[handlerSymbol] : undefined;
    if (handler instanceof Exchange) handler.onSocket(socket, headers);
  });
}

function createConnector(rejectUnauthorized: boolean): buildConnector.connector {
  const base = buildConnector({ rejectUnauthorized, timeout: 10_000 });
  return (options, callback) => {
    const start = monoNow();
    const timing: ConnectTiming = {
      start,
      tcp: start,
      ready: start,
      secure: options.protocol === 'https:',
      used: false,
    };
    const socket = base(options, (error, connected) => {
      timing.ready = monoNow();
      if (!timing.secure) timing.tcp = timing.ready;
      if (!error && connected) connectTimings.set(connected as Socket, timing);
      callback(error, connected as never);
    });
    if (timing.secure && socket) (socket as Socket).once('connect', () => (timing.tcp = monoNow()));
    return socket;
  };
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/** One request/response exchange: a legacy undici dispatch handler that measures phases. */
class Exchange implements Dispatcher.DispatchHandler {
  private assigned = 0;
  private sent = 0;
  private headersAt = 0;
  private connect: ConnectTiming | undefined;
  private socket: Socket | undefined;
  private headerBytes = 0;
  private status = 0;
  private statusText = '';
  private responseHeaders: Array<[string, string]> = [];
  private receivedHeaderBytes = 0;
  private chunks: Buffer[] = [];
  private bodyBytes = 0;
  private abortFn: ((reason?: Error) => void) | undefined;
  private finished = false;
  private pendingAbort: Error | undefined;
  private cancelled = false;
  private timeoutHit = false;

  constructor(
    private readonly request: TransportRequest,
    private readonly resolve: (result: TransportResult) => void,
    /** When the request started (a retry keeps the first attempt's start, so `blocked` holds both). */
    readonly started: number = monoNow(),
    /** Sends the request again on another connection; at most once. */
    private retry?: () => void,
  ) {}

  onSocket(socket: Socket, headers: string): void {
    this.socket = socket;
    this.headerBytes = headers.length; // latin1: one byte per character
    const timing = connectTimings.get(socket);
    if (timing && !timing.used) {
      timing.used = true;
      this.connect = timing;
    }
  }

  onConnect(abort: (reason?: Error) => void): void {
    this.assigned = monoNow();
    this.abortFn = abort;
    if (this.pendingAbort) abort(this.pendingAbort);
  }

  onRequestSent(): void {
    this.sent = monoNow();
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], _resume: () => void, statusText: string): boolean {
    this.headersAt = monoNow();
    if (this.sent === 0) this.sent = this.headersAt;
    this.status = statusCode;
    this.statusText = statusText;
    this.receivedHeaderBytes = 17 + statusText.length;
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
      const name = (rawHeaders[i] as Buffer).toString('latin1');
      const value = (rawHeaders[i + 1] as Buffer).toString('latin1');
      this.responseHeaders.push([name, value]);
      this.receivedHeaderBytes += name.length + value.length + 4;
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.bodyBytes += chunk.length;
    if (this.request.keepBody) this.chunks.push(chunk);
    return true;
  }

  onComplete(): void {
    this.finish(undefined);
  }

  onError(error: Error): void {
    if (this.retry && this.mayRetry(error)) {
      const retry = this.retry;
      this.retry = undefined;
      this.finished = true; // this attempt ends without a result; the retry brings it
      retry();
      return;
    }
    if (this.timeoutHit) this.finish(REQUEST_TIMEOUT);
    else this.finish(k6ErrorFor(error));
  }

  /**
   * Go's transport (net/http transport.go, shouldRetryRequest), which k6 uses, sends a request
   * again when a reused keep-alive connection turns out closed by the server before any answer:
   * idempotent methods only, connection reset or closed.
   */
  private mayRetry(error: Error): boolean {
    if (
      this.timeoutHit ||
      this.cancelled ||
      this.headersAt !== 0 ||
      this.connect !== undefined ||
      this.socket === undefined
    )
      return false;
    if (!IDEMPOTENT.has(this.request.method.toUpperCase())) return false;
    const code = (error as { code?: string }).code;
    return code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET';
  }

  /** True once the exchange has a result. */
  isFinished(): boolean {
    return this.finished;
  }

  /** Stops the exchange from outside (timeout or interruption). */
  stop(reason: 'timeout' | 'cancel'): void {
    if (this.finished) return;
    if (reason === 'timeout') this.timeoutHit = true;
    else this.cancelled = true;
    const error = new Error(reason === 'timeout' ? 'request timeout' : 'request cancelled');
    if (this.abortFn) this.abortFn(error);
    else this.pendingAbort = error;
    // A request still waiting for a connection gets no callback until it is written; end it now.
    this.finish(reason === 'timeout' ? REQUEST_TIMEOUT : { code: 1000, message: 'request cancelled' });
  }

  private finish(error: K6NetworkError | undefined): void {
    if (this.finished) return;
    this.finished = true;
    const ended = monoNow();
    const timings = this.timings(ended, error !== undefined);
    const socket = this.socket;
    const requestBytes = this.headerBytes + (this.request.body?.length ?? 0);
    this.resolve({
      status: error ? 0 : this.status,
      statusText: error ? '' : this.statusText,
      proto: error ? '' : 'HTTP/1.1',
      headers: error ? [] : this.responseHeaders,
      // one chunk (most bodies) is used as it is: a view of its own socket read, which nothing reuses
      body:
        error || !this.request.keepBody
          ? undefined
          : decode(
              this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks),
              this.responseHeaders,
            ),
      timings,
      error,
      remoteIp: socket?.remoteAddress ?? '',
      remotePort: socket?.remotePort ?? 0,
      tlsVersion: tlsVersionOf(socket),
      bytesSent: this.socket ? requestBytes : 0,
      bytesReceived: error ? 0 : this.receivedHeaderBytes + this.bodyBytes,
      endedMono: ended,
      cancelled: this.cancelled,
    });
  }

  private timings(ended: number, failed: boolean): Timings {
    const assigned = this.assigned || ended;
    let blocked: number;
    let connecting = 0;
    let tls = 0;
    if (this.connect) {
      // k6 (lib/netext/httpext/tracer.go): blocked is GetConn → GotConn, so it holds the dial
      // and the TLS handshake of a new connection; connecting and tls_handshaking are parts of it.
      const gotConnection = this.connect.ready > 0 ? Math.max(this.connect.ready, assigned) : this.connect.start;
      blocked = Math.max(0, gotConnection - this.started);
      connecting = Math.max(0, this.connect.tcp - this.connect.start);
      tls = this.connect.secure ? Math.max(0, this.connect.ready - this.connect.tcp) : 0;
    } else {
      blocked = Math.max(0, assigned - this.started);
    }
    if (failed && this.headersAt === 0) {
      return { blocked, connecting, tls_handshaking: tls, sending: 0, waiting: 0, receiving: 0, duration: 0 };
    }
    const sendStart = this.connect ? Math.max(this.connect.ready, assigned) : assigned;
    const sent = this.sent || sendStart;
    const sending = Math.max(0, sent - sendStart);
    const waiting = Math.max(0, (this.headersAt || ended) - sent);
    const receiving = this.headersAt ? Math.max(0, ended - this.headersAt) : 0;
    return {
      blocked,
      connecting,
      tls_handshaking: tls,
      sending,
      waiting,
      receiving,
      duration: sending + waiting + receiving,
    };
  }
}

/** One VU's undici pools, origin → pool. */
interface UndiciConnections extends VuConnections {
  readonly pools: Map<string, Pool>;
}

/** Sends requests over keep-alive pools, one per origin and connection owner (a VU). */
export class UndiciTransport {
  private readonly pools = new Map<string, Pool>();
  private readonly owners = new Set<UndiciConnections>();
  private connector: buildConnector.connector;
  private options: TransportOptions;

  constructor(options: TransportOptions = {}) {
    subscribeOnce();
    this.options = options;
    this.connector = createConnector(!options.insecureSkipTLSVerify);
  }

  /** Changes the options; only before the first request (the script's options arrive after init). */
  configure(options: TransportOptions): void {
    this.options = options;
    this.connector = createConnector(!options.insecureSkipTLSVerify);
  }

  /** A new, empty set of connections for one VU; closed with the transport. */
  connectionsForVu(): VuConnections {
    const connections: UndiciConnections = { pools: new Map() };
    this.owners.add(connections);
    return connections;
  }

  /** Closes a VU's idle connections (k6's noVUConnectionReuse, after every iteration). */
  closeIdle(connections: VuConnections): void {
    const own = connections as UndiciConnections;
    const pools = [...own.pools.values()];
    own.pools.clear();
    for (const pool of pools) pool.close().catch(() => undefined);
  }

  private pool(origin: string, pools: Map<string, Pool>): Pool {
    let pool = pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, {
        connections: null,
        pipelining: 1,
        keepAliveTimeout: 60_000,
        keepAliveMaxTimeout: 600_000,
        headersTimeout: 0,
        bodyTimeout: 0,
        connect: this.connector,
      });
      pools.set(origin, pool);
    }
    return pool;
  }

  /**
   * Sends one request over `connections` (a VU's own; without, a pool shared by callers that
   * have none); never rejects: network errors come back as a result with `error`.
   */
  send(request: TransportRequest, connections?: VuConnections): Promise<TransportResult> {
    return new Promise((resolve) => {
      let forget: (() => void) | undefined = undefined; // set below; the stop callback may run before it is
      const done = (result: TransportResult): void => {
        clearTimeout(timer);
        forget?.();
        resolve(result);
      };
      const url = request.url;
      const dispatch = (exchange: Exchange): void => {
        try {
          this.pool(url.origin, (connections as UndiciConnections | undefined)?.pools ?? this.pools).dispatch(
            {
              method: request.method,
              path: `${url.pathname}${url.search}`,
              headers: request.headers as Record<string, string>,
              body: request.body,
              reset: this.options.noConnectionReuse === true,
            },
            exchange,
          );
        } catch (error) {
          exchange.onError(error as Error);
        }
      };
      let exchange = new Exchange(request, done, monoNow(), () => {
        exchange = new Exchange(request, done, exchange.started);
        dispatch(exchange);
      });
      const timer = setTimeout(() => exchange.stop('timeout'), request.timeoutMs);
      forget = request.onCancel?.(() => exchange.stop('cancel'));
      if (exchange.isFinished()) return;
      dispatch(exchange);
    });
  }

  /** Closes every pool and its keep-alive connections. */
  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    for (const owner of this.owners) pools.push(...owner.pools.values());
    this.owners.clear();
    await Promise.all(pools.map((pool) => pool.destroy().catch(() => undefined)));
  }
}
