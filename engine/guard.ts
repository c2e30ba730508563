/**
 * Calls into script code that can be interrupted: k6 stops a VU's JavaScript when its
 * scenario's gracefulStop ends (sobek's Interrupt), even in an endless synchronous loop. The
 * engine's main mechanism is the load-time instrumentation of engine/interrupt.ts, which reaches
 * every place script code runs. This module adds an optional watchdog for the synchronous part
 * of a call, chosen by `FLOODGATE_GUARD` ({@link watchdogMode}): V8's termination, which Node
 * offers as the `timeout` of a vm script run (a watchdog thread stops the call at its deadline)
 * — it also stops native code the checks cannot reach (a catastrophic regular expression, code
 * built by eval). By default it is off, except while a run's script may build code at run time.
 *
 * Cost (bench/README.md): a vm timeout creates and joins a thread per run, ~90–175 µs of CPU on
 * the project machine — more than a whole request of the rest of the engine. V8's inspector
 * `Runtime.evaluate` timeout has the same scope without a thread per call (~25 µs), but it is
 * opt-in (`FLOODGATE_GUARD=inspector`): in one long-lived process running many tests, the
 * 40/s arrival test dropped 11 of 1,200 iterations in 3 of 4 runs with it, none in one with the vm
 * timeout (cause not found; V8 keeps each evaluation's termination task until its timeout). And
 * {@link callBefore} shares one watchdog
 * among the calls queued in the same turn of the event loop (the iteration starts of every VU
 * whose previous iteration ended in that turn): they run one after another inside one guarded
 * run, right after the promise reactions queued so far (a `process.nextTick`), each still
 * stopped at its own deadline.
 */

import { Session } from 'node:inspector';
import vm from 'node:vm';
import { monoNow } from './clock.ts';

/** Thrown when script code was still running at its deadline and was stopped (by a watchdog or by engine/interrupt.ts). */
export class RunawayScriptError extends Error {
  override readonly name = 'RunawayScriptError';
  /** True once the interrupted iteration holds this error (so an unhandled rejection of it is not logged again). */
  reported = false;
  /** `budgetMs`: the watchdog's budget; undefined when the load-time checks (engine/interrupt.ts) stopped it. */
  constructor(
    readonly budgetMs?: number,
    message = budgetMs === undefined
      ? 'the script ran past its deadline and was interrupted'
      : `the script ran synchronously past its deadline (${budgetMs} ms) and was interrupted`,
  ) {
    super(message);
  }
}

const CALL = '__floodgate_call';
const context = vm.createContext({ [CALL]: undefined });
const script = new vm.Script(`${CALL}()`, { filename: 'floodgate-guard' });

/** Runs `fn` in a vm run with a `timeout` ms watchdog (a thread created and joined per run). */
function runTimedVm<T>(fn: () => T, timeout: number): T {
  const holder = context as Record<string, unknown>;
  const previous = holder[CALL];
  holder[CALL] = fn;
  try {
    return script.runInContext(context, { timeout }) as T;
  } catch (error) {
    if ((error as { code?: string } | null)?.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT')
      throw new RunawayScriptError(timeout);
    throw error;
  } finally {
    holder[CALL] = previous;
  }
}

/** Where the inspector's evaluation finds the function to call (a symbol: invisible to the script realm's name list). */
const INSPECTOR_CALL = Symbol.for('floodgate.guard.call');
const INSPECTOR_EXPRESSION = 'globalThis[Symbol.for("floodgate.guard.call")]()';
let session: Session | null | undefined;

/**
 * A same-thread inspector session, or null without one. Its `Runtime.evaluate` with a `timeout`
 * is V8's own scoped termination (v8-inspector-impl.cc EvaluateScope): a task on V8's existing
 * worker threads terminates the evaluation at the deadline, and the termination is cancelled
 * when the evaluation returns — the same scope as a vm timeout, without a thread per call.
 */
function inspectorSession(): Session | null {
  if (session !== undefined) return session;
  session = null;
  // Opt-in (FLOODGATE_GUARD=inspector): see the module comment for why it is not the default.
  if (!process.features.inspector || process.env.FLOODGATE_GUARD !== 'inspector') return session;
  try {
    const candidate = new Session();
    candidate.connect();
    session = candidate;
  } catch {
    session = null;
  }
  return session;
}

/**
 * V8 keeps each evaluation's termination task (~400 bytes) until its timeout passes, even after
 * the evaluation returned. So the inspector watchdog is used while fewer than
 * {@link MAX_LINGERING} such tasks are waiting (~10 MB), the vm watchdog beyond that (a long
 * run at a high rate with a far deadline); counted per second of expiry.
 */
const MAX_LINGERING = 25_000;
const lingering = {
  count: 0,
  bySecond: new Map<number, number>(),
  prunedAt: 0,
  admit(timeoutMs: number): boolean {
    const now = monoNow();
    if (now - this.prunedAt >= 1000) {
      this.prunedAt = now;
      for (const [second, count] of this.bySecond) {
        if (second * 1000 < now) {
          this.bySecond.delete(second);
          this.count -= count;
        }
      }
    }
    if (this.count >= MAX_LINGERING) return false;
    const second = Math.ceil((now + timeoutMs) / 1000);
    this.bySecond.set(second, (this.bySecond.get(second) ?? 0) + 1);
    this.count += 1;
    return true;
  },
};

/**
 * Runs `fn` under a watchdog of `timeout` ms; throws {@link RunawayScriptError} when the
 * watchdog stopped it, and what `fn` throws otherwise.
 */
function runTimed<T>(fn: () => T, timeout: number): T {
  if (watchdogMode() === 'none') return fn();
  const inspector = inspectorSession();
  if (!inspector || !lingering.admit(timeout)) return runTimedVm(fn, timeout);
  const holder = globalThis as unknown as Record<symbol, unknown>;
  const previous = holder[INSPECTOR_CALL];
  let outcome: { ok: boolean; value: unknown } | undefined;
  holder[INSPECTOR_CALL] = (): void => {
    try {
      outcome = { ok: true, value: fn() };
    } catch (error) {
      outcome = { ok: false, value: error };
    }
  };
  let failure: Error | null | undefined;
  try {
    // The session answers synchronously: the evaluation runs inside post().
    inspector.post(
      'Runtime.evaluate',
      { expression: INSPECTOR_EXPRESSION, timeout, silent: true, returnByValue: true },
      (error) => {
        failure = error;
      },
    );
  } finally {
    holder[INSPECTOR_CALL] = previous;
  }
  if (outcome === undefined) {
    if (failure && /Execution was terminated/.test(failure.message)) throw new RunawayScriptError(timeout);
    throw new Error(`engine bug: the guarded call did not run (${failure?.message ?? 'no answer from the inspector'})`);
  }
  if (!outcome.ok) throw outcome.value;
  return outcome.value as T;
}

/**
 * Which watchdog guards the synchronous part of a call (`FLOODGATE_GUARD`): `vm` (a vm
 * `timeout`, a thread per guarded run), `inspector` (V8's inspector evaluation timeout), or
 * `none` (the load-time interrupt checks of engine/interrupt.ts alone). Read on every call.
 */
export function watchdogMode(): 'vm' | 'inspector' | 'none' {
  const value = process.env.FLOODGATE_GUARD;
  if (value === 'vm' || value === 'inspector' || value === 'none') return value;
  // Default: the load-time checks alone, plus the vm watchdog while a run's script builds code
  // at run time (eval, Function), which the checks do not reach.
  return watchdogHolds > 0 ? 'vm' : 'none';
}

let watchdogHolds = 0;

/**
 * Turns the vm watchdog on by default until the returned function is called (a run whose
 * script may build code at run time, engine/interrupt.ts `dynamicCode`).
 */
export function requireWatchdog(): () => void {
  watchdogHolds += 1;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    watchdogHolds -= 1;
  };
}

/** The watchdog timeout for a budget: whole milliseconds, at least 1 (vm's minimum). */
// A call whose deadline has passed still gets 10 ms: a 1-ms vm timeout can fire before a trivial
// call returns when the watchdog thread starts late on a loaded machine (the batch test failed in
// CI so), and a hard stop 10 ms late changes nothing a run reports.
const MIN_TIMEOUT_MS = 10;
const timeoutFor = (budgetMs: number): number => Math.max(MIN_TIMEOUT_MS, Math.ceil(budgetMs));

/**
 * Runs `fn` and returns what it returns, stopping it with {@link RunawayScriptError} if it still
 * runs synchronously after `budgetMs` (no guard when the budget is infinite).
 */
export function callWithin<T>(fn: () => T, budgetMs: number): T {
  if (!Number.isFinite(budgetMs)) return fn();
  return runTimed(fn, timeoutFor(budgetMs));
}

interface QueuedCall {
  readonly fn: () => unknown;
  readonly deadlineMono: number;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

let queue: QueuedCall[] = [];
let flushing = false;

/** What the guard has done so far (the bench reports how many calls shared a watchdog). */
export const guardStats = { calls: 0, watchdogs: 0 };

/**
 * Runs `fn` soon — after the promise reactions queued so far, in the same turn of the event
 * loop — and resolves with what it returns (rejects with what it throws). Synchronous code of
 * `fn` still running at `deadlineMono` (monotonic ms) is stopped with {@link RunawayScriptError},
 * as {@link callWithin}; calls queued in the same turn share one watchdog.
 */
export function callBefore<T>(fn: () => T, deadlineMono: number): Promise<Awaited<T>> {
  return new Promise((resolve, reject) => {
    if (queue.push({ fn, deadlineMono, resolve: resolve as (value: unknown) => void, reject }) === 1 && !flushing)
      process.nextTick(flushQueue);
  });
}

function flushQueue(): void {
  flushing = true;
  try {
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      let from = 0;
      while (from < batch.length) {
        // Calls with the same deadline (the VUs of one scenario) share a watchdog.
        const deadline = (batch[from] as QueuedCall).deadlineMono;
        let to = from + 1;
        while (to < batch.length && (batch[to] as QueuedCall).deadlineMono === deadline) to += 1;
        runGroup(batch, from, to, deadline);
        from = to;
      }
    }
  } finally {
    flushing = false;
  }
}

/** Runs `batch[from..to)` in order under one watchdog; after a stopped call, the rest under a new one. */
function runGroup(batch: readonly QueuedCall[], from: number, to: number, deadlineMono: number): void {
  let next = from;
  const outcomes: Array<{ ok: boolean; value: unknown } | undefined> = [];
  const runAll = (): void => {
    while (next < to) {
      const index = next;
      next += 1;
      try {
        outcomes[index - from] = { ok: true, value: (batch[index] as QueuedCall).fn() };
      } catch (error) {
        outcomes[index - from] = { ok: false, value: error };
      }
    }
  };
  while (next < to) {
    guardStats.watchdogs += 1;
    const budget = deadlineMono - monoNow();
    if (!Number.isFinite(budget)) {
      runAll();
      break;
    }
    try {
      runTimed(runAll, timeoutFor(budget));
    } catch (error) {
      // Termination skips runAll's own catch: the call that was running when the watchdog fired is the runaway.
      if (next > from && outcomes[next - 1 - from] === undefined)
        outcomes[next - 1 - from] = { ok: false, value: error };
    }
  }
  guardStats.calls += to - from;
  for (let i = 0; i < to - from; i += 1) {
    const call = batch[from + i] as QueuedCall;
    const outcome = outcomes[i] ?? { ok: false, value: new Error('engine bug: a guarded call has no outcome') };
    if (outcome.ok) call.resolve(outcome.value);
    else call.reject(outcome.value);
  }
}
