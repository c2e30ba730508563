/**
 * `k6/timers` and the timer globals: setTimeout/setInterval that belong to the iteration which
 * created them, so the iteration ends only after they fired or were cleared (k6's event-loop
 * rule), and so an interrupted iteration's timers never fire.
 */

import { callWithin } from '../guard.ts';
import { monoNow } from '../clock.ts';
import type { Runtime } from '../runtime.ts';

/** Builds the timer functions for one run. */
export function createTimersModule(runtime: Runtime): Record<string, (...args: never[]) => unknown> {
  let nextId = 1;
  const owners = new Map<number, { timer: NodeJS.Timeout; release: (() => void) | undefined }>();

  function schedule(repeat: boolean, callback: (...args: unknown[]) => void, delay: unknown, args: unknown[]): number {
    if (typeof callback !== 'function')
      throw new TypeError(`${repeat ? 'setInterval' : 'setTimeout'}'s callback isn't a callable function`);
    const id = nextId++;
    const iteration = runtime.context().iteration;
    const ms = Math.max(0, Number(delay) || 0);
    let released = false;
    const release = iteration
      ? () => {
          if (released) return;
          released = true;
          iteration.timers.delete(id);
          iteration.release();
        }
      : undefined;
    const due = performance.now() + ms;
    const fire = (): void => {
      if (!repeat) {
        // libuv measures from its cached loop time, so a timer can fire a moment before `delay`
        // has passed by the monotonic clock; k6's never fire early, so wait out the remainder
        const early = due - performance.now();
        if (early > 0) {
          const again = setTimeout(fire, Math.ceil(early));
          owners.set(id, { timer: again, release });
          iteration?.timers.set(id, again);
          return;
        }
        owners.delete(id);
        release?.();
      }
      if (iteration?.interrupted) return;
      try {
        if (iteration) callWithin(() => callback(...args), iteration.deadlineMono - monoNow());
        else callback(...args);
      } catch (error) {
        if (iteration) iteration.fail(error);
        else
          runtime.log('error', [
            `Uncaught error in a timer callback: ${error instanceof Error ? error.message : String(error)}`,
          ]);
      }
    };
    const timer = repeat ? setInterval(fire, ms) : setTimeout(fire, ms);
    owners.set(id, { timer, release });
    if (iteration) {
      iteration.hold();
      iteration.timers.set(id, timer);
    }
    return id;
  }

  function clear(id: unknown): void {
    const owner = owners.get(Number(id));
    if (!owner) return;
    owners.delete(Number(id));
    clearTimeout(owner.timer);
    owner.release?.();
  }

  return {
    setTimeout: (callback: (...args: unknown[]) => void, delay?: unknown, ...args: unknown[]) =>
      schedule(false, callback, delay, args),
    clearTimeout: clear,
    setInterval: (callback: (...args: unknown[]) => void, delay?: unknown, ...args: unknown[]) =>
      schedule(true, callback, delay, args),
    clearInterval: clear,
  };
}
