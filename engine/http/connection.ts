/**
 * The own client's keep-alive connections: one socket each, grouped per owner (a VU) and origin,
 * handed back to their origin's idle list after a complete response (see transport.ts).
 */

import type { Socket } from 'node:net';

/** k6's default batchPerHost (6) is its transport's MaxIdleConnsPerHost. */
const MAX_IDLE_PER_ORIGIN = 6;

/** What a connection tells the exchange it serves. */
export interface ConnectionUser {
  onData(chunk: Buffer): void;
  /** The socket ended (`undefined`) or failed. */
  onClosed(error: Error | undefined): void;
}

/** One origin's connections of one owner (a VU, or the shared set). */
export class Origin {
  readonly idle: Connection[] = [];
  readonly open = new Set<Connection>();
}

/** A keep-alive socket and the exchange it serves, if any. */
export class Connection {
  exchange: ConnectionUser | undefined;
  /** True once a response completed on it (a failure before any answer may then be retried). */
  reused = false;
  dead = false;

  constructor(
    readonly socket: Socket,
    private readonly origin: Origin,
  ) {
    origin.open.add(this);
    socket.on('data', (chunk: Buffer) => {
      if (this.exchange) this.exchange.onData(chunk);
      else this.destroy(); // bytes nobody asked for: the connection is out of step
    });
    socket.on('end', () => this.lost(undefined));
    socket.on('error', (error: Error) => this.lost(error));
    socket.on('close', () => this.lost(undefined));
  }

  /** The socket ended or failed: whatever it was serving learns of it, and it is never reused. */
  private lost(error: Error | undefined): void {
    const exchange = this.exchange;
    this.dead = true;
    this.exchange = undefined;
    this.forget();
    if (!this.socket.destroyed) this.socket.destroy();
    exchange?.onClosed(error);
  }

  private forget(): void {
    this.origin.open.delete(this);
    const at = this.origin.idle.indexOf(this);
    if (at >= 0) this.origin.idle.splice(at, 1);
  }

  /** Back to the idle list after a complete response (or closed when the list is full). */
  release(): void {
    this.exchange = undefined;
    this.reused = true;
    if (this.dead || this.origin.idle.length >= MAX_IDLE_PER_ORIGIN) return this.destroy();
    this.socket.unref();
    this.origin.idle.push(this);
  }

  /** Closes the socket; an exchange still on it gets `reason` as its error (none: it has its result). */
  destroy(reason?: Error): void {
    const exchange = this.exchange;
    this.dead = true;
    this.exchange = undefined;
    this.forget();
    this.socket.destroy();
    if (reason) exchange?.onClosed(reason);
  }
}
