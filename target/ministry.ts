/**
 * The simulated ministry NIK API: its own HTTP server on its own port, as the population
 * registry's API was to the real site. Every check takes one service slot for about
 * `serviceMs`; `capacity` slots serve at once; up to `queueLimit` calls wait; beyond that the
 * ministry answers 503 at once. Latency grows with load (queueing), then failures appear.
 *
 * Sustained capacity = capacity / service time: 5 slots × 100 ms = 50 checks per second.
 *
 * API: `POST /api/nik/verify` JSON `{nik, dateOfBirth}` (optional header `X-Deadline-Ms`) → 200
 * `{match: true}` or 200 `{match: false, reason}`; 503 `{error: "busy"}` when the queue is full;
 * 504 `{error: "deadline_exceeded"}` when no slot frees in time for the caller's deadline; 400 on
 * bad input.
 * `GET /healthz`, `GET /metrics` (its own prom-client registry).
 */

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { isSyntheticNik } from '../contracts/identity.ts';
import { TARGET_METRICS } from '../contracts/metrics.ts';
import { catalogMetric } from './catalog-metric.ts';
import { seededRandom } from '../contracts/random.ts';
import { closeServer, listenOn } from './listen.ts';
import { createServiceDesk, type DeskStats, type ServiceDesk } from './service-desk.ts';

/** How the ministry is sized and where it listens. */
export interface MinistryOptions {
  /** Concurrent service slots. */
  readonly capacity: number;
  /** Mean service time of one check, in milliseconds. */
  readonly serviceMs: number;
  /** Calls that may wait for a slot; beyond, 503 at once. */
  readonly queueLimit: number;
  /** Relative spread of the service time (uniform ±), default 0.2. */
  readonly jitter?: number;
  /** Seed of the service-time draws. Default 1. */
  readonly seed?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0 (a free port). */
  readonly port?: number;
}

/** What the ministry answers about one NIK. */
export type NikVerdict =
  { readonly match: true } | { readonly match: false; readonly reason: 'unknown_nik' | 'birth_date_mismatch' };

/** A ministry server. */
export interface Ministry {
  /** Its own metric registry. */
  readonly registry: Registry;
  /** The Node server (not yet listening until {@link Ministry.listen}). */
  readonly server: Server;
  /** Sustained checks per second: capacity / (serviceMs / 1000). */
  readonly capacityPerSecond: number;
  /** Listens; resolves to its base URL. */
  listen(): Promise<string>;
  /** Counters of the service desk (busy, queued, served, turned away, most busy at once). */
  stats(): DeskStats;
  close(): Promise<void>;
}

/**
 * Request header with the milliseconds the caller will wait for an answer (its timeout). The
 * ministry does not start a check that cannot end within it: it answers 504 at once instead.
 */
export const DEADLINE_HEADER = 'x-deadline-ms';

/** Largest request body the ministry reads, in bytes. */
const MAX_BODY_BYTES = 4096;

/**
 * The registry's verdict: a NIK matches when it is a well-formed synthetic NIK (the only people
 * this registry knows) and its date segment (DDMMYY, day + 40 for women) is the date of birth.
 */
export function verifyNik(nik: string, dateOfBirth: string): NikVerdict {
  if (!isSyntheticNik(nik)) return { match: false, reason: 'unknown_nik' };
  let day = Number(nik.slice(6, 8));
  if (day > 40) day -= 40;
  const segment = `${String(day).padStart(2, '0')}${nik.slice(8, 10)}${nik.slice(10, 12)}`;
  const birth = /^\d{2}(\d{2})-(\d{2})-(\d{2})$/.exec(dateOfBirth);
  if (!birth) return { match: false, reason: 'birth_date_mismatch' };
  const fromBirth = `${birth[3]}${birth[2]}${birth[1]}`;
  return segment === fromBirth ? { match: true } : { match: false, reason: 'birth_date_mismatch' };
}

/** Creates the ministry server; call `listen()` to start it. */
export function createMinistry(options: MinistryOptions): Ministry {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 0;
  const desk = createServiceDesk({
    capacity: options.capacity,
    serviceMs: options.serviceMs,
    queueLimit: options.queueLimit,
    jitter: options.jitter,
    random: seededRandom((options.seed ?? 1) ^ 0x27d4eb2f),
  });
  const capacityPerSecond = options.capacity / (options.serviceMs / 1000);
  const registry = new Registry();
  const metrics = createMinistryMetrics(registry, desk, capacityPerSecond);

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      // A bug, not an expected failure: answer 500 without details and keep serving.
      console.error(`ministry: ${error instanceof Error ? error.message : String(error)}`);
      if (!response.headersSent) sendJson(response, 500, { error: 'internal' });
    });
  });
  server.keepAliveTimeout = 30_000;

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method === 'GET' && path === '/healthz') return sendJson(response, 200, { status: 'ok' });
    if (request.method === 'GET' && path === '/metrics') {
      response.writeHead(200, { 'content-type': registry.contentType });
      response.end(await registry.metrics());
      return;
    }
    if (path !== '/api/nik/verify') return sendJson(response, 404, { error: 'not_found' });
    if (request.method !== 'POST') return sendJson(response, 405, { error: 'method_not_allowed' });

    const body = await readJson(request);
    if (!body.ok) {
      metrics.answers.inc({ result: 'bad_request' });
      return sendJson(response, body.status, { error: 'bad_request', message: body.message });
    }
    const { nik, dateOfBirth } = body.value as { nik?: unknown; dateOfBirth?: unknown };
    if (typeof nik !== 'string' || typeof dateOfBirth !== 'string') {
      metrics.answers.inc({ result: 'bad_request' });
      return sendJson(response, 400, {
        error: 'bad_request',
        message: 'expected JSON {nik: string, dateOfBirth: "YYYY-MM-DD"}',
      });
    }

    // The caller may give up while waiting: then the call leaves the queue without using a slot.
    const gaveUp = new AbortController();
    const onClose = (): void => {
      if (!response.writableFinished) gaveUp.abort();
    };
    response.once('close', onClose);
    const outcome = await desk.serve(gaveUp.signal, deadlineOf(request));
    response.off('close', onClose);
    if (outcome.kind === 'queue_full') {
      metrics.answers.inc({ result: 'queue_full' });
      response.setHeader('retry-after', '1');
      return sendJson(response, 503, { error: 'busy', message: 'all service slots and the queue are full' });
    }
    if (outcome.kind === 'expired') {
      metrics.answers.inc({ result: 'deadline_exceeded' });
      if (!response.destroyed)
        sendJson(response, 504, {
          error: 'deadline_exceeded',
          message: `no slot in time for the caller's ${DEADLINE_HEADER}`,
        });
      return;
    }
    if (outcome.kind === 'cancelled') {
      metrics.answers.inc({ result: 'cancelled' });
      if (!response.destroyed) sendJson(response, 503, { error: 'busy', message: 'the ministry is shutting down' });
      return;
    }
    metrics.queueWait.observe(outcome.waitedMs / 1000);
    const verdict = verifyNik(nik, dateOfBirth);
    metrics.answers.inc({ result: verdict.match ? 'match' : 'no_match' });
    if (!response.destroyed) sendJson(response, 200, verdict);
  }

  return {
    registry,
    server,
    capacityPerSecond,
    listen: () => listenOn(server, host, port),
    stats: () => desk.stats(),
    async close() {
      desk.close();
      await closeServer(server);
    },
  };
}

function createMinistryMetrics(registry: Registry, desk: ServiceDesk, capacityPerSecond: number) {
  const { ministryBusySlots, ministryQueuedCalls, ministryCapacity, ministryAnswers, ministryQueueWait } =
    TARGET_METRICS;
  new Gauge({
    ...catalogMetric(ministryBusySlots, registry),
    collect() {
      this.set(desk.stats().busy);
    },
  });
  new Gauge({
    ...catalogMetric(ministryQueuedCalls, registry),
    collect() {
      this.set(desk.stats().queued);
    },
  });
  new Gauge(catalogMetric(ministryCapacity, registry)).set(capacityPerSecond);
  return {
    answers: new Counter(catalogMetric(ministryAnswers, registry)),
    queueWait: new Histogram(catalogMetric(ministryQueueWait, registry)),
  };
}

/** The clock time (performance.now) the caller stops waiting, from its deadline header; none when absent or malformed. */
function deadlineOf(request: IncomingMessage): number | undefined {
  const budget = Number(request.headers[DEADLINE_HEADER]);
  return Number.isFinite(budget) && budget > 0 ? performance.now() + budget : undefined;
}

type BodyResult = { ok: true; value: unknown } | { ok: false; status: 400 | 413; message: string };

async function readJson(request: IncomingMessage): Promise<BodyResult> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return { ok: false, status: 413, message: `body larger than ${MAX_BODY_BYTES} bytes` };
    chunks.push(chunk);
  }
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (typeof value !== 'object' || value === null)
      return { ok: false, status: 400, message: 'expected a JSON object' };
    return { ok: true, value };
  } catch {
    return { ok: false, status: 400, message: 'body is not valid JSON' };
  }
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}
