import { afterEach, describe, expect, test } from 'vitest';
import { syntheticApplicant } from '../contracts/identity.ts';
import { TARGET_METRICS } from '../contracts/metrics.ts';
import { createTargetClient, type TargetClient } from './client.ts';
import type { TargetOptions } from './options.ts';
import { createTarget, type Target } from './target.ts';

const started: Target[] = [];

afterEach(async () => {
  await Promise.all(started.splice(0).map((target) => target.close()));
});

async function startTarget(options: Partial<TargetOptions>): Promise<{ target: Target; client: TargetClient }> {
  const target = createTarget({ port: 0, ministryPort: 0, db: ':memory:', ...options });
  started.push(target);
  return { target, client: createTargetClient((await target.listen()).url) };
}

/** Runs `task` over `items` with at most `limit` in flight. */
async function inBatches<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let index = 0; index < items.length; index += limit) {
    results.push(...(await Promise.all(items.slice(index, index + limit).map(task))));
  }
  return results;
}

/** The value of an unlabelled sample, or of one with exactly `labels`, in a /metrics text. */
function sample(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((each) => each.startsWith(`${name}${labels} `));
  return line === undefined ? Number.NaN : Number(line.split(' ')[1]);
}

describe('lost writes', () => {
  test('--lost-write-rate 0.1 over 1,000 registrations: acknowledged − stored within 100 ± 40, and /metrics counts each', async () => {
    const { target, client } = await startTarget({ lostWriteRate: 0.1, seed: 42 });
    const run = 'lost-writes';
    const applicants = Array.from({ length: 1000 }, (_, index) => syntheticApplicant(run, 1, index));
    const answers = await inBatches(applicants, 25, (applicant) => client.register(applicant));
    const acknowledged = answers.filter((answer) => answer.status === 201).length;
    expect(acknowledged).toBe(1000);
    const stored = (await client.truth(run)).body.stages.register;
    expect(acknowledged - stored).toBeGreaterThanOrEqual(60);
    expect(acknowledged - stored).toBeLessThanOrEqual(140);
    const metrics = await target.registry.metrics();
    expect(sample(metrics, TARGET_METRICS.lostWrites.name)).toBe(acknowledged - stored);
  });

  test('a lost registration cannot go further: its session is unknown (401)', async () => {
    const { client } = await startTarget({ lostWriteRate: 1 });
    const applicant = syntheticApplicant('lost-one', 1, 1);
    const registered = await client.register(applicant);
    expect(registered.status).toBe(201);
    expect((await client.verifyNik(registered.body.sessionToken!, applicant.nik)).status).toBe(401);
    expect((await client.truth('lost-one')).body.stages.register).toBe(0);
  });

  test('the same seed and the same order lose the same registrations', async () => {
    const lostWith = async (seed: number): Promise<number[]> => {
      const { client } = await startTarget({ lostWriteRate: 0.3, seed, testHooks: true });
      const lost: number[] = [];
      for (let index = 0; index < 40; index += 1) {
        const applicant = syntheticApplicant('same-seed', 1, index);
        await client.register(applicant);
        if ((await client.mailbox(applicant.email)).status === 404) lost.push(index);
      }
      return lost;
    };
    const first = await lostWith(7);
    expect(first.length).toBeGreaterThan(0);
    expect(await lostWith(7)).toEqual(first);
    expect(await lostWith(8)).not.toEqual(first);
  });
});

describe('injected errors, latency and the waiting room', () => {
  test('--error-rate register=0.3: about 30 % answered 500 with a marker header, nothing stored for them', async () => {
    const { target, client } = await startTarget({ errorRates: { register: 0.3 } });
    const run = 'injected';
    const answers = await inBatches(
      Array.from({ length: 200 }, (_, index) => syntheticApplicant(run, 1, index)),
      25,
      (applicant) => client.register(applicant),
    );
    const failed = answers.filter((answer) => answer.status === 500);
    expect(failed.length).toBeGreaterThan(30);
    expect(failed.length).toBeLessThan(90);
    expect(
      failed.every(
        (answer) => answer.headers.get('x-fault-injected') === 'error' && answer.body.error === 'injected_error',
      ),
    ).toBe(true);
    expect(answers.filter((answer) => answer.status === 201)).toHaveLength(200 - failed.length);
    expect((await client.truth(run)).body.stages.register).toBe(200 - failed.length);
    expect(sample(await target.registry.metrics(), TARGET_METRICS.injectedErrors.name, '{stage="register"}')).toBe(
      failed.length,
    );
    expect((await client.send('GET', '/')).status).toBe(200);
  });

  test('--latency-ms 300 delays funnel requests, not /healthz', async () => {
    const { client } = await startTarget({ latencyMs: 300 });
    expect((await client.send('GET', '/')).ms).toBeGreaterThanOrEqual(290);
    expect((await client.send('GET', '/healthz')).status).toBe(200);
  });

  test('--waiting-room 2: beyond 2 funnel requests in flight, 429 with Retry-After; health, truth and metrics stay open', async () => {
    const { target, client } = await startTarget({ waitingRoom: 2, latencyMs: 1500 });
    const landing = Promise.all(Array.from({ length: 6 }, () => client.send('GET', '/')));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await client.send('GET', '/healthz')).status).toBe(200);
    expect((await client.truth('anything')).status).toBe(200);
    const answers = await landing;
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(2);
    const turnedAway = answers.filter((answer) => answer.status === 429);
    expect(turnedAway).toHaveLength(4);
    expect(
      turnedAway.every((answer) => answer.headers.get('retry-after') === '1' && answer.body.error === 'waiting_room'),
    ).toBe(true);
    const metrics = await target.registry.metrics();
    expect(sample(metrics, TARGET_METRICS.waitingRoomRejected.name)).toBe(4);
    expect(sample(metrics, TARGET_METRICS.waitingRoomInFlight.name)).toBe(0);
    expect((await client.send('GET', '/')).status).toBe(200);
  });
});
