/** `k6/data`: SharedArray, built once in the init context, read-only. */

import type { Runtime } from '../runtime.ts';

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}

/** Builds the `k6/data` module for one run. */
export function createDataModule(runtime: Runtime): Record<string, unknown> {
  const arrays = new Map<string, readonly unknown[]>();
  // A class so `new SharedArray(...)` works; the constructor returns the frozen array itself.
  class SharedArray {
    constructor(name: string, build: () => unknown[]) {
      if (runtime.context().phase !== 'init') throw new Error('new SharedArray must be called in the init context');
      if (typeof name !== 'string' || name === '') throw new TypeError('SharedArray needs a non-empty name');
      let array = arrays.get(name);
      if (!array) {
        if (typeof build !== 'function') throw new TypeError('SharedArray needs a function returning an array');
        const built = build();
        if (!Array.isArray(built)) throw new TypeError('the SharedArray callback must return an array');
        array = deepFreeze(JSON.parse(JSON.stringify(built)) as unknown[]);
        arrays.set(name, array);
      }
      return array as unknown as SharedArray;
    }
  }
  return { SharedArray };
}
