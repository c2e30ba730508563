/**
 * How long to wait before retrying a throttled (429) request. Pure.
 *
 * A target that throttles says when to come back with `Retry-After` (delta-seconds or an HTTP
 * date, RFC 9110 §10.2.3). The journey honours it up to a cap, so one long answer cannot stall a
 * short run; without the header it backs off 1 s, 2 s, 4 s … up to the same cap.
 */

/** Seconds a `Retry-After` value asks for, or undefined when the value is missing or unreadable. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, (date - nowMs) / 1000);
}

/**
 * Seconds to wait before retry number `attempt` (1 for the first retry): the server's
 * Retry-After when it gave one, else exponential back-off from 1 s; never more than `capSeconds`.
 */
export function retryWaitSeconds(
  retryAfter: string | undefined,
  attempt: number,
  capSeconds: number,
  nowMs: number,
): number {
  const asked = parseRetryAfter(retryAfter, nowMs) ?? 2 ** Math.max(0, attempt - 1);
  return Math.min(Math.max(asked, 0), capSeconds);
}
