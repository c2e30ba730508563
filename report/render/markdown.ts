/**
 * `report.md`: the report for a pull request or a chat message — the same sections as report.html
 * (the answer, validity, the finding, key figures, forecast, load steps, stages, funnel,
 * reconciliation, USL, comparison, thresholds), without charts.
 *
 * Every string that reaches the file is escaped: run.json, summary.json and the target are not
 * trusted, so their text cannot become a link, an image, HTML or a table cell break. Prose gets
 * CommonMark backslash escapes; identifiers and expressions (run ids, metrics, `count<=10`) go into
 * code spans, which render literally and read naturally in the raw file.
 */

import type { Analysis } from '../analysis/index.ts';
import {
  ERROR_RATE_DEFINITION,
  STAGE_LATENCY_DEFINITION,
  FORECAST_TITLE,
  USL_INTRO,
  USL_NOT_FITTED,
  USL_TITLE,
  forecastNotes,
  forecastTable,
  formatMeasuredThreshold,
  funnelTable,
  keyFigures,
  reconciliationTable,
  stageTable,
  stepStageTable,
  stepTable,
  uslRows,
  type Table,
} from './format.ts';
import { AMPLIFICATION_TITLE, PROFILE_TITLE, amplificationNotes, amplificationTable, profileRows } from './traffic.ts';

/** Renders the Markdown report. */
export function renderMarkdown(analysis: Analysis): string {
  const { answer } = analysis;
  const lines: string[] = [];
  lines.push(`# floodgate capacity report — ${code(analysis.run)}`, '');
  lines.push(`## ${text(answer.headline)}`, '');
  for (const item of answer.questions) lines.push(`**${text(item.question)}** ${text(item.answer)}`, '');
  lines.push(
    answer.capacity
      ? `**Capacity: ${text(answer.capacity.text)}** — ${text(answer.capacity.label)}.`
      : `**Capacity: not measured** — ${text(analysis.validity.valid ? 'this run does not measure capacity: the breakpoint test does' : 'an invalid run measures the load generator, not the capacity')}.`,
    '',
  );
  lines.push('## Validity', '');
  lines.push(
    `- ${analysis.validity.valid ? '✅ valid run' : '⚠️ **invalid run**'} (generator checked over ${text(analysis.validity.judged)})`,
  );
  for (const reason of analysis.validity.reasons) lines.push(`- ⚠️ ${text(reason)}`);
  for (const warning of analysis.validity.warnings) lines.push(`- ${text(warning)}`);
  for (const disclosure of analysis.validity.disclosures) lines.push(`- ${text(disclosure)}`);
  lines.push('', `## The finding in detail: ${text(analysis.verdict.headline)}`, '', text(analysis.verdict.text), '');
  lines.push('## Key figures', '', table({ header: ['figure', 'value'], rows: keyFigures(analysis) }), '');
  lines.push(`## ${text(FORECAST_TITLE)}`, '');
  for (const note of forecastNotes(analysis)) lines.push(text(note), '');
  if (analysis.forecast.available) lines.push(table(forecastTable(analysis)), '');
  if (analysis.steps.length > 0) {
    lines.push(
      '## Load steps',
      '',
      `${text(analysis.capacity.explanation)}. Every figure here is per load step, over its steady part.`,
      '',
      table(stepTable(analysis)),
      '',
    );
    lines.push(
      '### p95 latency per step (successful requests; ✗: over the stage’s p95 objective)',
      '',
      table(stepStageTable(analysis, 'p95')),
      '',
    );
    lines.push(
      '### Error rate per step (✗: significantly over the stage’s objective)',
      '',
      text(ERROR_RATE_DEFINITION),
      '',
      table(stepStageTable(analysis, 'errors')),
      '',
    );
  }
  lines.push(
    '## Stages over the whole run',
    '',
    text(`${STAGE_LATENCY_DEFINITION} ${ERROR_RATE_DEFINITION}`),
    '',
    table(stageTable(analysis)),
    '',
  );
  const profile = profileRows(analysis);
  if (profile) lines.push(`## ${text(PROFILE_TITLE)}`, '', table({ header: ['', ''], rows: profile }), '');
  const amplification = amplificationTable(analysis);
  if (amplification) {
    lines.push(`## ${text(AMPLIFICATION_TITLE)}`, '');
    for (const note of amplificationNotes(analysis)) lines.push(text(note), '');
    lines.push(table(amplification), '');
  }
  lines.push(
    '## Funnel',
    '',
    `Expected continuation: ${text(analysis.funnel.continuationSource)}; 95 % binomial bands.`,
    '',
    table(funnelTable(analysis)),
    '',
  );
  lines.push('## Reconciliation', '');
  lines.push(
    analysis.reconciliation.available
      ? table(reconciliationTable(analysis))
      : text('The target’s truth was not available, so acknowledged records could not be checked against stored ones.'),
    '',
  );
  const usl = uslRows(analysis);
  if (usl) lines.push(`## ${text(USL_TITLE)}`, '', text(USL_INTRO), '', table({ header: ['', ''], rows: usl }), '');
  else if (analysis.steps.length > 0) lines.push(`## ${text(USL_TITLE)}`, '', text(USL_NOT_FITTED), '');
  if (analysis.comparison) {
    lines.push(`## Compared with ${code(analysis.comparison.baselineRun)}`, '');
    lines.push(
      `- Regressions: ${analysis.comparison.regressions.length === 0 ? 'none' : analysis.comparison.regressions.map(text).join('; ')}`,
    );
    lines.push(
      `- Improvements: ${analysis.comparison.improvements.length === 0 ? 'none' : analysis.comparison.improvements.map(text).join('; ')}`,
      '',
    );
  }
  if (analysis.thresholds.length > 0) {
    lines.push('## k6 thresholds', '');
    lines.push(
      codeTable({
        header: ['metric', 'threshold', 'measured', 'result'],
        rows: analysis.thresholds.map((threshold) => [
          threshold.metric,
          threshold.expression,
          formatMeasuredThreshold(threshold),
          threshold.ok === undefined ? 'unknown' : threshold.ok ? 'pass' : 'FAIL',
        ]),
      }),
      '',
    );
  }
  lines.push('_Charts and details: report.html; machine-readable: report.json._', '');
  return lines.join('\n');
}

function table(content: Table): string {
  const row = (cells: readonly string[]): string => `| ${cells.map(text).join(' | ')} |`;
  return [row(content.header), `|${content.header.map(() => '---').join('|')}|`, ...content.rows.map(row)].join('\n');
}

/** A table whose first two columns are identifiers (code spans), e.g. metric and threshold expression. */
function codeTable(content: Table): string {
  const row = (cells: readonly string[], header: boolean): string =>
    `| ${cells.map((cell, index) => (!header && index < 2 ? code(cell, true) : text(cell))).join(' | ')} |`;
  return [
    row(content.header, true),
    `|${content.header.map(() => '---').join('|')}|`,
    ...content.rows.map((cells) => row(cells, false)),
  ].join('\n');
}

/**
 * Text safe in a Markdown line or table cell: one line, and every character that could start
 * markup backslash-escaped (CommonMark lets any ASCII punctuation be escaped): `[` `]` (so no link
 * or image: `![x](…)` and `[x](javascript:…)` stay text), `<` (no HTML, no autolink), `&` (no
 * entity), `` ` `` `*` `~` `\` (no code, emphasis or strike-through), `|` (no cell break), and a
 * leading `#` `>` `-` `+` `=` (no heading, quote or list). An underscore inside a word
 * (`verify_nik`) is left alone: it cannot open emphasis there. Parentheses, `!` and a `>` mid-line
 * are harmless once `[` and `<` are escaped, so the raw file stays readable.
 */
export function text(value: string): string {
  return value
    .replace(/\s*[\r\n]+\s*/g, ' ')
    .replace(/[\\`*[\]<|~&]/g, '\\$&')
    .replace(/^([#>+=-])/, '\\$1')
    .replace(/(^|[^A-Za-z0-9])_|_(?=[^A-Za-z0-9]|$)/g, (match) => match.replace('_', '\\_'));
}

/**
 * An identifier or expression as a code span: rendered literally (no markup inside), with a
 * backtick fence longer than any backtick run in it; `|` escaped inside tables (GFM splits cells
 * on it even in code spans).
 */
export function code(value: string, inTable = false): string {
  const one = value.replace(/\s*[\r\n]+\s*/g, ' ');
  const longest = Math.max(0, ...(one.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const padded = one.startsWith('`') || one.endsWith('`') || one.startsWith(' ') ? ` ${one} ` : one;
  return `${fence}${inTable ? padded.replace(/\|/g, '\\|') : padded}${fence}`;
}
