/**
 * Live progress of a run, read from the NDJSON result stream (the same for k6 and the local
 * engine): parse each line into a running state, then render that state. Both steps are pure;
 * follow.ts feeds the lines and index.ts decides when to draw.
 */

import { FUNNEL_STAGES, STAGE_RESULTS, type FunnelStage, type StageResult } from '../contracts/funnel.ts';
import { parseK6Line, type K6LineRejection } from '../contracts/k6-json.ts';
import { K6_BUILTIN, K6_METRICS } from '../contracts/metrics.ts';

/** Everything the progress display knows about a run so far. */
export interface ProgressState {
  /** Time of the first and newest sample, Unix ms. */
  firstSampleMs?: number;
  lastSampleMs?: number;
  /** Newest planned arrival rate, new applicants per second. */
  plannedRate?: number;
  /** Applicant journeys that started (landing entered). */
  arrivals: number;
  /** Journeys that ran to their end (k6 `iterations` of the load scenario). */
  iterations: number;
  dropped: number;
  requests: number;
  /** Requests k6 counted as failed (`http_req_failed` = 1). */
  failedRequests: number;
  /** Requests answered 429. */
  throttledRequests: number;
  vus: number;
  checksPassed: number;
  checksFailed: number;
  /** funnel_stage counts per stage and result. */
  funnel: Record<FunnelStage, Record<StageResult, number>>;
  /** Lines rejected (counted, skipped): their total, and by reason (contracts/k6-json.ts, the words the exporter and the report use). */
  unreadableLines: number;
  rejected: Partial<Record<K6LineRejection, number>>;
}

/** A state before any line. */
export function emptyProgress(): ProgressState {
  const funnel = {} as Record<FunnelStage, Record<StageResult, number>>;
  for (const stage of FUNNEL_STAGES) {
    funnel[stage] = Object.fromEntries(STAGE_RESULTS.map((result) => [result, 0])) as Record<StageResult, number>;
  }
  return {
    arrivals: 0,
    iterations: 0,
    dropped: 0,
    requests: 0,
    failedRequests: 0,
    throttledRequests: 0,
    vus: 0,
    checksPassed: 0,
    checksFailed: 0,
    funnel,
    unreadableLines: 0,
    rejected: {},
  };
}

/** Scenario name of the planned-rate helper, whose iteration is no applicant. */
const HELPER_SCENARIO = 'planned_rate';

/**
 * Adds one NDJSON line to `state` (in place, for speed on long runs). The line is read by
 * contracts/k6-json.ts, the reader of the exporter and the report, so a line this display skips is
 * one they reject for the same reason. Metric lines are skipped.
 */
export function applyLine(state: ProgressState, line: string): void {
  const parsed = parseK6Line(line);
  if (parsed.kind === 'blank' || parsed.kind === 'metric') return;
  if (parsed.kind === 'rejected') {
    state.unreadableLines += 1;
    state.rejected[parsed.reason] = (state.rejected[parsed.reason] ?? 0) + 1;
    return;
  }
  const { metric, timeMs: time, value, tags } = parsed.sample;
  if (state.firstSampleMs === undefined || time < state.firstSampleMs) state.firstSampleMs = time;
  if (state.lastSampleMs === undefined || time > state.lastSampleMs) state.lastSampleMs = time;
  switch (metric) {
    case K6_METRICS.funnelStage: {
      // The line reader rejected funnel samples without a valid stage and result.
      const stage = tags.stage as FunnelStage;
      const result = tags.result as StageResult;
      state.funnel[stage][result] += value;
      if (stage === FUNNEL_STAGES[0] && result === 'entered') state.arrivals += value;
      break;
    }
    case K6_METRICS.plannedArrivalRate:
      state.plannedRate = value;
      break;
    case K6_BUILTIN.httpReqs:
      state.requests += value;
      if (tags.status === '429') state.throttledRequests += value;
      break;
    case K6_BUILTIN.httpReqFailed:
      state.failedRequests += value;
      break;
    case K6_BUILTIN.droppedIterations:
      state.dropped += value;
      break;
    case K6_BUILTIN.iterations:
      if (tags.scenario !== HELPER_SCENARIO) state.iterations += value;
      break;
    case K6_BUILTIN.vus:
      state.vus = value;
      break;
    case K6_BUILTIN.checks:
      if (value > 0) state.checksPassed += 1;
      else state.checksFailed += 1;
      break;
    default:
      break;
  }
}

/** What the display needs besides the state. */
export interface ProgressFrame {
  readonly runId: string;
  readonly scenario: string;
  readonly engine: string;
  /** Seconds since the run's first sample (0 before it). */
  readonly elapsedSeconds: number;
  /** Planned length of the arrivals, seconds; 0 when the scenario has no schedule (smoke). */
  readonly plannedSeconds: number;
  /** Applicants the plan has started by now. */
  readonly plannedArrivals: number;
}

/** The live block for a terminal: a few lines, redrawn in place every second. */
export function renderProgressBlock(state: ProgressState, frame: ProgressFrame): string {
  const lines: string[] = [];
  lines.push(`floodgate run ${frame.runId} · ${frame.scenario} · ${frame.engine} engine`);
  lines.push(
    `elapsed ${clock(frame.elapsedSeconds)}${frame.plannedSeconds > 0 ? ` / ${clock(frame.plannedSeconds)}` : ''}` +
      ` · arrivals ${state.arrivals} of ${Math.round(frame.plannedArrivals)} planned${achievedShare(state, frame)}` +
      (state.plannedRate === undefined ? '' : ` · planned ${state.plannedRate.toFixed(1)}/s`) +
      ` · VUs ${state.vus} · dropped ${state.dropped}`,
  );
  const header = ['stage', ...STAGE_RESULTS];
  const rows = [
    header,
    ...FUNNEL_STAGES.map((stage) => [stage, ...STAGE_RESULTS.map((result) => String(state.funnel[stage][result]))]),
  ];
  const widths = header.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  for (const row of rows)
    lines.push(
      row
        .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
        .join('  '),
    );
  lines.push(
    `requests ${state.requests} · errors ${state.failedRequests} (${percent(state.failedRequests, state.requests)})` +
      ` · throttled ${state.throttledRequests} · checks failed ${state.checksFailed}`,
  );
  return `${lines.join('\n')}\n`;
}

/** One line for logs and CI (no terminal): printed every few seconds. */
export function renderProgressLine(state: ProgressState, frame: ProgressFrame): string {
  const completed = FUNNEL_STAGES.map((stage) => `${stage} ${state.funnel[stage].completed}`).join(' ');
  return (
    `[${clock(frame.elapsedSeconds)}${frame.plannedSeconds > 0 ? `/${clock(frame.plannedSeconds)}` : ''}] ` +
    `arrivals ${state.arrivals}/${Math.round(frame.plannedArrivals)} · completed: ${completed} · ` +
    `errors ${state.failedRequests} · throttled ${state.throttledRequests} · dropped ${state.dropped}\n`
  );
}

function achievedShare(state: ProgressState, frame: ProgressFrame): string {
  return frame.plannedArrivals >= 1 ? ` (${percent(state.arrivals, frame.plannedArrivals)})` : '';
}

function percent(part: number, whole: number): string {
  return whole > 0 ? `${((part / whole) * 100).toFixed(1)} %` : '0.0 %';
}

/** Seconds as m:ss or h:mm:ss. */
export function clock(seconds: number): string {
  const whole = Math.max(0, Math.floor(seconds));
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = String(whole % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}
