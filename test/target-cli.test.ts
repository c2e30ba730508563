import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { isFloodgateError } from '../contracts/errors.ts';
import { syntheticApplicant } from '../contracts/identity.ts';
import { createTargetClient } from '../target/client.ts';
import { createTarget } from '../target/target.ts';
import { targetCommand } from '../cli/target.ts';
import { startProcess, stopAll } from './support/processes.ts';

const FLOODGATE = join(import.meta.dirname, '..', 'bin', 'floodgate.js');
const PROJECT_ROOT = join(import.meta.dirname, '..');

afterAll(async () => {
  await stopAll();
});

/** Runs `floodgate target …` to its exit; resolves to its exit code and output. */
async function runToExit(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  const child = startProcess(process.execPath, [FLOODGATE, 'target', ...args], { cwd: PROJECT_ROOT, env: { ...process.env, ...env } });
  const code = await new Promise<number | null>((resolve) => child.child.once('exit', (exitCode) => resolve(exitCode)));
  return { code, output: child.output() };
}

describe('floodgate target', () => {
  test('prints where it listens, refuses the mailbox without --test-hooks, and stops cleanly on SIGTERM', async () => {
    const child = startProcess(process.execPath, [FLOODGATE, 'target', '--port', '0', '--ministry-port', '0', '--nik-capacity', '3', '--nik-service-ms', '200'], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, FLOODGATE_TARGET_ERROR_RATE: 'landing=1' },
    });
    const [, url] = await child.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)\n/);
    await child.waitFor(/ministry NIK API on http:\/\/127\.0\.0\.1:\d+ \(3 slots × 200 ms = 15 checks\/s, queue 100\)/);
    const client = createTargetClient(url!);
    const applicant = syntheticApplicant('cli', 1, 1);
    const registered = await client.register(applicant);
    expect(registered.status).toBe(201);
    expect(registered.headers.get('x-test-email-token')).toBeNull();
    const mailbox = await client.mailbox(applicant.email);
    expect([mailbox.status, mailbox.body.error]).toEqual([404, 'not_found']);
    // The error rate came from the environment.
    expect((await client.send('GET', '/')).status).toBe(500);

    const exited = new Promise<number | null>((resolve) => child.child.once('exit', (code) => resolve(code)));
    child.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(child.output()).toContain('target stopped');
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });

  test('refuses --test-hooks beyond loopback, with a message and no stack trace', async () => {
    const { code, output } = await runToExit(['--host', '0.0.0.0', '--port', '0', '--ministry-port', '0', '--test-hooks']);
    expect(code).toBe(2);
    expect(output).toContain('refusing --test-hooks while listening on 0.0.0.0');
    expect(output).not.toMatch(/\n\s+at /);
  });

  test.each([
    ['an unknown stage in --error-rate', ['--error-rate', 'checkout=0.1'], 2, /--error-rate = .*"checkout" is not a funnel stage/],
    ['a probability above 1', ['--lost-write-rate', '1.5'], 2, /--lost-write-rate = "1.5"/],
    ['a database in a missing folder', ['--db', '/nonexistent-floodgate/target.sqlite'], 3, /cannot open the database at \/nonexistent-floodgate\/target.sqlite/],
  ])('stops on %s with its exit code', async (_what, args, exitCode, message) => {
    const { code, output } = await runToExit(['--port', '0', '--ministry-port', '0', ...args]);
    expect(code).toBe(exitCode);
    expect(output).toMatch(message);
  });

  describe('a port in use', () => {
    let blocker: Server;
    afterAll(async () => {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    });

    test('is PORT_IN_USE: exit 3, and the ministry it had started is closed with it', async () => {
      blocker = createServer();
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
      const port = (blocker.address() as { port: number }).port;
      const { code, output } = await runToExit(['--port', String(port), '--ministry-port', '0']);
      expect(code).toBe(3);
      expect(output).toContain(`cannot listen on 127.0.0.1:${port}: the port is in use`);
    });
  });
});

describe('createTarget', () => {
  test.each(['0.0.0.0', '::', '192.168.1.10'])('refuses test hooks on %s', (host) => {
    let caught: unknown;
    try {
      createTarget({ host, testHooks: true, db: ':memory:' });
    } catch (error) {
      caught = error;
    }
    expect(isFloodgateError(caught, 'TEST_HOOKS_NOT_LOOPBACK')).toBe(true);
  });
});

describe('target/README.md', () => {
  const readme = readFileSync(join(PROJECT_ROOT, 'target', 'README.md'), 'utf8');
  test.each(targetCommand.options.map((spec) => [spec.flag.split(' ')[0]!]))('documents %s', (flag) => {
    expect(readme).toContain(`\`${flag}`);
  });
});
