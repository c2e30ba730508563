/**
 * The live page (`GET /live`): floodgate's generated Grafana dashboards drawn in the browser,
 * panel for panel from dashboards/generated/*.json, refreshed every few seconds. Two modes:
 *
 * - **prometheus** (`--prometheus <url>`): the panels' PromQL goes to Prometheus, proxied through
 *   `/live/api/v1/query[_range]` so the browser only ever talks to the exporter's origin.
 * - **exporter** (no Prometheus): the exporter snapshots its own registry every few seconds and
 *   answers the same API with its own PromQL evaluator (promql.ts) and the recording rules of
 *   deploy/prometheus/rules/. Panels reading series only Prometheus has (the target's own
 *   metrics, `up`, `ALERTS`) are named on the page as needing Prometheus.
 *
 * The page script (client/main.ts, uPlot) is bundled by esbuild on first request and served from
 * here: nothing is fetched from another origin. `GET /live/snapshot` renders the same page with
 * every panel's data inlined, a self-contained HTML file (the demo writes one beside its report).
 *
 * Over 400 lines on purpose: the live page’s server side: routes, the Prometheus proxy and the exporter-mode snapshot share one board model and one set of limits.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Request, type Response } from 'express';
import type { Registry } from 'prom-client';
import { parse as parseYaml } from 'yaml';
import { createHistory, type History, type LiveRecordingRule } from './history.ts';
import { boardFromDashboard, queryTiming, substitute, type LiveBoard, type QueryVariables } from './model.ts';
import { evaluate, parsePromql, PromqlError, selectorNames, type Value } from './promql.ts';
import { renderLivePage, type LiveSnapshot } from './page.ts';

const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Where the generated dashboards live. */
export const DASHBOARDS_DIR = join(PROJECT_ROOT, 'dashboards', 'generated');
/** Where the generated recording rules live. */
export const RULES_DIR = join(PROJECT_ROOT, 'deploy', 'prometheus', 'rules');
/** Board order on the page: the launch overview first (the SRE's first screen). */
/** Queries one batch request may carry (the largest board has about 40). */
const MAX_BATCH = 200;
const BOARD_ORDER = [
  'floodgate-launch-overview',
  'floodgate-funnel',
  'floodgate-capacity',
  'floodgate-exporter-health',
];

/** What {@link createLivePage} needs. */
export interface LiveOptions {
  /** The exporter's text-format registry (its /metrics). */
  readonly registry: Registry;
  /** Prometheus base URL; unset = the exporter's own history. */
  readonly prometheus?: string;
  readonly now?: () => number;
  /** Exporter mode: milliseconds between snapshots of the registry. Default 2000. */
  readonly intervalMs?: number;
  /** Exporter mode: how long snapshots are kept. Default 1 h. */
  readonly retentionMs?: number;
  /** Exporter mode: false while there is nothing to record (no run yet). */
  readonly active?: () => boolean;
  /** Dashboards folder; default dashboards/generated. */
  readonly dashboardsDir?: string;
  /** Prometheus's scrape interval, seconds, for `$__rate_interval` in prometheus mode. Default 5 (deploy/prometheus/prometheus.yml). */
  readonly scrapeIntervalSeconds?: number;
}

/** The board list and mode the page starts from (`GET /live/board.json`). */
export interface LiveConfig {
  readonly mode: 'prometheus' | 'exporter';
  readonly prometheus?: string;
  readonly scrapeIntervalSeconds: number;
  readonly refreshSeconds: number;
  readonly boards: readonly LiveBoard[];
  /** Panel key → why it cannot be drawn in this mode. */
  readonly unavailable: Readonly<Record<string, string>>;
}

/** The live page's router and its lifecycle. */
export interface LivePage {
  readonly router: express.Router;
  /** Starts the snapshots (exporter mode). */
  start(): void;
  close(): void;
  /** The page model. */
  config(): LiveConfig;
  /** Runs one query as the page does: proxied or evaluated here. */
  query(params: QueryParams): Promise<unknown>;
  /** A self-contained HTML page with every panel's data for `runs` over the last `rangeSeconds`. */
  snapshot(options: { runs: readonly string[]; rangeSeconds: number }): Promise<string>;
}

/** An instant (no `start`) or range query, Prometheus API style; times in seconds. */
export interface QueryParams {
  readonly query: string;
  readonly time?: number;
  readonly start?: number;
  readonly end?: number;
  readonly step?: number;
}

/** Reads every generated board. */
export function loadBoards(dir: string = DASHBOARDS_DIR): LiveBoard[] {
  const boards = readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .map((name) => boardFromDashboard(JSON.parse(readFileSync(join(dir, name), 'utf8'))));
  const rank = (uid: string): number => (BOARD_ORDER.includes(uid) ? BOARD_ORDER.indexOf(uid) : BOARD_ORDER.length);
  return boards.sort((a, b) => rank(a.uid) - rank(b.uid));
}

/** The recording rules of the generated rule files. */
export function loadRecordingRules(dir: string = RULES_DIR): LiveRecordingRule[] {
  const rules: LiveRecordingRule[] = [];
  for (const name of readdirSync(dir)
    .filter((file) => file.endsWith('.yml'))
    .sort()) {
    const document = parseYaml(readFileSync(join(dir, name), 'utf8')) as {
      groups?: Array<{ rules?: Array<Record<string, unknown>> }>;
    };
    for (const group of document.groups ?? []) {
      for (const rule of group.rules ?? []) {
        if (typeof rule.record === 'string' && typeof rule.expr === 'string') {
          rules.push({
            record: rule.record,
            expr: rule.expr,
            ...(rule.labels ? { labels: rule.labels as Record<string, string> } : {}),
          });
        }
      }
    }
  }
  return rules;
}

/** Creates the live page. */
export function createLivePage(options: LiveOptions): LivePage {
  const now = options.now ?? Date.now;
  const boards = loadBoards(options.dashboardsDir);
  const prometheus = options.prometheus?.replace(/\/+$/, '');
  const intervalMs = options.intervalMs ?? 2000;
  const history: History | undefined = prometheus
    ? undefined
    : createHistory({
        registry: options.registry,
        intervalMs,
        retentionMs: options.retentionMs ?? 60 * 60 * 1000,
        now,
        rules: loadRecordingRules(),
        ...(options.active ? { active: options.active } : {}),
      });
  const scrapeIntervalSeconds = prometheus ? (options.scrapeIntervalSeconds ?? 5) : intervalMs / 1000;
  let bundle: Promise<string> | undefined;
  const script = (): Promise<string> => (bundle ??= bundleClient());

  const unavailable = (): Record<string, string> => {
    if (!history) return {};
    const known = new Set([...history.names(), ...registryNames(options.registry)]);
    const missing: Record<string, string> = {};
    for (const board of boards) {
      for (const panel of board.panels) {
        const names = new Set(panel.targets.flatMap((target) => safeNames(target.expr)));
        const absent = [...names].filter((name) => !known.has(name));
        if (absent.length > 0)
          missing[panel.key] = `needs Prometheus: reads ${absent.join(', ')}, which the exporter does not have`;
      }
    }
    return missing;
  };

  const config = (): LiveConfig => ({
    mode: prometheus ? 'prometheus' : 'exporter',
    ...(prometheus ? { prometheus } : {}),
    scrapeIntervalSeconds,
    refreshSeconds: 5,
    boards,
    unavailable: unavailable(),
  });

  const query = async (params: QueryParams): Promise<unknown> => {
    if (prometheus) return proxy(prometheus, params);
    return evaluateLocally(history!, params);
  };

  const snapshot = async ({
    runs,
    rangeSeconds,
  }: {
    runs: readonly string[];
    rangeSeconds: number;
  }): Promise<string> => {
    const model = config();
    const end = now() / 1000;
    const start = end - rangeSeconds;
    const timing = queryTiming(rangeSeconds, scrapeIntervalSeconds);
    const results: Record<string, unknown> = {};
    for (const board of model.boards) {
      const variables: QueryVariables = {
        runs,
        stages: [],
        rateIntervalSeconds: timing.rateIntervalSeconds,
        intervalSeconds: timing.stepSeconds,
        rangeSeconds,
      };
      for (const panel of board.panels) {
        for (const target of panel.targets) {
          const expr = substitute(target.expr, board, variables);
          results[`${panel.key}/${target.refId}`] = await query(
            target.instant ? { query: expr, time: end } : { query: expr, start, end, step: timing.stepSeconds },
          ).catch((error: Error) => ({ status: 'error', error: error.message }));
        }
      }
    }
    const data: LiveSnapshot = {
      takenAt: end,
      start,
      end,
      runs,
      rangeSeconds,
      stepSeconds: timing.stepSeconds,
      rateIntervalSeconds: timing.rateIntervalSeconds,
      results,
    };
    return renderLivePage({ script: await script(), config: model, snapshot: data });
  };

  const router = express.Router();
  router.get('/', async (_request, response) => {
    history?.start();
    try {
      response.type('html').send(renderLivePage({ scriptUrl: '/live/app.js' }));
    } catch (error) {
      response
        .status(500)
        .type('text')
        .send(`cannot render the live page: ${(error as Error).message}\n`);
    }
  });
  router.get('/app.js', async (_request, response) => {
    try {
      response
        .type('application/javascript')
        .set('Cache-Control', 'no-cache')
        .send(await script());
    } catch (error) {
      bundle = undefined;
      response
        .status(500)
        .type('text')
        .send(`cannot bundle the live page: ${(error as Error).message}\n`);
    }
  });
  router.get('/board.json', (_request, response) => {
    history?.start();
    response.json(config());
  });
  const api = async (request: Request, response: Response, range: boolean): Promise<void> => {
    const source = {
      ...(request.query as Record<string, unknown>),
      ...((request.body as Record<string, unknown> | undefined) ?? {}),
    };
    const read = (name: string): number | undefined => (source[name] === undefined ? undefined : Number(source[name]));
    const text = typeof source.query === 'string' ? source.query : '';
    if (text === '') {
      response.status(400).json({ status: 'error', errorType: 'bad_data', error: 'query is missing' });
      return;
    }
    const params: QueryParams = range
      ? { query: text, start: read('start')!, end: read('end')!, step: read('step')! }
      : { query: text, ...(read('time') === undefined ? {} : { time: read('time')! }) };
    if (range && ![params.start, params.end, params.step].every((value) => Number.isFinite(value))) {
      response
        .status(400)
        .json({ status: 'error', errorType: 'bad_data', error: 'start, end and step must be numbers (seconds)' });
      return;
    }
    try {
      const answer = (await query(params)) as { status?: string };
      response.status(answer.status === 'success' ? 200 : 422).json(answer);
    } catch (error) {
      response.status(502).json({ status: 'error', errorType: 'unavailable', error: (error as Error).message });
    }
  };
  router.use('/api', express.urlencoded({ extended: false, limit: '64kb' }));
  router.all('/api/v1/query', (request, response) => api(request, response, false));
  router.all('/api/v1/query_range', (request, response) => api(request, response, true));
  // Every query of a board in one request: the page would otherwise queue them behind the
  // browser's six connections per origin; here they go to Prometheus at once.
  router.post('/api/batch', express.json({ limit: '512kb' }), async (request, response) => {
    const body = request.body as { queries?: unknown };
    const list = Array.isArray(body?.queries)
      ? (body.queries as Array<Record<string, unknown>>).slice(0, MAX_BATCH)
      : [];
    const answers = await Promise.all(
      list.map(async (entry) => {
        const params: QueryParams =
          entry.start === undefined
            ? { query: String(entry.query ?? ''), ...(entry.time === undefined ? {} : { time: Number(entry.time) }) }
            : {
                query: String(entry.query ?? ''),
                start: Number(entry.start),
                end: Number(entry.end),
                step: Number(entry.step),
              };
        try {
          return await query(params);
        } catch (error) {
          return { status: 'error', errorType: 'unavailable', error: (error as Error).message };
        }
      }),
    );
    response.json({ results: answers });
  });
  router.get('/snapshot', async (request, response) => {
    const runs = typeof request.query.run === 'string' ? request.query.run.split(',').filter(Boolean) : [];
    const rangeSeconds = Math.max(60, Math.min(24 * 3600, Number(request.query.range ?? 900) || 900));
    try {
      response.type('html').send(await snapshot({ runs, rangeSeconds }));
    } catch (error) {
      response
        .status(500)
        .type('text')
        .send(`cannot take a snapshot: ${(error as Error).message}\n`);
    }
  });

  return {
    router,
    start() {
      history?.start();
      // Bundle now, not on the first visit: esbuild takes a moment on a busy machine.
      void script().catch(() => {
        bundle = undefined;
      });
    },
    close: () => history?.stop(),
    config,
    query,
    snapshot,
  };
}

function safeNames(expr: string): string[] {
  try {
    return selectorNames(parsePromql(expr.replace(/\$__\w+/g, '1m').replace(/\$\w+/g, '.+')));
  } catch {
    return [];
  }
}

/** Every series name the registry exposes (histograms as their _bucket, _sum and _count). */
function registryNames(registry: Registry): string[] {
  return registry.getMetricsAsArray().flatMap((metric) => {
    const { name, type } = metric as unknown as { name: string; type: string };
    return type === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name];
  });
}

/** Forwards a query to Prometheus's HTTP API (POST, form-encoded), answering its JSON as is. */
async function proxy(prometheus: string, params: QueryParams): Promise<unknown> {
  const range = params.start !== undefined;
  const form = new URLSearchParams({ query: params.query });
  if (range) {
    form.set('start', String(params.start));
    form.set('end', String(params.end));
    form.set('step', String(params.step));
  } else if (params.time !== undefined) form.set('time', String(params.time));
  const response = await fetch(`${prometheus}/api/v1/${range ? 'query_range' : 'query'}`, {
    method: 'POST',
    body: form,
    signal: AbortSignal.timeout(15_000),
  });
  return response.json();
}

function format(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/** Answers a query from the exporter's own history, in Prometheus's API shape. */
export function evaluateLocally(history: History, params: QueryParams): unknown {
  let ast;
  try {
    ast = parsePromql(params.query);
  } catch (error) {
    return { status: 'error', errorType: 'bad_data', error: (error as Error).message };
  }
  const toResult = (value: Value, t: number): unknown => {
    if (value.kind === 'scalar') return { resultType: 'scalar', result: [t, format(value.value)] };
    if (value.kind === 'string') return { resultType: 'string', result: [t, value.value] };
    if (value.kind === 'matrix')
      return {
        resultType: 'matrix',
        result: value.series.map((series) => ({
          metric: series.labels,
          values: series.times.map((time, index) => [time / 1000, format(series.values[index]!)]),
        })),
      };
    return {
      resultType: 'vector',
      result: value.samples.map((sample) => ({ metric: sample.labels, value: [t, format(sample.value)] })),
    };
  };
  try {
    if (params.start === undefined) {
      const t = params.time ?? Date.now() / 1000;
      const source = history.source({ fromMs: t * 1000 - 3_600_000, toMs: t * 1000 });
      return { status: 'success', data: toResult(evaluate(ast, t * 1000, source), t) };
    }
    const step = Math.max(0.001, params.step!);
    const startMs = params.start * 1000;
    const endMs = params.end! * 1000;
    const source = history.source({ fromMs: startMs - 3_600_000, toMs: endMs });
    const series = new Map<string, { metric: Record<string, string>; values: Array<[number, string]> }>();
    const points = Math.min(11_000, Math.floor((endMs - startMs) / (step * 1000)) + 1);
    for (let index = 0; index < points; index += 1) {
      const t = startMs + index * step * 1000;
      const value = evaluate(ast, t, source);
      const samples =
        value.kind === 'scalar' ? [{ labels: {}, value: value.value }] : value.kind === 'vector' ? value.samples : [];
      for (const sample of samples) {
        const key = JSON.stringify(Object.entries(sample.labels).sort());
        let entry = series.get(key);
        if (!entry) {
          entry = { metric: { ...sample.labels }, values: [] };
          series.set(key, entry);
        }
        entry.values.push([t / 1000, format(sample.value)]);
      }
    }
    // Prometheus answers a range query sorted by labels; so do we, so colours follow the same order.
    const sorted = [...series.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, entry]) => entry);
    return { status: 'success', data: { resultType: 'matrix', result: sorted } };
  } catch (error) {
    if (error instanceof PromqlError) return { status: 'error', errorType: 'execution', error: error.message };
    throw error;
  }
}

/** Bundles the browser script (client/main.ts with uPlot) into one IIFE. */
async function bundleClient(): Promise<string> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./client/main.ts', import.meta.url))],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    write: false,
    legalComments: 'none',
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}
