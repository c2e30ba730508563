/**
 * prom-client configuration from a catalog entry (contracts/metrics.ts): name, help, labels and
 * buckets exactly as the catalog has them, registered on the target's own registry.
 */

import type { Registry } from 'prom-client';
import type { MetricDefinition } from '../contracts/metrics.ts';

/** The prom-client options every metric of the catalog shares; spread extra options (e.g. `collect`) after it. */
export function catalogMetric(
  definition: MetricDefinition,
  registry: Registry,
): {
  name: string;
  help: string;
  labelNames: string[];
  buckets?: number[];
  registers: Registry[];
} {
  return {
    name: definition.name,
    help: definition.help,
    labelNames: [...definition.labels],
    ...(definition.buckets ? { buckets: [...definition.buckets] } : {}),
    registers: [registry],
  };
}
