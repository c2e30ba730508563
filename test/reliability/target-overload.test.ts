/**
 * The reference target under 1,000 connections: it sheds load with 429 + Retry-After from the
 * first second of overload instead of letting requests time out, and loses no acknowledged
 * write, also when killed with SIGKILL under load. The load generator runs in its own process,
 * pinned to one core and the target to the other (taskset), as the issue asks; on a machine
 * without taskset both run unpinned. Assertions are counts and ratios, never latencies.
 */

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, test } from 'vitest';
import { startProcess, stopAll, type ManagedProcess } from '../support/processes.ts';
import type { OverloadResult } from './target-overload-load.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const FLOODGATE = join(ROOT, 'bin', 'floodgate.js');
const LOAD = join(import.meta.dirname, 'target-overload-load.ts');
const WAITING_ROOM = 100;
const CONNECTIONS = 1000;
const SECONDS = 20;
const HAS_TASKSET = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
const work = mkdtempSync(join(tmpdir(), 'floodgate-overload-'));
/**
 * Issue 11's acceptance for the target, in `npm test` since it passed on a quiet 2-core machine
 * (02:39–02:41, load average 1.5–1.9, with the accept copies of target/listen.ts and per-connection
 * pacing): 0 timeouts among 50,305 / 52,211 / 51,079 answers. It needs the two cores to itself:
 * on the shared machine at load average 15–18 the target got so little CPU that it answered
 * 50–400 requests/s and every run failed. `FLOODGATE_OVERLOAD=0` skips it on a machine known to be
 * busy (`npm run test:overload` runs it alone).
 */
const OVERLOAD = process.env.FLOODGATE_OVERLOAD !== '0';

afterAll(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

/** `command args…` pinned to `core` when taskset exists. */
function pinned(core: number, command: string, args: string[]): [string, string[]] {
  return HAS_TASKSET ? ['taskset', ['-c', String(core), command, ...args]] : [command, args];
}

/** Starts `floodgate target` on core 1 with a database file in `work`. */
async function startTarget(
  name: string,
  extra: string[] = [],
): Promise<{ process: ManagedProcess; url: string; db: string }> {
  const db = join(work, `${name}.db`);
  const [command, args] = pinned(1, process.execPath, [
    FLOODGATE,
    'target',
    '--port',
    '0',
    '--ministry-port',
    '0',
    '--db',
    db,
    ...extra,
  ]);
  const target = startProcess(command, args, { cwd: ROOT });
  const [, url] = await target.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)\n/);
  return { process: target, url: url!, db };
}

/** Runs the load generator on core 0 to its end; resolves to what it saw. */
async function load(
  url: string,
  run: string,
  connections: number,
  seconds: number,
  onStarted?: () => void,
): Promise<OverloadResult> {
  const out = join(work, `${run}.json`);
  const [command, args] = pinned(0, process.execPath, [
    '--import',
    'tsx',
    LOAD,
    url,
    run,
    String(connections),
    String(seconds),
    out,
  ]);
  const generator = startProcess(command, args, { cwd: ROOT });
  onStarted?.();
  const code = await new Promise<number | null>((resolve) =>
    generator.child.once('exit', (exitCode) => resolve(exitCode)),
  );
  expect(code, generator.output()).toBe(0);
  return JSON.parse(readFileSync(out, 'utf8')) as OverloadResult;
}

/** Emails stored for `run`, read from the database file itself (the target may be dead). */
function storedEmails(db: string, run: string): Set<string> {
  const database = new Database(db, { readonly: true, fileMustExist: true });
  try {
    const rows = database.prepare('SELECT email FROM applicants WHERE run = ?').all(run) as Array<{ email: string }>;
    return new Set(rows.map((row) => row.email));
  } finally {
    database.close();
  }
}

async function kill9(target: ManagedProcess): Promise<void> {
  const exited = new Promise<void>((resolve) => target.child.once('exit', () => resolve()));
  target.child.kill('SIGKILL');
  await exited;
}

describe.skipIf(!OVERLOAD)('the target at 1,000 connections with --waiting-room 100', () => {
  test('answers 429 + Retry-After from the first second of overload, times out under 1 % of requests, and loses no acknowledged write across kill -9', async () => {
    const target = await startTarget('waiting-room', ['--waiting-room', String(WAITING_ROOM)]);
    const run = 'overload-wr';
    const result = await load(target.url, run, CONNECTIONS, SECONDS);
    // Killed without a chance to flush or close the database.
    await kill9(target.process);
    const stored = storedEmails(target.db, run);

    const statuses = (second: Record<string, number>): number =>
      Object.entries(second)
        .filter(([key]) => key !== 'error')
        .reduce((sum, [, n]) => sum + n, 0);
    // Overload begins in the first second in which the target answered more requests than its waiting room admits.
    const firstOverloaded = result.perSecond.findIndex((second) => statuses(second) > WAITING_ROOM);
    expect(firstOverloaded, JSON.stringify(result.perSecond)).toBeGreaterThanOrEqual(0);
    // Every whole second from then to the end of the load holds 429s (the last, partial second aside).
    const overloaded = result.perSecond.slice(firstOverloaded, SECONDS);
    const withoutShedding = overloaded
      .map((second, index) => ({ second: firstOverloaded + index, answers: second }))
      .filter(({ answers }) => !answers['429']);
    expect(withoutShedding, JSON.stringify(result.perSecond)).toEqual([]);
    expect(result.sheddingWithoutRetryAfter).toBe(0);

    const rejected = result.perSecond.reduce((sum, second) => sum + (second['429'] ?? 0), 0);
    const serverErrors = result.perSecond.reduce(
      (sum, second) =>
        sum +
        Object.entries(second)
          .filter(([key]) => /^5\d\d$/.test(key) && key !== '503')
          .reduce((s, [, n]) => s + n, 0),
      0,
    );
    console.info(
      `overload: ${result.answered} answered (${result.acknowledged.length} × 201, ${rejected} × 429), ${result.timeouts} timeouts, ${result.errors} errors; ${stored.size} stored`,
    );
    expect(serverErrors).toBe(0);
    expect(result.acknowledged.length).toBeGreaterThan(0);
    const lost = result.acknowledged.filter((email) => !stored.has(email));
    expect(lost).toEqual([]);
    expect(result.timeouts / (result.answered + result.timeouts)).toBeLessThan(0.01);
  }, 90_000);
});

describe.skipIf(!OVERLOAD)('the target under load with the defaults', () => {
  test('sheds with 503 + Retry-After beyond its concurrency limit, and a SIGKILL mid-load loses no acknowledged write', async () => {
    // Every funnel request held for a second, so 1,000 connections keep about 1,000 requests in
    // flight: beyond the default limit of 512 whatever the machine's speed (without it a quick
    // machine answers 1,000 connections with fewer than 512 in flight and rightly sheds nothing).
    const target = await startTarget('defaults', ['--latency-ms', '1000']);
    const run = 'overload-kill';
    let killed: Promise<void> | undefined;
    const result = await load(target.url, run, CONNECTIONS, 8, () => {
      // Killed while the load runs, once it has stored a few hundred and shed some (or after 6 s):
      // the answers after it are connection errors, not lost writes.
      killed = (async () => {
        const deadline = Date.now() + 6000;
        for (;;) {
          await new Promise((resolve) => setTimeout(resolve, 200));
          const truth = await fetch(`${target.url}/truth?run=${run}`).then(
            (answer) => answer.json() as Promise<{ stages: { register: number } }>,
          );
          const metrics = await fetch(`${target.url}/metrics`).then((answer) => answer.text());
          const shedding = /^floodgate_target_http_requests_total\{[^}]*status="503"[^}]*\} [1-9]/m.test(metrics);
          if (
            (truth.stages.register >= 300 && shedding) ||
            (truth.stages.register > 0 && Date.now() > deadline) ||
            Date.now() > deadline + 10_000
          )
            break;
        }
        await kill9(target.process);
      })();
    });
    await killed;
    const stored = storedEmails(target.db, run);
    const shed = result.perSecond.reduce((sum, second) => sum + (second['503'] ?? 0), 0);
    console.info(`defaults + kill -9: ${result.acknowledged.length} × 201, ${shed} × 503, ${stored.size} stored`);
    expect(shed).toBeGreaterThan(0);
    expect(result.sheddingWithoutRetryAfter).toBe(0);
    expect(result.acknowledged.length).toBeGreaterThan(0);
    expect(result.acknowledged.filter((email) => !stored.has(email))).toEqual([]);
  }, 60_000);
});
