/**
 * Reads k6's NDJSON result stream (`--out json`, k6-contract §1) in one streaming pass and
 * aggregates it into time slots × funnel stages with mergeable latency histograms. Memory is
 * bounded: no sample is kept, and when a run outgrows {@link DEFAULT_MAX_SLOTS} slots the slot
 * length doubles (neighbouring slots merge exactly).
 *
 * Malformed lines are counted by reason and skipped, never silently dropped.
 *
 * Over 400 lines on purpose: the streaming pass and its per-reason counts are one loop, which the
 * exporter's shared scanner is replacing this wave (exporter15b); a split now would collide with it.
 */

import { FUNNEL_STAGES, isFunnelStage, type FunnelStage, type StageResult } from '../contracts/funnel.ts';
import {
  K6_MAX_LINE_BYTES,
  parseK6Line,
  type K6LineRejection,
  type K6MetricDeclaration,
} from '../contracts/k6-json.ts';
import { K6_BUILTIN, K6_METRICS, type RequestOutcome } from '../contracts/metrics.ts';
import type { CheckResult, RunSlot, StageSlot } from '../contracts/run-result.ts';
import { LogHistogramBuilder } from './histogram.ts';
import { forEachLine } from './lines.ts';

/** Most slots kept before the slot length doubles: 30 minutes at 1 s, 1 hour at 2 s, … */
export const DEFAULT_MAX_SLOTS = 1800;

/** Scenarios that are not load: the planned-rate helper runs one iteration for the whole test. */
export const HELPER_SCENARIOS: readonly string[] = ['planned_rate'];

/** The longest a `planned_arrival_rate` sample is held when the next one is late, in seconds. */
const PLANNED_HOLD_SECONDS = 5;
/** Distinct status codes kept per stage before the rest count as `other`. */
const MAX_STATUSES = 32;
/** Other run ids remembered, to say which runs a file holds when the one asked for is not there. */
export const MAX_OTHER_RUNS = 20;
/** Distinct check names kept before the rest are folded into one row. */
const MAX_CHECKS = 200;

/** Options of the aggregation. */
export interface AggregationOptions {
  /** Keep only samples whose `run` tag is this; default: the first run tag seen. */
  readonly run?: string;
  /** Default {@link DEFAULT_MAX_SLOTS}. */
  readonly maxSlots?: number;
  /** Scenario names that are not load; default {@link HELPER_SCENARIOS}. */
  readonly helperScenarios?: readonly string[];
  /** Longest line read, bytes; default {@link K6_MAX_LINE_BYTES}, the exporter's default too. */
  readonly maxLineBytes?: number;
}

/** What the NDJSON stream held, aggregated. */
export interface NdjsonAggregate {
  /** The run id kept (undefined when no sample carried a `run` tag). */
  readonly run?: string;
  /** The load scenario with most HTTP requests (helpers excluded), if any. */
  readonly scenario?: string;
  /** Unix ms of slot 0's start; undefined when the stream held no sample. */
  readonly originMs?: number;
  readonly scenarioStartSeconds: number;
  readonly durationSeconds: number;
  readonly resolutionSeconds: number;
  readonly slots: RunSlot[];
  /** Thresholds declared on Metric lines: metric → expressions. */
  readonly declaredThresholds: ReadonlyArray<{ metric: string; expression: string }>;
  /** What each declared metric contains (`time`, `data`, `default`), from its Metric line. */
  readonly metricContains: Readonly<Record<string, string>>;
  readonly checks: CheckResult[];
  /** Points aggregated (whether or not they carried a `run` tag). */
  readonly points: number;
  /** Points whose `run` tag is {@link run}. */
  readonly pointsOfRun: number;
  /** Other run ids whose samples were skipped (at most {@link MAX_OTHER_RUNS}, in order seen). */
  readonly otherRuns: readonly string[];
  /** Points skipped because their `run` tag is another run's (well-formed lines, not rejections). */
  readonly otherRunPoints: number;
  /** Lines read (blank lines are not lines; too-long lines are), counted as the exporter counts them. */
  readonly lines: number;
  /** Lines rejected, by reason (contracts/k6-json.ts K6_LINE_REJECTIONS). */
  readonly rejected: Partial<Record<K6LineRejection, number>>;
  /** True when the file was gzip (`--out json=FILE.gz`). */
  readonly gzip: boolean;
}

/**
 * Aggregates NDJSON lines handed to it one by one; {@link readNdjson} feeds it from a file, tests
 * feed it fixture lines.
 */
export class NdjsonAggregator {
  private readonly runFilter: string | undefined;
  private run: string | undefined;
  private readonly maxSlots: number;
  private readonly helpers: ReadonlySet<string>;
  private resolutionMs = 1000;
  private originMs: number | undefined;
  private lastMs = -Infinity;
  private slots: SlotAccumulator[] = [];
  private readonly requestsByScenario = new Map<string, number>();
  private readonly firstByScenario = new Map<string, number>();
  private firstPlannedMs = Infinity;
  private readonly planned = new Map<string, { ms: number; rate: number }>();
  private readonly declared: Array<{ metric: string; expression: string }> = [];
  private readonly contains: Record<string, string> = {};
  private readonly checks = new Map<string, { passes: number; fails: number }>();
  private readonly maxLineBytes: number;
  private lines = 0;
  private points = 0;
  private otherRunPoints = 0;
  private pointsOfRun = 0;
  private readonly otherRuns = new Set<string>();
  private readonly rejected: Partial<Record<K6LineRejection, number>> = {};

  constructor(options: AggregationOptions = {}) {
    this.runFilter = options.run;
    this.run = options.run;
    this.maxSlots = Math.max(2, options.maxSlots ?? DEFAULT_MAX_SLOTS);
    this.helpers = new Set(options.helperScenarios ?? HELPER_SCENARIOS);
    this.maxLineBytes = options.maxLineBytes ?? K6_MAX_LINE_BYTES;
  }

  /** Counts one rejected line under `reason` (a line too long to read counts as a line). */
  reject(reason: K6LineRejection): void {
    this.rejected[reason] = (this.rejected[reason] ?? 0) + 1;
  }

  /** A line longer than the limit was skipped: one line read, rejected `too_long`. */
  tooLong(): void {
    this.lines += 1;
    this.reject('too_long');
  }

  /**
   * Aggregates one NDJSON line (without its newline). Parsed by contracts/k6-json.ts, the reader
   * the exporter uses, so both count and reject the same lines; blank lines are not lines.
   */
  addLine(line: string): void {
    const parsed = parseK6Line(line, this.maxLineBytes);
    if (parsed.kind === 'blank') return;
    this.lines += 1;
    if (parsed.kind === 'rejected') return this.reject(parsed.reason);
    if (parsed.kind === 'metric') return this.addDeclaration(parsed.declaration);
    const { metric, timeMs, value, tags } = parsed.sample;
    const run = tags.run;
    if (run !== undefined) {
      if (this.run === undefined) this.run = run;
      else if (run !== this.run) {
        // Not a rejection: the line is fine, it belongs to another run (the exporter keeps it there).
        if (this.otherRuns.size < MAX_OTHER_RUNS) this.otherRuns.add(run);
        this.otherRunPoints += 1;
        return;
      }
      this.pointsOfRun += 1;
    }
    this.points += 1;
    this.addPoint(metric, timeMs, value, tags);
  }

  /** The aggregate of every line added so far. */
  finish(): NdjsonAggregate {
    for (const [key, last] of this.planned) {
      this.spreadPlanned(last.ms, last.ms + 1000, last.rate);
      this.planned.delete(key);
    }
    const origin = this.originMs;
    let scenario: string | undefined;
    let most = -1;
    for (const [name, count] of this.requestsByScenario) {
      if (count > most) [scenario, most] = [name, count];
    }
    let startMs = scenario !== undefined ? (this.firstByScenario.get(scenario) ?? Infinity) : Infinity;
    startMs = Math.min(startMs, this.firstPlannedMs);
    const resolutionSeconds = this.resolutionMs / 1000;
    return {
      run: this.run,
      scenario,
      originMs: origin,
      scenarioStartSeconds:
        origin !== undefined && Number.isFinite(startMs) ? Math.max(0, (startMs - origin) / 1000) : 0,
      durationSeconds: origin !== undefined ? Math.max(0, (this.lastMs - origin) / 1000) : 0,
      resolutionSeconds,
      slots: this.slots.map((slot, index) => (slot ?? new SlotAccumulator()).toJSON(index * resolutionSeconds)),
      declaredThresholds: this.declared,
      metricContains: { ...this.contains },
      checks: [...this.checks.entries()].map(([name, counts]) => ({ name, ...counts })),
      points: this.points,
      pointsOfRun: this.pointsOfRun,
      otherRuns: [...this.otherRuns],
      otherRunPoints: this.otherRunPoints,
      lines: this.lines,
      rejected: { ...this.rejected },
      gzip: false,
    };
  }

  // --- internals -----------------------------------------------------------------------------

  private addDeclaration(declaration: K6MetricDeclaration): void {
    this.contains[declaration.name] = declaration.contains;
    for (const expression of declaration.thresholds) {
      if (!this.declared.some((seen) => seen.metric === declaration.name && seen.expression === expression)) {
        this.declared.push({ metric: declaration.name, expression });
      }
    }
  }

  private addPoint(metric: string, ms: number, value: number, tags: Readonly<Record<string, string>>): void {
    const slot = this.slotAt(ms);
    const scenario = typeof tags.scenario === 'string' ? tags.scenario : undefined;
    if (scenario !== undefined && !this.helpers.has(scenario) && !this.firstByScenario.has(scenario))
      this.firstByScenario.set(scenario, ms);
    switch (metric) {
      case K6_BUILTIN.httpReqs: {
        if (scenario !== undefined)
          this.requestsByScenario.set(scenario, (this.requestsByScenario.get(scenario) ?? 0) + value);
        const outcome = requestOutcome(tags);
        const stage = typeof tags.stage === 'string' && isFunnelStage(tags.stage) ? tags.stage : undefined;
        if (stage === undefined) {
          slot.unstaged[outcome] = (slot.unstaged[outcome] ?? 0) + value;
          return;
        }
        const stageSlot = slot.stage(stage);
        stageSlot.requests[outcome] = (stageSlot.requests[outcome] ?? 0) + value;
        const status = typeof tags.status === 'string' ? tags.status : 'unknown';
        const key =
          status in stageSlot.statuses || Object.keys(stageSlot.statuses).length < MAX_STATUSES ? status : 'other';
        stageSlot.statuses[key] = (stageSlot.statuses[key] ?? 0) + value;
        return;
      }
      case K6_BUILTIN.httpReqDuration: {
        const stage = typeof tags.stage === 'string' && isFunnelStage(tags.stage) ? tags.stage : undefined;
        if (stage === undefined) return;
        slot.stage(stage).histogram(requestOutcome(tags)).record(value);
        return;
      }
      case K6_METRICS.funnelStage: {
        // The line parser rejected funnel samples without a valid stage and result (bad_tags).
        const stage = tags.stage as FunnelStage;
        const result = tags.result;
        const funnel = slot.stage(stage).funnel;
        funnel[result as StageResult] = (funnel[result as StageResult] ?? 0) + value;
        return;
      }
      case K6_METRICS.plannedArrivalRate: {
        const key = typeof tags.planned_scenario === 'string' ? tags.planned_scenario : (scenario ?? '');
        if (ms < this.firstPlannedMs) this.firstPlannedMs = ms;
        const last = this.planned.get(key);
        if (last !== undefined && ms > last.ms) {
          this.spreadPlanned(last.ms, Math.min(ms, last.ms + PLANNED_HOLD_SECONDS * 1000), last.rate);
        }
        if (last === undefined || ms >= last.ms) this.planned.set(key, { ms, rate: Math.max(0, value) });
        return;
      }
      case K6_BUILTIN.droppedIterations:
        slot.dropped += value;
        return;
      case K6_BUILTIN.iterations:
        if (scenario === undefined || !this.helpers.has(scenario)) slot.iterations += value;
        return;
      case K6_BUILTIN.vus:
        slot.vus = Math.max(slot.vus, value);
        return;
      case K6_BUILTIN.vusMax:
        slot.vusMax = Math.max(slot.vusMax, value);
        return;
      case K6_BUILTIN.checks: {
        const name = typeof tags.check === 'string' ? tags.check : '';
        const key = this.checks.has(name) || this.checks.size < MAX_CHECKS ? name : '(other checks)';
        const counts = this.checks.get(key) ?? { passes: 0, fails: 0 };
        if (value !== 0) counts.passes += 1;
        else counts.fails += 1;
        this.checks.set(key, counts);
        return;
      }
      default:
        return;
    }
  }

  /** Adds `rate` per second over [fromMs, toMs) to the planned arrivals of the slots it covers. */
  private spreadPlanned(fromMs: number, toMs: number, rate: number): void {
    if (!(toMs > fromMs) || rate <= 0) return;
    let cursor = fromMs;
    while (cursor < toMs) {
      const slot = this.slotAt(cursor);
      const origin = this.originMs!;
      const index = Math.max(0, Math.floor((cursor - origin) / this.resolutionMs));
      const slotEnd = origin + (index + 1) * this.resolutionMs;
      const end = Math.min(toMs, slotEnd);
      slot.planned += (rate * (end - cursor)) / 1000;
      cursor = end;
    }
  }

  private slotAt(ms: number): SlotAccumulator {
    if (this.originMs === undefined) this.originMs = Math.floor(ms / 1000) * 1000;
    if (ms > this.lastMs) this.lastMs = ms;
    let index = Math.max(0, Math.floor((ms - this.originMs) / this.resolutionMs));
    while (index >= this.maxSlots) {
      this.coarsen();
      index = Math.max(0, Math.floor((ms - this.originMs) / this.resolutionMs));
    }
    while (this.slots.length <= index) this.slots.push(new SlotAccumulator());
    return this.slots[index]!;
  }

  /** Doubles the slot length, merging neighbours exactly. */
  private coarsen(): void {
    const merged: SlotAccumulator[] = [];
    for (let index = 0; index < this.slots.length; index += 2) {
      const slot = this.slots[index]!;
      const next = this.slots[index + 1];
      if (next) slot.absorb(next);
      merged.push(slot);
    }
    this.slots = merged;
    this.resolutionMs *= 2;
  }
}

/**
 * Reads `path` (k6 NDJSON) in one streaming pass and aggregates it.
 * Rejects with the signal's reason when `signal` aborts.
 */
export async function readNdjson(
  path: string,
  options: AggregationOptions & { signal?: AbortSignal } = {},
): Promise<NdjsonAggregate> {
  const aggregator = new NdjsonAggregator(options);
  const { gzip } = await forEachLine(path, (line) => aggregator.addLine(line), {
    signal: options.signal,
    onTooLong: () => aggregator.tooLong(),
    maxLineBytes: options.maxLineBytes,
  });
  return { ...aggregator.finish(), gzip };
}

/**
 * The outcome of an HTTP sample: 429 is `throttled` (deliberate, not an error); otherwise k6's
 * `expected_response` tag decides; without it, 2xx/3xx are `ok`.
 */
export function requestOutcome(tags: Record<string, unknown>): RequestOutcome {
  const status = tags.status;
  if (status === '429') return 'throttled';
  if (tags.expected_response === 'true') return 'ok';
  if (tags.expected_response === 'false') return 'error';
  return typeof status === 'string' && /^[23]\d\d$/.test(status) ? 'ok' : 'error';
}

class StageAccumulator {
  readonly requests: Partial<Record<RequestOutcome, number>> = {};
  readonly statuses: Record<string, number> = {};
  readonly funnel: Partial<Record<StageResult, number>> = {};
  private readonly histograms: Partial<Record<RequestOutcome, LogHistogramBuilder>> = {};

  histogram(outcome: RequestOutcome): LogHistogramBuilder {
    return (this.histograms[outcome] ??= new LogHistogramBuilder());
  }

  absorb(other: StageAccumulator): void {
    addCounts(this.requests, other.requests);
    addCounts(this.statuses, other.statuses);
    addCounts(this.funnel, other.funnel);
    for (const [outcome, histogram] of Object.entries(other.histograms) as Array<
      [RequestOutcome, LogHistogramBuilder]
    >) {
      this.histogram(outcome).add(histogram.toJSON());
    }
  }

  toJSON(): StageSlot {
    const latency: StageSlot['latency'] = Object.fromEntries(
      (Object.entries(this.histograms) as Array<[RequestOutcome, LogHistogramBuilder]>).map(([outcome, builder]) => [
        outcome,
        builder.toJSON(),
      ]),
    );
    return {
      requests: { ...this.requests },
      ...(Object.keys(this.statuses).length > 0 ? { statuses: { ...this.statuses } } : {}),
      latency,
      funnel: { ...this.funnel },
    };
  }
}

class SlotAccumulator {
  private readonly stages = new Map<FunnelStage, StageAccumulator>();
  readonly unstaged: Partial<Record<RequestOutcome, number>> = {};
  planned = 0;
  iterations = 0;
  dropped = 0;
  vus = 0;
  vusMax = 0;

  stage(stage: FunnelStage): StageAccumulator {
    let accumulator = this.stages.get(stage);
    if (!accumulator) {
      accumulator = new StageAccumulator();
      this.stages.set(stage, accumulator);
    }
    return accumulator;
  }

  absorb(other: SlotAccumulator): void {
    for (const [stage, accumulator] of other.stages) this.stage(stage).absorb(accumulator);
    addCounts(this.unstaged, other.unstaged);
    this.planned += other.planned;
    this.iterations += other.iterations;
    this.dropped += other.dropped;
    this.vus = Math.max(this.vus, other.vus);
    this.vusMax = Math.max(this.vusMax, other.vusMax);
  }

  toJSON(t: number): RunSlot {
    const stages: Partial<Record<FunnelStage, StageSlot>> = {};
    for (const stage of FUNNEL_STAGES) {
      const accumulator = this.stages.get(stage);
      if (accumulator) stages[stage] = accumulator.toJSON();
    }
    return {
      t,
      stages,
      ...(Object.keys(this.unstaged).length > 0 ? { unstagedRequests: { ...this.unstaged } } : {}),
      ...(this.planned > 0 ? { planned: this.planned } : {}),
      ...(this.iterations > 0 ? { iterations: this.iterations } : {}),
      ...(this.dropped > 0 ? { dropped: this.dropped } : {}),
      ...(this.vus > 0 ? { vus: this.vus } : {}),
      ...(this.vusMax > 0 ? { vusMax: this.vusMax } : {}),
    };
  }
}

function addCounts<K extends string>(into: Partial<Record<K, number>>, from: Partial<Record<K, number>>): void {
  for (const [key, value] of Object.entries(from) as Array<[K, number]>) into[key] = (into[key] ?? 0) + value;
}
