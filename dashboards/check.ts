/**
 * Checks the boards against a live Prometheus, as Grafana would query it: every panel query with
 * the dashboard variables and Grafana's macros substituted, sent to the HTTP API. Reports for each
 * query whether it parses and whether it returns data. Used by `floodgate dashboards --check` and
 * by the tests that prove the boards on a real Prometheus.
 */

import { FloodgateError } from '../contracts/errors.ts';
import { placePanels, RUN_ANNOTATIONS, type DashboardSpec } from './panels.ts';

/** Values for the dashboard variables and Grafana's macros. */
export interface VariableValues {
  /** Run ids picked in the `run` variable; empty = All. */
  readonly runs: readonly string[];
  /** Stages picked in the `stage` variable; empty = All. */
  readonly stages?: readonly string[];
  /** `$__rate_interval`, e.g. `15s`. */
  readonly rateInterval: string;
  /** `$__interval`, e.g. `2s`. */
  readonly interval: string;
  /** `$__range`: the dashboard's time range, e.g. `5m`. */
  readonly range: string;
}

/** One query of one panel, ready to send. */
export interface PanelQuery {
  readonly board: string;
  readonly panelId: number;
  readonly title: string;
  readonly refId: string;
  readonly expr: string;
  readonly instant: boolean;
  /** From the panel: when it may stay empty during a healthy run. */
  readonly emptyWhenHealthy?: string;
}

/** The answer for one query. */
export interface QueryCheck extends PanelQuery {
  readonly status: 'data' | 'empty' | 'error';
  /** Series returned (0 when empty or on error). */
  readonly series: number;
  /** Prometheus's error text, for `error`. */
  readonly error?: string;
}

/** Grafana's rendering of a multi-value variable in a regex matcher: `a`, or `(a|b)`; All = its allValue. */
function multiValue(values: readonly string[] | undefined): string {
  if (!values || values.length === 0) return '.+';
  const escaped = values.map((value) => value.replace(/[.*+?^${}()|[\]\\]/g, '\\\\$&'));
  return escaped.length === 1 ? (escaped[0] as string) : `(${escaped.join('|')})`;
}

/** `expr` with `$run`, `$stage`, `${datasource}` and Grafana's interval macros replaced. */
export function substituteVariables(expr: string, values: VariableValues): string {
  return expr
    .replaceAll('$__rate_interval', values.rateInterval)
    .replaceAll('$__interval', values.interval)
    .replaceAll('$__range', values.range)
    .replace(/\$run\b/g, multiValue(values.runs))
    .replace(/\$stage\b/g, multiValue(values.stages));
}

/**
 * Every query of every panel of `boards`, variables left in place, then the run annotations
 * (shared by every board; listed once, with panel id 0).
 */
export function panelQueries(boards: readonly DashboardSpec[]): PanelQuery[] {
  const annotations = RUN_ANNOTATIONS.map((annotation) => ({
    board: 'annotations',
    panelId: 0,
    title: annotation.name,
    refId: 'A',
    expr: annotation.expr,
    instant: false,
    emptyWhenHealthy: annotation.emptyWhenHealthy,
  }));
  const panels = boards.flatMap((board) =>
    placePanels(board).panels.flatMap(({ id, spec }) =>
      spec.queries.map((query, index) => ({
        board: board.uid,
        panelId: id,
        title: spec.title,
        refId: String.fromCharCode(65 + index),
        expr: query.expr,
        instant: query.instant === true,
        emptyWhenHealthy: spec.emptyWhenHealthy,
      })),
    ),
  );
  return [...panels, ...annotations];
}

/** Where and when to query. */
export interface CheckOptions {
  /** Base URL of Prometheus, e.g. `http://127.0.0.1:9090`. */
  readonly prometheusUrl: string;
  readonly variables: VariableValues;
  /** End of the time range (Unix seconds); default now. */
  readonly end?: number;
  /** Length of the time range for range queries, seconds; default 300. */
  readonly rangeSeconds?: number;
  /** Step of range queries, seconds; default 5. */
  readonly stepSeconds?: number;
  /** Per-request timeout, ms; default 10 000. */
  readonly timeoutMs?: number;
}

interface PrometheusAnswer {
  status: 'success' | 'error';
  data?: { result?: unknown[] };
  error?: string;
}

/** Sends every query of `boards` to Prometheus; resolves with one check per query. */
export async function checkDashboards(boards: readonly DashboardSpec[], options: CheckOptions): Promise<QueryCheck[]> {
  const end = options.end ?? Date.now() / 1000;
  const start = end - (options.rangeSeconds ?? 300);
  const step = options.stepSeconds ?? 5;
  const checks: QueryCheck[] = [];
  for (const query of panelQueries(boards)) {
    const expr = substituteVariables(query.expr, options.variables);
    const params: { path: string; body: Record<string, string> } = query.instant
      ? { path: '/api/v1/query', body: { query: expr, time: String(end) } }
      : {
          path: '/api/v1/query_range',
          body: { query: expr, start: String(start), end: String(end), step: String(step) },
        };
    let answer: PrometheusAnswer;
    try {
      const response = await fetch(new URL(params.path, options.prometheusUrl), {
        method: 'POST',
        body: new URLSearchParams(params.body),
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
      answer = (await response.json()) as PrometheusAnswer;
    } catch (error) {
      throw new FloodgateError(
        'PROMETHEUS_UNAVAILABLE',
        { url: options.prometheusUrl, detail: error instanceof Error ? error.message : String(error) },
        { cause: error },
      );
    }
    if (answer.status !== 'success') {
      checks.push({ ...query, expr, status: 'error', series: 0, error: answer.error ?? 'unknown error' });
      continue;
    }
    const series = answer.data?.result?.length ?? 0;
    checks.push({ ...query, expr, status: series > 0 ? 'data' : 'empty', series });
  }
  return checks;
}

/** Checks that fail: errors always; empty answers of panels a run should fill. */
export function failedChecks(checks: readonly QueryCheck[]): QueryCheck[] {
  return checks.filter(
    (check) => check.status === 'error' || (check.status === 'empty' && check.emptyWhenHealthy === undefined),
  );
}
