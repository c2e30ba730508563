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
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new TypeError(`truth count for ${stage} is not a count`);
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
