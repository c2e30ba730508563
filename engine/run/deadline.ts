/**
 * The engine's one timeout helper: waits for a piece of script work, a deadline and a stop
 * signal, whichever comes first, and cleans up its timer and listener either way. Setup,
 * teardown, handleSummary and every iteration end through it.
 */

/** How waiting ended: the work finished (with its value), the time ran out, or the signal stopped it. */
export type Ending<T> =
  { readonly kind: 'done'; readonly value: T } | { readonly kind: 'timeout' } | { readonly kind: 'stopped' };

/** What may end the wait early. */
export interface Limits {
  /** Milliseconds to wait at most; no limit when undefined or infinite. */
  readonly timeoutMs?: number;
  /** Ends the wait as `stopped` when aborted (at once if already aborted). */
  readonly signal?: AbortSignal;
}

/**
 * Resolves with how `work` ended within `limits`. A rejection of `work` inside the limits
 * rejects; the work itself is not cancelled (the caller interrupts what it started).
 */
export function withinLimits<T>(work: Promise<T>, limits: Limits): Promise<Ending<T>> {
  const { timeoutMs, signal } = limits;
  if (signal?.aborted) {
    work.catch(() => undefined);
    return Promise.resolve({ kind: 'stopped' });
  }
  return new Promise<Ending<T>>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const onStop = (): void => settle(() => resolve({ kind: 'stopped' }));
    let settled = false;
    function settle(finish: () => void): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onStop);
      finish();
    }
    if (timeoutMs !== undefined && Number.isFinite(timeoutMs))
      timer = setTimeout(() => settle(() => resolve({ kind: 'timeout' })), Math.max(0, timeoutMs));
    signal?.addEventListener('abort', onStop, { once: true });
    work.then(
      (value) => settle(() => resolve({ kind: 'done', value })),
      (error: unknown) => settle(() => reject(error)),
    );
  });
}
