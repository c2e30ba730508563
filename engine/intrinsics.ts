/**
 * Built-ins the engine's VUs share. k6 gives every VU a runtime of its own (internal/js/runner.go
 * newVU → a new sobek runtime), so a script that patches `Array.prototype` in one VU changes
 * nothing in the others. The engine evaluates every VU's instance in one V8 realm: its global
 * object is per VU, its built-ins (and the engine's own code running on them) are shared. One vm
 * context per VU was measured (engine/README.md "Per-VU built-ins": ~140 KB heap, ~7 ms per
 * context at load 18; the opening's 5,392 VUs ≈ 0.75 GB and 38 s) and would still leak: objects
 * the engine hands a VU (responses, parsed JSON) carry the engine realm's prototypes. So the
 * engine refuses what it cannot isolate, loudly: writes to a built-in found in the code at load
 * time ({@link intrinsicWrite}), and any other change to a built-in found after an init context
 * ran ({@link createIntrinsicsWatch}).
 */

import type { Node } from 'acorn';

/** The shared built-ins a script could change: constructors and namespaces of the realm. */
export const INTRINSICS: readonly string[] = [
  'Object',
  'Function',
  'Array',
  'String',
  'Number',
  'Boolean',
  'Symbol',
  'BigInt',
  'Date',
  'RegExp',
  'Error',
  'TypeError',
  'RangeError',
  'SyntaxError',
  'ReferenceError',
  'EvalError',
  'URIError',
  'AggregateError',
  'Map',
  'Set',
  'WeakMap',
  'WeakSet',
  'Promise',
  'Proxy',
  'Reflect',
  'Math',
  'JSON',
  'ArrayBuffer',
  'DataView',
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
  'TextEncoder',
  'TextDecoder',
  'crypto',
];

const NAMES = new Set(INTRINSICS);

type AnyNode = Node & Record<string, unknown>;

/** `Array`, `Math` (a built-in) or `Array.prototype`: its name, else undefined. */
function builtinTarget(node: unknown): string | undefined {
  const target = node as AnyNode | undefined;
  if (!target) return undefined;
  if (target.type === 'Identifier' && NAMES.has(target.name as string)) return target.name as string;
  if (target.type === 'MemberExpression' && !target.computed) {
    const object = target.object as AnyNode;
    const property = target.property as AnyNode;
    if (object.type === 'Identifier' && NAMES.has(object.name as string) && property.name === 'prototype')
      return `${object.name as string}.prototype`;
  }
  return undefined;
}

function memberName(member: AnyNode): string {
  const property = member.property as AnyNode;
  if (!member.computed && property.type === 'Identifier') return `.${property.name as string}`;
  return '[…]';
}

const DEFINERS: Readonly<Record<string, readonly string[]>> = {
  Object: ['defineProperty', 'defineProperties', 'assign', 'setPrototypeOf'],
  Reflect: ['defineProperty', 'set', 'setPrototypeOf', 'deleteProperty'],
};

/**
 * What built-in `node` changes (`Array.prototype.flat`, `Math.random`), or undefined: an
 * assignment to or delete of a built-in's member, or `Object.defineProperty`/`assign`/
 * `setPrototypeOf` (and Reflect's) on a built-in. Names only; a local variable that shadows a
 * built-in's name is taken for the built-in.
 */
export function intrinsicWrite(node: AnyNode): string | undefined {
  if (node.type === 'AssignmentExpression' || (node.type === 'UnaryExpression' && node.operator === 'delete')) {
    const member = (node.type === 'AssignmentExpression' ? node.left : node.argument) as AnyNode;
    if (member.type !== 'MemberExpression') return undefined;
    const target = builtinTarget(member.object);
    return target === undefined ? undefined : `${target}${memberName(member)}`;
  }
  if (node.type === 'CallExpression') {
    const callee = node.callee as AnyNode;
    if (callee.type !== 'MemberExpression' || callee.computed) return undefined;
    const object = callee.object as AnyNode;
    const method = (callee.property as AnyNode).name as string;
    if (object.type !== 'Identifier' || !DEFINERS[object.name as string]?.includes(method)) return undefined;
    const target = builtinTarget((node.arguments as AnyNode[])[0]);
    return target === undefined ? undefined : `${target} (${object.name as string}.${method})`;
  }
  return undefined;
}

/** A fingerprint of the built-ins: every own property's descriptor, and the prototype (under PROTOTYPE). */
type Snapshot = Map<object, Map<PropertyKey, PropertyDescriptor | object | null>>;

const PROTOTYPE = Symbol('[[Prototype]]');

function snapshot(): Snapshot {
  const taken: Snapshot = new Map();
  const global = globalThis as unknown as Record<string, unknown>;
  for (const name of INTRINSICS) {
    const builtin = global[name];
    if ((typeof builtin !== 'object' && typeof builtin !== 'function') || builtin === null) continue;
    const objects: object[] = [builtin];
    const prototype = (builtin as { prototype?: unknown }).prototype;
    if (typeof prototype === 'object' && prototype !== null) objects.push(prototype);
    for (const object of objects) {
      const properties: Map<PropertyKey, PropertyDescriptor | object | null> = new Map();
      properties.set(PROTOTYPE, Object.getPrototypeOf(object) as object | null);
      for (const key of Reflect.ownKeys(object)) {
        const descriptor = Object.getOwnPropertyDescriptor(object, key);
        if (descriptor) properties.set(key, descriptor);
      }
      taken.set(object, properties);
    }
  }
  return taken;
}

function same(key: PropertyKey, a: unknown, b: unknown): boolean {
  if (key === PROTOTYPE || a === undefined || b === undefined) return a === b;
  const x = a as PropertyDescriptor;
  const y = b as PropertyDescriptor;
  return Object.is(x.value, y.value) && x.get === y.get && x.set === y.set && x.writable === y.writable;
}

/** Watches the built-ins from the moment it is made. */
export interface IntrinsicsWatch {
  /** What changed since the watch began (`Array.prototype.foo`, …); empty when nothing did. */
  changes(): string[];
  /** Puts back what changed, so a later run in this process starts from clean built-ins. */
  restore(): void;
}

/** Takes a fingerprint of the built-ins now; {@link IntrinsicsWatch.changes} compares with it. */
export function createIntrinsicsWatch(): IntrinsicsWatch {
  const before = snapshot();
  const names = new Map<object, string>();
  const global = globalThis as unknown as Record<string, unknown>;
  for (const name of INTRINSICS) {
    const builtin = global[name] as { prototype?: unknown } | undefined;
    if (builtin === undefined || builtin === null) continue;
    names.set(builtin, name);
    if (typeof builtin.prototype === 'object' && builtin.prototype !== null)
      names.set(builtin.prototype, `${name}.prototype`);
  }
  return {
    changes() {
      const after = snapshot();
      const changed: string[] = [];
      for (const [object, properties] of before) {
        const now = after.get(object);
        if (!now) continue;
        const keys = new Set([...properties.keys(), ...now.keys()]);
        for (const key of keys) {
          if (!same(key, properties.get(key), now.get(key)))
            changed.push(`${names.get(object) ?? '?'}${key === PROTOTYPE ? ' [[Prototype]]' : `.${String(key)}`}`);
        }
      }
      return changed;
    },
    restore() {
      const after = snapshot();
      for (const [object, properties] of before) {
        const now = after.get(object);
        if (!now) continue;
        for (const key of new Set([...properties.keys(), ...now.keys()])) {
          const was = properties.get(key);
          if (same(key, was, now.get(key))) continue;
          try {
            if (key === PROTOTYPE) Object.setPrototypeOf(object, was as object | null);
            else if (was === undefined) Reflect.deleteProperty(object, key);
            else Object.defineProperty(object, key, was as PropertyDescriptor);
          } catch {
            // a non-configurable change stays; changes() still names it
          }
        }
      }
    },
  };
}
