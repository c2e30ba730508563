/**
 * The dependency rule of DESIGN §2, as data and a checker: which component may import which, and
 * which packages contracts/ and load-tests/ may import. test/import-graph.test.ts holds the repo
 * to it and shows it failing on a fixture tree. Imports are read with TypeScript's own
 * pre-processor (static imports, re-exports, `import type`, dynamic `import()`), so an import
 * spelled inside a string or a comment (cli/adapter-template.ts writes one) is not one.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { join, posix, sep } from 'node:path';
import ts from 'typescript';

/** A component: a top-level folder, or a folder that is a component of its own (`exporter/live`). */
export type Component = string;

/** The rule: for each component, the components it may import. A component may always import itself. */
export interface ImportRule {
  /** Components, in order of precedence when one folder sits inside another (`exporter/live` before `exporter`). */
  readonly components: readonly Component[];
  /** The components each one may import, beyond itself. */
  readonly arrows: Readonly<Record<Component, readonly Component[]>>;
  /** Components whose non-test files may import no package (npm or `node:`): only relative files. */
  readonly pure: readonly Component[];
  /** Components whose non-test files may import only these packages (`k6`, `k6/...`). */
  readonly packagesOnly: Readonly<Record<Component, RegExp>>;
  /** Leaves: test and benchmark code, which may import any component; nothing may import them. */
  readonly leaves: readonly Component[];
  /** Imports known to break the rule, each with the reason it stays: `file -> specifier`. */
  readonly exceptions: Readonly<Record<string, string>>;
}

/** One import that breaks the rule. */
export interface ImportViolation {
  /** Path relative to the root, `/`-separated. */
  readonly file: string;
  /** 1-based line of the import. */
  readonly line: number;
  readonly specifier: string;
  /** The rule it breaks, in words. */
  readonly rule: string;
}

/** DESIGN §2's arrows, with the components added since (runner, deploy, demo, profile, exporter/live). */
export const FLOODGATE_IMPORT_RULE: ImportRule = {
  components: [
    'exporter/live',
    'contracts',
    'load-tests',
    'engine',
    'target',
    'exporter',
    'dashboards',
    'report',
    'profile',
    'runner',
    'deploy',
    'demo',
    'cli',
    'bench',
    'test',
  ],
  arrows: {
    contracts: [],
    'load-tests': ['contracts'],
    engine: ['contracts'],
    target: ['contracts'],
    // the exporter serves the live page; the live page knows nothing of the exporter's insides
    exporter: ['contracts', 'exporter/live'],
    'exporter/live': ['contracts'],
    // the boards query the series the Prometheus rules record (deploy/prometheus/rules/*.ts)
    dashboards: ['contracts', 'deploy'],
    report: ['contracts'],
    profile: ['contracts'],
    runner: ['contracts'],
    deploy: ['contracts'],
    // the demo orchestrates target, exporter (with its live page), runner and report (DESIGN §13)
    demo: ['contracts', 'target', 'exporter', 'runner', 'report'],
    // the command line sits on top of everything except the k6 scripts, which it runs by path
    cli: ['contracts', 'engine', 'target', 'exporter', 'dashboards', 'report', 'profile', 'runner', 'deploy', 'demo'],
    bench: [],
    test: [],
  },
  pure: ['contracts'],
  packagesOnly: { 'load-tests': /^k6(\/|$)/ },
  leaves: ['bench', 'test'],
  exceptions: {},
};

/** Folders never read: dependencies, generated output, results. */
const SKIPPED = new Set(['node_modules', 'generated', 'results', '.git']);

/** Every TypeScript file under `root`'s component folders, relative to `root`. */
export function listSources(root: string, rule: ImportRule = FLOODGATE_IMPORT_RULE): string[] {
  const tops = [...new Set(rule.components.map((component) => component.split('/')[0]!))];
  const walk = (folder: string): string[] => {
    let entries;
    try {
      entries = readdirSync(join(root, folder), { withFileTypes: true });
    } catch {
      return [];
    }
    return entries.flatMap((entry) => {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) return SKIPPED.has(entry.name) ? [] : walk(path);
      return /\.(ts|mts|js|mjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
    });
  };
  return tops
    .flatMap(walk)
    .map((path) => path.split(sep).join('/'))
    .sort();
}

/** The component a root-relative path belongs to, or undefined outside every component. */
export function componentOf(path: string, rule: ImportRule = FLOODGATE_IMPORT_RULE): Component | undefined {
  return rule.components.find((component) => path === component || path.startsWith(`${component}/`));
}

/** True for a test file: `*.test.ts` anywhere, and everything in a leaf component. */
function isTestCode(path: string, rule: ImportRule): boolean {
  const component = componentOf(path, rule);
  return /\.test\.[mc]?[tj]s$/.test(path) || (component !== undefined && rule.leaves.includes(component));
}

/** The imports of one source, with their 1-based lines. */
export function importsOf(source: string): Array<{ specifier: string; line: number }> {
  const { importedFiles } = ts.preProcessFile(source, true, true);
  return importedFiles.map((file) => ({
    specifier: file.fileName,
    line: source.slice(0, file.pos).split('\n').length,
  }));
}

/** Every import under `root` that breaks `rule`, exceptions left out. */
export function checkImports(root: string, rule: ImportRule = FLOODGATE_IMPORT_RULE): ImportViolation[] {
  const violations: ImportViolation[] = [];
  for (const file of listSources(root, rule)) {
    const from = componentOf(file, rule)!;
    const testCode = isTestCode(file, rule);
    for (const { specifier, line } of importsOf(readFileSync(join(root, file), 'utf8'))) {
      if (rule.exceptions[`${file} -> ${specifier}`] !== undefined) continue;
      const problem = judge(file, from, testCode, specifier, rule);
      if (problem) violations.push({ file, line, specifier, rule: problem });
    }
  }
  return violations;
}

/** One line per violation: `file:line imports "specifier": rule`. */
export function formatViolations(violations: readonly ImportViolation[]): string {
  return violations
    .map((violation) => `${violation.file}:${violation.line} imports "${violation.specifier}": ${violation.rule}`)
    .join('\n');
}

function judge(
  file: string,
  from: Component,
  testCode: boolean,
  specifier: string,
  rule: ImportRule,
): string | undefined {
  if (!specifier.startsWith('.')) {
    if (testCode) return undefined;
    if (rule.pure.includes(from)) return `${from}/ is pure: it imports no package (npm or node:), only its own files`;
    const only = rule.packagesOnly[from];
    if (only && !only.test(specifier))
      return `${from}/ imports only the packages ${only.source} (k6 runs it, not Node)`;
    return undefined;
  }
  const target = posix.normalize(posix.join(posix.dirname(file), specifier));
  if (target.startsWith('..')) return `it leaves the repository's components`;
  const to = componentOf(target, rule);
  if (to === undefined) return `${target} is in no component (${rule.components.join(', ')})`;
  // test and benchmark code may import any component, test support and other tests
  if (testCode) return undefined;
  if (isTestCode(target, rule)) return `nothing but test code imports test code (${target})`;
  if (to === from) return undefined;
  if (to === 'cli') return 'nothing imports cli/: it sits on top of every component';
  if (!rule.arrows[from]?.includes(to)) {
    const allowed = rule.arrows[from] ?? [];
    return `${from} → ${to} is not an arrow of DESIGN §2 (${from} may import ${allowed.length > 0 ? allowed.join(', ') : 'nothing outside itself'})`;
  }
  return undefined;
}
