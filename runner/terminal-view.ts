/**
 * The terminal view of a running test (issue 12): per stage the current request rate, errors %,
 * throttled %, p95 over the last few seconds, and the funnel so far; planned vs achieved arrivals
 * above. On a terminal it is a block redrawn in place (display.ts); piped, one plain line every
 * few seconds. Pure: samples go into a {@link StageWindow}, text comes out.
 *
 * The window is measured in sample time (the newest sample's timestamp), not the wall clock, so
 * a run read back from a file shows what it showed live.
 */

import { FUNNEL_STAGES, STAGE_RESULTS } from '../contracts/funnel.ts';
import { humanizeDuration } from '../contracts/end-of-test-summary.ts';
import { parseK6Line } from '../contracts/k6-json.ts';
import { K6_BUILTIN } from '../contracts/metrics.ts';
import { clock, type ProgressFrame, type ProgressState } from './progress.ts';

/** One HTTP sample the view needs: when, which stage, how long, failed, throttled. */
export interface RequestSample {
  readonly timeMs: number;
  readonly stage: string;
  readonly durationMs?: number;
  readonly failed?: boolean;
  readonly throttled?: boolean;
}

/** Stage label of requests without a `stage` tag (a user's own script, helpers). */
export const NO_STAGE = '(no stage tag)';
/** Samples added between two prunings of the window. */
const PRUNE_EVERY = 5000;
/** Rows beyond the funnel's stages (other `stage` tag values), at most. */
const MAX_OTHER_STAGES = 6;

/** Per-stage samples of the last `windowMs`, for rates, error shares and p95. */
export interface StageWindow {
  /** Adds what one NDJSON line says (http_reqs, http_req_failed, http_req_duration points). */
  addLine(line: string): void;
  /** The rows as of the newest sample. */
  rows(): StageRow[];
  /** Length of the window, ms. */
  readonly windowMs: number;
}

/** One row of the view. */
export interface StageRow {
  readonly stage: string;
  /** Requests per second over the window. */
  readonly ratePerSecond: number;
  /** Share of the window's requests k6 counted failed, 0..1; undefined without requests. */
  readonly errorShare?: number;
  /** Share answered 429, 0..1. */
  readonly throttledShare?: number;
  /** p95 of http_req_duration over the window, ms. */
  readonly p95Ms?: number;
}

interface Bucket {
  requests: number[];
  throttled: number[];
  failedTimes: number[];
  checkedTimes: number[];
  durations: Array<[number, number]>;
}

/** A window of `windowMs` (default 10 s). */
export function createStageWindow(windowMs = 10_000): StageWindow {
  const buckets = new Map<string, Bucket>();
  let newestMs = 0;
  let added = 0;
  const bucket = (stage: string): Bucket | undefined => {
    let found = buckets.get(stage);
    if (!found) {
      const others = [...buckets.keys()].filter((name) => !(FUNNEL_STAGES as readonly string[]).includes(name));
      if (!(FUNNEL_STAGES as readonly string[]).includes(stage) && others.length >= MAX_OTHER_STAGES) return undefined;
      found = { requests: [], throttled: [], failedTimes: [], checkedTimes: [], durations: [] };
      buckets.set(stage, found);
    }
    return found;
  };
  const add = (sample: RequestSample, kind: 'request' | 'failed' | 'duration'): void => {
    newestMs = Math.max(newestMs, sample.timeMs);
    const target = bucket(sample.stage);
    if (!target) return;
    if (kind === 'request') {
      target.requests.push(sample.timeMs);
      if (sample.throttled) target.throttled.push(sample.timeMs);
    } else if (kind === 'failed') {
      target.checkedTimes.push(sample.timeMs);
      if (sample.failed) target.failedTimes.push(sample.timeMs);
    } else if (sample.durationMs !== undefined) {
      target.durations.push([sample.timeMs, sample.durationMs]);
    }
  };
  const prune = (): void => {
    const from = newestMs - windowMs;
    for (const entry of buckets.values()) {
      entry.requests = entry.requests.filter((time) => time > from);
      entry.throttled = entry.throttled.filter((time) => time > from);
      entry.failedTimes = entry.failedTimes.filter((time) => time > from);
      entry.checkedTimes = entry.checkedTimes.filter((time) => time > from);
      entry.durations = entry.durations.filter(([time]) => time > from);
    }
  };
  return {
    windowMs,
    addLine(line) {
      const point = requestPointOf(line);
      if (!point) return;
      if (point.metric === K6_BUILTIN.httpReqs) add(point, 'request');
      else if (point.metric === K6_BUILTIN.httpReqFailed) add(point, 'failed');
      else add(point, 'duration');
      added += 1;
      if (added % PRUNE_EVERY === 0) prune(); // bounded memory between redraws on a long, fast run
    },
    rows() {
      prune();
      const order = [
        ...FUNNEL_STAGES.filter((stage) => buckets.has(stage)),
        ...[...buckets.keys()].filter((stage) => !(FUNNEL_STAGES as readonly string[]).includes(stage)).sort(),
      ];
      return order.map((stage) => {
        const entry = buckets.get(stage)!;
        const seconds = windowMs / 1000;
        const durations = entry.durations.map(([, duration]) => duration).sort((a, b) => a - b);
        return {
          stage,
          ratePerSecond: entry.requests.length / seconds,
          ...(entry.checkedTimes.length > 0
            ? { errorShare: entry.failedTimes.length / entry.checkedTimes.length }
            : {}),
          ...(entry.requests.length > 0 ? { throttledShare: entry.throttled.length / entry.requests.length } : {}),
          ...(durations.length > 0 ? { p95Ms: percentile(durations, 0.95) } : {}),
        };
      });
    },
  };
}

/** k6's percentile of sorted values: linear between the two nearest ranks (k6's TrendSink.P). */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 1) return sorted[0]!;
  const rank = p * (sorted.length - 1);
  const lower = Math.floor(rank);
  const fraction = rank - lower;
  return sorted[lower]! + (lower + 1 < sorted.length ? (sorted[lower + 1]! - sorted[lower]!) * fraction : 0);
}

/** The three HTTP points of one NDJSON line, read with the shared k6 line reader (contracts/k6-json.ts), or undefined. */
function requestPointOf(line: string): (RequestSample & { metric: string }) | undefined {
  if (!line.includes('"http_req')) return undefined; // cheap skip: the view reads three metrics only
  const parsed = parseK6Line(line);
  if (parsed.kind !== 'point') return undefined; // progress.ts counts rejected lines
  const { metric, timeMs, value, tags } = parsed.sample;
  if (metric !== K6_BUILTIN.httpReqs && metric !== K6_BUILTIN.httpReqFailed && metric !== K6_BUILTIN.httpReqDuration)
    return undefined;
  const stage = typeof tags.stage === 'string' && tags.stage !== '' ? tags.stage : NO_STAGE;
  return {
    metric,
    timeMs,
    stage,
    ...(metric === K6_BUILTIN.httpReqDuration ? { durationMs: value } : {}),
    ...(metric === K6_BUILTIN.httpReqFailed ? { failed: value !== 0 } : {}),
    ...(metric === K6_BUILTIN.httpReqs ? { throttled: tags.status === '429' } : {}),
  };
}

/** What the view shows besides the state and the rows. */
export interface ViewFrame extends ProgressFrame {
  /** True when the run follows one of floodgate's plans (planned vs achieved arrivals). */
  readonly hasPlan: boolean;
  /** Length of the rate window, seconds. */
  readonly windowSeconds: number;
}

/** The live block: a header, arrivals, one row per stage, a totals line. */
export function renderTerminalView(state: ProgressState, rows: readonly StageRow[], frame: ViewFrame): string {
  const lines: string[] = [];
  lines.push(`floodgate run ${frame.runId} · ${frame.scenario} · ${frame.engine} engine · ${elapsed(frame)}`);
  lines.push(arrivalsText(state, frame));
  const funnelStages = new Set<string>(FUNNEL_STAGES);
  const showFunnel =
    rows.some((row) => funnelStages.has(row.stage)) || FUNNEL_STAGES.some((stage) => state.funnel[stage].entered > 0);
  const header = [
    `stage (last ${frame.windowSeconds} s)`,
    'req/s',
    'errors',
    'throttled',
    'p95',
    ...(showFunnel ? STAGE_RESULTS : []),
  ];
  const shown = showFunnel
    ? [...FUNNEL_STAGES, ...rows.map((row) => row.stage).filter((stage) => !funnelStages.has(stage))]
    : rows.map((row) => row.stage);
  const table: string[][] = [header];
  for (const stage of shown) {
    const row = rows.find((candidate) => candidate.stage === stage);
    const funnel = funnelStages.has(stage) ? state.funnel[stage as (typeof FUNNEL_STAGES)[number]] : undefined;
    table.push([
      stage,
      row ? row.ratePerSecond.toFixed(1) : '-',
      share(row?.errorShare),
      share(row?.throttledShare),
      row?.p95Ms === undefined ? '-' : humanizeDuration(row.p95Ms),
      ...(showFunnel ? STAGE_RESULTS.map((result) => (funnel ? grouped(funnel[result]) : '')) : []),
    ]);
  }
  const widths = header.map((_, column) => Math.max(...table.map((cells) => cells[column]!.length)));
  for (const cells of table)
    lines.push(
      cells
        .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
        .join('  ')
        .trimEnd(),
    );
  lines.push(
    `requests ${grouped(state.requests)} · errors ${share(state.requests > 0 ? state.failedRequests / state.requests : undefined)} (${grouped(state.failedRequests)})` +
      ` · throttled ${grouped(state.throttledRequests)} · checks failed ${grouped(state.checksFailed)} · VUs ${state.vus}` +
      (state.unreadableLines > 0 ? ` · unreadable lines ${state.unreadableLines}` : ''),
  );
  return `${lines.join('\n')}\n`;
}

/** One plain line for logs and pipes. */
export function renderTerminalLine(state: ProgressState, rows: readonly StageRow[], frame: ViewFrame): string {
  const stages = rows
    .map(
      (row) =>
        `${row.stage} ${row.ratePerSecond.toFixed(1)}/s err ${share(row.errorShare)} thr ${share(row.throttledShare)} p95 ${row.p95Ms === undefined ? '-' : humanizeDuration(row.p95Ms)}`,
    )
    .join(' | ');
  return `[${elapsed(frame)}] ${arrivalsText(state, frame)}${stages === '' ? '' : ` · ${stages}`}\n`;
}

/** `1:23 / 1:45`, and past the plan's end `1:45 / 1:45 +0:04 finishing`. */
function elapsed(frame: ViewFrame): string {
  if (frame.plannedSeconds <= 0) return clock(frame.elapsedSeconds);
  if (frame.elapsedSeconds <= frame.plannedSeconds)
    return `${clock(frame.elapsedSeconds)} / ${clock(frame.plannedSeconds)}`;
  return `${clock(frame.plannedSeconds)} / ${clock(frame.plannedSeconds)} +${clock(frame.elapsedSeconds - frame.plannedSeconds)} finishing`;
}

function arrivalsText(state: ProgressState, frame: ViewFrame): string {
  if (!frame.hasPlan)
    return `iterations ${grouped(state.iterations)} · VUs ${state.vus} · dropped ${grouped(state.dropped)}`;
  const planned = Math.round(frame.plannedArrivals);
  const achieved = planned > 0 ? ` (${((state.arrivals / planned) * 100).toFixed(1)} %)` : '';
  return (
    `arrivals ${grouped(state.arrivals)} of ${grouped(planned)} planned${achieved}` +
    (state.plannedRate === undefined ? '' : ` · planned ${state.plannedRate.toFixed(1)}/s`) +
    ` · dropped ${grouped(state.dropped)}`
  );
}

function share(value: number | undefined): string {
  return value === undefined ? '-' : `${(value * 100).toFixed(1)} %`;
}

/** 12,345 */
function grouped(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}
