/**
 * The per-run state every k6 module implementation reads: which VU, scenario and iteration the
 * running code belongs to (AsyncLocalStorage, since all VUs share one event loop), how samples
 * get their tags, and the book-keeping that lets an iteration end only when nothing it started
 * is still pending (k6's "event loop is empty" rule).
 */

import { AsyncLocalStorage } from 'node:async_hooks';
import { format } from 'node:util';
import type { FloodgateError } from '../contracts/errors.ts';
import { monoNow, wallNow } from './clock.ts';
import type { Metric, MetricRegistry, Tags } from './metrics/metric.ts';
import type { SamplePipeline } from './metrics/pipeline.ts';
import type { GroupNode } from './metrics/summary.ts';
import { CookieJar } from './http/cookies.ts';
import type { VuConnections } from './http/transport.ts';

/** Thrown by `exec.test.abort()`: ends the iteration and stops the whole test (exit 108). */
export class TestAbortSignal extends Error {
  override readonly name = 'TestAbortSignal';
  constructor(readonly reason: string) {
    super(reason === '' ? 'test aborted' : `test aborted: ${reason}`);
  }
}

/**
 * One virtual user, with what k6 keeps per VU (internal/js/runner.go newVU, VU.Activate): its
 * own instance of the script (the init context ran for it: module state, exports), its own
 * `__ENV`, cookie jar and connections.
 */
export class Vu {
  /** The exports of this VU's own evaluation of the script. */
  exports: Record<string, unknown> = {};
  /** This VU's cookie jar; a new one for every iteration unless `noCookiesReset` (k6 runFn). */
  cookieJar = new CookieJar();
  /** This VU's keep-alive connections; undefined until the run gives it some. */
  connections: VuConnections | undefined;
  private envBase: Readonly<Record<string, string>> = {};
  private envObject: Record<string, string> | undefined;
  /** `__ITER`: iterations this VU started, minus one. */
  iterationInInstance = -1;
  /** Iterations started per scenario, minus one, by scenario name. */
  readonly scenarioIterations = new Map<string, number>();
  /** Current group path, `""` at the root, `::a::b` inside groups. */
  groupPath = '';
  group: GroupNode;
  /** `exec.vu.metrics.tags`: added to every sample of this VU. */
  readonly tags: Record<string, string> = {};
  /** `exec.vu.metrics.metadata`. */
  readonly metadata: Record<string, string> = {};
  /** This VU's copy of the setup data. */
  setupData: unknown;

  constructor(
    readonly idInInstance: number,
    readonly idInTest: number,
    readonly rootGroup: GroupNode,
  ) {
    this.group = rootGroup;
  }

  /**
   * `__ENV` of this VU: a copy of `base`, made on first use. k6 gives each VU its own object at
   * init and a new one (run env + scenario env) each time a scenario activates the VU, so writes
   * stay within one VU and one activation.
   */
  resetEnv(base: Readonly<Record<string, string>>): void {
    this.envBase = base;
    this.envObject = undefined;
  }

  /** This VU's `__ENV` object. */
  env(): Record<string, string> {
    this.envObject ??= { ...this.envBase };
    return this.envObject;
  }
}

/** What code running in a scenario knows about it (k6/execution's `scenario`). */
export interface ScenarioState {
  readonly name: string;
  readonly executor: string;
  /** Unix ms when the scenario started. */
  readonly startWall: number;
  /** `__ENV` for this scenario: the run's env with the scenario's `env` merged in. */
  readonly env: Record<string, string>;
  readonly tags: Readonly<Record<string, string>>;
  /** 0..1 of the scenario's regular duration or work. */
  progress(): number;
}

const idleChecks: Array<() => void> = [];

function runIdleChecks(): void {
  for (const check of idleChecks.splice(0)) check();
}

/**
 * Runs `check` from a macrotask, after the promise reactions queued so far. The checks of every
 * iteration share one setImmediate, so the iterations that end in one turn start their next ones
 * together (one watchdog for all of them, guard.ts `callBefore`).
 */
function scheduleIdleCheck(check: () => void): void {
  if (idleChecks.push(check) === 1) setImmediate(runIdleChecks);
}

/** One running iteration: pending async work, interruption, bytes moved. */
export class IterationState {
  pending = 0;
  interrupted = false;
  /** First uncaught error of the iteration (thrown, rejected, or thrown by a timer callback). */
  error: unknown = undefined;
  private readonly cancels = new Set<() => void>();
  readonly timers = new Map<number, NodeJS.Timeout>();
  bytesSent = 0;
  bytesReceived = 0;
  /** Monotonic ms when the iteration's code is stopped even mid-statement (its scenario's hard stop). */
  deadlineMono = Number.POSITIVE_INFINITY;
  private waiter: (() => void) | undefined;
  private checkScheduled = false;
  /** Runs a callback after the promise reactions queued so far (one shared setImmediate; the script realm swaps in its pump). */
  scheduleCheck: (check: () => void) => void = scheduleIdleCheck;

  constructor(
    /** `exec.scenario.iterationInInstance` */
    readonly scenarioIterationInInstance: number,
    /** `exec.scenario.iterationInTest` */
    readonly scenarioIterationInTest: number,
    /** `exec.vu.iterationInScenario` */
    readonly vuIterationInScenario: number,
  ) {}

  /**
   * Registers `cancel` to run when the iteration is interrupted (at once if it already was);
   * returns a function that unregisters it.
   */
  onInterrupt(cancel: () => void): () => void {
    if (this.interrupted) {
      cancel();
      return () => undefined;
    }
    this.cancels.add(cancel);
    return () => this.cancels.delete(cancel);
  }

  /** Marks work the iteration must wait for (a timer, a request). */
  hold(): void {
    this.pending += 1;
  }

  /** Marks that work as done; the iteration may be idle once the reactions it triggers have run. */
  release(): void {
    this.pending -= 1;
    if (this.pending <= 0) this.checkIdleSoon();
  }

  /** Records an uncaught error; the iteration ends at once. */
  fail(error: unknown): void {
    if (this.error === undefined) this.error = error ?? new Error('undefined was thrown');
    this.wake();
  }

  /**
   * Resolves when the iteration's event loop is empty, as k6's (js/eventloop): nothing pending
   * (timers, requests) once every promise reaction queued so far has run — checked from a
   * macrotask, so a reaction that starts new work (a chained request, a nested timer) holds the
   * iteration open however the chain is built — or when an error ended the iteration.
   */
  whenIdle(): Promise<void> {
    if (this.error !== undefined || this.interrupted) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiter = resolve;
      this.checkIdleSoon();
    });
  }

  private checkIdleSoon(): void {
    if (this.checkScheduled || this.waiter === undefined) return;
    this.checkScheduled = true;
    this.scheduleCheck(() => {
      this.checkScheduled = false;
      if (this.pending <= 0) this.wake();
    });
  }

  /** Stops everything the iteration started: requests are aborted, timers cleared. */
  interrupt(): void {
    this.interrupted = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const cancel of [...this.cancels]) cancel();
    this.cancels.clear();
    this.wake();
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }
}

/** Which part of the test lifecycle code runs in. */
export type Phase = 'init' | 'setup' | 'iteration' | 'teardown' | 'summary';

/** The context of the code running now. */
export interface ExecutionContext {
  readonly phase: Phase;
  readonly vu: Vu | undefined;
  readonly scenario: ScenarioState | undefined;
  readonly iteration: IterationState | undefined;
}

const INIT_CONTEXT: ExecutionContext = Object.freeze({
  phase: 'init',
  vu: undefined,
  scenario: undefined,
  iteration: undefined,
});

/** The init context of one VU's evaluation of the script (k6 sets `__VU` there; the VU's state is not yet reachable). */
export function initContext(vu: Vu): ExecutionContext {
  return Object.freeze({ phase: 'init', vu, scenario: undefined, iteration: undefined });
}

/** What {@link Runtime} needs. */
export interface RuntimeDependencies {
  readonly registry: MetricRegistry;
  readonly pipeline: SamplePipeline;
  readonly rootGroup: GroupNode;
  readonly env: Record<string, string>;
  readonly runTags: Readonly<Record<string, string>>;
  readonly systemTags: ReadonlySet<string>;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

/** The runtime shared by the engine's k6 modules during one run. */
export class Runtime {
  readonly storage = new AsyncLocalStorage<ExecutionContext>();
  readonly registry: MetricRegistry;
  readonly pipeline: SamplePipeline;
  readonly rootGroup: GroupNode;
  readonly env: Record<string, string>;
  runTags: Readonly<Record<string, string>>;
  systemTags: ReadonlySet<string>;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  /** Unix ms when the test started running (setup), for `currentTestRunDuration`. */
  testStartWall = wallNow();
  testStartMono = monoNow();
  /** Counters for exec.instance. */
  iterationsCompleted = 0;
  iterationsInterrupted = 0;
  vusActive = 0;
  vusInitialized = 0;
  /** Set by exec.test.abort() or an abortOnFail threshold; stops the test. */
  onAbort: (reason: TestAbortSignal) => void = () => undefined;
  /** Called when the script reaches an API the engine cannot run (the run stops, exit 107). */
  onUnsupported: (error: FloodgateError) => void = () => undefined;
  /** Set by exec.test.fail(): the test runs on and exits 110. */
  failedMessage: string | undefined;
  /** The consolidated options (exec.test.options). */
  options: Record<string, unknown> = {};
  private readonly warned = new Set<string>();

  constructor(dependencies: RuntimeDependencies) {
    this.registry = dependencies.registry;
    this.pipeline = dependencies.pipeline;
    this.rootGroup = dependencies.rootGroup;
    this.env = dependencies.env;
    this.runTags = dependencies.runTags;
    this.systemTags = dependencies.systemTags;
    this.stdout = dependencies.stdout;
    this.stderr = dependencies.stderr;
  }

  /** The context of the running code (init when outside any VU). */
  context(): ExecutionContext {
    return this.storage.getStore() ?? INIT_CONTEXT;
  }

  /** Runs `fn` in `context`. */
  within<T>(context: ExecutionContext, fn: () => T): T {
    return this.storage.run(context, fn);
  }

  /** True when the system tag `name` is on. */
  tagOn(name: string): boolean {
    return this.systemTags.has(name);
  }

  /**
   * Tags for a sample from the current context: run tags, scenario (and its tags), the VU's
   * tags, group, then `extra` (request or metric tags) on top.
   */
  tags(extra?: Readonly<Record<string, string>>, context: ExecutionContext = this.context()): Tags {
    const tags: Record<string, string> = { ...this.runTags };
    if (context.scenario) {
      Object.assign(tags, context.scenario.tags);
      if (this.tagOn('scenario')) tags.scenario = context.scenario.name;
    }
    if (context.vu) {
      Object.assign(tags, context.vu.tags);
      if (this.tagOn('group') && context.phase !== 'init') tags.group = context.vu.groupPath;
    }
    if (extra) Object.assign(tags, extra);
    return Object.freeze(tags);
  }

  /** Metadata for a sample: `vu` and `iter` when switched on, plus exec.vu.metrics.metadata. */
  metadata(context: ExecutionContext = this.context()): Tags | undefined {
    const vu = context.vu;
    if (!vu) return undefined;
    const wantVu = this.tagOn('vu');
    const wantIter = this.tagOn('iter');
    const own = Object.keys(vu.metadata).length > 0;
    if (!wantVu && !wantIter && !own) return undefined;
    const metadata: Record<string, string> = { ...vu.metadata };
    if (wantVu) metadata.vu = String(vu.idInInstance);
    if (wantIter) metadata.iter = String(Math.max(0, vu.iterationInInstance));
    return Object.freeze(metadata);
  }

  /**
   * Pushes one sample. Samples of an interrupted iteration are dropped: k6 stops such an
   * iteration's code, so it can emit nothing more.
   */
  emit(
    metric: Metric,
    value: number,
    tags: Tags,
    metadata?: Tags,
    time: number = wallNow(),
    context: ExecutionContext = this.context(),
  ): void {
    if (context.iteration?.interrupted) return;
    this.pipeline.push(metadata ? { metric, time, value, tags, metadata } : { metric, time, value, tags });
  }

  /** Writes an engine warning to stderr once per distinct text. */
  warnOnce(text: string): void {
    if (this.warned.has(text)) return;
    this.warned.add(text);
    this.stderr.write(`WARN engine: ${text}\n`);
  }

  /** Writes a log line as k6's console does: console.log/info/debug to stdout, warn/error to stderr. */
  log(level: 'debug' | 'info' | 'warn' | 'error', args: readonly unknown[]): void {
    const text = args.map(renderLogArgument).join(' ');
    if (level === 'warn' || level === 'error') this.stderr.write(`${level === 'warn' ? 'WARN' : 'ERRO'} ${text}\n`);
    else this.stdout.write(`${level === 'debug' ? 'DEBU' : 'INFO'} ${text}\n`);
  }
}

function renderLogArgument(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Error) return value.message;
  if (typeof value === 'object' && value !== null) {
    try {
      return JSON.stringify(value);
    } catch {
      return format('%o', value);
    }
  }
  return String(value);
}

/** The message and first script frame of an error thrown by script code, for the log. */
export function describeScriptError(error: unknown): string {
  if (error instanceof Error) {
    const frame = error.stack
      ?.split('\n')
      .slice(1)
      .find((line) => !line.includes('/engine/') && !line.includes('node:'));
    return frame
      ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}\n\t${frame.trim()}`
      : error.message;
  }
  return typeof error === 'object' ? JSON.stringify(error) : String(error);
}
