/**
 * The end of a test: handleSummary writes k6's summary data as JSON and a readable text summary
 * (funnel per stage, latency against the objectives, thresholds) to the results folder, and the
 * text to stdout. Pure: the data goes in, the files to write come out; no remote jslib.
 */

import { FUNNEL_STAGES, STAGE_RESULTS } from '../../contracts/funnel.ts';
import { K6_BUILTIN, K6_METRICS } from '../../contracts/metrics.ts';
import { STAGE_OBJECTIVES } from '../../contracts/slo.ts';

/** One metric of k6's summary data (k6-contract.md §3). */
export interface SummaryMetric {
  readonly type: 'counter' | 'gauge' | 'rate' | 'trend';
  readonly contains: string;
  readonly values: Readonly<Record<string, number>>;
  readonly thresholds?: Readonly<Record<string, { readonly ok: boolean }>>;
}

/** A group of k6's summary data, with its checks. */
export interface SummaryGroup {
  readonly name: string;
  readonly path: string;
  readonly groups: readonly SummaryGroup[];
  readonly checks: ReadonlyArray<{ readonly name: string; readonly passes: number; readonly fails: number }>;
}

/** The part of k6's handleSummary data the text summary reads. */
export interface SummaryData {
  readonly metrics: Readonly<Record<string, SummaryMetric>>;
  readonly root_group: SummaryGroup;
  readonly state: { readonly testRunDurationMs: number };
}

/** What the text summary says about the run. */
export interface SummaryContext {
  readonly runId: string;
  readonly scenario: string;
  /** Folder the files go to (RESULTS_DIR). */
  readonly resultsDir: string;
}

/**
 * handleSummary's answer: `<dir>/summary.json` (the data exactly as k6 passed it),
 * `<dir>/summary.txt` and stdout (the text summary).
 */
export function summaryOutputs(data: SummaryData, context: SummaryContext): Record<string, string> {
  const text = renderTextSummary(data, context);
  return {
    [`${context.resultsDir}/summary.json`]: JSON.stringify(data, null, 2),
    [`${context.resultsDir}/summary.txt`]: text,
    stdout: text,
  };
}

/** The readable summary of a run. */
export function renderTextSummary(data: SummaryData, context: SummaryContext): string {
  const metric = (name: string): SummaryMetric | undefined => data.metrics[name];
  const value = (name: string, key: string): number => metric(name)?.values[key] ?? 0;
  const lines: string[] = [];
  const seconds = data.state.testRunDurationMs / 1000;
  lines.push(`floodgate · run ${context.runId} · scenario ${context.scenario} · ${seconds.toFixed(1)} s`);
  // The load scenario's own iterations when the script counts them apart (open scenarios run a
  // planned-rate helper whose one iteration is no applicant).
  const applicants = metric(`${K6_BUILTIN.iterations}{scenario:${context.scenario}}`) ? `${K6_BUILTIN.iterations}{scenario:${context.scenario}}` : K6_BUILTIN.iterations;
  lines.push(
    `applicants ${value(applicants, 'count')} finished, ${value(K6_BUILTIN.droppedIterations, 'count')} dropped · ` +
      `http requests ${value(K6_BUILTIN.httpReqs, 'count')}, failed ${percent(value(K6_BUILTIN.httpReqFailed, 'rate'))} · ` +
      `checks ${percent(value(K6_BUILTIN.checks, 'rate'))} passed`,
  );
  lines.push('');

  const header = ['stage', ...STAGE_RESULTS, 'p95 ms', 'objective'];
  const rows: string[][] = [header];
  for (const stage of FUNNEL_STAGES) {
    const counts = STAGE_RESULTS.map((result) => {
      const found = metric(`${K6_METRICS.funnelStage}{stage:${stage},result:${result}}`);
      return found ? String(found.values.count ?? 0) : '-';
    });
    const latency = metric(`${K6_BUILTIN.httpReqDuration}{stage:${stage}}`);
    const p95 = latency?.values['p(95)'];
    const objective = STAGE_OBJECTIVES[stage].p95Ms;
    const verdict = p95 === undefined || (latency?.values.count ?? 1) === 0 ? '' : p95 < objective ? ' ok' : ' MISSED';
    rows.push([stage, ...counts, p95 === undefined ? '-' : p95.toFixed(1), `<${objective}${verdict}`]);
  }
  lines.push(...table(rows));

  const checks = collectChecks(data.root_group).filter((check) => check.fails > 0);
  if (checks.length > 0) {
    lines.push('', 'failed checks');
    for (const check of checks) lines.push(`  ${check.name}: ${check.fails} of ${check.passes + check.fails} failed`);
  }

  const thresholds = Object.entries(data.metrics).flatMap(([name, entry]) =>
    Object.entries(entry.thresholds ?? {})
      .filter(([expression]) => expression !== 'count>=0') // funnel bookkeeping, always holds
      .map(([expression, result]) => ({ name, expression, ok: result.ok })),
  );
  if (thresholds.length > 0) {
    const failed = thresholds.filter((threshold) => !threshold.ok);
    lines.push('', `thresholds: ${thresholds.length - failed.length} of ${thresholds.length} hold`);
    for (const threshold of [...failed, ...thresholds.filter((t) => t.ok)]) {
      lines.push(`  ${threshold.ok ? 'ok  ' : 'FAIL'} ${threshold.name} ${threshold.expression}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function collectChecks(group: SummaryGroup): Array<{ name: string; passes: number; fails: number }> {
  return [...group.checks, ...group.groups.flatMap(collectChecks)];
}

function percent(rate: number): string {
  return `${(rate * 100).toFixed(2)} %`;
}

function table(rows: readonly string[][]): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows.map((row) =>
    row
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ')
      .trimEnd(),
  );
}
