/**
 * k6 metrics inside the engine: the four types, their sinks (whole-run aggregates), submetrics
 * selected by tags, and the registry holding the built-in and the script's custom metrics.
 */

import type { K6MetricType } from '../../contracts/thresholds.ts';

/** k6 metric types. */
export type MetricType = K6MetricType;
/** What a metric's values are: plain numbers, milliseconds or bytes. */
export type ValueType = 'default' | 'time' | 'data';

/** Sample tags; keys are tag names, values always strings. */
export type Tags = Readonly<Record<string, string>>;

/** One measurement. `time` is Unix milliseconds with sub-millisecond fraction. */
export interface Sample {
  readonly metric: Metric;
  readonly time: number;
  readonly value: number;
  readonly tags: Tags;
  /** Non-indexed values (`vu`, `iter`, exec.vu.metrics.metadata); omitted when empty. */
  readonly metadata?: Tags;
}

/** Whole-run aggregate of one metric or submetric. */
export interface Sink {
  add(value: number): void;
  /** Number of samples added. */
  readonly count: number;
}

/** Counter: sum of values; `rate` is per second of test run time. */
export class CounterSink implements Sink {
  sum = 0;
  count = 0;
  add(value: number): void {
    this.sum += value;
    this.count += 1;
  }
}

/** Gauge: last value, min and max. */
export class GaugeSink implements Sink {
  value = 0;
  min = 0;
  max = 0;
  count = 0;
  add(value: number): void {
    if (this.count === 0) {
      this.min = value;
      this.max = value;
    } else {
      if (value < this.min) this.min = value;
      if (value > this.max) this.max = value;
    }
    this.value = value;
    this.count += 1;
  }
}

/** Rate: share of non-zero samples. */
export class RateSink implements Sink {
  trues = 0;
  count = 0;
  add(value: number): void {
    if (value !== 0) this.trues += 1;
    this.count += 1;
  }
  get rate(): number {
    return this.count === 0 ? 0 : this.trues / this.count;
  }
}

/** Trend: every value, for exact percentiles (as k6's TrendSink). */
export class TrendSink implements Sink {
  private values = new Float64Array(1024);
  private sorted = true;
  count = 0;
  sum = 0;
  min = 0;
  max = 0;

  add(value: number): void {
    if (this.count === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    if (this.count === 0) {
      this.min = value;
      this.max = value;
    } else {
      if (value < this.min) this.min = value;
      if (value > this.max) this.max = value;
      if (this.sorted && value < (this.values[this.count - 1] as number)) this.sorted = false;
    }
    this.values[this.count] = value;
    this.count += 1;
    this.sum += value;
  }

  get avg(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }

  /** Percentile `fraction` (0..1) with linear interpolation between neighbours, as k6. */
  percentile(fraction: number): number {
    if (this.count === 0) return 0;
    if (this.count === 1) return this.values[0] as number;
    if (!this.sorted) {
      this.values.subarray(0, this.count).sort();
      this.sorted = true;
    }
    const i = fraction * (this.count - 1);
    const low = this.values[Math.floor(i)] as number;
    const high = this.values[Math.ceil(i)] as number;
    return low + (high - low) * (i - Math.floor(i));
  }
}

function newSink(type: MetricType): CounterSink | GaugeSink | RateSink | TrendSink {
  switch (type) {
    case 'counter':
      return new CounterSink();
    case 'gauge':
      return new GaugeSink();
    case 'rate':
      return new RateSink();
    case 'trend':
      return new TrendSink();
  }
}

/** A threshold attached to a metric or submetric (see thresholds.ts). */
export interface ThresholdRef {
  readonly source: string;
  readonly abortOnFail: boolean;
  /** Milliseconds, or undefined when not set. */
  readonly delayAbortEvalMs: number | undefined;
  /** The text as written, for the NDJSON Metric line (`delayAbortEval` as given). */
  readonly delayAbortEvalText: string | null;
}

/** A metric restricted to samples carrying some tags: `http_req_duration{stage:register}`. */
export class Submetric {
  readonly sink: CounterSink | GaugeSink | RateSink | TrendSink;
  readonly thresholds: ThresholdRef[] = [];
  observed = false;
  private readonly entries: Array<[string, string]>;

  constructor(
    readonly parent: Metric,
    /** `parent{suffix}` */
    readonly name: string,
    /** The selector text between the braces, as written. */
    readonly suffix: string,
    readonly tags: Tags,
  ) {
    this.sink = newSink(parent.type);
    this.entries = Object.entries(tags);
  }

  /** True when the sample's tags carry every selector tag with the same value. */
  matches(tags: Tags): boolean {
    for (const [key, value] of this.entries) if (tags[key] !== value) return false;
    return true;
  }
}

/** A k6 metric: name, type, value type, whole-run sink, submetrics and thresholds. */
export class Metric {
  readonly sink: CounterSink | GaugeSink | RateSink | TrendSink;
  readonly submetrics: Submetric[] = [];
  readonly thresholds: ThresholdRef[] = [];
  /** True once a sample arrived, or when thresholds make it part of the summary. */
  observed = false;

  constructor(
    readonly name: string,
    readonly type: MetricType,
    readonly contains: ValueType,
  ) {
    this.sink = newSink(type);
  }

  /** Adds (or returns the existing) submetric for a selector such as `stage:register,method:POST`. */
  submetric(selector: string): Submetric {
    const suffix = selector.trim();
    if (suffix === '') throw new Error(`submetric criteria for metric '${this.name}' cannot be empty`);
    const tags: Record<string, string> = {};
    for (const pair of suffix.split(',')) {
      if (pair.trim() === '') continue;
      const colon = pair.indexOf(':');
      if (colon < 0)
        throw new Error(`the tag "${pair.trim()}" of submetric ${this.name}{${suffix}} has no value; write key:value`);
      const key = trimQuotes(pair.slice(0, colon));
      tags[key] = trimQuotes(pair.slice(colon + 1));
    }
    const existing = this.submetrics.find((candidate) => sameTags(candidate.tags, tags));
    if (existing) return existing;
    const created = new Submetric(this, `${this.name}{${suffix}}`, suffix, Object.freeze(tags));
    this.submetrics.push(created);
    return created;
  }
}

function trimQuotes(text: string): string {
  return text.trim().replace(/^["']+|["']+$/g, '');
}

function sameTags(a: Tags, b: Tags): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}

/** k6's rule for custom metric names. */
export const METRIC_NAME_PATTERN = /^[a-zA-Z_][a-zA-Z0-9_]{1,128}$/;

/** k6's built-in metrics (metrics/builtin.go), registered before the script runs. */
export const BUILTIN_METRICS: ReadonlyArray<readonly [string, MetricType, ValueType]> = [
  ['vus', 'gauge', 'default'],
  ['vus_max', 'gauge', 'default'],
  ['iterations', 'counter', 'default'],
  ['iteration_duration', 'trend', 'time'],
  ['dropped_iterations', 'counter', 'default'],
  ['checks', 'rate', 'default'],
  ['group_duration', 'trend', 'time'],
  ['http_reqs', 'counter', 'default'],
  ['http_req_failed', 'rate', 'default'],
  ['http_req_duration', 'trend', 'time'],
  ['http_req_blocked', 'trend', 'time'],
  ['http_req_connecting', 'trend', 'time'],
  ['http_req_tls_handshaking', 'trend', 'time'],
  ['http_req_sending', 'trend', 'time'],
  ['http_req_waiting', 'trend', 'time'],
  ['http_req_receiving', 'trend', 'time'],
  ['data_sent', 'counter', 'data'],
  ['data_received', 'counter', 'data'],
  ['ws_sessions', 'counter', 'default'],
  ['ws_msgs_sent', 'counter', 'default'],
  ['ws_msgs_received', 'counter', 'default'],
  ['ws_ping', 'trend', 'time'],
  ['ws_session_duration', 'trend', 'time'],
  ['ws_connecting', 'trend', 'time'],
  ['grpc_req_duration', 'trend', 'time'],
];

/** The metrics of one run, by name. */
export class MetricRegistry {
  private readonly byName = new Map<string, Metric>();

  constructor() {
    for (const [name, type, contains] of BUILTIN_METRICS) this.byName.set(name, new Metric(name, type, contains));
  }

  /** The metric called `name`, if registered. */
  get(name: string): Metric | undefined {
    return this.byName.get(name);
  }

  /** A built-in metric; throws if the name is not one. */
  builtin(name: string): Metric {
    const metric = this.byName.get(name);
    if (!metric) throw new Error(`${name} is not a built-in metric`);
    return metric;
  }

  /**
   * Registers a custom metric, or returns the existing one of the same name and type (as k6).
   * Throws a TypeError the script sees when the name is invalid or taken by another type.
   */
  register(name: string, type: MetricType, contains: ValueType): Metric {
    if (typeof name !== 'string' || !METRIC_NAME_PATTERN.test(name)) {
      throw new TypeError(
        `Invalid metric name: '${String(name)}'; metric names must match ${METRIC_NAME_PATTERN.source}`,
      );
    }
    const existing = this.byName.get(name);
    if (existing) {
      if (existing.type !== type)
        throw new TypeError(
          `metric '${name}' already exists with type ${existing.type}, cannot register it as ${type}`,
        );
      return existing;
    }
    const metric = new Metric(name, type, contains);
    this.byName.set(name, metric);
    return metric;
  }

  /** Every metric, in registration order. */
  all(): Metric[] {
    return [...this.byName.values()];
  }
}
