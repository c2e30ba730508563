/** The `k6` module: check, group, fail (sleep and randomSeed are refused, see unsupported.ts). */

import { userTags } from './user-values.ts';
import type { FloodgateError } from '../../contracts/errors.ts';
import { monoNow } from '../clock.ts';
import type { Runtime } from '../runtime.ts';
import { unsupportedFunction } from './unsupported.ts';

/** True for `async function` / `async () =>`, which k6's check() and group() refuse. */
export function isAsyncFunction(fn: unknown): boolean {
  return typeof fn === 'function' && fn.constructor?.name === 'AsyncFunction';
}

/** Builds the `k6` module for one run. */
export function createK6Module(runtime: Runtime): Record<string, unknown> {
  const checks = runtime.registry.builtin('checks');
  const groupDuration = runtime.registry.builtin('group_duration');

  function check(value: unknown, sets: Record<string, unknown>, tags?: Record<string, unknown>): boolean {
    const context = runtime.context();
    const vu = context.vu;
    if (context.phase === 'init' || !vu) throw new Error('using check() in the init context is not supported');
    let passedAll = true;
    const extra = userTags(tags);
    // As k6's Check (internal/js/modules/k6/k6.go): a callback that throws counts as a failed
    // check, its sample is pushed, then the error is rethrown (the iteration fails).
    for (const [name, checker] of Object.entries(sets ?? {})) {
      if (name.includes('::')) throw new Error("group and check names may not contain '::'");
      if (isAsyncFunction(checker))
        throw new TypeError(
          `check "${name}": async functions are not supported in check(); await the value first and pass a plain function`,
        );
      let passed: boolean;
      let thrown: { error: unknown } | undefined;
      if (typeof checker === 'function') {
        try {
          passed = Boolean((checker as (v: unknown) => unknown)(value));
        } catch (error) {
          passed = false;
          thrown = { error };
        }
      } else passed = Boolean(checker);
      if (!context.iteration?.interrupted) {
        const node = vu.group.check(name);
        if (passed) node.passes += 1;
        else node.fails += 1;
        const sampleTags = runtime.tags(runtime.tagOn('check') ? { ...extra, check: name } : extra, context);
        runtime.emit(checks, passed ? 1 : 0, sampleTags, runtime.metadata(context), undefined, context);
      }
      if (thrown) throw thrown.error;
      if (!passed) passedAll = false;
    }
    return passedAll;
  }

  function group<T>(name: string, fn: () => T): T {
    const context = runtime.context();
    const vu = context.vu;
    if (context.phase === 'init' || !vu) throw new Error('using group() in the init context is not supported');
    if (typeof fn !== 'function') throw new TypeError('group() needs a function as its second argument');
    if (isAsyncFunction(fn)) {
      throw new TypeError(
        'group() does not support async functions (as in k6); group the requests yourself or tag them with { tags: { group: ... } }',
      );
    }
    if (typeof name !== 'string' || name.includes('::'))
      throw new TypeError(`group name "${String(name)}" must be a string without "::"`);
    const previousGroup = vu.group;
    const previousPath = vu.groupPath;
    vu.group = previousGroup.group(name);
    vu.groupPath = vu.group.path;
    const started = monoNow();
    try {
      return fn();
    } finally {
      runtime.emit(
        groupDuration,
        monoNow() - started,
        runtime.tags(undefined, context),
        runtime.metadata(context),
        undefined,
        context,
      );
      vu.group = previousGroup;
      vu.groupPath = previousPath;
    }
  }

  function fail(message?: string): never {
    throw new Error(message ?? '');
  }

  const refuse = (error: FloodgateError): void => runtime.onUnsupported(error);
  const sleep = unsupportedFunction('k6', 'sleep', refuse);
  const randomSeed = unsupportedFunction('k6', 'randomSeed', refuse);
  return { check, group, fail, sleep, randomSeed };
}
