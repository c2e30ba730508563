/**
 * floodgate's exporter: k6 results → Prometheus. It follows k6 NDJSON files, takes NDJSON and
 * Prometheus remote write over HTTP, polls the target's truth endpoint, and serves the catalog's
 * run metrics and its own health on `/metrics`. See exporter/README.md.
 */

import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { dirname, join } from 'node:path';
import type express from 'express';
import { type OpenMetricsContentType, Registry } from 'prom-client';
import { FloodgateError } from '../contracts/errors.ts';
import { createApp } from './app.ts';
import { type Clock, systemClock } from './clock.ts';
import { isLoopbackHost } from '../contracts/loopback.ts';
import type { ExporterConfig } from './config.ts';
import { createFollower, type Follower } from './follow.ts';
import { ExporterHealth } from './health.ts';
import {
  ingestBody,
  ingestWriteRequest,
  NdjsonBatch,
  type IngestContext,
  type LineReader,
  type RemoteWriteResult,
  SenderLayers,
} from './ingest.ts';
import { LabelGuard, OTHER, UNKNOWN_RUN } from './labels.ts';
import { LineSplitter } from './lines.ts';
import { CumulativeTracker, REMOTE_RUN_IDLE_MS } from './remote-write.ts';
import { decodeWriteRequestBounded, REMOTE_WRITE_LIMITS } from './remote-write-decode.ts';
import { registerCollectors, snapshotOnce } from './render.ts';
import { RunStore } from './store.ts';
import { parseRunSummary } from './summary.ts';
import { createTruthPoller, type TruthPoller, TruthTargeting } from './truth.ts';
import { readRunManifest } from '../contracts/run-record.ts';
import { createLivePage, type LivePage } from './live/index.ts';

export { exporterConfig, EXPORTER_DEFAULTS, type ExporterConfig } from './config.ts';
export type { Clock } from './clock.ts';

/** How long after its last sample a run is still polled for truth, ms. */
const TRUTH_WINDOW_MS = 10 * 60 * 1000;

/** The run.json at `path`, read as far as it is valid; undefined when missing or unreadable (it may be mid-write). */
function readRunManifestFile(path: string): ReturnType<typeof readRunManifest> | undefined {
  try {
    return readRunManifest(JSON.parse(readFileSync(path, 'utf8')));
  } catch {
    return undefined;
  }
}

/** Dependencies of {@link createExporter}. */
export interface ExporterDependencies {
  readonly config: ExporterConfig;
  /** Registry for the text format; a new one when omitted. */
  readonly registry?: Registry;
  readonly clock?: Clock;
  /** How NDJSON lines are read (see IngestContext.lineReader); `scan` when omitted. */
  readonly lineReader?: LineReader;
}

/** A created exporter. Nothing listens or polls until `listen()` (or `start()`). */
export interface Exporter {
  readonly app: express.Express;
  readonly registry: Registry;
  readonly store: RunStore;
  readonly health: ExporterHealth;
  /** The NDJSON file follower, when `config.follow` has globs. */
  readonly follower: Follower | undefined;
  /** The truth poller, when `config.targetTruth` is set. */
  readonly truth: TruthPoller | undefined;
  /** The live page at /live. */
  readonly live: LivePage;
  /** Ingests one NDJSON line as if POSTed by `sender` (source `ingest`). */
  ingestLine(line: string, sender?: string): void;
  /** Ingests NDJSON lines (without newlines) as one batch, as a followed file's read is; returns its counts. */
  ingestLines(lines: Iterable<string>, sender?: string): { lines: number; rejected: number };
  /** Ingests an NDJSON stream as if POSTed by `sender`; resolves with its counts. */
  ingestStream(
    stream: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
    sender?: string,
  ): Promise<{ lines: number; rejected: number }>;
  /**
   * Decodes and applies one snappy-compressed remote-write body sent from `address` (the sender's
   * IP, which tells plain k6 runners apart); throws RemoteWriteError (400/413).
   */
  ingestRemoteWrite(body: Buffer, address?: string): RemoteWriteResult;
  /** Starts following files and polling truth. */
  start(): void;
  /** Checks the token rule, listens, and starts; resolves with the URL. */
  listen(): Promise<{ url: string; host: string; port: number }>;
  /** Stops listening and polling; resolves when everything has stopped. */
  close(): Promise<void>;
}

/** Creates the exporter: store, health, follower, truth poller, registries and app. */
export function createExporter(dependencies: ExporterDependencies): Exporter {
  const { config } = dependencies;
  const clock = dependencies.clock ?? systemClock;
  const registry = dependencies.registry ?? new Registry();
  const openMetricsRegistry = new Registry<OpenMetricsContentType>();
  openMetricsRegistry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  const health = new ExporterHealth();
  const guard = new LabelGuard(config.labelCap, (label) => health.fold(label));
  const store = new RunStore({
    guard,
    clock,
    maxRuns: config.maxRuns,
    maxSeries: config.maxSeries,
    sampleSeconds: config.sampleSeconds,
    onEvict: () => health.evicted(),
    onBudgetFold: (label) => health.fold(label),
  });
  const targeting = config.targetTruth === undefined ? undefined : new TruthTargeting(config.targetTruth);
  const context: IngestContext = {
    store,
    health,
    clock,
    maxLineBytes: config.maxLineBytes,
    lineReader: dependencies.lineReader ?? 'scan',
    ...(targeting ? { runTarget: (run: string, target: string) => targeting.learn(run, target) } : {}),
  };
  /** Learns the target of the run in `file`'s folder from its run.json (written by `floodgate run`). */
  const learnRunRecord = (file: string): void => {
    if (!targeting) return;
    const record = readRunManifestFile(join(dirname(file), 'run.json'));
    if (record?.run !== undefined && record.target !== undefined) targeting.learn(record.run, record.target);
  };
  const tracker = new CumulativeTracker(config.maxRemoteSeries, { now: () => clock.now() });
  const remoteLimits = { ...REMOTE_WRITE_LIMITS, maxDecompressedBytes: config.maxBodyBytes };
  const ingestSenders = new SenderLayers('ingest', config.labelCap);
  const remoteSenders = new SenderLayers('remote_write', config.labelCap);
  const ingestBatch = (sender: string): NdjsonBatch =>
    new NdjsonBatch(context, store.layer(ingestSenders.id(sender), 'ingest'), 'ingest');
  const remoteWrite = (body: Buffer, address = ''): RemoteWriteResult =>
    ingestWriteRequest(
      context,
      tracker,
      (runner) => store.layer(remoteSenders.id(runner), 'remote_write'),
      decodeWriteRequestBounded(body, remoteLimits),
      address,
    );

  const snapshot = snapshotOnce(store, () => ({ nowMs: clock.now(), staleMs: config.planStaleAfter * 1000 }));
  registerCollectors(registry, snapshot, { store, health });
  registerCollectors(openMetricsRegistry, snapshot, { store, health });

  const fileLayer = (file: string): string => `file:${file}`;
  const follower =
    config.follow.length === 0
      ? undefined
      : createFollower(
          { patterns: config.follow, intervalMs: config.followInterval, maxLineBytes: config.maxLineBytes },
          {
            batch: (key, path) => {
              learnRunRecord(path);
              const layer = store.layer(fileLayer(key), 'file');
              store.hold(layer.id, true);
              return new NdjsonBatch(context, layer, 'file');
            },
            reset: (key) => store.dropLayer(fileLayer(key)),
            hold: (key, followed) => store.hold(fileLayer(key), followed),
            error: () => health.error('file'),
            summary: (file, text) => {
              try {
                store.summarize(store.layer(fileLayer(file), 'file'), parseRunSummary(text));
              } catch {
                // A summary being written or not ours: counted; the next change is read again.
                health.error('file');
              }
            },
            polled: ({ files, readSomething }) => {
              health.following(files);
              if (!readSomething) health.lag('file', 0);
            },
          },
        );

  const truth =
    config.targetTruth === undefined
      ? undefined
      : createTruthPoller({
          baseUrl: config.targetTruth,
          intervalMs: config.truthInterval * 1000,
          // `unknown` and `other` are placeholders, not runs the target could know.
          // Only runs made against this target (run.json or a floodgate_target tag): see TruthTargeting.
          runs: () =>
            [...store.runs.keys()].filter(
              (run) =>
                run !== UNKNOWN_RUN &&
                run !== OTHER &&
                clock.now() - store.lastSampleMs(run) <= TRUTH_WINDOW_MS &&
                targeting!.polls(run),
            ),
          acknowledged: (run) => store.acknowledged(run),
          update: (run, snapshotOfTruth) => store.recordTruth(run, snapshotOfTruth),
          error: () => health.error('truth'),
        });

  const live = createLivePage({
    registry,
    now: () => clock.now(),
    active: () => store.runs.size > 0,
    ...(config.prometheus ? { prometheus: config.prometheus } : {}),
  });
  const app = createApp({
    live: live.router,
    config,
    health,
    registry,
    openMetricsRegistry,
    ingestBatch,
    remoteWrite,
    ready: () => follower === undefined || follower.ready(),
    status: () => ({
      runs: store.runs.size,
      followedFiles: follower?.files().length ?? 0,
      ...(targeting
        ? { truth: targeting.status([...store.runs.keys()].filter((run) => run !== UNKNOWN_RUN && run !== OTHER)) }
        : {}),
      remoteWrite: {
        series: tracker.size,
        restarts: tracker.restarts,
        // Runs silent for REMOTE_RUN_IDLE_MS from a runner: their series left the table (exporter/README.md).
        expired: { ...tracker.expired, idleSeconds: REMOTE_RUN_IDLE_MS / 1000 },
        // Runner identities (address + instance_id …) that turned out to be two senders: rejected as sender_conflict.
        conflicts: { count: tracker.conflictCount, runners: tracker.conflicts },
        ...(health.remoteWriteTrendStats > 0
          ? {
              trendStats: {
                received: health.remoteWriteTrendStats,
                note: 'k6 trend stats (k6_*_p99 and the like) are per-runner percentiles and cannot be converted into floodgate_http_request_duration_seconds; run k6 with K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM=true',
              },
            }
          : {}),
      },
    }),
  });

  let server: Server | undefined;
  let started = false;
  const start = (): void => {
    if (started) return;
    started = true;
    follower?.start();
    truth?.start();
    live.start();
  };

  return {
    app,
    registry,
    store,
    health,
    follower,
    truth,
    live,
    ingestLine(line, sender = '') {
      const batch = ingestBatch(sender);
      batch.line(line);
      batch.end();
    },
    ingestLines(lines, sender = '') {
      const batch = ingestBatch(sender);
      for (const line of lines) batch.line(line);
      batch.end();
      return { lines: batch.lines, rejected: batch.rejected };
    },
    async ingestStream(stream, sender = '') {
      const batch = ingestBatch(sender);
      await ingestBody(stream, new LineSplitter(config.maxLineBytes), batch, Number.POSITIVE_INFINITY);
      return { lines: batch.lines, rejected: batch.rejected };
    },
    ingestRemoteWrite: remoteWrite,
    start,
    async listen() {
      if (!config.token && !isLoopbackHost(config.host))
        throw new FloodgateError('TOKEN_REQUIRED', { host: config.host });
      server = await new Promise<Server>((resolve, reject) => {
        const listening = app.listen(config.port, config.host);
        listening.once('listening', () => resolve(listening));
        listening.once('error', (error: NodeJS.ErrnoException) => {
          const details = { host: config.host, port: config.port, detail: error.message };
          reject(
            new FloodgateError(error.code === 'EADDRINUSE' ? 'PORT_IN_USE' : 'LISTEN_FAILED', details, {
              cause: error,
            }),
          );
        });
      });
      start();
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : config.port;
      const shownHost = config.host.includes(':') ? `[${config.host}]` : config.host;
      return { url: `http://${shownHost}:${port}`, host: config.host, port };
    },
    async close() {
      live.close();
      await Promise.all([follower?.close(), truth?.close()]);
      if (server) {
        const closing = server;
        server = undefined;
        await new Promise<void>((resolve) => {
          closing.close(() => resolve());
          closing.closeAllConnections();
        });
      }
    },
  };
}

/** Where {@link serveExporter} reports, and when it stops. */
export interface ServeOptions {
  /** Aborted to stop (the CLI ties it to SIGINT/SIGTERM). */
  readonly signal: AbortSignal;
  /** Receives `listening on <url>` and what is followed. */
  readonly log: (line: string) => void;
  readonly clock?: Clock;
}

/** Runs the exporter until `signal` aborts, then stops it cleanly. */
export async function serveExporter(config: ExporterConfig, options: ServeOptions): Promise<void> {
  const exporter = createExporter({ config, clock: options.clock });
  const { url } = await exporter.listen();
  options.log(`listening on ${url}`);
  options.log(
    `live page: ${url}/live (${config.prometheus ? `queries on Prometheus ${config.prometheus}` : "the exporter's own data; --prometheus <url> for every panel"})`,
  );
  if (config.follow.length > 0) options.log(`following ${config.follow.join(', ')}`);
  if (config.targetTruth) options.log(`polling truth from ${config.targetTruth} every ${config.truthInterval} s`);
  try {
    await new Promise<void>((resolve) => {
      if (options.signal.aborted) resolve();
      else options.signal.addEventListener('abort', () => resolve(), { once: true });
    });
  } finally {
    await exporter.close();
  }
}
