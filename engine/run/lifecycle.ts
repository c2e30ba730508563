/**
 * setup(), teardown() and handleSummary(): each runs on a VU of its own with its own instance
 * of the script (k6 internal/js/runner.go runPart and HandleSummary call newVU(0, 0)), within its
 * timeout (setupTimeout, teardownTimeout, handleSummaryTimeout).
 */

import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { FloodgateError } from '../../contracts/errors.ts';
import { monoNow } from '../clock.ts';
import { formatGoDuration as formatDuration } from '../../contracts/durations.ts';
import { callWithin, RunawayScriptError } from '../guard.ts';
import { GroupNode, type SummaryData } from '../metrics/summary.ts';
import { renderTextSummary } from '../metrics/text-summary.ts';
import {
  describeScriptError,
  IterationState,
  TestAbortSignal,
  Vu,
  type ExecutionContext,
  type Runtime,
} from '../runtime.ts';
import { withinLimits } from './deadline.ts';
import type { Instantiator } from './instances.ts';
import { emitDataSamples } from './iterations.ts';

/** What a lifecycle call needs from the run. */
export interface LifecycleDependencies {
  readonly runtime: Runtime;
  readonly instantiator: Instantiator;
  readonly script: string;
}

/** How setup() or teardown() ended. */
export interface LifecycleOutcome {
  readonly error?: FloodgateError;
  /** setup()'s result as JSON (undefined for undefined). */
  readonly json?: string;
  /** True when the run was stopped while setup() ran; the test does not start. */
  readonly stopped?: boolean;
}

/** A VU of its own for a lifecycle function, its script instance initialized. */
function lifecycleVu(dependencies: LifecycleDependencies, group: GroupNode): Vu {
  const vu = new Vu(0, 0, group);
  vu.resetEnv(dependencies.runtime.env);
  dependencies.instantiator.instantiate(vu);
  return vu;
}

/**
 * Runs setup() or teardown() like an iteration of VU 0 in group ::setup / ::teardown. An abort
 * of `stop` ends setup (the test never starts); teardown runs to its end regardless.
 */
export async function runLifecycle(
  dependencies: LifecycleDependencies,
  phase: 'setup' | 'teardown',
  timeoutMs: number,
  data: unknown,
  stop: AbortSignal,
): Promise<LifecycleOutcome> {
  const { runtime, script } = dependencies;
  const group = new GroupNode(phase, `::${phase}`);
  let vu: Vu;
  try {
    vu = lifecycleVu(dependencies, group);
  } catch (error) {
    return {
      error: new FloodgateError(
        'SCRIPT_FAILED',
        { script, detail: `init for ${phase}() threw: ${describeScriptError(error)}` },
        { cause: error },
      ),
    };
  }
  const fn = vu.exports[phase];
  if (typeof fn !== 'function') return {};
  vu.groupPath = group.path;
  const iteration = new IterationState(0, 0, 0);
  iteration.deadlineMono = monoNow() + timeoutMs;
  const context: ExecutionContext = { phase, vu, scenario: undefined, iteration };
  let value: unknown;
  const body = runtime.within(context, async () => {
    try {
      value = await callWithin(() => (fn as (data: unknown) => unknown)(data), timeoutMs);
    } catch (error) {
      iteration.fail(error);
    }
    await iteration.whenIdle();
  });
  const ending = await withinLimits(body, { timeoutMs, signal: phase === 'setup' ? stop : undefined });
  emitDataSamples(runtime, context, iteration);
  if (ending.kind === 'stopped') {
    iteration.interrupt();
    return { stopped: true };
  }
  if (ending.kind === 'timeout' || iteration.error instanceof RunawayScriptError) {
    iteration.interrupt();
    return {
      error: new FloodgateError(phase === 'setup' ? 'SETUP_TIMEOUT' : 'TEARDOWN_TIMEOUT', {
        script,
        timeout: formatDuration(timeoutMs),
      }),
    };
  }
  if (iteration.error instanceof TestAbortSignal) {
    iteration.interrupt();
    return {};
  }
  if (iteration.error !== undefined) {
    iteration.interrupt();
    return {
      error: new FloodgateError(
        'SCRIPT_FAILED',
        { script, detail: `${phase}() threw: ${describeScriptError(iteration.error)}` },
        { cause: iteration.error },
      ),
    };
  }
  if (phase === 'setup' && value !== undefined) {
    const json = setupDataJson(value);
    if (typeof json === 'string') return { json };
    return { error: new FloodgateError('SETUP_DATA_INVALID', { script, detail: json.reason }) };
  }
  return {};
}

/**
 * setup()'s result as JSON, as k6 makes it: Go's json.Marshal of the value sobek exports
 * (internal/js/runner.go Setup). Go refuses NaN and ±Infinity ("json: unsupported value: NaN")
 * and cycles, where JSON.stringify would write null or throw its own TypeError; a BigInt
 * exports as a big.Int and is written as its whole number. Returns the reason when k6 refuses.
 */
export function setupDataJson(value: unknown): string | { reason: string } {
  // A BigInt is written as a marked string, then the marks are swapped for the digits; the
  // mark carries a random nonce so no string of the script's own can look like one.
  const mark = `\u0000bigint:${randomUUID()}:`;
  let refused: string | undefined;
  let json: string | undefined;
  try {
    json = JSON.stringify(value, (_key, item: unknown) => {
      if (typeof item === 'bigint') return `${mark}${item.toString()}`;
      if (typeof item === 'number' && !Number.isFinite(item)) {
        refused ??= `json: unsupported value: ${Number.isNaN(item) ? 'NaN' : item > 0 ? '+Inf' : '-Inf'}`;
        return null;
      }
      return item;
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { reason: /circular/i.test(message) ? 'json: unsupported value: encountered a cycle' : message };
  }
  if (refused !== undefined) return { reason: refused };
  if (json === undefined) return { reason: 'json: unsupported type: function' };
  const escaped = JSON.stringify(mark)
    .slice(1, -1)
    .replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
  return json.replace(new RegExp(`"${escaped}(-?\\d+)"`, 'g'), '$1');
}

/** Where handleSummary's result goes. */
export interface SummaryDestination {
  readonly cwd: string;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

/**
 * Calls handleSummary (when the script exports one) on its own instance and writes what it
 * returns; without one, or when it throws or times out, prints the text summary.
 */
export async function handleSummary(
  dependencies: LifecycleDependencies,
  exported: boolean,
  data: SummaryData,
  timeoutMs: number,
  { cwd, stdout, stderr }: SummaryDestination,
): Promise<void> {
  if (!exported) {
    stdout.write(renderTextSummary(data));
    return;
  }
  let result: unknown;
  try {
    const vu = lifecycleVu(dependencies, dependencies.runtime.rootGroup);
    const handler = vu.exports.handleSummary;
    if (typeof handler !== 'function')
      throw new TypeError('handleSummary is not a function in this instance of the script');
    const context: ExecutionContext = { phase: 'summary', vu, scenario: undefined, iteration: undefined };
    const call = dependencies.runtime.within(context, async () => {
      const copy: unknown = JSON.parse(JSON.stringify(data));
      return callWithin(() => (handler as (data: unknown) => unknown)(copy), timeoutMs);
    });
    const ending = await withinLimits(call, { timeoutMs });
    if (ending.kind !== 'done') throw new Error(`handleSummary() did not finish within ${formatDuration(timeoutMs)}`);
    result = ending.value;
  } catch (error) {
    stderr.write(`ERRO handleSummary() failed: ${describeScriptError(error)}\n`);
    stdout.write(renderTextSummary(data));
    return;
  }
  if (result === null || result === undefined) return;
  if (typeof result !== 'object') {
    stderr.write('ERRO handleSummary() must return an object of output name → content\n');
    return;
  }
  for (const [name, content] of Object.entries(result as Record<string, unknown>)) {
    const bytes =
      content instanceof ArrayBuffer
        ? Buffer.from(content)
        : ArrayBuffer.isView(content)
          ? Buffer.from(content.buffer, content.byteOffset, content.byteLength)
          : String(content);
    if (name === 'stdout') stdout.write(bytes);
    else if (name === 'stderr') stderr.write(bytes);
    else {
      const file = resolve(cwd, name);
      try {
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, bytes);
      } catch (error) {
        stderr.write(`ERRO handleSummary could not write ${name}: ${(error as Error).message}\n`);
      }
    }
  }
}
