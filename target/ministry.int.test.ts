import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { syntheticApplicant } from '../contracts/identity.ts';
import { createTargetClient, type TargetClient } from './client.ts';
import { createMinistry, type Ministry } from './ministry.ts';
import type { TargetOptions } from './options.ts';
import { createTarget, type Target } from './target.ts';
import { freePort } from '../test/support/processes.ts';

const started: Array<{ close(): Promise<void> }> = [];

afterEach(async () => {
  await Promise.all(started.splice(0).map((each) => each.close()));
});

afterAll(async () => {
  await Promise.all(started.splice(0).map((each) => each.close()));
});

async function startTarget(options: Partial<TargetOptions>): Promise<{ target: Target; client: TargetClient }> {
  const target = createTarget({ port: 0, ministryPort: 0, db: ':memory:', testHooks: true, ...options });
  started.push(target);
  const { url } = await target.listen();
  return { target, client: createTargetClient(url) };
}

/** Registers and email-verifies `count` applicants of `run`; returns [session, nik] pairs. */
async function readyForNik(client: TargetClient, run: string, count: number): Promise<Array<[string, string]>> {
  return Promise.all(
    Array.from({ length: count }, async (_, index) => {
      const applicant = syntheticApplicant(run, 1, index);
      const registered = await client.register(applicant);
      await client.verifyEmail(applicant.email, registered.headers.get('x-test-email-token')!);
      return [registered.body.sessionToken!, applicant.nik] as [string, string];
    }),
  );
}

function tally(statuses: number[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const status of statuses) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}

async function untilIdle(ministry: Ministry): Promise<void> {
  const deadline = Date.now() + 5000;
  while ((ministry.stats().busy > 0 || ministry.stats().queued > 0) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the ministry NIK API holds its capacity; the target fails fast past it', () => {
  // Under a loaded two-core machine 50 "concurrent" requests reach the ministry spread over
  // 100–300 ms, so exact counts are asserted where the service time dwarfs that spread, and the
  // 100 ms case asserts what holds whatever the spread: never more than 5 busy slots, successes
  // within what 5 slots can finish in the time taken, every other answer a prompt 503 or 504.

  test('5 slots × 1.5 s without a queue, 50 concurrent checks: exactly 5 succeed, 45 get 503 before any success', async () => {
    const { target, client } = await startTarget({
      nikCapacity: 5,
      nikServiceMs: 1500,
      nikJitter: 0,
      nikQueue: 0,
      nikTimeoutMs: 5000,
    });
    const ready = await readyForNik(client, 'no-queue', 50);
    const answers = await Promise.all(ready.map(([session, nik]) => client.verifyNik(session, nik)));
    expect(tally(answers.map((answer) => answer.status))).toEqual({ 200: 5, 503: 45 });
    const fastestSuccess = Math.min(...answers.filter((answer) => answer.status === 200).map((answer) => answer.ms));
    for (const answer of answers.filter((each) => each.status === 503)) expect(answer.ms).toBeLessThan(fastestSuccess);
    expect(target.ministry!.stats()).toMatchObject({ maxBusy: 5, served: 5, turnedAway: 45 });
  });

  test('5 slots × 100 ms, queue 20, timeout 250 ms, 50 concurrent checks: successes within capacity, the rest 503/504 by the timeout', async () => {
    const { target, client } = await startTarget({
      nikCapacity: 5,
      nikServiceMs: 100,
      nikJitter: 0.2,
      nikQueue: 20,
      nikTimeoutMs: 250,
    });
    const ready = await readyForNik(client, 'queued', 50);
    const sentAt = performance.now();
    const answers = await Promise.all(ready.map(([session, nik]) => client.verifyNik(session, nik)));
    const window = performance.now() - sentAt;
    const counts = tally(answers.map((answer) => answer.status));
    expect(Object.keys(counts).every((status) => ['200', '503', '504'].includes(status))).toBe(true);
    expect(counts[200]).toBeGreaterThanOrEqual(5);
    // Each slot finishes one call per 80–120 ms: 5 slots cannot finish more within the window.
    expect(counts[200]).toBeLessThanOrEqual(5 * Math.ceil(window / 80));
    expect((counts[503] ?? 0) + (counts[504] ?? 0)).toBeGreaterThan(0);
    for (const answer of answers) expect(answer.ms).toBeLessThan(250 + 1000);
    const ministry = target.ministry!;
    await untilIdle(ministry);
    const stats = ministry.stats();
    expect(stats.maxBusy).toBe(5);
    // Every call the ministry got is accounted for: served, turned away, expired before its turn
    // could end in time, or left the queue when the target gave up.
    expect(stats.served + stats.turnedAway + stats.expired + stats.cancelled).toBe(50);
    expect(stats.served).toBeGreaterThanOrEqual(counts[200]!);
  });

  test('overloaded twice over through the target, it keeps serving at capacity (5 × 50 ms = 100/s): no collapse into timeouts', async () => {
    const { target, client } = await startTarget({
      nikCapacity: 5,
      nikServiceMs: 50,
      nikQueue: 200,
      nikTimeoutMs: 600,
    });
    const ready = await readyForNik(client, 'overload', 400);
    // Open model: 200 checks/s for 2 s, whatever the answers do.
    const startedAt = performance.now();
    const answers = await Promise.all(
      ready.map(async ([session, nik], index) => {
        const due = startedAt + index * 5;
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
        const answer = await client.verifyNik(session, nik);
        return { status: answer.status, ms: answer.ms, endedAt: performance.now() };
      }),
    );
    const successes = answers.filter((answer) => answer.status === 200);
    const perSecond = successes.length / ((Math.max(...successes.map((answer) => answer.endedAt)) - startedAt) / 1000);
    expect(perSecond).toBeGreaterThan(80);
    expect(perSecond).toBeLessThan(120);
    expect(answers.every((answer) => [200, 503, 504].includes(answer.status) && answer.ms < 600 + 1000)).toBe(true);
    await untilIdle(target.ministry!);
    expect(target.ministry!.stats().maxBusy).toBe(5);
  });

  test('saturated, it serves capacity / service time (5 × 50 ms = 100 checks/s, ±20 %)', async () => {
    const ministry = createMinistry({ capacity: 5, serviceMs: 50, queueLimit: 1000, jitter: 0.2 });
    started.push(ministry);
    const url = `${await ministry.listen()}/api/nik/verify`;
    const applicant = syntheticApplicant('rate', 1, 1);
    const body = JSON.stringify({ nik: applicant.nik, dateOfBirth: applicant.dateOfBirth });
    const samples: Array<{ at: number; served: number }> = [];
    const sampler = setInterval(() => {
      if (ministry.stats().queued >= 5) samples.push({ at: performance.now(), served: ministry.stats().served });
    }, 50);
    try {
      const answers = await Promise.all(
        Array.from({ length: 250 }, async () => {
          const answer = await fetch(url, { method: 'POST', body });
          await answer.text();
          return answer.status;
        }),
      );
      expect(new Set(answers)).toEqual(new Set([200]));
    } finally {
      clearInterval(sampler);
    }
    // Measured only while calls were queued: the desk's rate, not the client's arrival rate.
    const first = samples[0]!;
    const last = samples[samples.length - 1]!;
    expect(last.at - first.at).toBeGreaterThan(500);
    const perSecond = (last.served - first.served) / ((last.at - first.at) / 1000);
    expect(ministry.capacityPerSecond).toBe(100);
    expect(perSecond).toBeGreaterThan(80);
    expect(perSecond).toBeLessThan(120);
  });
});

describe('the target never waits on a broken ministry past its own timeout', () => {
  let silent: Server | undefined;
  const sockets = new Set<Socket>();

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => (silent ? silent.close(() => resolve()) : resolve()));
  });

  test('a ministry that accepts connections and never answers: 504 at the timeout', async () => {
    silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => silent!.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const { client } = await startTarget({ ministryUrl: `http://127.0.0.1:${port}`, nikTimeoutMs: 300 });
    const [[session, nik]] = (await readyForNik(client, 'silent', 1)) as [[string, string]];
    const answer = await client.verifyNik(session, nik);
    expect([answer.status, answer.body.error]).toEqual([504, 'ministry_timeout']);
    expect(answer.ms).toBeGreaterThanOrEqual(250);
    expect(answer.ms).toBeLessThan(300 + 1000);
  });

  test('a ministry that is not running: 503 at once', async () => {
    const port = await freePort();
    const { client } = await startTarget({ ministryUrl: `http://127.0.0.1:${port}`, nikTimeoutMs: 5000 });
    const [[session, nik]] = (await readyForNik(client, 'gone', 1)) as [[string, string]];
    const answer = await client.verifyNik(session, nik);
    expect([answer.status, answer.body.error]).toEqual([503, 'ministry_unavailable']);
    expect(answer.headers.get('retry-after')).toBe('1');
    expect(answer.ms).toBeLessThan(5000);
  });
});
