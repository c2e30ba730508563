import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { syntheticApplicant } from '../contracts/identity.ts';
import { createTargetClient, pngBytes, type TargetClient } from './client.ts';
import { createTarget, type Target } from './target.ts';

let target: Target;
let client: TargetClient;

beforeAll(async () => {
  // A file database (WAL), as the target runs by default.
  target = createTarget({
    port: 0,
    ministryPort: 0,
    testHooks: true,
    nikServiceMs: 2,
    nikCapacity: 20,
    batches: 1,
    batchSeats: 10,
  });
  client = createTargetClient((await target.listen()).url);
});

afterAll(async () => {
  await target?.close();
});

describe('concurrent writes keep the truth exact', () => {
  test('200 concurrent registrations of which 20 reuse an email: 180 stored, 20 × 409, no 500', async () => {
    const run = 'dup-emails';
    const applicants = Array.from({ length: 180 }, (_, index) => syntheticApplicant(run, 1, index));
    // 20 more applicants with their own NIK but the email of one of the first 20.
    const reusers = Array.from({ length: 20 }, (_, index) => ({
      ...syntheticApplicant(run, 2, index),
      email: applicants[index]!.email,
    }));
    const answers = await Promise.all([...applicants, ...reusers].map((applicant) => client.register(applicant)));
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(180);
    expect(answers.filter((answer) => answer.status === 409 && answer.body.error === 'duplicate_email')).toHaveLength(
      20,
    );
    expect(statuses.filter((status) => status >= 500)).toEqual([]);
    expect((await client.truth(run)).body.stages.register).toBe(180);
  });

  test('a batch with 10 seats and 50 concurrent joins: exactly 10 joined, 40 told it is full', async () => {
    const run = 'seat-race';
    const sessions = await Promise.all(
      Array.from({ length: 50 }, async (_, index) => {
        const applicant = syntheticApplicant(run, 1, index);
        const registered = await client.register(applicant);
        const session = registered.body.sessionToken!;
        expect((await client.verifyEmail(applicant.email, registered.headers.get('x-test-email-token')!)).status).toBe(
          200,
        );
        expect((await client.verifyNik(session, applicant.nik)).status).toBe(200);
        expect((await client.uploadPhoto(session, pngBytes(), 'image/png')).status).toBe(201);
        return session;
      }),
    );
    const [batch] = (await client.batches()).body;
    const answers = await Promise.all(sessions.map((session) => client.joinBatch(session, batch!.id)));
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(10);
    expect(answers.filter((answer) => answer.status === 409 && answer.body.error === 'full')).toHaveLength(40);
    expect((await client.batches()).body[0]).toMatchObject({ seats: 10, taken: 10 });
    expect((await client.truth(run)).body.stages.join_batch).toBe(10);
  });
});
