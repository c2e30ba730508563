/**
 * The report's renderers, one file each, in one explicit list: add a format by adding a file and
 * a line here.
 */

import type { Analysis } from '../analysis/index.ts';
import { renderHtml } from './html.ts';
import { renderJson } from './json.ts';
import { renderJunit } from './junit.ts';
import { renderMarkdown } from './markdown.ts';

/** One output format. */
export interface ReportRenderer {
  /** File written into the output folder. */
  readonly file: string;
  readonly render: (analysis: Analysis) => string;
}

/** Every format `floodgate report` writes. */
export const RENDERERS: readonly ReportRenderer[] = [
  { file: 'report.html', render: renderHtml },
  { file: 'report.md', render: renderMarkdown },
  { file: 'report.json', render: renderJson },
  { file: 'junit.xml', render: renderJunit },
];
