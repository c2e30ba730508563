/**
 * A small Node client of the reference target's HTTP API: one function per endpoint, answers as
 * `{status, body, headers}`. The integration tests drive the target with it; scripts and demos
 * may too. (k6 scripts use load-tests/targets/reference.ts instead.)
 */

import type { Applicant } from '../contracts/identity.ts';

/** One answer of the target. */
export interface TargetAnswer<T = Record<string, unknown>> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
  /** Milliseconds from sending the request to reading the whole answer. */
  readonly ms: number;
}

/** Records per stage for one run, as `GET /truth` answers. */
export interface Truth {
  readonly run: string;
  readonly stages: Readonly<Record<'register' | 'verify_email' | 'verify_nik' | 'upload_photo' | 'join_batch', number>>;
}

/** A client bound to one target. */
export interface TargetClient {
  readonly baseUrl: string;
  /** Any request; JSON bodies are sent with `Content-Type: application/json`. */
  send<T = Record<string, unknown>>(
    method: string,
    path: string,
    init?: { json?: unknown; body?: RequestInit['body']; headers?: Record<string, string>; token?: string },
  ): Promise<TargetAnswer<T>>;
  register(
    applicant: Pick<Applicant, 'email' | 'fullName' | 'password' | 'nik' | 'dateOfBirth'>,
  ): Promise<TargetAnswer<{ applicantId?: string; sessionToken?: string; error?: string }>>;
  mailbox(email: string): Promise<TargetAnswer<{ token?: string; error?: string }>>;
  verifyEmail(email: string, token: string): Promise<TargetAnswer>;
  verifyNik(sessionToken: string, nik: string): Promise<TargetAnswer>;
  /** Uploads `bytes` as the multipart file field `photo` with the given content type. */
  uploadPhoto(sessionToken: string, bytes: Uint8Array, contentType: string): Promise<TargetAnswer>;
  batches(): Promise<TargetAnswer<Array<{ id: number; name: string; seats: number; taken: number }>>>;
  joinBatch(sessionToken: string, batchId: number | string): Promise<TargetAnswer>;
  truth(run: string): Promise<TargetAnswer<Truth>>;
}

/** Creates a client for the target at `baseUrl` (e.g. `http://127.0.0.1:18081`). */
export function createTargetClient(baseUrl: string): TargetClient {
  const send: TargetClient['send'] = async (method, path, init = {}) => {
    const headers: Record<string, string> = { ...init.headers };
    let body = init.body;
    if (init.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.json);
    }
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    const started = performance.now();
    const response = await fetch(new URL(path, baseUrl), { method, headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    if ((response.headers.get('content-type') ?? '').includes('json')) parsed = JSON.parse(text);
    return {
      status: response.status,
      body: parsed as never,
      headers: response.headers,
      ms: performance.now() - started,
    };
  };
  return {
    baseUrl,
    send,
    register: (applicant) =>
      send('POST', '/api/register', {
        json: {
          email: applicant.email,
          fullName: applicant.fullName,
          password: applicant.password,
          nik: applicant.nik,
          dateOfBirth: applicant.dateOfBirth,
        },
      }),
    mailbox: (email) => send('GET', `/api/test/mailbox?email=${encodeURIComponent(email)}`),
    verifyEmail: (email, token) => send('POST', '/api/verify-email', { json: { email, token } }),
    verifyNik: (sessionToken, nik) => send('POST', '/api/verify-nik', { json: { nik }, token: sessionToken }),
    uploadPhoto(sessionToken, bytes, contentType) {
      const form = new FormData();
      form.append(
        'photo',
        new Blob([bytes], { type: contentType }),
        contentType === 'image/png' ? 'photo.png' : 'photo.jpg',
      );
      return send('POST', '/api/photo', { body: form, token: sessionToken });
    },
    batches: () => send('GET', '/api/batches'),
    joinBatch: (sessionToken, batchId) =>
      send('POST', `/api/batches/${encodeURIComponent(String(batchId))}/join`, { token: sessionToken }),
    truth: (run) => send('GET', `/truth?run=${encodeURIComponent(run)}`),
  };
}

/** The smallest JPEG header the target's magic-byte check accepts, padded to `size` bytes. */
export function jpegBytes(size = 1024): Uint8Array {
  const bytes = new Uint8Array(Math.max(size, 4));
  bytes.set([0xff, 0xd8, 0xff, 0xe0]);
  return bytes;
}

/** A PNG signature padded to `size` bytes (enough for the target's magic-byte check). */
export function pngBytes(size = 1024): Uint8Array {
  const bytes = new Uint8Array(Math.max(size, 8));
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return bytes;
}
