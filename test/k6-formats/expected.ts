/**
 * Expected totals, recounted from a run's raw samples with plain loops: no floodgate code, no
 * kit generator output. A test compares floodgate's numbers (exporter series, report figures)
 * with these.
 *
 * Threshold outcomes are evaluated as k6 does at the end of a run: the sink of the metric (or of
 * the submetric: samples whose tags contain the submetric's tags) is aggregated and compared.
 * Follows `metrics/thresholds.go` (`runNoTaint`, operators), `metrics/thresholds_parser.go`
 * (`<agg> <op> <number>`), `metrics/sink.go` (`TrendSink.P`, `CounterSink.Rate`,
 * `RateSink.Format`) and `internal/metrics/engine/engine.go` (thresholds run over the whole test,
 * counter `rate` divided by the test duration).
 *
 * Over 400 lines on purpose: the expected totals are one recount of the raw samples; keeping them together keeps them independent of every other file.
 */
import { LATENCY_BUCKETS_SECONDS } from '../../contracts/metrics.ts';
import type { K6Sample, MetricDef, RunnerSpec, ThresholdDef } from './model.ts';
import { matchesTags, parseSubmetric } from './model.ts';

/** HTTP requests by the catalog-relevant labels. */
export interface HttpRequestCount {
  readonly scenario: string;
  readonly stage: string;
  readonly method: string;
  readonly status: string;
  readonly expectedResponse: string;
  readonly count: number;
}

/** `http_req_duration` by scenario and stage, in seconds, with cumulative bucket counts. */
export interface DurationTotals {
  readonly scenario: string;
  readonly stage: string;
  readonly expectedResponse: string;
  readonly count: number;
  readonly sumSeconds: number;
  /** `buckets[i]` = samples with seconds <= `bounds[i]` (Prometheus `le`). */
  readonly buckets: readonly number[];
}

/** One threshold's outcome, as k6 would report it at the end of the run. */
export interface ThresholdOutcome {
  /** The key in `options.thresholds`, e.g. `http_req_duration{stage:register}`. */
  readonly metric: string;
  readonly source: string;
  /** The aggregated value the threshold compared (e.g. the p95 in ms). */
  readonly observed: number;
  /** true: passed. false: FAILED (the legacy `--summary-export` writes `true` for this one). */
  readonly ok: boolean;
}

/** Everything a test can assert about a run, recounted from its samples. */
export interface ExpectedTotals {
  readonly sampleCount: number;
  /** Per k6 metric: number of samples, sum of values, number of non-zero values. */
  readonly perMetric: Readonly<Record<string, { samples: number; sum: number; nonZero: number }>>;
  /** `http_reqs` total (sum of values = number of requests). */
  readonly httpRequestsTotal: number;
  readonly httpRequests: readonly HttpRequestCount[];
  /** Bounds the duration buckets were counted for (seconds). */
  readonly bounds: readonly number[];
  readonly httpDurations: readonly DurationTotals[];
  /** `funnel_stage` by stage and result. */
  readonly funnel: readonly { scenario: string; stage: string; result: string; count: number }[];
  readonly iterationsTotal: number;
  readonly droppedIterationsTotal: number;
  readonly checks: readonly { check: string; passes: number; fails: number }[];
  /** Per runner: requests, iterations, last `vus`, max `vus`. */
  readonly perRunner: Readonly<
    Record<string, { httpRequests: number; iterations: number; vusLast: number; vusMax: number }>
  >;
  /** Sum over runners of their last `vus` value (the run's VUs at its end). */
  readonly vusLastSum: number;
  /** Number of distinct `url` tag values among HTTP samples. */
  readonly distinctUrls: number;
  /**
   * Threshold outcomes over the samples of every runner and process together. For a run of one
   * runner and one process this is exactly what k6 printed. For several runners or a restart, no
   * k6 process printed these (each evaluates only its own samples): use `thresholdsPerProcess`
   * for "what k6 said", and `pooledThresholds` (the same value as this field) for floodgate's own
   * cross-runner verdict.
   */
  readonly thresholds: readonly ThresholdOutcome[];
  /** The same outcomes as `thresholds`, under a name that says what they are. */
  readonly pooledThresholds?: readonly ThresholdOutcome[];
  /**
   * What each k6 process evaluated and printed: its own samples only
   * (`internal/metrics/engine/engine.go` `evaluateThresholds` over that engine's sinks), counter
   * `rate` over that process's duration. Agrees with `summaryInputOf(run, {runner, process})`.
   * Set by `computeExpected` (every kit run); absent from a bare `expectedTotals` call.
   */
  readonly thresholdsPerProcess?: readonly {
    readonly runner: string;
    readonly process: number;
    readonly thresholds: readonly ThresholdOutcome[];
  }[];
}

/** Options of `expectedTotals`. */
export interface ExpectedOptions {
  /** Histogram bounds in seconds. Default the catalog's LATENCY_BUCKETS_SECONDS. */
  readonly bounds?: readonly number[];
  readonly thresholds?: Readonly<Record<string, readonly ThresholdDef[]>>;
  readonly metrics?: ReadonlyMap<string, MetricDef>;
  readonly durationMs?: number;
  readonly runners?: readonly RunnerSpec[];
  /** Leave out thresholds k6 would refuse instead of throwing (see `K6Run.unvalidatedThresholds`). */
  readonly skipUnsupportedThresholds?: boolean;
}

function bump<T extends { count: number }>(map: Map<string, T>, key: string, init: () => T, by = 1): void {
  const found = map.get(key);
  if (found) found.count += by;
  else {
    const fresh = init();
    fresh.count = by;
    map.set(key, fresh);
  }
}

/** Recounts expected totals from raw samples. */
export function expectedTotals(samples: readonly K6Sample[], options: ExpectedOptions = {}): ExpectedTotals {
  const bounds = options.bounds ?? LATENCY_BUCKETS_SECONDS;
  const perMetric: Record<string, { samples: number; sum: number; nonZero: number }> = {};
  const http = new Map<
    string,
    { scenario: string; stage: string; method: string; status: string; expectedResponse: string; count: number }
  >();
  const durations = new Map<
    string,
    { scenario: string; stage: string; expectedResponse: string; count: number; sumSeconds: number; buckets: number[] }
  >();
  const funnel = new Map<string, { scenario: string; stage: string; result: string; count: number }>();
  const checks = new Map<string, { check: string; passes: number; fails: number }>();
  const perRunner: Record<string, { httpRequests: number; iterations: number; vusLast: number; vusMax: number }> = {};
  const urls = new Set<string>();
  let httpRequestsTotal = 0;
  let iterationsTotal = 0;
  let dropped = 0;
  for (const r of options.runners ?? []) perRunner[r.id] = { httpRequests: 0, iterations: 0, vusLast: 0, vusMax: 0 };

  for (const s of samples) {
    const m = (perMetric[s.metric] ??= { samples: 0, sum: 0, nonZero: 0 });
    m.samples++;
    m.sum += s.value;
    if (s.value !== 0) m.nonZero++;
    const runner = (perRunner[s.runner] ??= { httpRequests: 0, iterations: 0, vusLast: 0, vusMax: 0 });
    const t = s.tags;
    if (t.url !== undefined) urls.add(t.url);
    switch (s.metric) {
      case 'http_reqs': {
        httpRequestsTotal += s.value;
        runner.httpRequests += s.value;
        const key = [t.scenario, t.stage, t.method, t.status, t.expected_response].join('\u0000');
        bump(
          http,
          key,
          () => ({
            scenario: t.scenario ?? '',
            stage: t.stage ?? '',
            method: t.method ?? '',
            status: t.status ?? '',
            expectedResponse: t.expected_response ?? '',
            count: 0,
          }),
          s.value,
        );
        break;
      }
      case 'http_req_duration': {
        const key = [t.scenario, t.stage, t.expected_response].join('\u0000');
        let d = durations.get(key);
        if (!d) {
          d = {
            scenario: t.scenario ?? '',
            stage: t.stage ?? '',
            expectedResponse: t.expected_response ?? '',
            count: 0,
            sumSeconds: 0,
            buckets: bounds.map(() => 0),
          };
          durations.set(key, d);
        }
        const seconds = s.value / 1000;
        d.count++;
        d.sumSeconds += seconds;
        bounds.forEach((b, i) => {
          if (seconds <= b) d.buckets[i]!++;
        });
        break;
      }
      case 'funnel_stage':
        bump(
          funnel,
          [t.scenario, t.stage, t.result].join('\u0000'),
          () => ({ scenario: t.scenario ?? '', stage: t.stage ?? '', result: t.result ?? '', count: 0 }),
          s.value,
        );
        break;
      case 'iterations':
        iterationsTotal += s.value;
        runner.iterations += s.value;
        break;
      case 'dropped_iterations':
        dropped += s.value;
        break;
      case 'checks': {
        const name = t.check ?? '';
        const c = checks.get(name) ?? { check: name, passes: 0, fails: 0 };
        if (s.value !== 0) c.passes++;
        else c.fails++;
        checks.set(name, c);
        break;
      }
      case 'vus':
        runner.vusLast = s.value;
        if (s.value > runner.vusMax) runner.vusMax = s.value;
        break;
      default:
        break;
    }
  }

  const thresholds: ThresholdOutcome[] = [];
  for (const [key, defs] of Object.entries(options.thresholds ?? {})) {
    for (const def of defs) {
      if (options.skipUnsupportedThresholds && !thresholdSupported(key, def.source, options.metrics)) continue;
      thresholds.push(evaluateThreshold(samples, key, def.source, options.metrics, options.durationMs ?? 0));
    }
  }

  return {
    sampleCount: samples.length,
    perMetric,
    httpRequestsTotal,
    httpRequests: [...http.values()],
    bounds,
    httpDurations: [...durations.values()],
    funnel: [...funnel.values()],
    iterationsTotal,
    droppedIterationsTotal: dropped,
    checks: [...checks.values()],
    perRunner,
    vusLastSum: Object.values(perRunner).reduce((a, r) => a + r.vusLast, 0),
    distinctUrls: urls.size,
    thresholds,
    pooledThresholds: thresholds,
  };
}

/** `expectedTotals` over a whole run (bounds default to the catalog's). */
export function computeExpected(run: {
  readonly samples: readonly K6Sample[];
  readonly thresholds: Readonly<Record<string, readonly ThresholdDef[]>>;
  readonly metrics: ReadonlyMap<string, MetricDef>;
  readonly durationMs: number;
  readonly runners: readonly RunnerSpec[];
  readonly unvalidatedThresholds?: boolean;
  readonly startUnixNano?: bigint;
}): ExpectedTotals {
  const skip = run.unvalidatedThresholds === true;
  const totals = expectedTotals(run.samples, {
    thresholds: run.thresholds,
    metrics: run.metrics,
    durationMs: run.durationMs,
    runners: run.runners,
    skipUnsupportedThresholds: skip,
  });
  // One k6 process per (runner, process): each evaluates its own samples only.
  const groups = new Map<string, { runner: string; process: number; samples: K6Sample[] }>();
  for (const s of run.samples) {
    const id = `${s.runner}\u0000${s.process}`;
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { runner: s.runner, process: s.process, samples: [] }));
    g.samples.push(s);
  }
  const thresholdsPerProcess = [...groups.values()].map((g) => {
    const durationMs = processDurationMs(g.samples, g.process, run.startUnixNano ?? g.samples[0]!.unixNano);
    const thresholds: ThresholdOutcome[] = [];
    for (const [key, defs] of Object.entries(run.thresholds)) {
      for (const def of defs) {
        if (skip && !thresholdSupported(key, def.source, run.metrics)) continue;
        thresholds.push(evaluateThreshold(g.samples, key, def.source, run.metrics, durationMs));
      }
    }
    return { runner: g.runner, process: g.process, thresholds };
  });
  return { ...totals, thresholdsPerProcess };
}

/**
 * A k6 process's test duration as the kit models it (same rule as the summaries): from the run
 * start (process 1) or its first sample (a restarted process) to its last sample, + 500 ms.
 */
export function processDurationMs(samples: readonly K6Sample[], process: number, runStartUnixNano: bigint): number {
  const first = process === 1 ? runStartUnixNano : (samples[0]?.unixNano ?? runStartUnixNano);
  const last = samples.reduce((m, s) => (s.unixNano > m ? s.unixNano : m), first);
  return Math.ceil(Number(last - first) / 1e6) + 500;
}

/** k6's percentile (`metrics/sink.go` `TrendSink.P`): linear between closest ranks. */
export function k6Percentile(sortedValues: readonly number[], pct: number): number {
  const n = sortedValues.length;
  if (n === 0) return 0;
  if (n === 1) return sortedValues[0]!;
  const i = pct * (n - 1);
  const j = sortedValues[Math.floor(i)]!;
  const k = sortedValues[Math.ceil(i)]!;
  return j + (k - j) * (i - Math.floor(i));
}

/** Sorts like Go's `sort.Float64s` (ascending; values here are never NaN). */
export function sortFloats(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

const THRESHOLD_RE =
  /^\s*(count|rate|value|avg|min|max|med|p\(\s*[0-9.]+\s*\))\s*(>=|<=|===|==|!=|>|<)\s*(-?[0-9.eE+-]+)\s*$/;

/** Evaluates one threshold over the samples of a metric or submetric key. */
export function evaluateThreshold(
  samples: readonly K6Sample[],
  key: string,
  source: string,
  metrics: ReadonlyMap<string, MetricDef> | undefined,
  durationMs: number,
): ThresholdOutcome {
  const match = THRESHOLD_RE.exec(source);
  if (!match) throw new Error(`kit: cannot parse threshold '${source}'`);
  const [, agg, op, num] = match as unknown as [string, string, string, string];
  const { parent, tags } = parseSubmetric(key);
  const values = samples.filter((s) => s.metric === parent && matchesTags(s, tags)).map((s) => s.value);
  const type = metrics?.get(parent)?.type;
  const aggName = agg.replace(/\s+/g, '');
  if (type !== undefined) assertAggregationSupported(key, source, type, aggName);
  let observed: number;
  if (aggName === 'count') observed = values.reduce((a, v) => a + v, 0);
  else if (aggName === 'rate' && type === 'counter')
    observed = durationMs > 0 ? values.reduce((a, v) => a + v, 0) / (durationMs / 1000) : 0;
  else if (aggName === 'rate') observed = values.length ? values.filter((v) => v !== 0).length / values.length : 0;
  else if (aggName === 'value') observed = values.length ? values[values.length - 1]! : 0;
  else if (aggName === 'avg') observed = values.length ? values.reduce((a, v) => a + v, 0) / values.length : 0;
  else if (aggName === 'min') observed = values.length ? values.reduce((a, v) => (v < a ? v : a)) : 0;
  else if (aggName === 'max') observed = values.length ? values.reduce((a, v) => (v > a ? v : a)) : 0;
  else if (aggName === 'med') observed = k6Percentile(sortFloats(values), 0.5);
  else observed = k6Percentile(sortFloats(values), Number(aggName.slice(2, -1)) / 100);
  const rhs = Number(num);
  const ok =
    op === '>'
      ? observed > rhs
      : op === '>='
        ? observed >= rhs
        : op === '<'
          ? observed < rhs
          : op === '<='
            ? observed <= rhs
            : op === '!='
              ? observed !== rhs
              : observed === rhs;
  return { metric: key, source, observed, ok };
}

/**
 * The threshold aggregations k6 accepts per metric type (`metrics/metric_type.go`
 * `supportedAggregationMethods`): counter `count`, `rate`; gauge `value`; rate `rate`; trend
 * `avg`, `min`, `max`, `med`, `p(N)`.
 */
export const SUPPORTED_AGGREGATIONS: Readonly<Record<MetricDef['type'], readonly string[]>> = {
  counter: ['count', 'rate'],
  gauge: ['value'],
  rate: ['rate'],
  trend: ['avg', 'min', 'max', 'med', 'p(N)'],
};

/**
 * Refuses a threshold whose aggregation the metric's type does not support, as k6's
 * `Thresholds.Validate` (`metrics/thresholds.go`) does before the run starts (exit code
 * InvalidConfig): such a threshold never gets an outcome. E.g. `count>5` on a Trend.
 */
export function assertAggregationSupported(
  key: string,
  source: string,
  type: MetricDef['type'],
  aggregation: string,
): void {
  const method = /^p\(/.test(aggregation) ? 'p(N)' : aggregation;
  const supported = SUPPORTED_AGGREGATIONS[type];
  if (!supported.includes(method)) {
    throw new Error(
      `kit: invalid threshold '${source}' applied on metric ${key}: unsupported aggregation method ${method} on metric of type ${type}; ` +
        `k6 refuses this before the run (supported for ${type}: ${supported.join(', ')})`,
    );
  }
}

/** Whether k6 would accept this threshold on this key (its aggregation fits the metric's type). */
export function thresholdSupported(
  key: string,
  source: string,
  metrics: ReadonlyMap<string, MetricDef> | undefined,
): boolean {
  const match = THRESHOLD_RE.exec(source);
  if (!match) return false;
  const type = metrics?.get(parseSubmetric(key).parent)?.type;
  if (type === undefined) return true;
  const agg = match[1]!.replace(/\s+/g, '');
  const method = /^p\(/.test(agg) ? 'p(N)' : agg;
  return SUPPORTED_AGGREGATIONS[type].includes(method);
}
