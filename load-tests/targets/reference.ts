/**
 * The adapter for floodgate's reference target (target/, API in target/README.md):
 *
 * | stage | requests |
 * |---|---|
 * | landing | `GET /` → 200 |
 * | register | `POST /api/register` JSON → 201 `{applicantId, sessionToken}` |
 * | verify_email | token (mailbox, header or Mailpit), then `POST /api/verify-email` `{email, token}` → 200 |
 * | verify_nik | `POST /api/verify-nik` (Bearer) `{nik}` → 200 |
 * | upload_photo | `POST /api/photo` (Bearer) multipart field `photo` → 201 |
 * | join_batch | `GET /api/batches`, then `POST /api/batches/:id/join` (Bearer) → 200; a full batch (409) moves on to the next |
 */

import type { Applicant } from '../../contracts/identity.ts';
import { multipartFile, toArrayBuffer } from '../lib/photo.ts';
import { completed, notCompleted, type AdapterFactory, type Session, type StageAnswer } from './adapter.ts';
import { emailTokenReader } from './email-tokens.ts';
import { ADAPTER_MAILBOXES } from '../../contracts/adapter-mailboxes.ts';

/** Response header that carries the email token when the target runs with `--test-hooks`. */
export const ECHOED_TOKEN_HEADER = 'X-Test-Email-Token';

/** The reference target's test mailbox (contracts/adapter-mailboxes.ts, where floodgate run checks EMAIL_TOKEN_SOURCE). */
export const REFERENCE_MAILBOX_PATH = ADAPTER_MAILBOXES.reference!;

/** A batch as `GET /api/batches` lists it. */
interface Batch {
  readonly id: number | string;
  readonly seats: number;
  readonly taken: number;
}

/** Builds the reference adapter. */
export const referenceAdapter: AdapterFactory = ({ client, env }) => {
  const readEmailToken = emailTokenReader(client, env, REFERENCE_MAILBOX_PATH);
  const json = { 'Content-Type': 'application/json' };
  const bearer = (session: Session): Record<string, string> => ({ Authorization: `Bearer ${session.sessionToken}` });

  return {
    name: 'reference',

    async landing() {
      const response = await client.send({ method: 'GET', url: '/', stage: 'landing', name: 'GET /' });
      return response.status === 200 ? completed() : notCompleted(response, 'landing page');
    },

    async register(applicant: Applicant) {
      const response = await client.send({
        method: 'POST',
        url: '/api/register',
        body: JSON.stringify({
          email: applicant.email,
          fullName: applicant.fullName,
          password: applicant.password,
          nik: applicant.nik,
          dateOfBirth: applicant.dateOfBirth,
        }),
        headers: json,
        stage: 'register',
        name: 'POST /api/register',
      });
      const sessionToken =
        response.status === 201 ? response.json<{ sessionToken?: unknown }>()?.sessionToken : undefined;
      if (typeof sessionToken !== 'string') return notCompleted(response, 'registration');
      const echoed = response.header(ECHOED_TOKEN_HEADER);
      return completed<Session>(echoed ? { sessionToken, echoedEmailToken: echoed } : { sessionToken });
    },

    async verifyEmail(applicant, session) {
      const token = await readEmailToken(applicant, session);
      if (token.result !== 'completed') return token;
      const response = await client.send({
        method: 'POST',
        url: '/api/verify-email',
        body: JSON.stringify({ email: applicant.email, token: token.value }),
        headers: json,
        stage: 'verify_email',
        name: 'POST /api/verify-email',
      });
      return response.status === 200 ? completed() : notCompleted(response, 'email verification');
    },

    async verifyNik(applicant, session) {
      const response = await client.send({
        method: 'POST',
        url: '/api/verify-nik',
        body: JSON.stringify({ nik: applicant.nik }),
        headers: { ...json, ...bearer(session) },
        stage: 'verify_nik',
        name: 'POST /api/verify-nik',
        // The registry answering "no match" is an answer, not a failure of the system.
        alsoExpected: [422],
      });
      return response.status === 200 ? completed() : notCompleted(response, 'NIK verification');
    },

    async uploadPhoto(_applicant, session, photo) {
      const multipart = multipartFile(
        'photo',
        photo.filename,
        photo.contentType,
        photo.bytes,
        'floodgate-photo-boundary',
      );
      const response = await client.send({
        method: 'POST',
        url: '/api/photo',
        body: toArrayBuffer(multipart.body),
        headers: { ...bearer(session), 'Content-Type': multipart.contentType },
        stage: 'upload_photo',
        name: 'POST /api/photo',
      });
      return response.status === 201 ? completed() : notCompleted(response, 'photo upload');
    },

    async joinBatch(_applicant, session, choice) {
      const listing = await client.send({
        method: 'GET',
        url: '/api/batches',
        stage: 'join_batch',
        name: 'GET /api/batches',
      });
      const batches = listing.status === 200 ? listing.json<Batch[]>() : undefined;
      if (!Array.isArray(batches)) return notCompleted(listing, 'listing batches');
      const open = batches.filter((batch) => batch.taken < batch.seats);
      if (open.length === 0) return { result: 'failed', status: 409, reason: 'every batch is full' };
      let last: StageAnswer = { result: 'failed', status: 409, reason: 'every batch is full' };
      for (let offset = 0; offset < open.length; offset += 1) {
        const batch = open[(choice + offset) % open.length]!;
        const response = await client.send({
          method: 'POST',
          url: `/api/batches/${encodeURIComponent(String(batch.id))}/join`,
          headers: bearer(session),
          stage: 'join_batch',
          name: 'POST /api/batches/:id/join',
          // "full" is an answer: another applicant took the last seat; try the next batch.
          alsoExpected: [409],
        });
        if (response.status === 200) return completed();
        last = notCompleted(response, 'joining a batch');
        if (!(response.status === 409 && response.json<{ error?: unknown }>()?.error === 'full')) return last;
      }
      return last;
    },
  };
};
