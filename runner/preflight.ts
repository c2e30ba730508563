/**
 * The pre-flight: one GET of the target's base URL before any engine starts, so a wrong
 * `--target` or a target that is down fails in a second with TARGET_UNREACHABLE and its cause,
 * instead of a whole scenario played into "connection refused" and a threshold failure (99).
 */

import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { FloodgateError } from '../contracts/errors.ts';

/** How long the pre-flight request may take before the target counts as unreachable, ms. */
export const PREFLIGHT_TIMEOUT_MS = 5000;

/** Options of {@link checkTargetAnswers}. */
export interface PreflightOptions {
  /** Default {@link PREFLIGHT_TIMEOUT_MS}. */
  readonly timeoutMs?: number;
  /** Ctrl-C: stops the request and rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

/**
 * Resolves with the HTTP status when `url` answers at all: any status, 404 and 503 included,
 * means the target is reachable (the run itself judges the answers). Redirects are not followed.
 * A network error (refused, unknown host, TLS) or no answer within the timeout is
 * TARGET_UNREACHABLE naming the cause. node:http rather than fetch, because fetch refuses the
 * ports the Fetch standard blocks (1, 6000, 10080 …), where k6 connects.
 */
export function checkTargetAnswers(url: string, options: PreflightOptions = {}): Promise<number> {
  const timeoutMs = options.timeoutMs ?? PREFLIGHT_TIMEOUT_MS;
  const signal = options.signal;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    // kept as a spread: `{ cause: undefined }` would still give the error an own `cause` (Error's options)
    const unreachable = (detail: string, cause?: unknown): FloodgateError =>
      new FloodgateError('TARGET_UNREACHABLE', { url, detail }, cause === undefined ? {} : { cause });
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch (error) {
      reject(unreachable('not a URL', error));
      return;
    }
    const send = parsed.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = send(parsed, { method: 'GET', headers: { 'user-agent': 'floodgate-preflight' } });
    const timer = setTimeout(() => request.destroy(unreachable(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
    const onAbort = (): void => {
      request.destroy(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const settle = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    request.once('response', (response) => {
      settle();
      response.resume(); // the body is not needed
      request.destroy();
      resolve(response.statusCode ?? 0);
    });
    request.once('error', (error) => {
      settle();
      if (signal?.aborted) reject(signal.reason);
      else reject(error instanceof FloodgateError ? error : unreachable(networkCause(error), error));
    });
    request.end();
  });
}

/** The socket's error, with its code when the message does not hold it. */
function networkCause(error: Error): string {
  const code = (error as { code?: unknown }).code;
  const message = error.message.trim(); // OpenSSL's messages end with a newline
  return typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message;
}
