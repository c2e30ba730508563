/**
 * The service desk of the simulated ministry: `capacity` slots, each busy for one service time per
 * call, and a bounded FIFO queue in front of them. It is the whole capacity model of the ministry:
 * sustained throughput = capacity / mean service time; beyond it calls queue (latency grows),
 * and once the queue is full calls are turned away at once.
 */

import type { RandomSource } from '../contracts/random.ts';

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
  /** Its deadline would pass before a mean service time could end: not served, no slot used. */
  | { readonly kind: 'expired'; readonly waitedMs: number }
  | { readonly kind: 'cancelled' };

/** Counters of a desk. */
export interface DeskStats {
  readonly busy: number;
  readonly queued: number;
  readonly served: number;
  readonly turnedAway: number;
  readonly cancelled: number;
  readonly expired: number;
  /** Most slots ever busy at once; never above capacity. */
  readonly maxBusy: number;
}

/** A running desk. */
export interface ServiceDesk {
  /**
   * Serves one call: takes a free slot or queues for one, holds it for one service time, then
   * resolves `served`. Resolves `queue_full` at once when the queue is full, and `cancelled` when
   * `signal` aborts while the call still waits (a call already in service runs to its end: the
   * slot stays busy, as a real server finishes work its client gave up on). With a `deadlineAt`
   * (clock time the caller stops waiting), a call whose turn comes too late to finish even the
   * longest service time (with 10 ms to spare) resolves `expired` without taking the slot, as servers that honour
   * propagated deadlines do, so overload never turns into service nobody waits for.
   */
  serve(signal?: AbortSignal, deadlineAt?: number): Promise<DeskOutcome>;
  stats(): DeskStats;
  /** Cancels every waiting call and stops the timers of calls in service (they resolve `cancelled`). */
  close(): void;
}

/**
 * A call must be able to end this long before its deadline to be started: room for the answer to
 * travel back and for the caller's clock starting a little earlier than ours.
 */
const DEADLINE_MARGIN_MS = 10;

interface Waiter {
  readonly enqueuedAt: number;
  readonly deadlineAt: number;
  readonly start: (startAt: number) => void;
  readonly expire: (at: number) => void;
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
  if (!(Number.isInteger(capacity) && capacity >= 1))
    throw new RangeError(`capacity must be an integer ≥ 1, got ${capacity}`);
  if (!(serviceMs > 0)) throw new RangeError(`serviceMs must be > 0, got ${serviceMs}`);
  if (!(Number.isInteger(queueLimit) && queueLimit >= 0))
    throw new RangeError(`queueLimit must be an integer ≥ 0, got ${queueLimit}`);
  if (!(jitter >= 0 && jitter < 1)) throw new RangeError(`jitter must be in [0, 1), got ${jitter}`);

  const queue: Waiter[] = [];
  const inService = new Set<() => void>();
  let busy = 0;
  let served = 0;
  let turnedAway = 0;
  let cancelled = 0;
  let expired = 0;
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

  /**
   * True when a call starting at `startAt` might end after its deadline. It is judged on the
   * longest service time, not the one the call would draw: choosing by the draw would favour
   * short calls and lift throughput above capacity / serviceMs.
   */
  const longestService = serviceMs * (1 + jitter);
  const tooLate = (startAt: number, deadlineAt: number): boolean =>
    startAt + longestService > deadlineAt - DEADLINE_MARGIN_MS;

  /** A slot became free at `freeAt`: start the next waiting call that can still make its deadline. */
  const handOn = (freeAt: number): void => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const startAt = Math.max(freeAt, next.enqueuedAt);
      if (!tooLate(startAt, next.deadlineAt)) {
        next.start(startAt);
        return;
      }
      next.expire(startAt);
    }
  };

  return {
    serve(signal, deadlineAt = Number.POSITIVE_INFINITY) {
      return new Promise<DeskOutcome>((resolve) => {
        if (closed || signal?.aborted) {
          cancelled += 1;
          resolve({ kind: 'cancelled' });
          return;
        }
        const arrivedAt = now();
        let waiting = true;
        const settle = (outcome: DeskOutcome): void => {
          waiting = false;
          signal?.removeEventListener('abort', onAbort);
          if (outcome.kind === 'served') served += 1;
          else if (outcome.kind === 'expired') expired += 1;
          else if (outcome.kind === 'cancelled') cancelled += 1;
          else turnedAway += 1;
          resolve(outcome);
        };
        const waiter: Waiter = {
          enqueuedAt: arrivedAt,
          deadlineAt,
          start: (startAt) => {
            waiting = false;
            const waitedMs = Math.max(0, startAt - arrivedAt);
            occupy(startAt, (kind) => settle(kind === 'served' ? { kind, waitedMs } : { kind }));
          },
          expire: (at) => settle({ kind: 'expired', waitedMs: Math.max(0, at - arrivedAt) }),
          cancel: () => settle({ kind: 'cancelled' }),
        };
        const onAbort = (): void => {
          if (!waiting) return;
          const index = queue.indexOf(waiter);
          if (index >= 0) queue.splice(index, 1);
          waiter.cancel();
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        if (tooLate(arrivedAt, deadlineAt)) waiter.expire(arrivedAt);
        else if (busy < capacity) waiter.start(arrivedAt);
        else if (queue.length < queueLimit) queue.push(waiter);
        else settle({ kind: 'queue_full' });
      });
    },
    stats() {
      return { busy, queued: queue.length, served, turnedAway, cancelled, expired, maxBusy };
    },
    close() {
      closed = true;
      for (const waiter of queue.splice(0)) waiter.cancel();
      for (const stop of [...inService]) stop();
    },
  };
}
