import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { isFloodgateError } from '../contracts/errors.ts';
import { syntheticApplicant } from '../contracts/identity.ts';
import { createTargetClient } from './client.ts';
import { createTarget } from './target.ts';
import { targetCommand } from '../cli/target.ts';
import { startProcess, stopAll } from '../test/support/processes.ts';

const FLOODGATE = join(import.meta.dirname, '..', 'bin', 'floodgate.js');
const PROJECT_ROOT = join(import.meta.dirname, '..');

afterAll(async () => {
  await stopAll();
});

/** Runs `floodgate target …` to its exit; resolves to its exit code and output. */
async function runToExit(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; output: string }> {
  const child = startProcess(process.execPath, [FLOODGATE, 'target', ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env },
  });
  const code = await new Promise<number | null>((resolve) => child.child.once('exit', (exitCode) => resolve(exitCode)));
  return { code, output: child.output() };
}

describe('floodgate target', () => {
  test('prints where it listens, refuses the mailbox without --test-hooks, and stops cleanly on SIGTERM', async () => {
    const child = startProcess(
      process.execPath,
      [FLOODGATE, 'target', '--port', '0', '--ministry-port', '0', '--nik-capacity', '3', '--nik-service-ms', '200'],
      {
        cwd: PROJECT_ROOT,
        env: { ...process.env, FLOODGATE_TARGET_ERROR_RATE: 'landing=1' },
      },
    );
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
    const { code, output } = await runToExit([
      '--host',
      '0.0.0.0',
      '--port',
      '0',
      '--ministry-port',
      '0',
      '--test-hooks',
    ]);
    expect(code).toBe(2);
    expect(output).toContain('refusing --test-hooks while listening on 0.0.0.0');
    expect(output).not.toMatch(/\n\s+at /);
  });

  test.each([
    [
      'an unknown stage in --error-rate',
      ['--error-rate', 'checkout=0.1'],
      2,
      /--error-rate = .*"checkout" is not a funnel stage/,
    ],
    ['a probability above 1', ['--lost-write-rate', '1.5'], 2, /--lost-write-rate = "1.5"/],
    [
      'a database in a missing folder',
      ['--db', '/nonexistent-floodgate/target.sqlite'],
      3,
      /cannot open the database at \/nonexistent-floodgate\/target.sqlite/,
    ],
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

/** Pids of every descendant of `root`, read from /proc (Linux). */
function descendants(root: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Field 4 of /proc/<pid>/stat, after the parenthesised command name.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // The process ended while we looked.
    }
  }
  const found: number[] = [];
  const walk = (pid: number): void => {
    for (const [child, parent] of parents) {
      if (parent === pid) {
        found.push(child);
        walk(child);
      }
    }
  };
  walk(root);
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('--port 0 and stopping', () => {
  const leftovers: number[] = [];
  afterAll(() => {
    for (const pid of leftovers) if (alive(pid)) process.kill(pid, 'SIGKILL');
  });

  test("two targets at --port 0 run side by side: every port each opens is a free one, the ministry's too", async () => {
    const first = startProcess(process.execPath, [FLOODGATE, 'target', '--port', '0'], { cwd: PROJECT_ROOT });
    const second = startProcess(process.execPath, [FLOODGATE, 'target', '--port', '0'], { cwd: PROJECT_ROOT });
    const ports = [];
    for (const child of [first, second]) {
      const [, target] = await child.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)\n/);
      const [, ministry] = await child.waitFor(/ministry NIK API on http:\/\/127\.0\.0\.1:(\d+) /);
      ports.push(Number(target), Number(ministry));
    }
    expect(new Set(ports).size).toBe(4);
    expect(ports).not.toContain(18081);
    expect(ports).not.toContain(18082);
    for (const port of ports) expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(200);
    await Promise.all([first.stop(), second.stop()]);
  });

  test('SIGTERM to the npx process leaves no process: the target it ran stops and its ports close', async () => {
    const npx = startProcess('npx', ['floodgate', 'target', '--port', '0'], { cwd: PROJECT_ROOT });
    const [, url] = await npx.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)\n/, 120_000);
    const [, ministryUrl] = await npx.waitFor(/ministry NIK API on (http:\/\/127\.0\.0\.1:\d+) /);
    const started = descendants(npx.child.pid!);
    leftovers.push(...started);
    // npm exec → sh -c → node: the target runs two processes below npx.
    expect(started.length).toBeGreaterThanOrEqual(1);
    const exited = new Promise<void>((resolve) => npx.child.once('exit', () => resolve()));
    npx.child.kill('SIGTERM');
    await exited;
    const deadline = Date.now() + 10_000;
    while (started.some(alive) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(started.filter(alive)).toEqual([]);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    await expect(fetch(`${ministryUrl}/metrics`)).rejects.toThrow();
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
