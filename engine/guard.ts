/**
 * Calls into script code that can be interrupted: k6 stops a VU's JavaScript when its
 * scenario's gracefulStop ends (sobek's Interrupt), even in an endless synchronous loop. All the
 * engine's VUs share one thread, so the only way to stop synchronous code is V8's termination,
 * which Node offers as the `timeout` of a vm script run: the script run calls the function, and
 * a watchdog thread stops it at the deadline. Costs one watchdog per call (measured in
 * engine/README.md); code after an `await` runs as a promise reaction and is not covered.
 */

import vm from 'node:vm';

/** Thrown when script code was still running synchronously at its deadline and was stopped. */
export class RunawayScriptError extends Error {
  override readonly name = 'RunawayScriptError';
  constructor(readonly budgetMs: number) {
    super(`the script ran synchronously past its deadline (${budgetMs} ms) and was interrupted`);
  }
}

const CALL = '__floodgate_call';
const context = vm.createContext({ [CALL]: undefined });
const script = new vm.Script(`${CALL}()`, { filename: 'floodgate-guard' });

/**
 * Runs `fn` and returns what it returns, stopping it with {@link RunawayScriptError} if it still
 * runs synchronously after `budgetMs` (no guard when the budget is infinite).
 */
export function callWithin<T>(fn: () => T, budgetMs: number): T {
  if (!Number.isFinite(budgetMs)) return fn();
  const timeout = Math.max(1, Math.ceil(budgetMs));
  const holder = context as Record<string, unknown>;
  const previous = holder[CALL];
  holder[CALL] = fn;
  try {
    return script.runInContext(context, { timeout }) as T;
  } catch (error) {
    if ((error as { code?: string } | null)?.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw new RunawayScriptError(timeout);
    throw error;
  } finally {
    holder[CALL] = previous;
  }
}
