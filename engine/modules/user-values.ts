/**
 * What a script may hand k6 as a metric value or a tag value, with k6's rules and messages:
 * `Metric.add` (internal/js/modules/k6/metrics/metrics.go add) and `ApplyCustomUserTag`
 * (js/common/tags.go), shared by custom metrics, `check` and `params.tags`.
 */

/**
 * Tags given by the script as k6 accepts them: strings, booleans and numbers (as their text);
 * anything else (an object, null, undefined…) throws k6's TypeError. `null`/`undefined` for the
 * whole set means no tags.
 */
export function userTags(tags: unknown): Record<string, string> {
  const result: Record<string, string> = {};
  if (tags === undefined || tags === null) return result;
  for (const [key, value] of Object.entries(Object(tags) as Record<string, unknown>)) {
    if (typeof value !== 'string' && typeof value !== 'boolean' && typeof value !== 'number')
      throw new TypeError(
        `invalid value for metric tag '${key}': only String, Boolean and Number types are accepted as a metric tag values`,
      );
    result[key] = String(value);
  }
  return result;
}

/** A metric value: the number k6 records, or why k6 refuses it. */
export type MetricValue = { readonly value: number } | { readonly refused: string };

/**
 * k6's value rule for `Metric.add`: null or a value that is not a number (NaN after ToNumber)
 * is refused; otherwise ToNumber, and a value that reads 0 but is truthy (`'0'`, `[]`) counts 1.
 * ±Infinity k6 records; the engine refuses it (its JSON output cannot hold it) — the one
 * difference, and it is loud.
 */
export function metricValue(metricName: string, value: unknown, given: boolean): MetricValue {
  const shown = (): string => {
    const text = String(value);
    return text.length > 40 ? `${text.slice(0, 20)}…${text.slice(-20)}` : text;
  };
  if (!given)
    return { refused: `no value was provided for metric '${metricName}', a number or a boolean value is expected` };
  const invalid = {
    refused: `'${shown()}' is an invalid value for metric '${metricName}', a number or a boolean value is expected`,
  };
  if (value === null || typeof value === 'symbol' || typeof value === 'bigint') return invalid;
  let number = Number(value);
  if (number === 0 && Boolean(value)) number = 1;
  if (Number.isNaN(number)) return invalid;
  if (!Number.isFinite(number))
    return { refused: `${metricName}.add(${shown()}): the local engine cannot record an infinite value` };
  return { value: number };
}
