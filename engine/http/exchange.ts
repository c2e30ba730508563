/**
 * One request/response exchange of the own HTTP/1.1 client (see transport.ts): the request
 * writer, the response parser (status line, headers, Content-Length, chunked, read-to-close;
 * 1xx skipped) and the phase clock of k6's tracer. Over 400 lines on purpose: the writer, the
 * parser and the phase times share one exchange's state, and split apart they would hand a dozen
 * fields back and forth on every read.
 */

import { isIP } from 'node:net';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { monoNow } from '../clock.ts';
import { decodeBody } from './body.ts';
import { Connection, type Origin } from './connection.ts';
import { k6ErrorFor, REQUEST_TIMEOUT, type K6NetworkError } from './errors.ts';
import type { Timings, TransportOptions, TransportRequest, TransportResult } from './types.ts';

/** k6's dialer timeout (internal/js/runner.go BaseDialer: 30 s); Go reports it as an i/o timeout. */
const DIAL_TIMEOUT_MS = 30_000;
/** Go's Transport refuses response headers above 10 MiB (maxHeaderResponseSize). */
const MAX_HEADER_BYTES = 10 << 20;
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);
/** Go's transferWriter sends `Content-Length: 0` for these methods without a body. */
const BODY_EXPECTED = new Set(['POST', 'PUT', 'PATCH']);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Go's httpguts.ValidHeaderFieldValue refuses control characters but tab. */
function badValue(value: string): boolean {
  for (let i = 0; i < value.length; i += 1) {
    const code = value.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09) || code === 0x7f) return true;
  }
  return false;
}

/**
 * Where the response head in `data` ends: the index of the line feed that ends its last header
 * line and the length of the empty line after it, or undefined while it is incomplete. Go's
 * textproto reader (bufio ReadLine) takes `\n` as a line end as well as `\r\n`.
 */
function headEnd(data: Buffer, from: number): { at: number; blank: number } | undefined {
  for (let at = data.indexOf(0x0a, from); at >= 0; at = data.indexOf(0x0a, at + 1)) {
    if (data[at + 1] === 0x0a) return { at, blank: 1 };
    if (data[at + 1] === 0x0d && data[at + 2] === 0x0a) return { at, blank: 2 };
  }
  return undefined;
}

/** An error with a Node-style code, mapped by {@link k6ErrorFor}. */
export function codedError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

/** A connection closed before its response ended: Go's EOF (k6 code 1000). */
const closedEarly = (): Error => codedError('other side closed', 'UND_ERR_SOCKET');
/** The transport itself was closed (end of the run) under a request. */
export const CLOSED = 'UND_ERR_CLOSED';

/** Where an exchange's response parser is. */
const State = {
  Connecting: 0,
  Head: 1,
  Length: 2,
  ChunkLine: 3,
  ChunkData: 4,
  Trailer: 5,
  UntilClose: 6,
  Done: 7,
} as const;
type State = (typeof State)[keyof typeof State];

/** One request as sent, through its attempts: the current exchange (a retry replaces it) and where its result goes. */
export interface Call {
  exchange: Exchange;
  readonly request: TransportRequest;
  readonly origin: Origin;
  readonly resolve: (result: TransportResult) => void;
}

/** One request/response exchange on one connection, with its phase times. */
export class Exchange {
  private connection: Connection | undefined;
  private connectStart = 0;
  private tcpAt = 0;
  private readyAt = 0;
  private fresh = false;
  private secure = false;
  private gotConnection = 0;
  private sentAt = 0;
  private firstByteAt = 0;
  private requestBytes = 0;
  private received = 0;
  private state: State = State.Connecting;
  private head: Buffer | undefined;
  private status = 0;
  private statusText = '';
  private proto = 'HTTP/1.1';
  private headers: Array<[string, string]> = [];
  private remaining = 0;
  private line = '';
  private lineEndsChunk = false;
  private keepAlive = true;
  private chunks: Buffer[] = [];
  private finished = false;
  private cancelled = false;
  private timeoutHit = false;
  private dialTimer: NodeJS.Timeout | undefined;

  private readonly request: TransportRequest;
  private readonly origin: Origin;

  constructor(
    private readonly transport: { readonly options: TransportOptions },
    private readonly call: Call,
    /** When the request started (a retry keeps the first attempt's start, so `blocked` holds both). */
    private readonly started: number,
    /** May send the request again on another connection (at most once). */
    private readonly mayRetry: boolean,
  ) {
    this.request = call.request;
    this.origin = call.origin;
  }

  /** Takes an idle connection of the origin or dials a new one, then writes the request. */
  start(): void {
    const idle = this.origin.idle;
    while (idle.length > 0) {
      const connection = idle.pop() as Connection;
      if (connection.dead || connection.socket.destroyed) continue;
      connection.socket.ref();
      this.attach(connection);
      this.gotConnection = monoNow();
      this.write();
      return;
    }
    this.dial();
  }

  private attach(connection: Connection): void {
    this.connection = connection;
    connection.exchange = this;
  }

  private dial(): void {
    const url = this.request.url;
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    this.secure = url.protocol === 'https:';
    const port = Number(url.port) || (this.secure ? 443 : 80);
    this.fresh = true;
    this.connectStart = monoNow();
    let socket: Socket;
    try {
      if (this.secure) {
        socket = tlsConnect({
          host,
          port,
          ...(isIP(host) === 0 ? { servername: host } : {}),
          rejectUnauthorized: !this.transport.options.insecureSkipTLSVerify,
          ALPNProtocols: ['http/1.1'],
        });
        socket.once('connect', () => (this.tcpAt = monoNow()));
        socket.once('secureConnect', () => this.connected());
      } else {
        socket = netConnect({ host, port, noDelay: true, keepAlive: true, keepAliveInitialDelay: 30_000 });
        socket.once('connect', () => {
          this.tcpAt = monoNow();
          this.connected();
        });
      }
    } catch (error) {
      this.fail(error as Error);
      return;
    }
    if (this.secure) socket.setNoDelay(true);
    this.attach(new Connection(socket, this.origin));
    this.dialTimer = setTimeout(
      () => this.connection?.socket.destroy(codedError('dial: i/o timeout', 'ETIMEDOUT')),
      DIAL_TIMEOUT_MS,
    );
  }

  private connected(): void {
    clearTimeout(this.dialTimer);
    this.readyAt = monoNow();
    if (!this.secure) this.tcpAt = this.readyAt;
    this.gotConnection = this.readyAt;
    if (!this.finished) this.write();
  }

  /** Writes the request line, headers and body in one go (Go's transport: persistConn.writeLoop). */
  private write(): void {
    const { method, url, headers, body } = this.request;
    const options = this.transport.options;
    let host = url.host;
    let head = '';
    for (const name in headers) {
      const value = headers[name] as string;
      if (!TOKEN.test(name)) return this.fail(new Error(`net/http: invalid header field name "${name}"`));
      if (badValue(value)) return this.fail(new Error(`net/http: invalid header field value for "${name}"`));
      const lower = name.toLowerCase();
      // Go writes Host from req.Host (k6 copies a Host header there) and its own framing headers.
      if (lower === 'host') host = value;
      else if (lower !== 'content-length' && lower !== 'transfer-encoding') head += `${name}: ${value}\r\n`;
    }
    const upper = method.toUpperCase();
    if (body && body.length > 0) head += `Content-Length: ${body.length}\r\n`;
    else if (BODY_EXPECTED.has(upper)) head += 'Content-Length: 0\r\n';
    if (options.noConnectionReuse) head += 'Connection: close\r\n';
    head = `${method} ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${host}\r\n${head}\r\n`;
    const socket = (this.connection as Connection).socket;
    this.state = State.Head;
    const size = Buffer.byteLength(head, 'utf8');
    if (size !== head.length) {
      // Go strings are UTF-8 bytes: a non-ASCII header value goes out as its UTF-8 encoding.
      const bytes = Buffer.from(head, 'utf8');
      this.requestBytes = size;
      socket.cork();
      socket.write(bytes);
    } else {
      this.requestBytes = head.length;
      socket.cork();
      socket.write(head, 'latin1');
    }
    if (body && body.length > 0) {
      socket.write(body);
      this.requestBytes += body.length;
    }
    socket.uncork();
    this.sentAt = monoNow();
  }

  /** Response bytes from the socket. */
  onData(chunk: Buffer): void {
    if (this.finished) return;
    if (this.firstByteAt === 0) this.firstByteAt = monoNow();
    this.received += chunk.length;
    let offset = 0;
    while (offset < chunk.length) {
      switch (this.state) {
        case State.Head: {
          const used = this.readHead(chunk, offset);
          if (used < 0) return;
          offset = used;
          break;
        }
        case State.Length:
        case State.ChunkData: {
          const take = Math.min(this.remaining, chunk.length - offset);
          if (this.request.keepBody) this.chunks.push(chunk.subarray(offset, offset + take));
          this.remaining -= take;
          offset += take;
          if (this.remaining === 0) {
            if (this.state === State.Length) return this.complete(offset < chunk.length);
            this.state = State.ChunkLine;
            this.lineEndsChunk = true;
          }
          break;
        }
        case State.ChunkLine:
        case State.Trailer: {
          const end = chunk.indexOf(0x0a, offset);
          if (end < 0) {
            this.line += chunk.toString('latin1', offset);
            if (this.line.length > 4096) return this.fail(new Error('malformed chunked encoding'));
            return;
          }
          const line = (this.line + chunk.toString('latin1', offset, end)).replace(/\r$/, '');
          this.line = '';
          offset = end + 1;
          if (!this.onLine(line)) return;
          if ((this.state as State) === State.Done) return this.complete(offset < chunk.length);
          break;
        }
        case State.UntilClose:
          if (this.request.keepBody) this.chunks.push(offset === 0 ? chunk : chunk.subarray(offset));
          return;
        default:
          return;
      }
    }
  }

  /** Reads the status line and headers; returns the offset after them, or -1 (more needed, or failed). */
  private readHead(chunk: Buffer, offset: number): number {
    const before = this.head ? this.head.length : 0;
    const data = this.head ? Buffer.concat([this.head, chunk.subarray(offset)]) : chunk.subarray(offset);
    const found = headEnd(data, Math.max(0, before - 3));
    if (found === undefined) {
      if (data.length > MAX_HEADER_BYTES) {
        this.fail(new Error(`net/http: server response headers exceeded ${MAX_HEADER_BYTES} bytes; aborted`));
        return -1;
      }
      this.head = Buffer.from(data);
      return -1;
    }
    this.head = undefined;
    const text = data.toString('latin1', 0, found.at);
    const lines = (text.endsWith('\r') ? text.slice(0, -1) : text).split(/\r?\n/);
    const statusLine = /^HTTP\/(\d)\.(\d) (\d{3})(?: (.*))?$/.exec(lines[0] as string);
    if (!statusLine) {
      this.fail(new Error(`net/http: malformed HTTP response ${JSON.stringify(lines[0])}`));
      return -1;
    }
    const status = Number(statusLine[3]);
    const headers: Array<[string, string]> = [];
    let length = -1;
    let chunked = false;
    let close = statusLine[1] === '1' && statusLine[2] === '0';
    for (let i = 1; i < lines.length; i += 1) {
      const text = lines[i] as string;
      const colon = text.indexOf(':');
      if (colon <= 0) continue;
      const name = text.slice(0, colon).trim();
      const value = text.slice(colon + 1).trim();
      headers.push([name, value]);
      const lower = name.length === 14 || name.length === 17 || name.length === 10 ? name.toLowerCase() : '';
      if (lower === 'content-length') {
        const parsed = /^\d+$/.test(value) ? Number(value) : Number.NaN;
        if (Number.isNaN(parsed) || (length >= 0 && parsed !== length)) {
          this.fail(new Error(`net/http: bad Content-Length ${JSON.stringify(value)}`));
          return -1;
        }
        length = parsed;
      } else if (lower === 'transfer-encoding') {
        chunked = /(?:^|,)\s*chunked\s*$/i.test(value);
        if (!chunked) length = -2; // another coding: the body runs to the close
      } else if (lower === 'connection') {
        const tokens = value.toLowerCase();
        if (tokens.includes('close')) close = true;
        else if (tokens.includes('keep-alive')) close = false;
      }
    }
    const next = offset + (found.at + 1 + found.blank - before);
    // Go's transport skips 1xx informational responses but 101 (persistConn.readResponse).
    if (status >= 100 && status < 200 && status !== 101) {
      this.state = State.Head;
      return next;
    }
    this.status = status;
    this.statusText = statusLine[4] ?? '';
    this.proto = `HTTP/${statusLine[1]}.${statusLine[2]}`;
    this.headers = headers;
    this.keepAlive = !close;
    const method = this.request.method.toUpperCase();
    if (method === 'HEAD' || status === 204 || status === 304 || (status >= 100 && status < 200)) {
      this.state = State.Done;
    } else if (chunked) {
      this.state = State.ChunkLine;
      this.lineEndsChunk = false;
    } else if (length >= 0) {
      this.remaining = length;
      this.state = length === 0 ? State.Done : State.Length;
    } else {
      this.state = State.UntilClose;
      this.keepAlive = false;
    }
    if (this.state === State.Done) {
      this.complete(next < chunk.length);
      return -1;
    }
    return next;
  }

  /** One line of chunked framing; false when the exchange failed. */
  private onLine(line: string): boolean {
    if (this.state === State.Trailer) {
      if (line === '') this.state = State.Done;
      return true;
    }
    if (this.lineEndsChunk) {
      this.lineEndsChunk = false;
      if (line !== '') {
        this.fail(new Error('malformed chunked encoding'));
        return false;
      }
      return true;
    }
    const size = /^([0-9a-fA-F]+)\s*(?:;.*)?$/.exec(line);
    if (!size) {
      this.fail(new Error('malformed chunked encoding'));
      return false;
    }
    this.remaining = parseInt(size[1] as string, 16);
    this.state = this.remaining === 0 ? State.Trailer : State.ChunkData;
    return true;
  }

  /** The socket closed (with `error`, or at its end). */
  onClosed(error: Error | undefined): void {
    if (this.finished) return;
    if (this.state === State.UntilClose && error === undefined) {
      this.state = State.Done;
      this.finish(undefined);
      this.connection = undefined;
      return;
    }
    const cause = error ?? closedEarly();
    // Go's transport (net/http transport.go shouldRetryRequest), which k6 uses, sends a request
    // again when a reused keep-alive connection turns out closed before any answer.
    if (
      this.mayRetry &&
      this.connection?.reused === true &&
      this.received === 0 &&
      (cause as { code?: string }).code !== CLOSED &&
      IDEMPOTENT.has(this.request.method.toUpperCase())
    ) {
      this.finished = true; // this attempt ends without a result; the retry brings it
      this.connection = undefined;
      const next = new Exchange(this.transport, this.call, this.started, false);
      this.call.exchange = next;
      next.start();
      return;
    }
    this.fail(cause);
  }

  private fail(error: Error): void {
    if (this.timeoutHit) this.finish(REQUEST_TIMEOUT);
    else this.finish(k6ErrorFor(error));
    this.drop();
  }

  private complete(extraBytes: boolean): void {
    const connection = this.connection;
    this.finish(undefined);
    if (!connection) return;
    // k6 noConnectionReuse, `Connection: close`, or bytes past the response: not reused.
    if (extraBytes || !this.keepAlive || this.transport.options.noConnectionReuse) connection.destroy();
    else connection.release();
    this.connection = undefined;
  }

  private drop(): void {
    const connection = this.connection;
    this.connection = undefined;
    connection?.destroy();
  }

  /** True once the exchange has a result. */
  isFinished(): boolean {
    return this.finished;
  }

  /** Stops the exchange from outside (timeout or interruption); its connection is closed. */
  stop(reason: 'timeout' | 'cancel'): void {
    if (this.finished) return;
    if (reason === 'timeout') this.timeoutHit = true;
    else this.cancelled = true;
    this.finish(reason === 'timeout' ? REQUEST_TIMEOUT : { code: 1000, message: 'request cancelled' });
    this.drop();
  }

  private finish(error: K6NetworkError | undefined): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.dialTimer);
    const ended = monoNow();
    const socket = this.connection?.socket;
    const failed = error !== undefined;
    let body: Buffer | undefined;
    if (!failed && this.request.keepBody) {
      // one chunk (most bodies) is used as it is: a view of its own socket read, which nothing reuses
      const raw =
        this.chunks.length === 1
          ? (this.chunks[0] as Buffer)
          : this.chunks.length === 0
            ? Buffer.alloc(0)
            : Buffer.concat(this.chunks);
      try {
        body = decodeBody(raw, this.headers);
      } catch (decodeError) {
        return this.resolveWith(k6ErrorFor(decodeError), ended, socket);
      }
    }
    this.resolveWith(error, ended, socket, body);
  }

  private resolveWith(
    error: K6NetworkError | undefined,
    ended: number,
    socket: Socket | undefined,
    body?: Buffer,
  ): void {
    this.finished = true;
    this.call.resolve({
      status: error ? 0 : this.status,
      statusText: error ? '' : this.statusText,
      proto: error ? '' : this.proto,
      headers: error ? [] : this.headers,
      body: error ? undefined : body,
      timings: this.timings(ended),
      error,
      remoteIp: socket?.remoteAddress ?? '',
      remotePort: socket?.remotePort ?? 0,
      tlsVersion: tlsVersionOf(socket),
      bytesSent: this.requestBytes,
      bytesReceived: error ? 0 : this.received,
      endedMono: ended,
      cancelled: this.cancelled,
    });
  }

  /**
   * The phases as k6's Tracer.Done computes them (lib/netext/httpext/tracer.go): blocked only
   * once a connection was got; sending and waiting once the request was written — a request
   * written but never answered (timeout, reset) waits until it ended; receiving from the first
   * response byte.
   */
  private timings(ended: number): Timings {
    const blocked = this.gotConnection > this.started ? this.gotConnection - this.started : 0;
    let connecting = 0;
    let tls = 0;
    if (this.fresh && this.tcpAt > 0) {
      connecting = Math.max(0, this.tcpAt - this.connectStart);
      if (this.secure && this.readyAt > 0) tls = Math.max(0, this.readyAt - this.tcpAt);
    }
    let sending = 0;
    let waiting = 0;
    let receiving = 0;
    if (this.sentAt !== 0) {
      sending = Math.max(0, this.sentAt - this.gotConnection);
      if (this.firstByteAt === 0) waiting = Math.max(0, ended - this.sentAt);
      else if (this.firstByteAt > this.sentAt) waiting = this.firstByteAt - this.sentAt;
    }
    if (this.firstByteAt !== 0) receiving = Math.max(0, ended - this.firstByteAt);
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

/** k6's `tls_version` text of a socket (`tls1.2`, `tls1.3`; '' without TLS); the undici transport uses it too. */
export function tlsVersionOf(socket: Socket | undefined): string {
  const protocol = (socket as TLSSocket | undefined)?.getProtocol?.();
  if (!protocol) return '';
  return protocol.replace(/^TLSv/, 'tls').replace(/^tls1$/, 'tls1.0');
}
