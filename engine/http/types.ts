/** The transport's request, result and option shapes, shared by the own client and the undici one. */

import type { K6NetworkError } from './errors.ts';

/** One request as the transport sends it. */
export interface TransportRequest {
  readonly method: string;
  readonly url: URL;
  /** Header name → value, as the script spelled the names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer | undefined;
  readonly timeoutMs: number;
  /** Keep the body (false for responseType "none"); it is read either way. */
  readonly keepBody: boolean;
  /**
   * Lets the owner cancel the request (iteration interrupted): called with a stop function, it
   * returns a function that forgets it again. The result of a cancelled request has `cancelled`.
   */
  readonly onCancel?: (stop: () => void) => () => void;
}

/** Phase durations in milliseconds, as k6's `res.timings`. */
export interface Timings {
  blocked: number;
  connecting: number;
  tls_handshaking: number;
  sending: number;
  waiting: number;
  receiving: number;
  duration: number;
}

/** What came back: a response, or a network error (status 0). */
export interface TransportResult {
  readonly status: number;
  readonly statusText: string;
  readonly proto: string;
  /** Response headers as received (names as the server spelled them), in order. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: Buffer | undefined;
  readonly timings: Timings;
  readonly error: K6NetworkError | undefined;
  readonly remoteIp: string;
  readonly remotePort: number;
  readonly tlsVersion: string;
  readonly bytesSent: number;
  readonly bytesReceived: number;
  /** Monotonic ms when the exchange ended. */
  readonly endedMono: number;
  /** True when the request was cancelled through `onCancel`; no samples are emitted for it. */
  readonly cancelled: boolean;
}

/** Options of the transport (`HttpTransport`). */
export interface TransportOptions {
  readonly insecureSkipTLSVerify?: boolean;
  /** Close the connection after every request (k6's noConnectionReuse). */
  readonly noConnectionReuse?: boolean;
}

/**
 * One VU's own keep-alive connections: k6 gives every VU its own http.Transport
 * (internal/js/runner.go newVU), so a VU never takes a connection another VU opened, and a
 * request's `blocked` includes waiting for a connection of its own VU. Opaque to its users.
 */
export interface VuConnections {
  readonly pools: Map<string, unknown>;
}
