/**
 * An engine bug is an engine error, never the script's fault: while the engine reads a script's
 * options, only OptionsError / SegmentError (the script's options are wrong) exit 104; a bug in
 * the engine's own option handling rejects runScript (the CLI prints "the local engine failed"
 * and exits 1). The bug is injected by replacing consolidateOptions for this file only.
 */

import { afterAll, afterEach, describe, expect, test, vi } from 'vitest';
import { runScript } from './index.ts';
import type * as OptionsModule from './options.ts';
import { OptionsError } from './options.ts';
import { captureStream, scriptFolder } from './testing.ts';

const injected = vi.hoisted(() => ({ error: undefined as Error | undefined }));

vi.mock('./options.ts', async (importOriginal) => {
  const original = await importOriginal<typeof OptionsModule>();
  return {
    ...original,
    consolidateOptions: (raw: unknown) => {
      if (injected.error) throw injected.error;
      return original.consolidateOptions(raw);
    },
  };
});

const folder = scriptFolder('floodgate-engine-errors-');
afterEach(() => {
  injected.error = undefined;
});
afterAll(() => folder.cleanup());

function run(name: string) {
  const script = folder.write(
    name,
    'export const options = { vus: 1, iterations: 1 };\nexport default function () {}\n',
  );
  return runScript({
    script,
    stdout: captureStream(),
    stderr: captureStream(),
    includeSystemEnv: false,
    cwd: folder.dir,
  });
}

describe('an engine bug while reading options', () => {
  test('a TypeError from the engine rejects the run instead of exiting 104', async () => {
    injected.error = new TypeError("Cannot read properties of undefined (reading 'duration')");
    await expect(run('type-error.js')).rejects.toThrow(/reading 'duration'/);
  });

  test('a plain Error from the engine rejects the run instead of exiting 104', async () => {
    injected.error = new Error('unreachable: executor table out of date');
    await expect(run('plain-error.js')).rejects.toThrow(/unreachable/);
  });

  test("the script's own bad options still exit 104 naming the option", async () => {
    injected.error = new OptionsError('options.vus must be a non-negative integer');
    const result = await run('bad-options.js');
    expect(result.exitCode).toBe(104);
    expect(result.error?.message).toMatch(/options\.vus/);
  });
});
