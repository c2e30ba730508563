/**
 * k6 thresholds: read `options.thresholds` (k6-contract.md §6; the expression grammar is in
 * contracts/thresholds.ts), attach them to metrics and submetrics, and evaluate them on the
 * whole-run sinks. Pure apart from reading the sinks.
 */

import { parseK6DurationMs as parseDuration } from '../../contracts/durations.ts';
import {
  THRESHOLD_AGGREGATIONS,
  compareThreshold,
  parseThresholdExpression,
  splitMetricKey,
  type ThresholdExpression,
} from '../../contracts/thresholds.ts';
import type { Metric, MetricRegistry, Submetric, ThresholdRef } from './metric.ts';
import { CounterSink, GaugeSink, RateSink, type TrendSink } from './metric.ts';

/** One threshold of a run, with its target and last result. */
export class Threshold implements ThresholdRef {
  /** True once an evaluation failed; the final evaluation decides the run's result. */
  failed = false;

  constructor(
    readonly source: string,
    readonly expression: ThresholdExpression,
    readonly target: Metric | Submetric,
    readonly abortOnFail: boolean,
    readonly delayAbortEvalMs: number | undefined,
    readonly delayAbortEvalText: string | null,
  ) {}

  /** The metric or submetric name the threshold is keyed on. */
  get metricName(): string {
    return this.target.name;
  }

  /** Evaluates on the current sink; `runDurationMs` feeds counter rates. Returns true when it holds. */
  evaluate(runDurationMs: number): boolean {
    const actual = aggregate(this.target.sink, this.expression, runDurationMs);
    const ok = compareThreshold(actual, this.expression.operator, this.expression.bound);
    this.failed = !ok;
    return ok;
  }
}

function aggregate(
  sink: CounterSink | GaugeSink | RateSink | TrendSink,
  expression: ThresholdExpression,
  runDurationMs: number,
): number {
  if (sink instanceof CounterSink) {
    if (expression.aggregation === 'count') return sink.sum;
    return runDurationMs > 0 ? sink.sum / (runDurationMs / 1000) : 0;
  }
  if (sink instanceof GaugeSink) return sink.value;
  if (sink instanceof RateSink) return sink.rate;
  switch (expression.aggregation) {
    case 'avg':
      return sink.avg;
    case 'min':
      return sink.min;
    case 'max':
      return sink.max;
    case 'med':
      return sink.percentile(0.5);
    default:
      return sink.percentile(expression.percentile ?? 0);
  }
}

/**
 * Runs a parse of the script's threshold text: its RangeError describes the script, not the
 * engine, so it becomes the plain Error the loader maps to exit code 104 (k6
 * metrics/thresholds.go parse: `exitcodes.InvalidConfig`).
 */
function scriptInput<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof RangeError) throw new Error(error.message, { cause: error });
    throw error;
  }
}

/**
 * Builds the thresholds of `options.thresholds`, attaching them to the registry's metrics.
 * Throws an Error (the engine maps it to exit code 104) for unknown metrics, bad expressions,
 * and aggregations the metric type does not support.
 */
export function buildThresholds(config: unknown, registry: MetricRegistry): Threshold[] {
  if (config === undefined || config === null) return [];
  if (typeof config !== 'object' || Array.isArray(config))
    throw new Error('options.thresholds must be an object of metric name → list of thresholds');
  const thresholds: Threshold[] = [];
  for (const [key, list] of Object.entries(config as Record<string, unknown>)) {
    const { name, selector } = scriptInput(() => splitMetricKey(key));
    const metric = registry.get(name);
    if (!metric)
      throw new Error(
        `invalid threshold defined on ${key}; reason: no metric name "${name}" found (create custom metrics in the init context)`,
      );
    const target = selector === undefined ? metric : metric.submetric(selector);
    const entries = Array.isArray(list) ? list : [list];
    for (const entry of entries) {
      const spec = typeof entry === 'string' ? { threshold: entry } : (entry as Record<string, unknown> | null);
      if (!spec || typeof spec.threshold !== 'string')
        throw new Error(`threshold on ${key} must be a string or {threshold, abortOnFail, delayAbortEval}`);
      const text = spec.threshold;
      const expression = scriptInput(() => parseThresholdExpression(text));
      const allowed = THRESHOLD_AGGREGATIONS[metric.type];
      if (!allowed.includes(expression.aggregation)) {
        throw new Error(
          `invalid threshold "${spec.threshold}" on ${key}: ${metric.type} metrics support ${allowed.map((a) => (a === 'p' ? 'p(N)' : a)).join(', ')}`,
        );
      }
      let delayMs: number | undefined;
      let delayText: string | null = null;
      if (spec.delayAbortEval !== undefined && spec.delayAbortEval !== null) {
        delayMs = parseDuration(spec.delayAbortEval);
        if (delayMs === undefined)
          throw new Error(`delayAbortEval "${String(spec.delayAbortEval)}" on ${key} is not a duration`);
        delayText = String(spec.delayAbortEval);
      }
      const threshold = new Threshold(
        spec.threshold,
        expression,
        target,
        spec.abortOnFail === true,
        delayMs,
        delayText,
      );
      target.thresholds.push(threshold);
      target.observed = true;
      thresholds.push(threshold);
    }
  }
  return thresholds;
}
