/**
 * Polling the target's truth endpoint (`GET <target>/truth?run=<id>`, shape in target/README.md)
 * for the runs the exporter holds, so dashboards can reconcile what the target acknowledged with
 * what it stored.
 *
 * The acknowledged counts are taken *before* the request goes out: everything acknowledged by
 * then was stored before its acknowledgement, so stored ≥ acknowledged unless records were lost.
 * Counting after the answer would race the NDJSON stream and report phantom losses.
 */

import { FUNNEL_STAGES } from '../contracts/funnel.ts';
import { RUN_ID_PATTERN } from '../contracts/identity.ts';
import type { TruthSnapshot } from './store.ts';

/** Stages the truth endpoint counts (every stage that stores something). */
export const TRUTH_STAGES = FUNNEL_STAGES.filter((stage) => stage !== 'landing');

/** What the poller reads from and writes to. */
export interface TruthPollerOptions {
  /** Base URL of the target (`/truth` is appended unless the URL already ends with it). */
  readonly baseUrl: string;
  readonly intervalMs: number;
  /** Runs to poll now. */
  runs(): string[];
  /** Stage completions acknowledged so far for `run`. */
  acknowledged(run: string): Record<string, number>;
  /** A poll answered. */
  update(run: string, snapshot: TruthSnapshot): void;
  /** A poll failed (network, status, shape); counted, never thrown. */
  error(run: string, error: unknown): void;
  /** Per-request timeout, ms; default 3000. */
  readonly timeoutMs?: number;
}

/** A running poller. */
export interface TruthPoller {
  /** Polls every run once now. */
  poll(): Promise<void>;
  start(): void;
  close(): Promise<void>;
}

/** The truth endpoint URL for `run`. */
export function truthUrl(baseUrl: string, run: string): string {
  const url = new URL(baseUrl);
  if (!url.pathname.endsWith('/truth')) url.pathname = `${url.pathname.replace(/\/$/, '')}/truth`;
  url.searchParams.set('run', run);
  return url.toString();
}

/** Checks an answer's shape; returns stored counts per stage. */
export function parseTruth(body: unknown, run: string): Record<string, number> {
  if (typeof body !== 'object' || body === null) throw new TypeError('truth answer is not a JSON object');
  const { run: answeredRun, stages } = body as { run?: unknown; stages?: unknown };
  if (answeredRun !== run) throw new TypeError(`truth answer is for run ${JSON.stringify(answeredRun)}, not ${run}`);
  if (typeof stages !== 'object' || stages === null) throw new TypeError('truth answer has no "stages" object');
  const stored: Record<string, number> = {};
  for (const stage of TRUTH_STAGES) {
    const value = (stages as Record<string, unknown>)[stage];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
      throw new TypeError(`truth count for ${stage} is not a count`);
    stored[stage] = value;
  }
  return stored;
}

/** Creates a poller; nothing runs until `start()` or `poll()`. */
export function createTruthPoller(options: TruthPollerOptions): TruthPoller {
  const timeoutMs = options.timeoutMs ?? 3000;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let closed = false;
  const abort = new AbortController();

  async function pollRun(run: string): Promise<void> {
    const acknowledged = options.acknowledged(run);
    try {
      const response = await fetch(truthUrl(options.baseUrl, run), {
        signal: AbortSignal.any([abort.signal, AbortSignal.timeout(timeoutMs)]),
        headers: { accept: 'application/json' },
      });
      if (!response.ok) {
        await response.body?.cancel();
        throw new Error(`truth endpoint answered HTTP ${response.status}`);
      }
      options.update(run, { stored: parseTruth(await response.json(), run), acknowledged });
    } catch (error) {
      if (!closed) options.error(run, error);
    }
  }

  async function pollAll(): Promise<void> {
    for (const run of options.runs()) {
      if (closed) return;
      if (RUN_ID_PATTERN.test(run)) await pollRun(run);
    }
  }

  function poll(): Promise<void> {
    running ??= pollAll().finally(() => {
      running = undefined;
    });
    return running;
  }

  function schedule(): void {
    if (closed) return;
    timer = setTimeout(() => void poll().then(schedule), options.intervalMs);
  }

  return {
    poll,
    start() {
      if (!closed && !timer) schedule();
    },
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      abort.abort();
      await running;
    },
  };
}

/** Runs named in /healthz's truth section, per list. */
const MAX_RUNS_LISTED = 20;
/** Runs whose target is remembered (the oldest is forgotten beyond it). */
const MAX_TARGETS = 1000;

/**
 * A base URL in the form targets are compared in: origin plus path, without a trailing `/truth`
 * or slash. `http://127.0.0.1:3000/` and `http://127.0.0.1:3000/truth` are the same target;
 * `localhost` and `127.0.0.1` are not (the exporter cannot know they are one machine).
 */
export function targetKey(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname.replace(/\/truth\/?$/, '').replace(/\/+$/, '')}`;
  } catch {
    return undefined;
  }
}

/** Why a run is polled for truth or not, for /healthz. */
export interface TruthTargetingStatus {
  /** The `--target-truth` URL. */
  readonly url: string;
  /** Runs polled: made against that target (the first few). */
  readonly polled: readonly string[];
  /** Runs not polled: made against another target, or of unknown target (the first few). */
  readonly notPolled: ReadonlyArray<{ readonly run: string; readonly target?: string; readonly reason: string }>;
}

/**
 * Which runs were made against the target whose truth is polled: only those are polled, so a
 * glob that matches older runs against other targets never makes their records look lost
 * (FloodgateRecordsLost). A run's target comes from its folder's run.json (`target`, written by
 * `floodgate run`) or from a `floodgate_target` tag on its samples (`k6 run --tag
 * floodgate_target=<url>`, set by `floodgate k8s` and the README's remote-write example). A run
 * of unknown target is not polled, and /healthz says so.
 */
export class TruthTargeting {
  private readonly url: string;
  private readonly key: string | undefined;
  private readonly targets = new Map<string, string>();

  constructor(truthUrl: string) {
    this.url = truthUrl;
    this.key = targetKey(truthUrl);
  }

  /** `run` was made against `target` (a base URL). */
  learn(run: string, target: string): void {
    if (this.targets.get(run) === target) return;
    this.targets.delete(run);
    if (this.targets.size >= MAX_TARGETS) this.targets.delete(this.targets.keys().next().value!);
    this.targets.set(run, target);
  }

  /** True when `run` is known to be made against the polled target. */
  polls(run: string): boolean {
    const target = this.targets.get(run);
    return target !== undefined && this.key !== undefined && targetKey(target) === this.key;
  }

  /** What /healthz says about `runs` (the runs the exporter holds). */
  status(runs: readonly string[]): TruthTargetingStatus {
    const polled: string[] = [];
    const notPolled: Array<{ run: string; target?: string; reason: string }> = [];
    for (const run of runs) {
      if (this.polls(run)) {
        if (polled.length < MAX_RUNS_LISTED) polled.push(run);
        continue;
      }
      if (notPolled.length >= MAX_RUNS_LISTED) continue;
      const target = this.targets.get(run);
      notPolled.push(
        target === undefined
          ? { run, reason: 'target unknown: no run.json beside its file and no floodgate_target tag' }
          : { run, target, reason: 'made against another target' },
      );
    }
    return { url: this.url, polled, notPolled };
  }
}
