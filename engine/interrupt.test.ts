import { decode } from '@jridgewell/sourcemap-codec';
import { describe, expect, test } from 'vitest';
import { RunawayScriptError } from './guard.ts';
import { createInterruptChecks, instrumentCode, RECHECK_NAME, TICK_NAME, TICKS_PER_CHECK } from './interrupt.ts';

/** Runs instrumented `code` as a function body with the given checks; returns what it returns. */
function run(code: string, tick: () => void, recheck: () => void = () => undefined): unknown {
  const instrumented = instrumentCode(code, '{"version":3,"sources":[],"mappings":""}');
  return new Function(TICK_NAME, RECHECK_NAME, instrumented.code)(tick, recheck) as unknown;
}

describe('the load-time interrupt checks', () => {
  test('every loop body and function entry ticks, catch and finally recheck, and the code still means what it meant', () => {
    const code = [
      'function sum(n) { "use strict"; let t = 0; for (let i = 0; i < n; i++) t += i; return t; }',
      'const twice = (x) => x * 2;',
      'const pair = () => ({ a: 1 });',
      'let k = 0; while (k < 3) k++;',
      'do { k++; } while (k < 5);',
      'try { throw new Error("x"); } catch (e) { k += 10; } finally { k += 100; }',
      'return [sum(4), twice(3), pair().a, k, (function () { return this; })()];',
    ].join('\n');
    let ticks = 0;
    let rechecks = 0;
    const result = run(
      code,
      () => (ticks += 1),
      () => (rechecks += 1),
    );
    expect(result).toEqual([6, 6, 1, 115, globalThis]);
    // sum: 1 entry + 4 loop bodies; twice, pair, the IIFE: 1 each; while: 3; do-while: 2
    expect(ticks).toBe(5 + 1 + 1 + 1 + 3 + 2);
    expect(rechecks).toBe(2);
  });

  test('a "use strict" directive stays first in its function', () => {
    expect(instrumentCode('function f() { "use strict"; return this; }', '{}').code).toBe(
      `function f() { "use strict";${TICK_NAME}(); return this; }`,
    );
  });

  test("the source map's columns move past the inserted checks, so a mapped position still names the same token", () => {
    const code = 'function f() { for (;;) { g(); } }';
    const at = code.indexOf('g()');
    const map = JSON.stringify({ version: 3, sources: ['a.js'], names: [], mappings: `AAAA,${vlq(at)}AAAA` });
    const instrumented = instrumentCode(code, map);
    const segments = decode((JSON.parse(instrumented.sourceMap) as { mappings: string }).mappings)[0] ?? [];
    expect(segments.map((segment) => instrumented.code.slice(segment[0], segment[0] + 3))).toEqual(['fun', 'g()']);
  });

  test('the checks read the clock only every TICKS_PER_CHECK ticks and throw past the deadline, then at every tick', () => {
    let reads = 0;
    let deadlineMono = Number.POSITIVE_INFINITY;
    const checks = createInterruptChecks(() => {
      reads += 1;
      return { deadlineMono, interrupted: false };
    });
    for (let i = 0; i < TICKS_PER_CHECK * 4; i += 1) checks.tick();
    expect(reads).toBe(4);
    deadlineMono = 0;
    let thrownAt = -1;
    for (let i = 0; i < TICKS_PER_CHECK * 2 && thrownAt < 0; i += 1) {
      try {
        checks.tick();
      } catch (error) {
        expect(error).toBeInstanceOf(RunawayScriptError);
        thrownAt = i;
      }
    }
    expect(thrownAt).toBe(TICKS_PER_CHECK - 1);
    expect(() => checks.tick()).toThrow(RunawayScriptError);
    expect(() => checks.recheck()).toThrow(RunawayScriptError);
  });

  test('code that names eval or Function is marked as building code at run time; a property of that name is not', () => {
    expect(instrumentCode('eval("1")', '{}').dynamicCode).toBe(true);
    expect(instrumentCode('const f = new Function("return 1")', '{}').dynamicCode).toBe(true);
    expect(instrumentCode('const o = { Function: 1, eval() {} }; o.eval(); o.Function', '{}').dynamicCode).toBe(false);
  });

  test('a write to a built-in is reported, unless it sits behind a test of the same member (a polyfill that never runs where the member exists)', () => {
    const writes = (code: string) => instrumentCode(code, '{}').intrinsicWrites.map((write) => write.what);
    expect(writes('Array.prototype.last = function () {};')).toEqual(['Array.prototype.last']);
    expect(writes('Math.random = () => 4;')).toEqual(['Math.random']);
    expect(writes('if (!Array.prototype.flat) { Array.prototype.flat = function () {}; }')).toEqual([]);
    expect(writes('String.prototype.at || (String.prototype.at = function () {});')).toEqual([]);
    expect(writes('if (!Array.prototype.flat) { Array.prototype.other = 1; }')).toEqual(['Array.prototype.other']);
    expect(writes('class Local {} Local.prototype.x = 1; const o = {}; o.prototype = 1;')).toEqual([]);
  });

  test('an endless loop that catches everything it can is still stopped', () => {
    const checks = createInterruptChecks(() => ({ deadlineMono: 0, interrupted: false }));
    const code = 'for (;;) { try { for (;;) {} } catch (e) {} finally {} }';
    expect(() => run(code, checks.tick, checks.recheck)).toThrow(RunawayScriptError);
  });
});

/** One base64 VLQ value (non-negative), as source maps spell a column. */
function vlq(value: number): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let rest = value << 1;
  let out = '';
  do {
    let digit = rest & 31;
    rest >>>= 5;
    if (rest > 0) digit |= 32;
    out += chars[digit];
  } while (rest > 0);
  return out;
}
