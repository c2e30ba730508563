/**
 * The engine's HTTP/1.1 transport: its own client over `net`/`tls` sockets, keep-alive
 * connections per VU and origin (k6 gives every VU its own http.Transport: internal/js/runner.go
 * newVU), a request writer and a small response parser (status line, headers, Content-Length,
 * chunked, read-to-close; gzip/deflate/br decoded as k6's compression.go), and per request the
 * phases k6 reports, taken where k6's tracer takes them (lib/netext/httpext/tracer.go: blocked
 * GetConn → GotConn, connecting ConnectStart → ConnectDone, tls_handshaking TLSHandshakeStart →
 * Done, sending GotConn → WroteRequest, waiting WroteRequest → GotFirstResponseByte, receiving
 * first byte → body read).
 *
 * It covers what the former undici transport covered (HTTP/1.1 over http: and https:, no proxy,
 * no HTTP/2), which stays available for comparison with `FLOODGATE_HTTP_CLIENT=undici`
 * (undici-transport.ts). Unlike undici it hands a finished response's connection back to the VU
 * before the script sees the response, so the VU's next request reuses it (Go's transport does
 * the same); undici could still count it busy and open a second one.
 */

import { monoNow } from '../clock.ts';
import { CLOSED, codedError, Exchange, type Call } from './exchange.ts';
import { Origin } from './connection.ts';
import type { TransportOptions, TransportRequest, TransportResult, VuConnections } from './types.ts';
import { UndiciTransport } from './undici-transport.ts';

export type { Timings, TransportOptions, TransportRequest, TransportResult, VuConnections } from './types.ts';

/** This client's per-owner connections: origin → its connections. */
interface OwnConnections extends VuConnections {
  readonly pools: Map<string, Origin>;
}

/**
 * Sends requests over keep-alive connections, one set per connection owner (a VU) and origin;
 * `FLOODGATE_HTTP_CLIENT=undici` (read at construction) uses the former undici transport instead.
 */
export class HttpTransport {
  private readonly shared: OwnConnections = { pools: new Map() };
  private readonly owners = new Set<OwnConnections>([this.shared]);
  private readonly undici: UndiciTransport | undefined;
  /** The options in force. */
  options: TransportOptions;

  constructor(options: TransportOptions = {}) {
    this.options = options;
    this.undici = process.env.FLOODGATE_HTTP_CLIENT === 'undici' ? new UndiciTransport(options) : undefined;
  }

  /** Changes the options; only before the first request (the script's options arrive after init). */
  configure(options: TransportOptions): void {
    this.options = options;
    this.undici?.configure(options);
  }

  /** A new, empty set of connections for one VU; closed with the transport. */
  connectionsForVu(): VuConnections {
    if (this.undici) return this.undici.connectionsForVu();
    const connections: OwnConnections = { pools: new Map() };
    this.owners.add(connections);
    return connections;
  }

  /** Closes a VU's idle connections (k6's noVUConnectionReuse, after every iteration: Transport.CloseIdleConnections). */
  closeIdle(connections: VuConnections): void {
    if (this.undici) return this.undici.closeIdle(connections);
    for (const origin of (connections as OwnConnections).pools.values()) {
      for (const connection of [...origin.idle]) connection.destroy();
    }
  }

  /**
   * Sends one request over `connections` (a VU's own; without, a set shared by callers that
   * have none); never rejects: network errors come back as a result with `error`.
   */
  send(request: TransportRequest, connections?: VuConnections): Promise<TransportResult> {
    if (this.undici) return this.undici.send(request, connections);
    const pools = ((connections as OwnConnections | undefined) ?? this.shared).pools;
    const key = request.url.origin;
    let origin = pools.get(key);
    if (!origin) {
      origin = new Origin();
      pools.set(key, origin);
    }
    const target = origin;
    return new Promise((resolve) => {
      let forget: (() => void) | undefined = undefined; // set below; the stop callback may run before it is
      const done = (result: TransportResult): void => {
        clearTimeout(timer);
        forget?.();
        resolve(result);
      };
      const call = { request, origin: target, resolve: done } as Call;
      call.exchange = new Exchange(this, call, monoNow(), true);
      const timer = setTimeout(() => call.exchange.stop('timeout'), request.timeoutMs);
      forget = request.onCancel?.(() => call.exchange.stop('cancel'));
      if (call.exchange.isFinished()) return;
      call.exchange.start();
    });
  }

  /** Closes every connection, idle or busy. */
  async close(): Promise<void> {
    if (this.undici) return this.undici.close();
    for (const owner of this.owners) {
      for (const origin of owner.pools.values()) {
        for (const connection of [...origin.open]) connection.destroy(codedError('the run ended', CLOSED));
      }
      owner.pools.clear();
    }
    this.owners.clear();
    this.owners.add(this.shared);
  }
}
