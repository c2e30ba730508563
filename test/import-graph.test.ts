/**
 * DESIGN §2's dependency rule, enforced: `cli → {engine, target, exporter, dashboards, report,
 * profile, runner, deploy, demo} → contracts`, `load-tests → contracts`, nothing imports `cli`,
 * contracts pure, load-tests only k6 besides. The arrows are in test/support/import-graph.ts.
 */

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import {
  FLOODGATE_IMPORT_RULE,
  checkImports,
  formatViolations,
  importsOf,
  listSources,
} from './support/import-graph.ts';

const ROOT = join(import.meta.dirname, '..');

describe('the import graph', () => {
  test("holds DESIGN §2's arrows in every file of the repository", () => {
    expect(formatViolations(checkImports(ROOT))).toBe('');
  });

  test('is read from every component, so a pass means something', () => {
    const files = listSources(ROOT);
    for (const component of FLOODGATE_IMPORT_RULE.components) {
      expect(
        files.some((file) => file.startsWith(`${component}/`)),
        component,
      ).toBe(true);
    }
    const imports = files.reduce((sum, file) => sum + importsOf(readFileSync(join(ROOT, file), 'utf8')).length, 0);
    expect(imports).toBeGreaterThan(1000);
  });

  test('has no exception today: every component keeps to its arrows', () => {
    // An import that must break the rule for a while goes here as `file -> specifier` with the
    // reason it stays, and is named in the closing note of the change that adds it.
    expect(FLOODGATE_IMPORT_RULE.exceptions).toEqual({});
  });
});

describe('the import-graph checker on a fixture tree', () => {
  const root = mkdtempSync(join(tmpdir(), 'floodgate-import-graph-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const write = (path: string, text: string): void => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  write('contracts/funnel.ts', 'export const STAGES = [];\n');
  write('load-tests/lib/env.ts', "import { STAGES } from '../../contracts/funnel.ts';\nexport const x = STAGES;\n");
  write('cli/index.ts', 'export const main = 1;\n');
  write('test/support/helper.ts', 'export const helper = 1;\n');

  test.each([
    [
      'report/read-run.ts',
      "import { x } from '../load-tests/lib/env.ts';",
      'report → load-tests is not an arrow of DESIGN §2 (report may import contracts)',
    ],
    [
      'contracts/plan.ts',
      "import { readFileSync } from 'node:fs';",
      'contracts/ is pure: it imports no package (npm or node:), only its own files',
    ],
    [
      'load-tests/scenarios/x.ts',
      "import { z } from 'zod';",
      'load-tests/ imports only the packages ^k6(\\/|$) (k6 runs it, not Node)',
    ],
    [
      'engine/run.ts',
      "import { main } from '../cli/index.ts';",
      'nothing imports cli/: it sits on top of every component',
    ],
    [
      'exporter/live/page.ts',
      "import type { Store } from '../store.ts';",
      'exporter/live → exporter is not an arrow of DESIGN §2 (exporter/live may import contracts)',
    ],
    [
      'target/app.ts',
      "const helper = await import('../test/support/helper.ts');",
      'nothing but test code imports test code (test/support/helper.ts)',
    ],
    ['demo/index.ts', "export { STAGES } from '../../contracts/funnel.ts';", "it leaves the repository's components"],
  ])('refuses %s importing `%s`, naming the file, the line and the rule', (file, statement, rule) => {
    write(file, `/** A file. */\n\n${statement}\n`);
    try {
      const violations = checkImports(root);
      expect(violations).toEqual([{ file, line: 3, specifier: expect.any(String) as string, rule }]);
    } finally {
      rmSync(join(root, file));
    }
  });

  test('lets tests import anything, and reads no import inside a string or a comment', () => {
    write(
      'report/read-run.test.ts',
      "import { main } from '../cli/index.ts';\nimport { helper } from '../test/support/helper.ts';\n",
    );
    write(
      'cli/template.ts',
      "// import { x } from '../load-tests/lib/env.ts';\nexport const t = `import { y } from '../../contracts/z.ts';`;\n",
    );
    expect(checkImports(root)).toEqual([]);
  });
});
