/** The `k6/metrics` module: Counter, Gauge, Rate and Trend, declared in the init context. */

import type { Metric, MetricType } from '../metrics/metric.ts';
import type { Runtime } from '../runtime.ts';

/** Builds the `k6/metrics` module for one run. */
export function createMetricsModule(runtime: Runtime): Record<string, unknown> {
  function metricClass(type: MetricType): new (name: string, isTime?: boolean) => object {
    return class CustomMetric {
      readonly name: string;
      readonly #metric: Metric;

      constructor(name: string, isTime = false) {
        if (runtime.context().phase !== 'init') throw new Error('metrics must be declared in the init context');
        this.#metric = runtime.registry.register(name, type, isTime && type === 'trend' ? 'time' : 'default');
        this.name = name;
      }

      add(value: number | boolean, tags?: Record<string, unknown>): boolean {
        const context = runtime.context();
        if (context.phase === 'init') throw new Error('metrics cannot be added in the init context');
        const number = typeof value === 'boolean' ? Number(value) : Number(value);
        if (!Number.isFinite(number)) {
          runtime.warnOnce(
            `${this.name}.add(${String(value)}): the value is not a finite number; the sample is dropped`,
          );
          return false;
        }
        const extra: Record<string, string> = {};
        if (tags && typeof tags === 'object') for (const [key, tag] of Object.entries(tags)) extra[key] = String(tag);
        runtime.emit(this.#metric, number, runtime.tags(extra, context), runtime.metadata(context), undefined, context);
        return true;
      }
    };
  }
  return {
    Counter: metricClass('counter'),
    Gauge: metricClass('gauge'),
    Rate: metricClass('rate'),
    Trend: metricClass('trend'),
  };
}
