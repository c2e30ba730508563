/**
 * `k6/execution`: what the running code knows about the instance, its scenario, the test and
 * its VU. Reads the current context from the runtime's AsyncLocalStorage.
 */

import { wallNow } from '../clock.ts';
import type { Runtime, Vu } from '../runtime.ts';
import { TestAbortSignal } from '../runtime.ts';

/**
 * `exec.vu.metrics.tags` / `.metadata`. Writes go to the VU; reads see what the VU's samples
 * carry (`current`: k6 returns state.Tags.GetCurrentValues(), so run tags, scenario and group too).
 */
function tagProxy(
  target: Record<string, string>,
  what: string,
  current: () => Readonly<Record<string, string>> = () => target,
): Record<string, unknown> {
  const view = (): Record<string, string> => ({ ...current(), ...target });
  return new Proxy(target, {
    get(_object, key) {
      return typeof key === 'string' ? view()[key] : undefined;
    },
    has(_object, key) {
      return typeof key === 'string' && key in view();
    },
    ownKeys() {
      return Object.keys(view());
    },
    getOwnPropertyDescriptor(_object, key) {
      const all = view();
      return typeof key === 'string' && key in all
        ? { value: all[key], writable: true, enumerable: true, configurable: true }
        : undefined;
    },
    set(object, key, value) {
      if (typeof key !== 'string') return false;
      if (!['string', 'number', 'boolean'].includes(typeof value)) {
        throw new TypeError(`exec.vu.${what}.${key}: only string, number and boolean values are allowed`);
      }
      object[key] = String(value);
      return true;
    },
    deleteProperty(object, key) {
      if (typeof key === 'string') delete object[key];
      return true;
    },
  });
}

/** Builds the `k6/execution` module for one run. */
export function createExecutionModule(runtime: Runtime): Record<string, unknown> {
  const proxies = new WeakMap<Vu, { tags: Record<string, unknown>; metadata: Record<string, unknown> }>();
  const vuOf = (): Vu => {
    const { vu, phase } = runtime.context();
    if (!vu || phase === 'init') throw new Error('getting VU information in the init context is not supported');
    return vu;
  };
  const proxiesOf = (vu: Vu): { tags: Record<string, unknown>; metadata: Record<string, unknown> } => {
    let entry = proxies.get(vu);
    if (!entry) {
      entry = {
        tags: tagProxy(vu.tags, 'metrics.tags', () => runtime.tags()),
        metadata: tagProxy(vu.metadata, 'metrics.metadata'),
      };
      proxies.set(vu, entry);
    }
    return entry;
  };
  const scenarioOf = () => {
    const context = runtime.context();
    if (!context.scenario || !context.iteration)
      throw new Error('getting scenario information outside of a VU iteration is not supported');
    return { scenario: context.scenario, iteration: context.iteration };
  };

  const instance = Object.freeze({
    get iterationsInterrupted() {
      return runtime.iterationsInterrupted;
    },
    get iterationsCompleted() {
      return runtime.iterationsCompleted;
    },
    get vusActive() {
      return runtime.vusActive;
    },
    get vusInitialized() {
      return runtime.vusInitialized;
    },
    get currentTestRunDuration() {
      return wallNow() - runtime.testStartWall;
    },
  });

  const scenario = Object.freeze({
    get name() {
      return scenarioOf().scenario.name;
    },
    get executor() {
      return scenarioOf().scenario.executor;
    },
    get startTime() {
      return Math.floor(scenarioOf().scenario.startWall);
    },
    get progress() {
      return scenarioOf().scenario.progress();
    },
    get iterationInInstance() {
      return scenarioOf().iteration.scenarioIterationInInstance;
    },
    get iterationInTest() {
      return scenarioOf().iteration.scenarioIterationInTest;
    },
  });

  const test = Object.freeze({
    abort(message?: string): never {
      const signal = new TestAbortSignal(message === undefined ? '' : String(message));
      runtime.onAbort(signal);
      throw signal;
    },
    fail(message?: string): void {
      runtime.failedMessage = message === undefined ? '' : String(message);
      runtime.stderr.write(`ERRO test marked as failed${message ? `: ${message}` : ''}\n`);
    },
    get options() {
      return runtime.options;
    },
  });

  const vu = Object.freeze({
    get idInInstance() {
      return vuOf().idInInstance;
    },
    get idInTest() {
      return vuOf().idInTest;
    },
    get iterationInInstance() {
      return Math.max(0, vuOf().iterationInInstance);
    },
    get iterationInScenario() {
      const context = runtime.context();
      if (!context.iteration)
        throw new Error('getting scenario information outside of a VU iteration is not supported');
      return context.iteration.vuIterationInScenario;
    },
    get tags() {
      return proxiesOf(vuOf()).tags;
    },
    metrics: Object.freeze({
      get tags() {
        return proxiesOf(vuOf()).tags;
      },
      get metadata() {
        return proxiesOf(vuOf()).metadata;
      },
    }),
  });

  return { instance, scenario, test, vu };
}
