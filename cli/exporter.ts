/**
 * `floodgate exporter`: serves k6 results as Prometheus metrics (exporter/README.md).
 */

import { z } from 'zod';
import { EXPORTER_DEFAULTS, type ExporterConfig, exporterConfig, serveExporter } from '../exporter/index.ts';
import { defineCommand } from './command.ts';
import { option, schemas } from './config.ts';

/** Globs from repeated flags, or one comma-separated environment value. */
const globs = z.union([
  z.array(z.string().min(1)),
  z.string().transform((text) =>
    text
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean),
  ),
]);

/** The exporter's options: flags, environment variables (also from .env) and defaults. */
export const EXPORTER_OPTIONS = [
  option({
    key: 'host',
    env: 'FLOODGATE_EXPORTER_HOST',
    flag: '--host <host>',
    default: EXPORTER_DEFAULTS.host,
    description: 'address to listen on; beyond loopback a --token is required',
    schema: schemas.host,
  }),
  option({
    key: 'port',
    env: 'FLOODGATE_EXPORTER_PORT',
    flag: '--port <port>',
    default: EXPORTER_DEFAULTS.port,
    description: 'TCP port (0 = any free port)',
    schema: schemas.port,
  }),
  option({
    key: 'follow',
    env: 'FLOODGATE_EXPORTER_FOLLOW',
    flag: '--follow <glob>',
    repeatable: true,
    description:
      'k6 NDJSON files to follow from their start, e.g. "results/*/k6.ndjson" (repeatable; env: comma-separated)',
    schema: globs,
  }),
  option({
    key: 'targetTruth',
    env: 'FLOODGATE_EXPORTER_TARGET_TRUTH',
    flag: '--target-truth <url>',
    description: 'target base URL whose /truth?run= endpoint is polled for reconciliation',
    schema: schemas.url,
  }),
  option({
    key: 'token',
    env: 'FLOODGATE_EXPORTER_TOKEN',
    flag: '--token <token>',
    description: 'bearer token required on /ingest/k6, /api/v1/write and /metrics',
    schema: schemas.text,
  }),
  option({
    key: 'labelCap',
    env: 'FLOODGATE_EXPORTER_LABEL_CAP',
    flag: '--label-cap <n>',
    default: EXPORTER_DEFAULTS.labelCap,
    description: 'distinct values per label before new ones fold into "other"',
    schema: schemas.positiveInt,
  }),
  option({
    key: 'maxRuns',
    env: 'FLOODGATE_EXPORTER_MAX_RUNS',
    flag: '--max-runs <n>',
    default: EXPORTER_DEFAULTS.maxRuns,
    description:
      'runs held at once; beyond it the idle, unfollowed run with the oldest last sample is evicted, else the new run is refused (series_limit)',
    schema: schemas.positiveInt,
  }),
  option({
    key: 'maxBodyBytes',
    env: 'FLOODGATE_EXPORTER_MAX_BODY_BYTES',
    flag: '--max-body-bytes <bytes>',
    default: EXPORTER_DEFAULTS.maxBodyBytes,
    description: 'largest request body, and largest decompressed remote-write message, in bytes (413 beyond)',
    schema: schemas.positiveInt,
  }),
  option({
    key: 'maxLineBytes',
    env: 'FLOODGATE_EXPORTER_MAX_LINE_BYTES',
    flag: '--max-line-bytes <bytes>',
    default: EXPORTER_DEFAULTS.maxLineBytes,
    description: 'longest NDJSON line, in bytes; longer lines are counted as too_long and skipped',
    schema: schemas.positiveInt,
  }),
  option({
    key: 'maxSeries',
    env: 'FLOODGATE_EXPORTER_MAX_SERIES',
    flag: '--max-series <n>',
    default: EXPORTER_DEFAULTS.maxSeries,
    description:
      'series budget of the run metrics over all runs and sources; beyond it new series fold scenario, method, status and check into "other" (counted)',
    schema: schemas.positiveInt,
  }),
  option({
    key: 'maxRemoteSeries',
    env: 'FLOODGATE_EXPORTER_MAX_REMOTE_SERIES',
    flag: '--max-remote-series <n>',
    default: EXPORTER_DEFAULTS.maxRemoteSeries,
    description: 'remote-write series tracked for counter merging; new ones beyond it are rejected (series_limit)',
    schema: schemas.positiveInt,
  }),
  option({
    key: 'truthInterval',
    env: 'FLOODGATE_EXPORTER_TRUTH_INTERVAL',
    flag: '--truth-interval <seconds>',
    default: EXPORTER_DEFAULTS.truthInterval,
    description: 'seconds between truth polls',
    schema: schemas.positive,
  }),
  option({
    key: 'followInterval',
    env: 'FLOODGATE_EXPORTER_FOLLOW_INTERVAL',
    flag: '--follow-interval <ms>',
    default: EXPORTER_DEFAULTS.followInterval,
    description: 'milliseconds between scans of the followed files',
    schema: schemas.positiveInt,
  }),
  option({
    key: 'planStaleAfter',
    env: 'FLOODGATE_EXPORTER_PLAN_STALE_AFTER',
    flag: '--plan-stale-after <seconds>',
    default: EXPORTER_DEFAULTS.planStaleAfter,
    description:
      "seconds without a sample of a run after which its planned rate shows 0 (a run cut short never emits its plan's final 0)",
    schema: schemas.positive,
  }),
  option({
    key: 'sampleSeconds',
    env: 'FLOODGATE_EXPORTER_SAMPLE_SECONDS',
    flag: '--sample-seconds',
    default: EXPORTER_DEFAULTS.sampleSeconds,
    description:
      'also expose requests and funnel counts by the second of their k6 sample time, so `floodgate report --prometheus` places them exactly (about 60× those series)',
    schema: schemas.boolean,
  }),
  option({
    key: 'prometheus',
    env: 'FLOODGATE_EXPORTER_PROMETHEUS',
    flag: '--prometheus <url>',
    description:
      'Prometheus the live page (/live) runs the dashboard queries on; unset: the exporter evaluates them on its own data',
    schema: schemas.url,
  }),
] as const;

/** The `exporter` command. */
export const exporterCommand = defineCommand<Partial<ExporterConfig>>({
  name: 'exporter',
  summary:
    'Serve k6 results as Prometheus metrics: follow NDJSON files, take NDJSON and remote write over HTTP, poll target truth.',
  help: [
    'Examples:',
    '  floodgate exporter --follow "results/*/k6.ndjson" --target-truth http://127.0.0.1:18081',
    '  K6_PROMETHEUS_RW_SERVER_URL=http://127.0.0.1:18080/api/v1/write k6 run -o experimental-prometheus-rw script.ts',
    'Endpoints: GET /live (the dashboards, live), GET /metrics, GET /healthz, POST /ingest/k6 (NDJSON), POST /api/v1/write (remote write).',
  ].join('\n'),
  options: EXPORTER_OPTIONS,
  async run({ config, signal, stdout }) {
    await serveExporter(exporterConfig(config), { signal, log: (line) => stdout.write(`${line}\n`) });
    return 0;
  },
});
