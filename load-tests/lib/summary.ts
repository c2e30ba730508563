/**
 * The end of a test: handleSummary writes k6's summary data as JSON and a readable text summary
 * (funnel per stage, latency against the objectives, thresholds) to the results folder, and the
 * text to stdout. Pure: the data goes in, the files to write come out; no remote jslib.
 */

import { FUNNEL_STAGES, STAGE_RESULTS } from '../../contracts/funnel.ts';
import { K6_BUILTIN, K6_METRICS } from '../../contracts/metrics.ts';
import { humanizeDuration, humanizeValue, renderSummaryBlocks } from '../../contracts/end-of-test-summary.ts';

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

/**
 * The readable summary of a run: a header line, k6's own end-of-test summary (THRESHOLDS and
 * TOTAL RESULTS, as `k6 run` prints them; contracts/end-of-test-summary.ts), then floodgate's
 * funnel table. Every verdict in the table is the threshold's own result from the data (k6
 * judged it), so the table and the THRESHOLDS block cannot disagree; a stage without such a
 * threshold shows its value and `-`. Bookkeeping (the `count>=0` thresholds and the submetrics
 * they exist for) is left out of k6's blocks: the funnel table shows those numbers.
 */
export function renderTextSummary(data: SummaryData, context: SummaryContext): string {
  const metric = (name: string): SummaryMetric | undefined => data.metrics[name];
  const value = (name: string, key: string): number => metric(name)?.values[key] ?? 0;
  const lines: string[] = [];
  const seconds = data.state.testRunDurationMs / 1000;
  lines.push(`floodgate · run ${context.runId} · scenario ${context.scenario} · ${seconds.toFixed(1)} s`);
  // The load scenario's own iterations when the script counts them apart (open scenarios run a
  // planned-rate helper whose one iteration is no applicant).
  const applicants = metric(`${K6_BUILTIN.iterations}{scenario:${context.scenario}}`)
    ? `${K6_BUILTIN.iterations}{scenario:${context.scenario}}`
    : K6_BUILTIN.iterations;
  lines.push(
    `applicants ${value(applicants, 'count')} finished, ${value(K6_BUILTIN.droppedIterations, 'count')} dropped · ` +
      `http requests ${value(K6_BUILTIN.httpReqs, 'count')}, failed ${percent(value(K6_BUILTIN.httpReqFailed, 'rate'))} · ` +
      `checks ${percent(value(K6_BUILTIN.checks, 'rate'))} passed`,
  );
  const k6Blocks = renderSummaryBlocks(data, {
    hideMetric: (name) =>
      name.startsWith(`${K6_METRICS.funnelStage}{`) ||
      name === `${K6_BUILTIN.iterations}{scenario:${context.scenario}}`,
    hideThreshold: (_name, expression) => expression === BOOKKEEPING,
  });
  lines.push(k6Blocks.replace(/\n+$/, ''), '', `  █ FUNNEL `, '');

  const header = ['stage', ...STAGE_RESULTS, 'p95', 'p95 objective', 'errors', 'error objective'];
  const rows: string[][] = [header];
  for (const stage of FUNNEL_STAGES) {
    const counts = STAGE_RESULTS.map((result) => {
      const found = metric(`${K6_METRICS.funnelStage}{stage:${stage},result:${result}}`);
      return found ? String(found.values.count ?? 0) : '-';
    });
    const latency = metric(`${K6_BUILTIN.httpReqDuration}{stage:${stage}}`);
    const p95 = latency?.values['p(95)'];
    const failed = metric(`${K6_BUILTIN.httpReqFailed}{stage:${stage}}`);
    rows.push([
      stage,
      ...counts,
      p95 === undefined ? '-' : humanizeDuration(p95),
      verdictCell(latency, 'p(95)'),
      failed?.values.rate === undefined ? '-' : percent(failed.values.rate),
      verdictCell(failed, 'rate'),
    ]);
  }
  lines.push(...table(rows).map((row) => `    ${row}`));

  const checks = collectChecks(data.root_group).filter((check) => check.fails > 0);
  if (checks.length > 0) {
    lines.push('', '    failed checks');
    for (const check of checks)
      lines.push(`      ${check.name}: ${check.fails} of ${check.passes + check.fails} failed`);
  }

  const thresholds = Object.entries(data.metrics).flatMap(([name, entry]) =>
    Object.entries(entry.thresholds ?? {})
      .filter(([expression]) => expression !== BOOKKEEPING)
      .map(([expression, result]) => ({ name, expression, ok: result.ok })),
  );
  if (thresholds.length > 0) {
    const failed = thresholds.filter((threshold) => !threshold.ok);
    lines.push('', `    thresholds: ${thresholds.length - failed.length} of ${thresholds.length} hold`);
    for (const threshold of failed) lines.push(`      ✗ ${threshold.name} ${threshold.expression}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The always-true threshold that only makes k6 hand a submetric to handleSummary. */
const BOOKKEEPING = 'count>=0';

/**
 * One objective cell: the thresholds on `entry` that judge `aggregation` (e.g. `p(95)<3000`),
 * each with k6's verdict: `<3s ✓`, `<1% ✗`; `-` when no threshold judges it.
 */
function verdictCell(entry: SummaryMetric | undefined, aggregation: string): string {
  const judged = Object.entries(entry?.thresholds ?? {}).filter(
    ([expression]) => expression.split(/[=<>!]/)[0]!.trim() === aggregation,
  );
  if (judged.length === 0) return '-';
  return judged
    .map(([expression, result]) => {
      const bound = expression.slice(aggregation.length).trim();
      const [, operator = '', number = ''] = /^([<>=!]+)\s*(.*)$/.exec(bound) ?? [];
      const limit = Number(number);
      const shown = Number.isNaN(limit)
        ? number
        : aggregation === 'rate'
          ? percent(limit)
          : aggregation.startsWith('p(')
            ? humanizeDuration(limit)
            : number;
      return `${operator}${shown} ${result.ok ? 'ok' : 'FAILED'}`;
    })
    .join(', ');
}

function collectChecks(group: SummaryGroup): Array<{ name: string; passes: number; fails: number }> {
  return [...group.checks, ...group.groups.flatMap(collectChecks)];
}

/** A rate as k6 prints it: percent truncated to two decimals. */
function percent(rate: number): string {
  return humanizeValue(rate, { type: 'rate', contains: 'default' });
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
