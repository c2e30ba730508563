/**
 * The funnel of the reference target: which requests are funnel requests (the admission gate in
 * target/admission.ts counts them), and the gates in front of each funnel handler: added latency
 * (`--latency-ms`) and injected errors (`--error-rate`).
 */

import type { RequestHandler } from 'express';
import type { FunnelStage } from '../contracts/funnel.ts';
import { sendError } from './errors.ts';
import type { FaultInjector } from './faults.ts';
import type { TargetMetrics } from './metrics.ts';

/**
 * The funnel routes behind the admission gate, matched as express matches them (case-insensitive,
 * an optional trailing slash; HEAD with GET). Each is declared in target/routes.ts with `...funnel(stage)`.
 */
const FUNNEL_ROUTES: ReadonlyArray<{
  readonly methods: readonly string[];
  readonly route: string;
  readonly path: RegExp;
}> = [
  { methods: ['GET', 'HEAD'], route: '/', path: /^\/$/ },
  { methods: ['POST'], route: '/api/register', path: /^\/api\/register\/?$/i },
  { methods: ['POST'], route: '/api/verify-email', path: /^\/api\/verify-email\/?$/i },
  { methods: ['POST'], route: '/api/verify-nik', path: /^\/api\/verify-nik\/?$/i },
  { methods: ['POST'], route: '/api/photo', path: /^\/api\/photo\/?$/i },
  { methods: ['GET', 'HEAD'], route: '/api/batches', path: /^\/api\/batches\/?$/i },
  { methods: ['POST'], route: '/api/batches/:id/join', path: /^\/api\/batches\/[^/]+\/join\/?$/i },
];

/** The route pattern of a funnel request, or undefined when it is not one. */
export function funnelRoute(method: string, path: string): string | undefined {
  for (const entry of FUNNEL_ROUTES) if (entry.methods.includes(method) && entry.path.test(path)) return entry.route;
  return undefined;
}

/** What the funnel gates need. */
export interface FunnelGateDependencies {
  /** Delay added before every funnel request, ms (0 = none). */
  readonly latencyMs: number;
  readonly faults: FaultInjector;
  readonly metrics: TargetMetrics;
}

/** Creates `funnel(stage, injectErrors?)`: the gates in front of the handler of one funnel stage. */
export function createFunnelGates({
  latencyMs,
  faults,
  metrics,
}: FunnelGateDependencies): (stage: FunnelStage, injectErrors?: boolean) => RequestHandler[] {
  /** Added latency and injected errors, in front of every funnel request (the waiting room is in front of express). */
  return (stage: FunnelStage, injectErrors = true): RequestHandler[] => {
    const gates: RequestHandler[] = [];
    if (latencyMs > 0) {
      gates.push((_request, _response, next) => {
        setTimeout(next, latencyMs);
      });
    }
    if (injectErrors) {
      gates.push((_request, response, next) => {
        if (!faults.injectError(stage)) return next();
        metrics.injectedError(stage);
        response.set('x-fault-injected', 'error');
        sendError(response, 500, 'injected_error', `fault injection: --error-rate ${stage}`);
      });
    }
    return gates;
  };
}
