/**
 * Interrupting script code wherever it runs, as k6 does: sobek checks an interrupt flag in its
 * interpreter loop, and k6 sets it from outside when a VU's time is up (internal/js/runner.go
 * `vu.Runtime.Interrupt` at gracefulStop, setupTimeout, teardownTimeout, handleSummaryTimeout).
 * All of the engine's VUs share one thread, so nothing can set a flag from outside while script
 * code spins; instead the bundle is instrumented at load time ({@link instrumentCode}) with a
 * cheap check at every loop body and function entry that reads the clock every
 * {@link TICKS_PER_CHECK} ticks and throws {@link RunawayScriptError} once the code's context is
 * past its deadline (or its iteration was interrupted). Catch clauses and finally blocks check
 * again at their start, so a script that catches the interrupt is interrupted again at once.
 * This covers the continuation after an `await`, promise reactions, timer callbacks, setup,
 * teardown, handleSummary and init — every place script code runs. What it cannot stop is a
 * single native call that never returns (a catastrophic regular expression) and code the script
 * builds at run time (eval, Function): `FLOODGATE_GUARD=vm` adds the vm watchdog of
 * engine/guard.ts for the synchronous part of each call, and a script that names eval or
 * Function gets it by default.
 */

import { randomBytes } from 'node:crypto';
import { parse, type Node } from 'acorn';
import { decode, encode } from '@jridgewell/sourcemap-codec';
import { monoNow } from './clock.ts';
import { RunawayScriptError } from './guard.ts';
import { intrinsicWrite } from './intrinsics.ts';

/** Random per process, so no script's own binding can clash with the hooks' names. */
const HOOK_SUFFIX = randomBytes(6).toString('hex');

/** The name of the check at loop bodies and function entries (a parameter of the compiled bundle). */
export const TICK_NAME = `__floodgate_tick_${HOOK_SUFFIX}`;
/** The name of the check at the start of catch clauses and finally blocks. */
export const RECHECK_NAME = `__floodgate_recheck_${HOOK_SUFFIX}`;

/** Ticks between two readings of the clock: ~0.1 ns per tick on average, a reading every few µs of a busy loop. */
export const TICKS_PER_CHECK = 256;

interface Insertion {
  /** Offset in the code the text goes before. */
  readonly at: number;
  readonly text: string;
  /** Closing text (of an inner node first) goes before opening text at the same offset. */
  readonly closing: boolean;
  readonly depth: number;
}

type AnyNode = Node & Record<string, unknown>;

const LOOPS = new Set(['ForStatement', 'ForInStatement', 'ForOfStatement', 'WhileStatement', 'DoWhileStatement']);
const FUNCTIONS = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression']);

function isNode(value: unknown): value is AnyNode {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

/** Where a check goes in a block body: after its directive prologue ("use strict" must stay first). */
function blockStart(block: AnyNode): number {
  let at = block.start + 1;
  for (const statement of block.body as AnyNode[]) {
    if (statement.type !== 'ExpressionStatement' || typeof statement.directive !== 'string') break;
    at = statement.end;
  }
  return at;
}

/** Names through which a script builds code at run time, which the checks do not reach. */
const DYNAMIC_CODE = new Set(['eval', 'Function']);

interface Collected {
  readonly insertions: Insertion[];
  readonly dynamicCode: boolean;
  /** Writes to shared built-ins (engine/intrinsics.ts): offset and what. */
  readonly intrinsicWrites: Array<{ readonly at: number; readonly what: string }>;
}

function collect(root: AnyNode, code: string): Collected {
  const insertions: Insertion[] = [];
  const intrinsicWrites: Array<{ at: number; what: string }> = [];
  let dynamicCode = false;
  const tick = `${TICK_NAME}();`;
  const recheck = `${RECHECK_NAME}();`;
  // `guards`: the text of the existence tests the node sits under (`if (!Array.prototype.flat) …`)
  const visit = (node: AnyNode, depth: number, guards: readonly string[]): void => {
    if (LOOPS.has(node.type)) {
      const body = node.body as AnyNode;
      if (body.type === 'BlockStatement') insertions.push({ at: body.start + 1, text: tick, closing: false, depth });
      else {
        insertions.push({ at: body.start, text: `{${tick}`, closing: false, depth });
        insertions.push({ at: body.end, text: '}', closing: true, depth });
      }
    } else if (FUNCTIONS.has(node.type)) {
      const body = node.body as AnyNode;
      if (body.type === 'BlockStatement') insertions.push({ at: blockStart(body), text: tick, closing: false, depth });
      else {
        insertions.push({ at: body.start, text: `(${TICK_NAME}(), `, closing: false, depth });
        insertions.push({ at: body.end, text: ')', closing: true, depth });
      }
    } else if (node.type === 'CatchClause') {
      insertions.push({ at: (node.body as AnyNode).start + 1, text: recheck, closing: false, depth });
    } else if (node.type === 'TryStatement' && isNode(node.finalizer)) {
      insertions.push({ at: node.finalizer.start + 1, text: recheck, closing: false, depth });
    } else if (node.type === 'Identifier' && DYNAMIC_CODE.has(node.name as string)) {
      dynamicCode = true;
    } else {
      const what = intrinsicWrite(node);
      // a polyfill behind a test of the same member never runs where the member exists (and the
      // watch after init catches it where it does): not refused
      if (what !== undefined && !guards.some((guard) => guard.includes(what)))
        intrinsicWrites.push({ at: node.start, what });
    }
    for (const key of Object.keys(node)) {
      // `x.eval` and `{ Function: … }` name no global
      if (key === 'property' && node.type === 'MemberExpression' && !node.computed) continue;
      if (key === 'key' && (node.type === 'Property' || node.type === 'MethodDefinition') && !node.computed) continue;
      const value = node[key];
      if (Array.isArray(value)) {
        for (const child of value) if (isNode(child)) visit(child, depth + 1, guards);
      } else if (isNode(value)) visit(value, depth + 1, guardsFor(node, key, guards));
    }
  };
  const guardsFor = (node: AnyNode, key: string, guards: readonly string[]): readonly string[] => {
    const test =
      node.type === 'IfStatement' && key === 'consequent'
        ? (node.test as AnyNode)
        : node.type === 'LogicalExpression' && key === 'right'
          ? (node.left as AnyNode)
          : undefined;
    return test ? [...guards, code.slice(test.start, test.end)] : guards;
  };
  visit(root, 0, []);
  insertions.sort(
    (a, b) =>
      a.at - b.at || Number(b.closing) - Number(a.closing) || (a.closing ? b.depth - a.depth : a.depth - b.depth),
  );
  return { insertions, dynamicCode, intrinsicWrites };
}

/** Instrumented code and its source map, its columns moved past the inserted checks. */
export interface Instrumented {
  readonly code: string;
  readonly sourceMap: string;
  /** Checks inserted. */
  readonly checks: number;
  /** True when the code names `eval` or `Function`: code built at run time is not instrumented. */
  readonly dynamicCode: boolean;
  /** Writes to built-ins the VUs share (engine/intrinsics.ts), at the script's own file and line when the map knows it. */
  readonly intrinsicWrites: ReadonlyArray<{ readonly place: string; readonly what: string }>;
}

/**
 * Inserts the interrupt checks into bundled code (CommonJS, run as a function body) and moves
 * the generated columns of `sourceMap` (JSON) so stack traces still name the script's own
 * lines and columns. Only single-line text is inserted, so lines do not move.
 */
export function instrumentCode(code: string, sourceMap: string): Instrumented {
  const ast = parse(code, {
    ecmaVersion: 'latest',
    sourceType: 'script',
    allowReturnOutsideFunction: true,
    allowHashBang: true,
  }) as unknown as AnyNode;
  const { insertions, dynamicCode, intrinsicWrites } = collect(ast, code);
  const parts: string[] = [];
  let from = 0;
  const lineStarts = [0];
  for (let i = code.indexOf('\n'); i !== -1; i = code.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  // per generated line: [column, inserted length] in order
  const shifts = new Map<number, Array<[number, number]>>();
  let line = 0;
  for (const insertion of insertions) {
    parts.push(code.slice(from, insertion.at), insertion.text);
    from = insertion.at;
    while (line + 1 < lineStarts.length && (lineStarts[line + 1] as number) <= insertion.at) line += 1;
    const column = insertion.at - (lineStarts[line] as number);
    const list = shifts.get(line) ?? [];
    list.push([column, insertion.text.length]);
    shifts.set(line, list);
  }
  parts.push(code.slice(from));
  const map = JSON.parse(sourceMap) as { mappings?: string; sources?: string[] };
  const decoded = typeof map.mappings === 'string' ? decode(map.mappings) : [];
  const places = intrinsicWrites.map(({ at, what }) => ({
    place: originalPlace(decoded, map.sources ?? [], lineStarts, at),
    what,
  }));
  if (typeof map.mappings === 'string' && shifts.size > 0) {
    for (const [lineIndex, list] of shifts) {
      const segments = decoded[lineIndex];
      if (!segments) continue;
      for (const segment of segments) {
        let moved = 0;
        for (const [column, length] of list) if (column <= segment[0]) moved += length;
        segment[0] += moved;
      }
    }
    map.mappings = encode(decoded);
  }
  return {
    code: parts.join(''),
    sourceMap: JSON.stringify(map),
    checks: insertions.filter((i) => !i.closing).length,
    dynamicCode,
    intrinsicWrites: places,
  };
}

/** `file:line` in the script's own sources of a generated offset (the bundle's line when unmapped). */
function originalPlace(
  decoded: ReturnType<typeof decode>,
  sources: readonly string[],
  lineStarts: readonly number[],
  at: number,
): string {
  let line = 0;
  while (line + 1 < lineStarts.length && (lineStarts[line + 1] as number) <= at) line += 1;
  const column = at - (lineStarts[line] as number);
  let best: readonly number[] | undefined;
  for (const segment of decoded[line] ?? []) if (segment[0] <= column && segment.length >= 4) best = segment;
  if (!best) return `bundle line ${line + 1}`;
  return `${sources[best[1] as number] ?? '?'}:${(best[2] as number) + 1}`;
}

/** The checks instrumented code calls. */
export interface InterruptChecks {
  /** At loop bodies and function entries: reads the clock every {@link TICKS_PER_CHECK} calls. */
  readonly tick: () => void;
  /** At catch and finally: checks now. */
  readonly recheck: () => void;
}

/** What the checks read about the code running now. */
export interface InterruptState {
  /** Monotonic ms; infinite for none. */
  readonly deadlineMono: number;
  /** True when the code's iteration was interrupted already. */
  readonly interrupted: boolean;
  /** Called with the error before it is thrown (the run ends the iteration with it). */
  readonly onInterrupt?: (error: RunawayScriptError) => void;
}

/**
 * The checks of one run. `state` tells the deadline of the code running now and whether its
 * iteration was interrupted; once one check throws, every tick checks until code within its
 * time runs again.
 */
export function createInterruptChecks(state: () => InterruptState): InterruptChecks {
  let countdown = TICKS_PER_CHECK;
  const recheck = (): void => {
    countdown = TICKS_PER_CHECK;
    const now = state();
    if (now.interrupted || (now.deadlineMono !== Number.POSITIVE_INFINITY && monoNow() >= now.deadlineMono)) {
      countdown = 1;
      const error = new RunawayScriptError();
      now.onInterrupt?.(error);
      throw error;
    }
  };
  const tick = (): void => {
    countdown -= 1;
    if (countdown <= 0) recheck();
  };
  return { tick, recheck };
}
