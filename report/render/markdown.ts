/**
 * `report.md`: the report for a pull request or a chat message — verdict, validity, key figures
 * and the tables, no charts.
 */

import type { Analysis } from '../analysis/index.ts';
import { funnelTable, keyFigures, reconciliationTable, stageTable, stepTable, thresholdTable, type Table } from './format.ts';

/** Renders the Markdown report. */
export function renderMarkdown(analysis: Analysis): string {
  const lines: string[] = [];
  lines.push(`# floodgate capacity report — ${inline(analysis.run)}`, '');
  lines.push(`**${inline(analysis.verdict.headline)}.** ${inline(analysis.verdict.text)}`, '');
  lines.push('## Validity', '');
  lines.push(`- ${analysis.validity.valid ? '✅ valid run' : '⚠️ **invalid run**'} (generator checked over ${inline(analysis.validity.judged)})`);
  for (const reason of analysis.validity.reasons) lines.push(`- ⚠️ ${inline(reason)}`);
  for (const warning of analysis.validity.warnings) lines.push(`- ${inline(warning)}`);
  for (const disclosure of analysis.validity.disclosures) lines.push(`- ${inline(disclosure)}`);
  lines.push('', '## Key figures', '');
  lines.push(table({ header: ['', ''], rows: keyFigures(analysis) }), '');
  if (analysis.steps.length > 0) {
    lines.push('## Load steps', '', `${inline(analysis.capacity.explanation)}.`, '', table(stepTable(analysis)), '');
  }
  lines.push('## Stages over the whole run', '', table(stageTable(analysis)), '');
  lines.push('## Funnel', '', `Expected continuation: ${inline(analysis.funnel.continuationSource)}; 95 % binomial bands.`, '', table(funnelTable(analysis)), '');
  if (analysis.reconciliation.available) lines.push('## Reconciliation', '', table(reconciliationTable(analysis)), '');
  if (analysis.comparison) {
    lines.push(`## Compared with ${inline(analysis.comparison.baselineRun)}`, '');
    lines.push(`- Regressions: ${analysis.comparison.regressions.length === 0 ? 'none' : analysis.comparison.regressions.map(inline).join('; ')}`);
    lines.push(`- Improvements: ${analysis.comparison.improvements.length === 0 ? 'none' : analysis.comparison.improvements.map(inline).join('; ')}`, '');
  }
  if (analysis.thresholds.length > 0) lines.push('## k6 thresholds', '', table(thresholdTable(analysis)), '');
  lines.push('_Charts and details: report.html; machine-readable: report.json._', '');
  return lines.join('\n');
}

function table(content: Table): string {
  const row = (cells: readonly string[]): string => `| ${cells.map(cell).join(' | ')} |`;
  return [row(content.header), `|${content.header.map(() => '---').join('|')}|`, ...content.rows.map(row)].join('\n');
}

function cell(text: string): string {
  return inline(text).replace(/\|/g, '\\|');
}

/** Text safe inside a Markdown line: no newlines, no HTML tags (a `<` could open one; `>` mid-line is plain text). */
function inline(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').replace(/</g, '&lt;');
}
