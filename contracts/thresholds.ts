/**
 * k6's threshold expressions (k6-contract.md §6): `<aggregation> <operator> <number>`, e.g.
 * `p(95)<500`, keyed on a metric or a submetric (`http_req_duration{stage:register}`). The local
 * engine evaluates them as k6 does; the exporter evaluates them live on what it has seen.
 */

/** k6's metric types. */
export type K6MetricType = 'counter' | 'gauge' | 'rate' | 'trend';

/** Comparison operators k6 accepts. */
export type ThresholdOperator = '>' | '>=' | '<' | '<=' | '==' | '===' | '!=';

/** Aggregations; `p` is `p(N)`, with N in {@link ThresholdExpression.percentile}. */
export type ThresholdAggregation = 'count' | 'rate' | 'value' | 'avg' | 'min' | 'max' | 'med' | 'p';

/** A parsed threshold expression. */
export interface ThresholdExpression {
  readonly aggregation: ThresholdAggregation;
  /** For `p(N)`: N / 100, in 0..1. */
  readonly percentile?: number;
  readonly operator: ThresholdOperator;
  /** The number on the right, in the metric's unit (ms for time trends). */
  readonly bound: number;
}

/** Aggregations each metric type supports (k6's `supportedAggregationMethods`). */
export const THRESHOLD_AGGREGATIONS: Readonly<Record<K6MetricType, readonly ThresholdAggregation[]>> = Object.freeze({
  counter: ['count', 'rate'],
  gauge: ['value'],
  rate: ['rate'],
  trend: ['avg', 'min', 'max', 'med', 'p'],
});

const EXPRESSION =
  /^\s*(count|rate|value|avg|min|max|med|p\(\s*([0-9]*\.?[0-9]+)\s*\))\s*(>=|<=|===|==|!=|>|<)\s*([-+]?(?:[0-9]*\.?[0-9]+)(?:[eE][-+]?[0-9]+)?)\s*$/;

/** Parses one expression; throws a RangeError that says what is wrong and shows the form. */
export function parseThresholdExpression(source: string): ThresholdExpression {
  const match = EXPRESSION.exec(source);
  if (!match) {
    throw new RangeError(
      `"${source}" is not a threshold expression; write <aggregation> <operator> <number>, e.g. "p(95)<500"`,
    );
  }
  const [, head, percentText, operator, boundText] = match as unknown as [
    string,
    string,
    string | undefined,
    ThresholdOperator,
    string,
  ];
  if (percentText !== undefined) {
    const percent = Number(percentText);
    if (!(percent >= 0 && percent <= 100))
      throw new RangeError(`"${source}": the percentile must be between 0 and 100`);
    return { aggregation: 'p', percentile: percent / 100, operator, bound: Number(boundText) };
  }
  return { aggregation: head as ThresholdAggregation, operator, bound: Number(boundText) };
}

/** True when k6 accepts `aggregation` on a metric of `type`. */
export function supportsAggregation(type: K6MetricType, aggregation: ThresholdAggregation): boolean {
  return THRESHOLD_AGGREGATIONS[type].includes(aggregation);
}

/** True when `actual <operator> bound` holds. */
export function compareThreshold(actual: number, operator: ThresholdOperator, bound: number): boolean {
  switch (operator) {
    case '>':
      return actual > bound;
    case '>=':
      return actual >= bound;
    case '<':
      return actual < bound;
    case '<=':
      return actual <= bound;
    case '==':
    case '===':
      return actual === bound;
    case '!=':
      return actual !== bound;
  }
}

/** Splits `metric{k:v}` into the metric name and the selector text (undefined without braces). */
export function splitMetricKey(key: string): { name: string; selector: string | undefined } {
  const open = key.indexOf('{');
  if (open < 0) return { name: key.trim(), selector: undefined };
  if (!key.trimEnd().endsWith('}')) throw new RangeError(`"${key}" has an opening "{" without a closing "}"`);
  return { name: key.slice(0, open).trim(), selector: key.slice(open + 1, key.trimEnd().length - 1) };
}
