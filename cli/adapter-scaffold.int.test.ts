/**
 * `floodgate adapter new <name>`: the skeleton it writes is a complete adapter that type-checks
 * against k6's types as written, registered with its two lines in targets/index.ts; and an
 * adapter without a test mailbox gets a plain EMAIL_TOKEN_SOURCE error, not a RangeError.
 */

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test, vi } from 'vitest';
import { adapterFactoryName, adapterSkeleton, registerAdapter } from './adapter-template.ts';
import { main } from './index.ts';
import { PROJECT_ROOT, refuseMissingMailbox } from '../runner/index.ts';

const TARGETS = join(PROJECT_ROOT, 'load-tests', 'targets');
const NAME = `scaffold-check-${process.pid}`;
const file = join(TARGETS, `${NAME}.ts`);
const tsconfig = join(PROJECT_ROOT, 'load-tests', `tsconfig.scaffold-${process.pid}.json`);
const index = join(TARGETS, 'index.ts');
const indexBefore = readFileSync(index, 'utf8');

afterAll(() => {
  rmSync(file, { force: true });
  rmSync(tsconfig, { force: true });
  writeFileSync(index, indexBefore);
});

describe('floodgate adapter new', () => {
  test('writes a skeleton of all six stages, registers it, and the result type-checks against k6 types', async () => {
    let output = '';
    const out = vi
      .spyOn(process.stdout, 'write')
      .mockImplementation((chunk: string | Uint8Array) => ((output += chunk.toString()), true));
    const code = await main(['adapter', 'new', NAME]).finally(() => out.mockRestore());
    expect(code, output).toBe(0);
    expect(output).toContain(`-e ADAPTER=${NAME}`);
    const text = readFileSync(file, 'utf8');
    for (const stage of ['landing', 'register', 'verifyEmail', 'verifyNik', 'uploadPhoto', 'joinBatch'])
      expect(text).toContain(`async ${stage}(`);
    const registered = readFileSync(index, 'utf8');
    expect(registered).toContain(`import { ${adapterFactoryName(NAME)} } from './${NAME}.ts';`);
    expect(registered).toContain(`  '${NAME}': ${adapterFactoryName(NAME)},`);
    writeFileSync(
      tsconfig,
      JSON.stringify({ extends: './tsconfig.json', include: [`targets/${NAME}.ts`, 'targets/index.ts'] }),
    );
    expect(() =>
      execFileSync(join(PROJECT_ROOT, 'node_modules', '.bin', 'tsc'), ['-p', tsconfig, '--noEmit'], {
        cwd: PROJECT_ROOT,
        encoding: 'utf8',
        stdio: 'pipe',
      }),
    ).not.toThrow();
  }, 120_000);

  test('refuses a name that exists, and a name that is no file name', async () => {
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await main(['adapter', 'new', 'reference'])).toBe(2);
      expect(await main(['adapter', 'new', 'Acme API'])).toBe(2);
      expect(await main(['adapter', 'frobnicate', 'x'])).toBe(2);
    } finally {
      err.mockRestore();
    }
    expect(existsSync(join(TARGETS, 'Acme API.ts'))).toBe(false);
  });

  test('registering is two lines, and a second time is refused', () => {
    const source =
      "import { referenceAdapter } from './reference.ts';\n\nexport const ADAPTERS: Readonly<Record<string, AdapterFactory>> = Object.freeze({\n  reference: referenceAdapter,\n});\n";
    const once = registerAdapter(source, 'acme');
    expect(once.split('\n').length - source.split('\n').length).toBe(2);
    expect(() => registerAdapter(once, 'acme')).toThrow(/already registered/);
    expect(adapterSkeleton('acme')).toContain("name: 'acme'");
  });
});

describe('an adapter without a test mailbox', () => {
  test('with the default EMAIL_TOKEN_SOURCE is refused in plain words naming the sources to use', () => {
    expect(() => refuseMissingMailbox('acme', 'mailbox')).toThrow(
      /EMAIL_TOKEN_SOURCE = "mailbox" is invalid: adapter acme has no test mailbox.*EMAIL_TOKEN_SOURCE=header.*mailpit/,
    );
    expect(() => refuseMissingMailbox('reference', 'mailbox')).not.toThrow();
    expect(() => refuseMissingMailbox('acme', 'header')).not.toThrow();
  });
});

describe('the adapter guide', () => {
  test('shows the whole skeleton floodgate adapter new writes, all six stages included', () => {
    const readme = readFileSync(join(PROJECT_ROOT, 'load-tests', 'README.md'), 'utf8');
    expect(readme).toContain(`// load-tests/targets/acme.ts\n${adapterSkeleton('acme')}\`\`\``);
    expect(readme).toContain('**two lines**');
  });
});
