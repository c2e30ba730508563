/**
 * `floodgate report` on bad input and output paths: each is a clear error with its exit code
 * from the error table (contracts/errors.ts), never a hang, never "internal error". Permission
 * cases run the CLI as user nobody when the tests run as root (root reads and writes anything).
 */

import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ERROR_TABLE } from '../../contracts/errors.ts';
import { simulateRun } from '../../report/fixtures/simulated-run.ts';
import { startProcess, stopAll } from '../support/processes.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const FLOODGATE = join(ROOT, 'bin', 'floodgate.js');
const work = mkdtempSync(join(tmpdir(), 'floodgate-report-errors-'));
// Traversable by nobody, for the permission cases.
chmodSync(work, 0o755);
const AS_ROOT = process.getuid?.() === 0;
const CAN_DROP =
  AS_ROOT && spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'true']).status === 0;

afterAll(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

/** Runs `floodgate report <args>` to its end (as nobody when `unprivileged`), killed after 60 s. */
async function report(
  args: string[],
  unprivileged = false,
): Promise<{ code: number | null; output: string; killed: boolean }> {
  const [command, argv] =
    unprivileged && CAN_DROP
      ? [
          'setpriv',
          ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, FLOODGATE, 'report', ...args],
        ]
      : [process.execPath, [FLOODGATE, 'report', ...args]];
  const child = startProcess(command, argv, { cwd: ROOT, env: { ...process.env, HOME: work } });
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    child.child.kill('SIGKILL');
  }, 60_000);
  const code = await new Promise<number | null>((resolve) => child.child.once('exit', (exitCode) => resolve(exitCode)));
  clearTimeout(timer);
  return { code, output: child.output(), killed };
}

/** A simulated results folder of a soak run that met its SLOs, as `floodgate run` writes one; truth.json only when asked. */
function resultsFolder(name: string, options: { truth?: boolean; target?: string } = {}): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  const simulation = simulateRun({ scenario: 'soak', steps: [{ rate: 5, seconds: 60 }], seed: 3 });
  writeFileSync(join(dir, 'k6.ndjson'), `${simulation.lines.join('\n')}\n`);
  writeFileSync(
    join(dir, 'run.json'),
    JSON.stringify({ ...simulation.manifest, ...(options.target ? { target: options.target } : {}) }),
  );
  if (options.truth)
    writeFileSync(join(dir, 'truth.json'), JSON.stringify({ run: simulation.manifest.run, stages: simulation.truth }));
  chmodSync(dir, 0o777);
  return dir;
}

/** A URL where nothing listens (a port that was free a moment ago). */
async function closedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

const noStack = /\n\s+at /;

describe("--fail-on any when the target's truth cannot be read", () => {
  test('exits 99 (REPORT_GATE_FAILED) and says on stdout that the run could not be reconciled, and where it looked', async () => {
    const target = await closedUrl();
    const dir = resultsFolder('no-truth', { target });
    const plain = await report([dir]);
    expect(plain.code, plain.output).toBe(0);
    expect(plain.output).toContain(
      `Reconciliation not done: the target's truth could not be read (tried ${join(dir, 'truth.json')}, then ${target}/truth)`,
    );

    const gated = await report([dir, '--fail-on', 'any']);
    expect(gated.code, gated.output).toBe(ERROR_TABLE.REPORT_GATE_FAILED.exitCode);
    expect(gated.output).toMatch(
      /error: the report fails --fail-on any: the target's truth could not be read, so lost records cannot be ruled out/,
    );
  });

  test('passes with --target-truth off, and says reconciliation was skipped', async () => {
    const dir = resultsFolder('truth-off', { target: await closedUrl() });
    const result = await report([dir, '--fail-on', 'any', '--target-truth', 'off']);
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain('Reconciliation skipped (--target-truth off)');
    expect(result.output).not.toMatch(/truth could not be read/);
  });
});

describe('output paths that cannot hold the report', () => {
  const dir = resultsFolder('good', { truth: true });

  test('--out /proc/x is OUTPUT_FAILED (exit 3) at once: no spinning, no hang', async () => {
    const result = await report([dir, '--out', '/proc/floodgate-x']);
    expect(result.killed).toBe(false);
    expect(result.code, result.output).toBe(ERROR_TABLE.OUTPUT_FAILED.exitCode);
    expect(result.output).toMatch(/error: cannot write \/proc\/floodgate-x: cannot create the folder: /);
    expect(result.output).not.toMatch(/internal error|floodgate bug/);
    expect(result.output).not.toMatch(noStack);
  });

  test('--out below a file is OUTPUT_FAILED naming the path', async () => {
    const file = join(work, 'a-file');
    writeFileSync(file, 'not a folder');
    const result = await report([dir, '--out', join(file, 'report')]);
    expect(result.code, result.output).toBe(3);
    expect(result.output).toMatch(
      /cannot write .*a-file\/report: a part of the path is a file, not a folder \(ENOTDIR\)/,
    );
  });

  test.skipIf(AS_ROOT && !CAN_DROP)(
    'an unwritable output folder is OUTPUT_FAILED (exit 3), "permission denied", not "internal error… floodgate bug"',
    async () => {
      const locked = join(work, 'locked-out');
      mkdirSync(locked);
      chmodSync(locked, 0o555);
      const result = await report([dir, '--out', locked], true);
      expect(result.code, result.output).toBe(3);
      expect(result.output).toMatch(
        /cannot write .*locked-out: the folder is not writable: permission denied \(EACCES\)/,
      );
      expect(result.output).not.toMatch(/internal error|floodgate bug/);
    },
  );
});

describe('results folders that cannot be read', () => {
  test('a folder that does not exist, or a file, is RESULTS_NOT_FOUND (exit 6) saying which', async () => {
    const missing = await report([join(work, 'nowhere')]);
    expect(missing.code).toBe(6);
    expect(missing.output).toMatch(/no results in .*nowhere: the folder does not exist/);
    const file = join(work, 'results-file');
    writeFileSync(file, '{}');
    const notFolder = await report([file]);
    expect(notFolder.code).toBe(6);
    expect(notFolder.output).toMatch(/no results in .*results-file: it is a file, not a folder/);
  });

  test.skipIf(AS_ROOT && !CAN_DROP)(
    'an unreadable folder is RESULTS_UNREADABLE (exit 6) "permission denied", not "k6.ndjson is missing"',
    async () => {
      const dir = resultsFolder('locked-in', { truth: true });
      chmodSync(dir, 0o000);
      const result = await report([dir, '--out', join(work, 'locked-in-report')], true);
      expect(result.code, result.output).toBe(ERROR_TABLE.RESULTS_UNREADABLE.exitCode);
      expect(result.output).toMatch(/cannot read the results in .*locked-in: /);
      expect(result.output).toMatch(/permission denied \(EACCES\)/);
      expect(result.output).not.toContain('k6.ndjson is missing');
      chmodSync(dir, 0o755);
    },
  );

  test.skipIf(AS_ROOT && !CAN_DROP)('an unreadable k6.ndjson is RESULTS_UNREADABLE naming the file', async () => {
    const dir = resultsFolder('locked-file', { truth: true });
    chmodSync(join(dir, 'k6.ndjson'), 0o000);
    const result = await report([dir, '--out', join(work, 'locked-file-report')], true);
    expect(result.code, result.output).toBe(6);
    expect(result.output).toMatch(/cannot read the results in .*locked-file: k6\.ndjson: permission denied \(EACCES\)/);
  });
});
