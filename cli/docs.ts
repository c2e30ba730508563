/**
 * The README's reference tables (commands, configuration, metrics, errors), rendered from the
 * code that defines them, so the README cannot drift: test/readme.test.ts compares them and
 * rewrites them with UPDATE_GOLDEN=1.
 */

import { ERROR_TABLE } from '../contracts/errors.ts';
import { ALL_METRICS } from '../contracts/metrics.ts';
import type { CommandDefinition } from './command.ts';
import { renderOptionTable } from './config.ts';

/** Sections of the README that are generated, by marker name. */
export function renderReadmeSections(commands: readonly CommandDefinition<never>[]): Record<string, string> {
  return {
    commands: renderCommandTable(commands),
    config: renderOptionTable(commands),
    metrics: renderMetricTable(),
    errors: renderErrorTable(),
  };
}

/** One row per command: usage and what it does. */
export function renderCommandTable(commands: readonly CommandDefinition<never>[]): string {
  const rows = ['| command | what it does |', '|---|---|'];
  for (const command of commands) {
    const args = (command.arguments ?? []).map((argument) =>
      argument.required ? `<${argument.name}>` : `[${argument.name}]`,
    );
    rows.push(`| \`floodgate ${[command.name, ...args].join(' ')}\` | ${escapeCell(command.summary)} |`);
  }
  return rows.join('\n');
}

/** One row per metric of the catalog. */
export function renderMetricTable(): string {
  const rows = ['| metric | type | labels | meaning |', '|---|---|---|---|'];
  for (const metric of ALL_METRICS) {
    rows.push(
      `| \`${metric.name}\` | ${metric.type} | ${metric.labels.join(', ') || '—'} | ${escapeCell(metric.help)} |`,
    );
  }
  return rows.join('\n');
}

/** One row per error code. */
export function renderErrorTable(): string {
  const rows = ['| code | exit | message | what to do |', '|---|---|---|---|'];
  for (const [code, definition] of Object.entries(ERROR_TABLE)) {
    rows.push(
      `| \`${code}\` | ${definition.exitCode} | ${escapeCell(definition.message)} | ${escapeCell(definition.hint)} |`,
    );
  }
  return rows.join('\n');
}

/** Markers around the part of `.env.example` rendered from the command options. */
export const ENV_EXAMPLE_MARKERS = {
  open: '# --- generated from the command options: do not edit by hand ---',
  close: '# --- end of generated options ---',
} as const;

/** `.env.example` lines for every option that has an environment variable, grouped by command. */
export function renderEnvExample(commands: readonly CommandDefinition<never>[]): string {
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const command of commands) {
    const specs = command.options.filter((spec) => spec.env && !seen.has(spec.env));
    if (specs.length === 0) continue;
    lines.push('', `# floodgate ${command.name}`);
    for (const spec of specs) {
      seen.add(spec.env!);
      lines.push(`# ${spec.description.replace(/\n/g, ' ')} (${spec.flag.split(/[ ,]/)[0]})`);
      lines.push(`# ${spec.env}=${spec.default === undefined ? '' : String(spec.default)}`);
    }
  }
  return lines.join('\n').trimStart();
}

/** Replaces the generated part of `.env.example`. */
export function replaceEnvExample(text: string, body: string): string {
  const start = text.indexOf(ENV_EXAMPLE_MARKERS.open);
  const end = text.indexOf(ENV_EXAMPLE_MARKERS.close);
  if (start < 0 || end < start) throw new Error('.env.example has no generated section markers');
  return `${text.slice(0, start + ENV_EXAMPLE_MARKERS.open.length)}\n${body}\n${text.slice(end)}`;
}

/** Replaces the text between `<!-- generated:NAME -->` and `<!-- /generated:NAME -->` markers. */
export function replaceGeneratedSections(readme: string, sections: Record<string, string>): string {
  let result = readme;
  for (const [name, body] of Object.entries(sections)) {
    const pattern = new RegExp(`(<!-- generated:${name} -->\\n)[\\s\\S]*?(<!-- /generated:${name} -->)`);
    if (!pattern.test(result)) throw new Error(`README has no <!-- generated:${name} --> section`);
    result = result.replace(pattern, (_whole, open: string, close: string) => `${open}${body}\n${close}`);
  }
  return result;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
