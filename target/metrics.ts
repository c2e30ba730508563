/**
 * The reference target's own metrics, in its own prom-client registry: requests, errors and
 * latency per route pattern; ministry client calls, in-flight and timeouts; the waiting room;
 * fault injection; stored records. Names and help come from `TARGET_METRICS`.
 */

import { collectDefaultMetrics, Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { TARGET_METRICS } from '../contracts/metrics.ts';
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

/**
 * Registers the target's metrics on `registry`. `storedRecords` is read at scrape time.
 * Node's default process metrics are registered too (CPU, event-loop lag), to show whether the
 * target itself, rather than the ministry, is the bottleneck.
 */
export function createTargetMetrics(registry: Registry, storedRecords: () => Readonly<StageCounts>): TargetMetrics {
  const m = TARGET_METRICS;
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({ name: m.httpRequests.name, help: m.httpRequests.help, labelNames: m.httpRequests.labels, registers: [registry] });
  const duration = new Histogram({
    name: m.httpRequestDuration.name,
    help: m.httpRequestDuration.help,
    labelNames: m.httpRequestDuration.labels,
    buckets: [...m.httpRequestDuration.buckets],
    registers: [registry],
  });
  const calls = new Counter({ name: m.ministryCalls.name, help: m.ministryCalls.help, labelNames: m.ministryCalls.labels, registers: [registry] });
  const callDuration = new Histogram({
    name: m.ministryCallDuration.name,
    help: m.ministryCallDuration.help,
    labelNames: m.ministryCallDuration.labels,
    buckets: [...m.ministryCallDuration.buckets],
    registers: [registry],
  });
  const injected = new Counter({ name: m.injectedErrors.name, help: m.injectedErrors.help, labelNames: m.injectedErrors.labels, registers: [registry] });
  new Gauge({
    name: m.records.name,
    help: m.records.help,
    labelNames: m.records.labels,
    registers: [registry],
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
    ministryInFlight: new Gauge({ name: m.ministryInFlight.name, help: m.ministryInFlight.help, registers: [registry] }),
    waitingRoomInFlight: new Gauge({ name: m.waitingRoomInFlight.name, help: m.waitingRoomInFlight.help, registers: [registry] }),
    waitingRoomRejected: new Counter({ name: m.waitingRoomRejected.name, help: m.waitingRoomRejected.help, registers: [registry] }),
    lostWrites: new Counter({ name: m.lostWrites.name, help: m.lostWrites.help, registers: [registry] }),
    injectedError(stage) {
      injected.inc({ stage });
    },
  };
}
