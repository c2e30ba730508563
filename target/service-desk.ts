/**
 * The service desk of the simulated ministry: `capacity` slots, each busy for one service time per
 * call, and a bounded FIFO queue in front of them. It is the whole capacity model of the ministry:
 * sustained throughput = capacity / mean service time; beyond it calls queue (latency grows),
 * and once the queue is full calls are turned away at once.
 */

import type { RandomSource } from './faults.ts';

/** How the desk is sized. */
export interface ServiceDeskOptions {
  /** Concurrent service slots (≥ 1). */
  readonly capacity: number;
  /** Mean time one call holds a slot, in milliseconds (> 0). */
  readonly serviceMs: number;
  /** Calls that may wait for a slot (≥ 0); one more is turned away. */
  readonly queueLimit: number;
  /**
   * Relative spread of the service time: each call takes serviceMs × (1 ± jitter), uniform, so
   * the mean stays serviceMs. 0..0.9, default 0.2.
   */
  readonly jitter?: number;
  /** Uniform numbers for the jitter. */
  readonly random: RandomSource;
  /** Clock in milliseconds; default `performance.now`. Tests pass a fake one. */
  readonly now?: () => number;
}

/** How one call ended. */
export type DeskOutcome =
  | { readonly kind: 'served'; readonly waitedMs: number }
  | { readonly kind: 'queue_full' }
  | { readonly kind: 'cancelled' };

/** Counters of a desk. */
export interface DeskStats {
  readonly busy: number;
  readonly queued: number;
  readonly served: number;
  readonly turnedAway: number;
  readonly cancelled: number;
  /** Most slots ever busy at once; never above capacity. */
  readonly maxBusy: number;
}

/** A running desk. */
export interface ServiceDesk {
  /**
   * Serves one call: takes a free slot or queues for one, holds it for one service time, then
   * resolves `served`. Resolves `queue_full` at once when the queue is full, and `cancelled` when
   * `signal` aborts while the call still waits (a call already in service runs to its end: the
   * slot stays busy, as a real server finishes work its client gave up on).
   */
  serve(signal?: AbortSignal): Promise<DeskOutcome>;
  stats(): DeskStats;
  /** Cancels every waiting call and stops the timers of calls in service (they resolve `cancelled`). */
  close(): void;
}

interface Waiter {
  readonly enqueuedAt: number;
  readonly start: (startAt: number) => void;
  readonly cancel: () => void;
}

/**
 * Creates a service desk. A slot that finishes a call starts the next queued call at the moment
 * the previous one was due to end, not when the timer actually fired, so timer lateness does not
 * eat into throughput: under a full queue the desk serves exactly capacity / serviceMs calls per
 * millisecond in the long run.
 */
export function createServiceDesk(options: ServiceDeskOptions): ServiceDesk {
  const { capacity, serviceMs, queueLimit, random } = options;
  const jitter = options.jitter ?? 0.2;
  const now = options.now ?? (() => performance.now());
  if (!(Number.isInteger(capacity) && capacity >= 1)) throw new RangeError(`capacity must be an integer ≥ 1, got ${capacity}`);
  if (!(serviceMs > 0)) throw new RangeError(`serviceMs must be > 0, got ${serviceMs}`);
  if (!(Number.isInteger(queueLimit) && queueLimit >= 0)) throw new RangeError(`queueLimit must be an integer ≥ 0, got ${queueLimit}`);
  if (!(jitter >= 0 && jitter < 1)) throw new RangeError(`jitter must be in [0, 1), got ${jitter}`);

  const queue: Waiter[] = [];
  const inService = new Set<() => void>();
  let busy = 0;
  let served = 0;
  let turnedAway = 0;
  let cancelled = 0;
  let maxBusy = 0;
  let closed = false;

  const serviceTime = (): number => serviceMs * (1 + jitter * (2 * random() - 1));

  /** Occupies a slot from `startAt` (≤ now) for one service time, then hands it on. */
  const occupy = (startAt: number, onDone: (kind: 'served' | 'cancelled') => void): void => {
    busy += 1;
    maxBusy = Math.max(maxBusy, busy);
    const dueAt = startAt + serviceTime();
    const finish = (kind: 'served' | 'cancelled'): void => {
      clearTimeout(timer);
      inService.delete(stop);
      busy -= 1;
      onDone(kind);
      if (kind === 'served') handOn(dueAt);
    };
    const stop = (): void => finish('cancelled');
    const timer = setTimeout(() => finish('served'), Math.max(0, dueAt - now()));
    inService.add(stop);
  };

  /** A slot became free at `freeAt`: start the next waiting call from then. */
  const handOn = (freeAt: number): void => {
    const next = queue.shift();
    if (next) next.start(Math.max(freeAt, next.enqueuedAt));
  };

  return {
    serve(signal) {
      return new Promise<DeskOutcome>((resolve) => {
        if (closed || signal?.aborted) {
          cancelled += 1;
          resolve({ kind: 'cancelled' });
          return;
        }
        const arrivedAt = now();
        const done = (kind: 'served' | 'cancelled', waitedMs: number): void => {
          signal?.removeEventListener('abort', onAbort);
          if (kind === 'served') {
            served += 1;
            resolve({ kind, waitedMs });
          } else {
            cancelled += 1;
            resolve({ kind });
          }
        };
        let waiting = true;
        const waiter: Waiter = {
          enqueuedAt: arrivedAt,
          start: (startAt) => {
            waiting = false;
            occupy(startAt, (kind) => done(kind, Math.max(0, startAt - arrivedAt)));
          },
          cancel: () => done('cancelled', 0),
        };
        const onAbort = (): void => {
          if (!waiting) return;
          waiting = false;
          const index = queue.indexOf(waiter);
          if (index >= 0) queue.splice(index, 1);
          waiter.cancel();
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        if (busy < capacity) {
          waiter.start(arrivedAt);
        } else if (queue.length < queueLimit) {
          queue.push(waiter);
        } else {
          signal?.removeEventListener('abort', onAbort);
          turnedAway += 1;
          resolve({ kind: 'queue_full' });
        }
      });
    },
    stats() {
      return { busy, queued: queue.length, served, turnedAway, cancelled, maxBusy };
    },
    close() {
      closed = true;
      for (const waiter of queue.splice(0)) waiter.cancel();
      for (const stop of [...inService]) stop();
    },
  };
}
