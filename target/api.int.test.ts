import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { syntheticApplicant, type Applicant } from '../contracts/identity.ts';
import { TARGET_METRICS } from '../contracts/metrics.ts';
import { createTargetClient, jpegBytes, pngBytes, type TargetClient } from './client.ts';
import { createTarget, type Target } from './target.ts';

const RUN = 'api-walk';
let target: Target;
let client: TargetClient;
let serial = 0;

beforeAll(async () => {
  target = createTarget({
    port: 0,
    ministryPort: 0,
    db: ':memory:',
    testHooks: true,
    nikServiceMs: 5,
    batches: 2,
    batchSeats: 3,
    photoMaxBytes: 4096,
  });
  const { url } = await target.listen();
  client = createTargetClient(url);
});

afterAll(async () => {
  await target?.close();
});

/** A fresh applicant of the run. */
function nextApplicant(run = RUN): Applicant {
  serial += 1;
  return syntheticApplicant(run, 1, serial);
}

/** Registers `applicant` and walks it through the stages before `stop`; returns its session token. */
async function walkUntil(
  applicant: Applicant,
  stop: 'verify_email' | 'verify_nik' | 'upload_photo' | 'join_batch',
): Promise<string> {
  const registered = await client.register(applicant);
  expect(registered.status).toBe(201);
  const session = registered.body.sessionToken!;
  if (stop === 'verify_email') return session;
  const token = registered.headers.get('x-test-email-token')!;
  expect((await client.verifyEmail(applicant.email, token)).status).toBe(200);
  if (stop === 'verify_nik') return session;
  expect((await client.verifyNik(session, applicant.nik)).status).toBe(200);
  if (stop === 'upload_photo') return session;
  expect((await client.uploadPhoto(session, pngBytes(), 'image/png')).status).toBe(201);
  return session;
}

describe('one applicant walks every stage', () => {
  test('and /truth counts the applicant at every stage', async () => {
    const applicant = syntheticApplicant('walk-one', 7, 3);
    expect((await client.send('GET', '/')).status).toBe(200);

    const registered = await client.register(applicant);
    expect(registered.status).toBe(201);
    expect(registered.body).toEqual({ applicantId: expect.any(String), sessionToken: expect.any(String) });
    const session = registered.body.sessionToken!;

    const mail = await client.mailbox(applicant.email);
    expect(mail.status).toBe(200);
    expect(mail.body.token).toBe(registered.headers.get('x-test-email-token'));

    expect((await client.verifyEmail(applicant.email, mail.body.token!)).status).toBe(200);
    expect((await client.verifyNik(session, applicant.nik)).status).toBe(200);
    expect((await client.uploadPhoto(session, jpegBytes(2048), 'image/jpeg')).status).toBe(201);

    const batches = await client.batches();
    expect(batches.status).toBe(200);
    expect(batches.body[0]).toEqual({
      id: expect.any(Number),
      name: expect.any(String),
      seats: 3,
      taken: expect.any(Number),
    });
    expect((await client.joinBatch(session, batches.body[0]!.id)).status).toBe(200);

    const truth = await client.truth('walk-one');
    expect(truth.status).toBe(200);
    expect(truth.body).toEqual({
      run: 'walk-one',
      stages: { register: 1, verify_email: 1, verify_nik: 1, upload_photo: 1, join_batch: 1 },
    });
  });

  test('/truth of a run nobody used counts zero everywhere', async () => {
    const truth = await client.truth('nobody-here');
    expect(truth.body.stages).toEqual({ register: 0, verify_email: 0, verify_nik: 0, upload_photo: 0, join_batch: 0 });
  });

  test('an email outside the synthetic domain registers but belongs to no run', async () => {
    const answer = await client.register({ ...nextApplicant('outsider'), email: 'someone@example.org' });
    expect(answer.status).toBe(201);
    expect((await client.truth('outsider')).body.stages.register).toBe(0);
  });

  test('repeating a completed stage is harmless and counted once', async () => {
    const applicant = nextApplicant('repeat');
    const session = await walkUntil(applicant, 'join_batch');
    const token = (await client.mailbox(applicant.email)).body.token!;
    expect((await client.verifyEmail(applicant.email, token)).status).toBe(200);
    expect((await client.verifyNik(session, applicant.nik)).status).toBe(200);
    expect((await client.uploadPhoto(session, pngBytes(), 'image/png')).status).toBe(201);
    expect((await client.truth('repeat')).body.stages).toEqual({
      register: 1,
      verify_email: 1,
      verify_nik: 1,
      upload_photo: 1,
      join_batch: 0,
    });
  });
});

describe('each stage refuses what it must', () => {
  test('a duplicate email or NIK is answered 409 naming the field', async () => {
    const applicant = nextApplicant();
    expect((await client.register(applicant)).status).toBe(201);
    const sameEmail = await client.register({ ...nextApplicant(), email: applicant.email.toUpperCase() });
    expect([sameEmail.status, sameEmail.body.error]).toEqual([409, 'duplicate_email']);
    const sameNik = await client.register({ ...nextApplicant(), nik: applicant.nik });
    expect([sameNik.status, sameNik.body.error]).toEqual([409, 'duplicate_nik']);
    const both = await client.register(applicant);
    expect([both.status, both.body.error]).toEqual([409, 'duplicate_email']);
  });

  test('email verification: wrong token 400, unknown email 404', async () => {
    const applicant = nextApplicant();
    await client.register(applicant);
    expect((await client.verifyEmail(applicant.email, 'not-the-token')).status).toBe(400);
    expect((await client.verifyEmail(nextApplicant().email, 'whatever')).status).toBe(404);
  });

  test.each([
    ['no Authorization header', undefined, 401],
    ['an unknown session token', 'no-such-session', 401],
  ])('verify-nik with %s is 401', async (_what, token, status) => {
    const answer = await client.send('POST', '/api/verify-nik', { json: { nik: '9901014101900001' }, token });
    expect(answer.status).toBe(status);
  });

  test('verify-nik before the email is verified is 403; a NIK other than the registered one is 422', async () => {
    const applicant = nextApplicant();
    const session = await walkUntil(applicant, 'verify_email');
    expect((await client.verifyNik(session, applicant.nik)).status).toBe(403);
    const other = nextApplicant();
    const otherSession = await walkUntil(other, 'verify_nik');
    const mismatch = await client.verifyNik(otherSession, applicant.nik);
    expect([mismatch.status, mismatch.body.error]).toEqual([422, 'nik_mismatch']);
  });

  test('the registry answers "no match" (422) for a NIK whose date is not the date of birth', async () => {
    const applicant = nextApplicant();
    const wrongBirthday = applicant.dateOfBirth === '1990-01-01' ? '1990-01-02' : '1990-01-01';
    const registered = await client.register({ ...applicant, dateOfBirth: wrongBirthday });
    const session = registered.body.sessionToken!;
    await client.verifyEmail(applicant.email, registered.headers.get('x-test-email-token')!);
    const answer = await client.verifyNik(session, applicant.nik);
    expect([answer.status, answer.body.error]).toEqual([422, 'nik_not_matched']);
  });

  test('a photo before the NIK is verified is 403', async () => {
    const session = await walkUntil(nextApplicant(), 'verify_nik');
    expect((await client.uploadPhoto(session, pngBytes(), 'image/png')).status).toBe(403);
  });

  test.each([
    ['a GIF', 415, new Uint8Array([0x47, 0x49, 0x46, 0x38, 0x39, 0x61]), 'image/gif'],
    ['a PNG declared as JPEG', 415, pngBytes(), 'image/jpeg'],
    ['text declared as PNG', 415, new TextEncoder().encode('definitely not an image'), 'image/png'],
    ['an empty file', 400, new Uint8Array(0), 'image/png'],
    ['a photo over the cap', 413, pngBytes(5000), 'image/png'],
  ])('uploading %s is %i', async (_what, status, bytes, type) => {
    const session = await walkUntil(nextApplicant(), 'upload_photo');
    const answer = await client.uploadPhoto(session, bytes, type);
    expect(answer.status).toBe(status);
    expect(answer.body).toMatchObject({ error: expect.any(String), message: expect.any(String) });
  });

  test.each([
    ['no body', 400, undefined, undefined],
    ['JSON instead of multipart', 400, JSON.stringify({ photo: 'x' }), 'application/json'],
    [
      'a multipart body without a photo field',
      400,
      '--b\r\ncontent-disposition: form-data; name="other"\r\n\r\nx\r\n--b--\r\n',
      'multipart/form-data; boundary=b',
    ],
    [
      'a multipart body that never ends',
      400,
      '--b\r\ncontent-disposition: form-data; name="photo"; filename="a.png"\r\ncontent-type: image/png\r\n\r\n\x89PNG',
      'multipart/form-data; boundary=b',
    ],
  ])('a photo request with %s is %i', async (_what, status, body, contentType) => {
    const session = await walkUntil(nextApplicant(), 'upload_photo');
    const answer = await client.send('POST', '/api/photo', {
      body,
      headers: contentType ? { 'content-type': contentType } : {},
      token: session,
    });
    expect(answer.status).toBe(status);
  });

  test('joining before every earlier stage is done is 403 naming what is missing', async () => {
    const session = await walkUntil(nextApplicant(), 'upload_photo');
    const answer = await client.joinBatch(session, 1);
    expect(answer.status).toBe(403);
    expect(answer.body).toMatchObject({ error: 'prerequisites_missing', missing: ['upload_photo'] });
  });

  test.each([
    ['an unknown batch', 999, 404],
    ['a batch id that is not a number', 'abc', 404],
  ])('joining %s is %i', async (_what, id, status) => {
    const session = await walkUntil(nextApplicant(), 'join_batch');
    expect((await client.joinBatch(session, id)).status).toBe(status);
  });

  test('joining twice is 409 already_joined; a full batch is 409 full', async () => {
    const sessions = [];
    for (let i = 0; i < 4; i += 1) sessions.push(await walkUntil(nextApplicant(), 'join_batch'));
    const batch = (await client.batches()).body.find((each) => each.taken === 0)!;
    const answers = [];
    for (const session of sessions) answers.push(await client.joinBatch(session, batch.id));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 409]);
    expect(answers[3]!.body.error).toBe('full');
    const again = await client.joinBatch(sessions[0]!, batch.id);
    expect([again.status, again.body.error]).toEqual([409, 'already_joined']);
  });
});

describe('malformed input is a clear 400 or 413, never a 500', () => {
  const valid = (): Record<string, unknown> => {
    const { email, fullName, password, nik, dateOfBirth } = nextApplicant();
    return { email, fullName, password, nik, dateOfBirth };
  };

  test.each([
    ['bad JSON', () => '{"email": ', 'application/json', 400, undefined],
    ['a JSON array', () => '[]', 'application/json', 400, 'body'],
    ['a JSON string', () => '"hello"', 'application/json', 400, undefined],
    ['no content type', () => JSON.stringify(valid()), 'text/plain', 400, 'body'],
    ['a missing email', () => JSON.stringify({ ...valid(), email: undefined }), 'application/json', 400, 'email'],
    ['an email without @', () => JSON.stringify({ ...valid(), email: 'nobody' }), 'application/json', 400, 'email'],
    ['a numeric name', () => JSON.stringify({ ...valid(), fullName: 42 }), 'application/json', 400, 'fullName'],
    ['a blank name', () => JSON.stringify({ ...valid(), fullName: '   ' }), 'application/json', 400, 'fullName'],
    ['a short password', () => JSON.stringify({ ...valid(), password: 'short' }), 'application/json', 400, 'password'],
    ['a 15-digit NIK', () => JSON.stringify({ ...valid(), nik: '990101410190000' }), 'application/json', 400, 'nik'],
    [
      'a NIK with letters',
      () => JSON.stringify({ ...valid(), nik: '99010141019000AB' }),
      'application/json',
      400,
      'nik',
    ],
    ['a NIK as a number', () => JSON.stringify({ ...valid(), nik: 1234567890123456 }), 'application/json', 400, 'nik'],
    [
      'an impossible date',
      () => JSON.stringify({ ...valid(), dateOfBirth: '1990-02-30' }),
      'application/json',
      400,
      'dateOfBirth',
    ],
    [
      'a date in another format',
      () => JSON.stringify({ ...valid(), dateOfBirth: '30/01/1990' }),
      'application/json',
      400,
      'dateOfBirth',
    ],
    [
      'a body over 16 KiB',
      () => JSON.stringify({ ...valid(), fullName: 'x'.repeat(20_000) }),
      'application/json',
      413,
      undefined,
    ],
  ])('registering with %s', async (_what, body, contentType, status, field) => {
    const answer = await client.send('POST', '/api/register', {
      body: body(),
      headers: { 'content-type': contentType },
    });
    expect(answer.status).toBe(status);
    expect(answer.body).toMatchObject({ error: expect.any(String), message: expect.any(String) });
    if (field) expect(answer.body.field).toBe(field);
  });

  test.each([
    ['/api/verify-email', { email: 'a@b.invalid' }, 'token'],
    ['/api/verify-email', { email: 7, token: 'x' }, 'email'],
    ['/api/verify-nik', {}, 'nik'],
  ])('%s with %j names the field %s', async (path, json, field) => {
    const token = path === '/api/verify-nik' ? await walkUntil(nextApplicant(), 'verify_nik') : undefined;
    const answer = await client.send('POST', path, { json, token });
    expect(answer.status).toBe(400);
    expect(answer.body.field).toBe(field);
  });

  test.each([['/truth'], ['/truth?run=Not Valid'], ['/truth?run=a&run=b']])('GET %s is 400', async (path) => {
    expect((await client.send('GET', path)).status).toBe(400);
  });

  test('an unknown route is a JSON 404', async () => {
    const answer = await client.send('GET', '/api/nothing-here');
    expect(answer.status).toBe(404);
    expect(answer.body.error).toBe('not_found');
  });
});

describe('/metrics', () => {
  test('labels requests by route pattern, never by raw URL, with names from the catalog', async () => {
    await client.joinBatch('no-session', 12345);
    const text = (await client.send('GET', '/metrics')).body as unknown as string;
    expect(text).toContain(
      `${TARGET_METRICS.httpRequests.name}{route="/api/batches/:id/join",method="POST",status="401"}`,
    );
    expect(text).not.toContain('12345');
    for (const metric of [
      'httpRequestDuration',
      'ministryCalls',
      'ministryInFlight',
      'records',
      'lostWrites',
    ] as const) {
      expect(text).toContain(`# TYPE ${TARGET_METRICS[metric].name} `);
    }
    expect(text).toMatch(new RegExp(`${TARGET_METRICS.records.name}\\{stage="join_batch"\\} [1-9]`));
    expect(text).not.toMatch(/floodgate\.invalid|@/);
  });

  test('the ministry serves its own /metrics with its configured capacity', async () => {
    const ministryUrl = `http://127.0.0.1:${(target.ministry!.server.address() as { port: number }).port}`;
    const text = await (await fetch(`${ministryUrl}/metrics`)).text();
    expect(text).toContain(`${TARGET_METRICS.ministryCapacity.name} 2000`);
    expect(text).toMatch(new RegExp(`${TARGET_METRICS.ministryAnswers.name}\\{result="match"\\} [1-9]`));
  });
});
