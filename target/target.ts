/**
 * The reference registration target: express 5 + SQLite, a simulated ministry NIK API on its
 * own port, an optional waiting room, fault injection, a truth endpoint and /metrics. It
 * reproduces the failure modes of the opening floodgate rehearses, on a known truth.
 *
 * `createTarget(options)` builds it; `listen()` starts the ministry, then the target; `close()`
 * stops both and closes the database. See target/README.md for the HTTP API. This file is the
 * wiring: the express app and its routes are in target/routes.ts, the funnel gates in
 * target/gates.ts, error answers in target/errors.ts, admission control in target/admission.ts.
 */

import { createServer, type Server } from 'node:http';
import type express from 'express';
import { Registry } from 'prom-client';
import { FloodgateError } from '../contracts/errors.ts';
import { isLoopbackHost } from '../contracts/loopback.ts';
import { createAdmission } from './admission.ts';
import { createFaultInjector } from './faults.ts';
import { createFunnelGates, funnelRoute } from './gates.ts';
import { addAcceptCopies, closeServer, listenOn } from './listen.ts';
import { createMinistry, type Ministry } from './ministry.ts';
import { createMinistryClient, type MinistryClient } from './ministry-client.ts';
import { createTargetMetrics } from './metrics.ts';
import { DEFAULT_TARGET_OPTIONS, type TargetOptions } from './options.ts';
import { createTargetApp, RETRY_AFTER_SECONDS } from './routes.ts';
import { openStore, type Store } from './store.ts';

// Kept here too, where callers found them before the split.
export { mapRequestError } from './errors.ts';
export { funnelRoute } from './gates.ts';

/** Where a listening target can be reached. */
export interface TargetAddresses {
  /** Base URL of the target, e.g. `http://127.0.0.1:18081`. */
  readonly url: string;
  /** Base URL of the ministry NIK API the target calls. */
  readonly ministryUrl: string;
}

/** A reference target. */
export interface Target {
  /** The express application (for tests that drive it without listening). */
  readonly app: express.Express;
  /** The simulated ministry, or undefined when `ministryUrl` points at another one. */
  readonly ministry: Ministry | undefined;
  /** The target's own metric registry (served at /metrics). */
  readonly registry: Registry;
  readonly store: Store;
  /** The resolved options. */
  readonly options: TargetOptions;
  /** Starts the ministry (unless external), then the target. */
  listen(): Promise<TargetAddresses>;
  /** Stops both servers, waits for requests in progress, closes the database. Safe to call twice. */
  close(): Promise<void>;
}

/** Explicit dependencies; tests may pass their own. */
export interface TargetDependencies {
  /** Registry for the target's metrics; default a new one. */
  readonly registry?: Registry;
}

/**
 * Creates a reference target. Throws TEST_HOOKS_NOT_LOOPBACK when test hooks are asked for on a
 * non-loopback address, DATABASE_FAILED when the database cannot be opened.
 */
export function createTarget(overrides: Partial<TargetOptions> = {}, deps: TargetDependencies = {}): Target {
  const given = withoutUndefined(overrides);
  // --port 0 means every port the target opens is free: its ministry's too, unless one was given.
  const ministryPort = given.ministryPort ?? (given.port === 0 ? 0 : DEFAULT_TARGET_OPTIONS.ministryPort);
  const options: TargetOptions = Object.freeze({ ...DEFAULT_TARGET_OPTIONS, ...given, ministryPort });
  if (options.testHooks && !isLoopbackHost(options.host)) {
    throw new FloodgateError('TEST_HOOKS_NOT_LOOPBACK', { host: options.host });
  }
  const registry = deps.registry ?? new Registry();
  const store = openStore({ path: options.db, batches: options.batches, batchSeats: options.batchSeats });
  const metrics = createTargetMetrics(registry, () => store.totals());
  const faults = createFaultInjector({
    latencyMs: options.latencyMs,
    errorRates: options.errorRates,
    lostWriteRate: options.lostWriteRate,
    seed: options.seed,
  });
  const ministry = options.ministryUrl
    ? undefined
    : createMinistry({
        capacity: options.nikCapacity,
        serviceMs: options.nikServiceMs,
        queueLimit: options.nikQueue,
        jitter: options.nikJitter,
        seed: options.seed,
        host: options.ministryHost ?? options.host,
        port: options.ministryPort,
      });
  let ministryClient: MinistryClient | undefined;
  // One gate in front of express for the whole funnel: the waiting room and the concurrency limit
  // count every funnel request admitted and not yet answered, queued or in a handler
  // (target/admission.ts).
  const admission = createAdmission({
    waitingRoom: options.waitingRoom,
    maxConcurrency: options.maxConcurrency,
    retryAfterSeconds: RETRY_AFTER_SECONDS,
    funnelRoute,
    onReject: (route, method, status, seconds) => {
      if (status === 429) metrics.waitingRoomRejected.inc();
      metrics.request(route, method, String(status), seconds);
    },
    onAdmittedChange: (admitted) => metrics.waitingRoomInFlight.set(admitted),
  });

  const funnel = createFunnelGates({ latencyMs: options.latencyMs, faults, metrics });
  const { app, activeHandlers } = createTargetApp({
    options,
    store,
    registry,
    metrics,
    faults,
    funnel,
    ministryClient: () => ministryClient,
  });

  const server: Server = createServer((request, response) => admission.handle(request, response, app));
  server.keepAliveTimeout = 30_000;
  server.headersTimeout = 35_000;
  server.requestTimeout = 60_000;

  let closing: Promise<void> | undefined;
  return {
    app,
    ministry,
    registry,
    store,
    options,
    async listen() {
      let ministryUrl = options.ministryUrl;
      if (ministry) ministryUrl = await ministry.listen();
      ministryClient = createMinistryClient(ministryUrl!, options.nikTimeoutMs);
      try {
        const url = await listenOn(server, options.host, options.port);
        // More connections accepted per event-loop turn under load (target/listen.ts).
        await addAcceptCopies(server);
        return { url, ministryUrl: ministryUrl! };
      } catch (error) {
        await ministryClient.close();
        ministryClient = undefined;
        await ministry?.close();
        throw error;
      }
    },
    close() {
      closing ??= (async () => {
        try {
          admission.flush();
          const targetClosed = closeServer(server);
          // Closing the ministry first answers waiting NIK checks at once, so requests finish quickly.
          await ministry?.close();
          await targetClosed;
          const deadline = Date.now() + 5000;
          while (activeHandlers() > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
          const client = ministryClient;
          ministryClient = undefined;
          await client?.close();
        } finally {
          // Whatever failed above, the database is closed and a temporary one removed.
          store.close();
        }
      })();
      return closing;
    },
  };
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}
