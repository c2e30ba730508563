/**
 * load-tests/ is code `k6 run` executes unmodified: it may import only k6 modules, its own `.ts`
 * files (with the extension: k6 does no extension probing) and ../contracts/, and it type-checks
 * against k6's types alone (no Node types sneaking in).
 */

import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, test } from 'vitest';
import { PROJECT_ROOT } from '../runner/index.ts';

const LOAD_TESTS = join(PROJECT_ROOT, 'load-tests');
const CONTRACTS = join(PROJECT_ROOT, 'contracts');

/** Why `specifier`, imported from `file`, is not allowed in a k6 script; undefined when it is. */
function importProblem(file: string, specifier: string): string | undefined {
  if (specifier === 'k6' || specifier.startsWith('k6/')) return undefined;
  if (!specifier.startsWith('./') && !specifier.startsWith('../'))
    return 'not a k6 module nor a relative path (k6 cannot load packages)';
  if (!specifier.endsWith('.ts')) return 'a relative import must spell the .ts extension';
  const target = resolve(dirname(file), specifier);
  const inside = (folder: string): boolean => target.startsWith(folder + sep);
  if (!inside(LOAD_TESTS) && !inside(CONTRACTS)) return 'outside load-tests/ and contracts/';
  return undefined;
}

/** Every script file k6 can reach from load-tests/, with the imports each makes. */
function reachableImports(): Array<{ file: string; specifier: string }> {
  const queue = listTs(LOAD_TESTS);
  const seen = new Set<string>();
  const found: Array<{ file: string; specifier: string }> = [];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const imported of ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles) {
      found.push({ file, specifier: imported.fileName });
      if (imported.fileName.startsWith('.') && imported.fileName.endsWith('.ts'))
        queue.push(resolve(dirname(file), imported.fileName));
    }
  }
  return found;
}

function listTs(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return listTs(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('load-tests imports', () => {
  test.each([
    ['k6/http', undefined],
    ['k6', undefined],
    ['./lib/env.ts', undefined],
    ['../../contracts/funnel.ts', undefined],
    ['./lib/env', /extension/],
    ['zod', /packages/],
    ['node:fs', /packages/],
    ['../../runner/index.ts', /outside/],
    ['https://jslib.k6.io/k6-utils/1.4.0/index.js', /packages/],
  ])('the rule judges %s from a scenario as %s', (specifier, problem) => {
    const verdict = importProblem(join(LOAD_TESTS, 'scenarios', 'x.ts'), specifier);
    if (problem === undefined) expect(verdict).toBeUndefined();
    else expect(verdict).toMatch(problem);
  });

  test('every file reachable from load-tests/ imports only k6 modules, relative .ts files and contracts', () => {
    const imports = reachableImports();
    expect(imports.length).toBeGreaterThan(30);
    const problems = imports
      .map(({ file, specifier }) => ({
        file: relative(PROJECT_ROOT, file),
        specifier,
        problem: importProblem(file, specifier),
      }))
      .filter((entry) => entry.problem !== undefined);
    expect(problems).toEqual([]);
    // the scripts really do reach into contracts/ and k6
    expect(imports.some(({ specifier }) => specifier.includes('/contracts/'))).toBe(true);
    expect(imports.some(({ specifier }) => specifier === 'k6/http')).toBe(true);
  });

  test('every scenario script exports a default function, options and handleSummary', () => {
    for (const scenario of ['smoke', 'opening', 'breakpoint', 'soak']) {
      const text = readFileSync(join(LOAD_TESTS, 'scenarios', `${scenario}.ts`), 'utf8');
      expect(text).toMatch(/^export default (async function |scenario\.iteration;)/m);
      expect(text).toMatch(/^export const options = /m);
      expect(text).toMatch(/^export (function handleSummary\(|const handleSummary = )/m);
      if (scenario !== 'smoke') {
        // the helper scenario's function, and the teardown that ends the plan after an interrupt
        expect(text).toMatch(/^export (async function plannedRate\(|const plannedRate = )/m);
        expect(text).toMatch(/^export (function teardown\(|const teardown = )/m);
      }
    }
  });
});

describe('load-tests type-check', () => {
  test('its tsconfig names k6 as the only types', () => {
    const config = ts.readConfigFile(join(LOAD_TESTS, 'tsconfig.json'), ts.sys.readFile).config as {
      compilerOptions: { types: string[]; lib: string[] };
    };
    expect(config.compilerOptions.types).toEqual(['k6']);
    expect(config.compilerOptions.lib).toEqual(['ES2020']);
  });

  test('tsc -p load-tests/tsconfig.json passes, and the program holds no Node types', () => {
    const tsc = join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    let listing: string;
    try {
      listing = execFileSync(
        process.execPath,
        [tsc, '-p', join(LOAD_TESTS, 'tsconfig.json'), '--noEmit', '--listFiles'],
        { cwd: PROJECT_ROOT, encoding: 'utf8' },
      );
    } catch (error) {
      throw new Error(`tsc failed:\n${(error as { stdout?: string }).stdout ?? String(error)}`);
    }
    const files = listing
      .trim()
      .split('\n')
      .map((file) => relative(PROJECT_ROOT, file));
    expect(files.some((file) => file.startsWith(join('node_modules', '@types', 'k6')))).toBe(true);
    const foreign = files.filter(
      (file) =>
        !file.startsWith(`load-tests${sep}`) &&
        !file.startsWith(`contracts${sep}`) &&
        !file.startsWith(join('node_modules', '@types', 'k6')) &&
        !file.startsWith(join('node_modules', 'typescript', 'lib')),
    );
    expect(foreign).toEqual([]);
    expect(files.some((file) => file.includes(join('@types', 'node')))).toBe(false);
  }, 120_000);
});
