/**
 * The reference target's own metrics, in its own prom-client registry: requests, errors and
 * latency per route pattern; ministry client calls, in-flight and timeouts; the waiting room;
 * fault injection; stored records. Names and help come from `TARGET_METRICS`.
 */

import { collectDefaultMetrics, Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { TARGET_METRICS } from '../contracts/metrics.ts';
import { catalogMetric } from './catalog-metric.ts';
import type { FunnelStage } from '../contracts/funnel.ts';
import type { MinistryOutcome } from './ministry-client.ts';
import { RECORD_STAGES, type StageCounts } from './store.ts';

/** The target's metric handles. */
export interface TargetMetrics {
  /** Records one answered request: route pattern (never a raw URL), method, status, seconds. */
  request(route: string, method: string, status: string, seconds: number): void;
  ministryCall(outcome: MinistryOutcome, seconds: number): void;
  readonly ministryInFlight: Gauge;
  readonly waitingRoomInFlight: Gauge;
  readonly waitingRoomRejected: Counter;
  readonly lostWrites: Counter;
  injectedError(stage: FunnelStage): void;
}

/** prom-client default metrics that are gauges named like counters; see createTargetMetrics. */
export const PROMTOOL_UNCLEAN_DEFAULTS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
] as const;

/**
 * Registers the target's metrics on `registry`. `storedRecords` is read at scrape time.
 * Node's default process metrics are registered too (CPU, event-loop lag), to show whether the
 * target itself, rather than the ministry, is the bottleneck.
 */
export function createTargetMetrics(registry: Registry, storedRecords: () => Readonly<StageCounts>): TargetMetrics {
  const m = TARGET_METRICS;
  collectDefaultMetrics({ register: registry });
  // prom-client names three gauges `…_total`, which Prometheus reserves for counters (`promtool
  // check metrics` fails on them). Each is the sum of its per-type gauge, which stays:
  // sum(nodejs_active_handles) is nodejs_active_handles_total, and so on.
  for (const name of PROMTOOL_UNCLEAN_DEFAULTS) registry.removeSingleMetric(name);
  const requests = new Counter(catalogMetric(m.httpRequests, registry));
  const duration = new Histogram(catalogMetric(m.httpRequestDuration, registry));
  const calls = new Counter(catalogMetric(m.ministryCalls, registry));
  const callDuration = new Histogram(catalogMetric(m.ministryCallDuration, registry));
  const injected = new Counter(catalogMetric(m.injectedErrors, registry));
  new Gauge({
    ...catalogMetric(m.records, registry),
    collect() {
      const counts = storedRecords();
      for (const stage of RECORD_STAGES) this.set({ stage }, counts[stage]);
    },
  });
  return {
    request(route, method, status, seconds) {
      requests.inc({ route, method, status });
      duration.observe({ route }, seconds);
    },
    ministryCall(outcome, seconds) {
      calls.inc({ outcome });
      callDuration.observe({ outcome }, seconds);
    },
    ministryInFlight: new Gauge(catalogMetric(m.ministryInFlight, registry)),
    waitingRoomInFlight: new Gauge(catalogMetric(m.waitingRoomInFlight, registry)),
    waitingRoomRejected: new Counter(catalogMetric(m.waitingRoomRejected, registry)),
    lostWrites: new Counter(catalogMetric(m.lostWrites, registry)),
    injectedError(stage) {
      injected.inc({ stage });
    },
  };
}
