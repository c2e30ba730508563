/**
 * Evaluates a bundled script in an init context, with the engine's host object and k6's globals
 * in scope, and returns its exports. The bundle is compiled once and evaluated once per VU (and
 * once each for options, setup, teardown and handleSummary), as k6 instantiates its bundle per VU
 * (internal/js/bundle.go Instantiate): each evaluation has its own module state and global
 * object. Node's own globals (`process`, `require`, `Buffer`) are hidden, as k6 has none of them.
 */

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { FloodgateError } from '../contracts/errors.ts';
import { HOST_NAME, type Bundle } from './bundle.ts';
import { instrumentCode, RECHECK_NAME, TICK_NAME, type InterruptChecks } from './interrupt.ts';
import type { Runtime } from './runtime.ts';

/** What bundled code reads through the host object. */
export interface ScriptHost {
  readonly modules: Readonly<Record<string, Record<string, unknown>>>;
  readonly ENV: Record<string, string>;
  readonly VU: number;
  readonly ITER: number;
  /** `open()` resolving relative paths against `directory`. */
  openFrom(directory: string): (path: string, mode?: string) => string | ArrayBuffer;
}

/** Builds the host object for a run. */
export function createScriptHost(
  runtime: Runtime,
  modules: Readonly<Record<string, Record<string, unknown>>>,
): ScriptHost {
  return {
    modules,
    get ENV() {
      return runtime.context().vu?.env() ?? runtime.env;
    },
    get VU() {
      return runtime.context().vu?.idInInstance ?? 0;
    },
    get ITER() {
      return Math.max(0, runtime.context().vu?.iterationInInstance ?? 0);
    },
    openFrom(directory) {
      return (path, mode) => {
        if (runtime.context().phase !== 'init') {
          throw new Error(
            'The "open()" function is only available in the init stage (i.e. the global scope), as in k6',
          );
        }
        if (typeof path !== 'string' || path === '') throw new TypeError('open() needs a file path');
        const file = resolve(directory, path.startsWith('file://') ? new URL(path).pathname : path);
        const content = readFileSync(file);
        if (mode === 'b')
          return content.buffer.slice(content.byteOffset, content.byteOffset + content.byteLength) as ArrayBuffer;
        if (mode !== undefined && mode !== '' && mode !== 'r')
          throw new TypeError(`open() mode "${mode}" must be "b" or left out`);
        return content.toString('utf8');
      };
    },
  };
}

/** The k6 globals besides the host: console, timers, open; and the interrupt checks of the instrumented code. */
export interface ScriptGlobals {
  readonly console: Record<string, (...args: unknown[]) => void>;
  readonly timers: Record<string, (...args: never[]) => unknown>;
  readonly checks: InterruptChecks;
}

/**
 * The source map as a data URL, moved down two lines: `new Function` puts its own two-line
 * header (`function anonymous(...\n) {\n`) above the bundle.
 */
function shiftedSourceMap(json: string): string {
  const map = JSON.parse(json) as { mappings?: string };
  map.mappings = `;;${map.mappings ?? ''}`;
  return `data:application/json;base64,${Buffer.from(JSON.stringify(map)).toString('base64')}`;
}

/**
 * Globals Node has and k6 (sobek plus internal/js/bundle.go registerGlobals: timers, crypto,
 * TextEncoder/TextDecoder, console) does not. The bundle sees them as undefined.
 */
export const NODE_ONLY_GLOBALS: readonly string[] = [
  'process',
  'Buffer',
  'require',
  'global',
  'fetch',
  'Intl',
  'structuredClone',
  'WeakRef',
  'FinalizationRegistry',
  'queueMicrotask',
  'setImmediate',
  'clearImmediate',
  'performance',
  'URL',
  'URLSearchParams',
  'AbortController',
  'AbortSignal',
  'Headers',
  'Request',
  'Response',
  'FormData',
  'Blob',
  'File',
  'EventTarget',
  'Event',
  'MessageChannel',
  'MessagePort',
  'BroadcastChannel',
  'atob',
  'btoa',
  'navigator',
  'WebAssembly',
  'WebSocket',
  'ReadableStream',
  'WritableStream',
  'TransformStream',
  'CompressionStream',
  'DecompressionStream',
  'SharedArrayBuffer',
  'Atomics',
];

/**
 * The names the bundle's code sees as globals: k6's own, the Node-only ones shadowed by
 * undefined, and a `globalThis` holding only what k6's global object holds.
 */
function k6Realm(globals: ScriptGlobals): Record<string, unknown> {
  const k6Globals: Record<string, unknown> = {
    // an object per instance, as each k6 VU has its own console: a script that wraps console.log wraps its own
    console: { ...globals.console },
    setTimeout: globals.timers.setTimeout,
    clearTimeout: globals.timers.clearTimeout,
    setInterval: globals.timers.setInterval,
    clearInterval: globals.timers.clearInterval,
  };
  const fakeGlobal: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const name of Object.getOwnPropertyNames(globalThis)) {
    if (!NODE_ONLY_GLOBALS.includes(name) && name !== 'globalThis')
      fakeGlobal[name] = (globalThis as Record<string, unknown>)[name];
  }
  Object.assign(fakeGlobal, k6Globals);
  fakeGlobal.globalThis = fakeGlobal;
  const realm: Record<string, unknown> = { ...k6Globals };
  for (const name of NODE_ONLY_GLOBALS) realm[name] = undefined;
  realm.globalThis = fakeGlobal;
  return realm;
}

/**
 * The refusal of a script that changes built-ins the engine's VUs share (engine/intrinsics.ts):
 * k6 gives each VU its own, the engine cannot (exit 107).
 */
export function intrinsicsRefusal(script: string, changes: readonly string[]): FloodgateError {
  return new FloodgateError('SCRIPT_UNSUPPORTED', {
    script,
    detail: `${changes.join('; ')}: the script changes a built-in object, which the local engine's VUs share (k6 gives each VU its own runtime, so the change would stay in one VU there) and the engine's own code uses; run it on k6, or leave the built-ins as they are (a helper function instead of a prototype method)`,
  });
}

/** A bundle compiled once; {@link instantiate} runs its init code for one VU. */
export interface CompiledScript {
  readonly bundle: Bundle;
  /** True when the script may build code at run time (eval, Function), which is not instrumented. */
  readonly dynamicCode: boolean;
  readonly factory: (...args: unknown[]) => void;
}

/** The realm's parameter names, in the order {@link instantiate} passes their values. */
const REALM_NAMES = [
  'console',
  'setTimeout',
  'clearTimeout',
  'setInterval',
  'clearInterval',
  ...NODE_ONLY_GLOBALS,
  'globalThis',
];

/**
 * Compiles the bundle into a function of the host, module, exports, open, the interrupt checks
 * and the realm's names; the code is instrumented with the checks first (engine/interrupt.ts).
 */
export function compileBundle(bundle: Bundle): CompiledScript {
  const instrumented = instrumentCode(bundle.code, bundle.sourceMap);
  if (instrumented.intrinsicWrites.length > 0)
    throw intrinsicsRefusal(
      bundle.entry,
      instrumented.intrinsicWrites.map(({ place, what }) => `${place}: ${what}`),
    );
  // Stack traces through the source map name the script's files and lines (process-wide setting).
  if (!(process as { sourceMapsEnabled?: boolean }).sourceMapsEnabled) process.setSourceMapsEnabled(true);
  // The bundle is code the user asked the engine to run, as k6 would; Function keeps it in this realm.
  const factory = new Function(
    HOST_NAME,
    'module',
    'exports',
    'open',
    TICK_NAME,
    RECHECK_NAME,
    ...REALM_NAMES,
    // a block, so the script's own top-level let/const may reuse a shadowed global's name
    `{${instrumented.code}\n}\n//# sourceMappingURL=${shiftedSourceMap(instrumented.sourceMap)}\n//# sourceURL=${bundle.entry}.bundle.js`,
  ) as (...args: unknown[]) => void;
  return { bundle, factory, dynamicCode: instrumented.dynamicCode };
}

/**
 * Runs the script's top-level code (one init context) with a global object of its own and
 * returns its exports. Throws what the script throws.
 */
export function instantiate(
  compiled: CompiledScript,
  host: ScriptHost,
  globals: ScriptGlobals,
): Record<string, unknown> {
  const realm = k6Realm(globals);
  const module = { exports: {} as Record<string, unknown> };
  compiled.factory(
    host,
    module,
    module.exports,
    host.openFrom(resolve(compiled.bundle.entry, '..')),
    globals.checks.tick,
    globals.checks.recheck,
    ...REALM_NAMES.map((name) => realm[name]),
  );
  return module.exports;
}

/** Compiles and evaluates the bundle once; see {@link instantiate}. */
export function evaluateBundle(bundle: Bundle, host: ScriptHost, globals: ScriptGlobals): Record<string, unknown> {
  return instantiate(compileBundle(bundle), host, globals);
}
