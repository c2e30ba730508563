/** The `k6/metrics` module: Counter, Gauge, Rate and Trend, declared in the init context. */

import type { Metric, MetricType } from '../metrics/metric.ts';
import type { Runtime } from '../runtime.ts';
import { metricValue, userTags } from './user-values.ts';

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
        // k6 metrics.go add: a refused value is a warning, or an exception under options.throw.
        const checked = metricValue(this.name, value, arguments.length > 0);
        if ('refused' in checked) {
          if (runtime.options.throw === true) throw new Error(checked.refused);
          runtime.warnOnce(checked.refused);
          return false;
        }
        const number = checked.value;
        let extra: Record<string, string>;
        try {
          extra = userTags(tags);
        } catch (error) {
          throw new TypeError(`cannot add tags for the '${this.name}' custom metric: ${(error as Error).message}`);
        }
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
