/**
 * The exporter's HTTP surface (express 5): `/metrics`, `/healthz`, a landing page, and the two
 * ingest endpoints. Request bodies are read by hand with a byte cap: express.raw() refuses
 * `Content-Encoding: snappy` with 415 (prometheus/prometheus#8611).
 */

import { createHash, timingSafeEqual } from 'node:crypto';
import { createGunzip } from 'node:zlib';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { OpenMetricsContentType, Registry } from 'prom-client';
import type { ExporterConfig } from './config.ts';
import type { NdjsonBatch, RemoteWriteResult } from './ingest.ts';
import { LineSplitter } from './lines.ts';
import { RemoteWriteError } from './remote-write.ts';
import type { ExporterHealth } from './health.ts';

/** What the routes call. */
export interface AppHandlers {
  readonly config: ExporterConfig;
  readonly health: ExporterHealth;
  /** Text-format registry (0.0.4). */
  readonly registry: Registry;
  /** OpenMetrics registry, holding collectors of the same data. */
  readonly openMetricsRegistry: Registry<OpenMetricsContentType>;
  /** A batch for one ingest request from `sender`. */
  ingestBatch(sender: string): NdjsonBatch;
  /** Decodes and applies one remote-write body from the sender at `address`; throws RemoteWriteError. */
  remoteWrite(body: Buffer, address: string): RemoteWriteResult;
  /** Counts of runs and files, and what else /healthz says (remote-write conflicts, truth targeting). */
  status(): { runs: number; followedFiles: number } & Record<string, unknown>;
  /** The live page's router, mounted at /live (exporter/live/). */
  readonly live?: express.Router;
  /**
   * False while followed files are being read from their start (after a start, or a file reset):
   * /metrics answers 503 meanwhile, so Prometheus never scrapes a partial re-read as a counter
   * reset. Always true when omitted.
   */
  ready?(): boolean;
}

/** Content encodings /ingest/k6 reads; anything else is 415 (never read as if it were plain NDJSON). */
const INGEST_ENCODINGS: ReadonlySet<string> = new Set(['identity', 'gzip', 'x-gzip']);

/** Builds the express app. */
export function createApp(handlers: AppHandlers): express.Express {
  const { config, health } = handlers;
  const app = express();
  app.disable('x-powered-by');
  const requireToken = bearerGuard(config.token);

  app.get('/', (_request, response) => {
    response
      .type('html')
      .send(
        '<!doctype html><html><head><title>floodgate exporter</title></head><body><h1>floodgate exporter</h1>' +
          '<p><a href="live">/live</a> (the dashboards, live) · <a href="metrics">/metrics</a> · <a href="healthz">/healthz</a></p></body></html>',
      );
  });

  if (handlers.live) app.use('/live', liveGuard(config.token), handlers.live);

  app.get('/healthz', (_request, response) => {
    response.json({ status: 'ok', ...handlers.status() });
  });

  app.get('/metrics', requireToken, async (request, response) => {
    if (handlers.ready && !handlers.ready()) {
      return response
        .status(503)
        .set('Retry-After', '1')
        .type('text')
        .send(
          'catching up: followed files are being read from their start; /metrics answers once every count is back where it was\n',
        );
    }
    const openMetrics = /application\/openmetrics-text/.test(request.get('accept') ?? '');
    const registry = openMetrics ? handlers.openMetricsRegistry : handlers.registry;
    try {
      const text = await registry.metrics();
      response.set('Content-Type', registry.contentType).send(text);
    } catch (error) {
      response
        .status(500)
        .type('text')
        .send(`cannot render metrics: ${(error as Error).message}\n`);
    }
  });

  app.post('/ingest/k6', requireToken, async (request, response) => {
    if (tooLarge(request, config.maxBodyBytes)) return refuseTooLarge(request, response, config.maxBodyBytes);
    const encoding = (request.get('content-encoding') ?? 'identity').trim().toLowerCase();
    if (!INGEST_ENCODINGS.has(encoding)) {
      request.resume();
      return response
        .status(415)
        .type('text')
        .send(`Content-Encoding ${encoding} is not supported on /ingest/k6; send identity or gzip\n`);
    }
    const sender = typeof request.query.instance === 'string' ? request.query.instance : '';
    const batch = handlers.ingestBatch(sender);
    const splitter = new LineSplitter(config.maxLineBytes);
    // gzip is inflated as it streams; the limit applies to the inflated bytes too (a gzip bomb
    // stops at maxBodyBytes, like an oversized plain body).
    const body: AsyncIterable<Buffer> = encoding === 'identity' ? request : inflate(request);
    let received = 0;
    try {
      for await (const chunk of body) {
        received += chunk.length;
        if (received > config.maxBodyBytes) {
          batch.end();
          return refuseTooLarge(request, response, config.maxBodyBytes, {
            lines: batch.lines,
            rejected: batch.rejected,
          });
        }
        splitter.push(chunk, batch);
      }
      splitter.end(batch);
      batch.end();
      response.json({ lines: batch.lines, rejected: batch.rejected });
    } catch (error) {
      batch.end();
      health.error('ingest');
      if (!response.headersSent)
        response.status(400).json({
          error: `cannot read the body: ${(error as Error).message}`,
          lines: batch.lines,
          rejected: batch.rejected,
        });
    }
  });

  app.post('/api/v1/write', requireToken, async (request, response) => {
    const encoding = (request.get('content-encoding') ?? '').toLowerCase();
    const type = (request.get('content-type') ?? 'application/x-protobuf').toLowerCase();
    if (encoding !== 'snappy' || !type.startsWith('application/x-protobuf')) {
      request.resume();
      return response
        .status(415)
        .type('text')
        .send('remote write needs Content-Encoding: snappy and Content-Type: application/x-protobuf\n');
    }
    if (tooLarge(request, config.maxBodyBytes)) return refuseTooLarge(request, response, config.maxBodyBytes);
    const chunks: Buffer[] = [];
    let received = 0;
    try {
      for await (const chunk of request as AsyncIterable<Buffer>) {
        received += chunk.length;
        if (received > config.maxBodyBytes) return refuseTooLarge(request, response, config.maxBodyBytes);
        chunks.push(chunk);
      }
      handlers.remoteWrite(Buffer.concat(chunks), request.socket.remoteAddress ?? '');
      response.status(204).end();
    } catch (error) {
      health.error('remote_write');
      if (error instanceof RemoteWriteError)
        return response.status(error.status).type('text').send(`${error.message}\n`);
      if (!response.headersSent)
        response
          .status(500)
          .type('text')
          .send(`cannot apply the write request: ${(error as Error).message}\n`);
    }
  });

  return app;
}

/** The request body through gunzip; a request error (client gone) ends the inflated stream too. */
function inflate(request: Request): AsyncIterable<Buffer> {
  const gunzip = createGunzip();
  request.once('error', (error) => gunzip.destroy(error));
  return request.pipe(gunzip);
}

/** Middleware: with a token configured, requests must carry `Authorization: Bearer <token>`. */
function bearerGuard(token: string | undefined): (request: Request, response: Response, next: NextFunction) => void {
  if (!token) return (_request, _response, next) => next();
  const expected = digest(token);
  return (request, response, next) => {
    const header = request.get('authorization') ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (match && timingSafeEqual(digest(match[1]!.trim()), expected)) return next();
    request.resume();
    response
      .status(401)
      .set('WWW-Authenticate', 'Bearer realm="floodgate-exporter"')
      .type('text')
      .send('a bearer token is required\n');
  };
}

/**
 * The live page shows what /metrics shows. A browser cannot send a bearer token, so with a token
 * configured the page answers loopback clients only (or requests that carry the token).
 */
function liveGuard(token: string | undefined): (request: Request, response: Response, next: NextFunction) => void {
  const bearer = bearerGuard(token);
  if (!token) return (_request, _response, next) => next();
  return (request, response, next) => {
    const peer = (request.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    if (peer === '::1' || /^127\./.test(peer)) return next();
    bearer(request, response, next);
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function tooLarge(request: Request, maxBytes: number): boolean {
  const length = Number(request.get('content-length'));
  return Number.isFinite(length) && length > maxBytes;
}

/** 413, then closes the connection so an oversized upload stops at once. */
function refuseTooLarge(
  request: Request,
  response: Response,
  maxBytes: number,
  counts?: { lines: number; rejected: number },
): void {
  response.set('Connection', 'close');
  response.status(413).json({ error: `request body is larger than ${maxBytes} bytes`, ...counts });
  response.once('finish', () => request.destroy());
}
