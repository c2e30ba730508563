/**
 * The adapter interface: how each funnel stage maps to HTTP on one system. The journey knows the
 * stages, think times and continuation; an adapter knows the requests. Add a system by adding one
 * file that exports an {@link AdapterFactory} and one line in targets/index.ts (README: "Adding an
 * adapter").
 */

import type { Applicant } from '../../contracts/identity.ts';
import type { CommonEnv } from '../../contracts/script-variables.ts';
import type { HttpClient, StageResponse } from '../lib/http.ts';

/** What the system handed back at registration: whatever later stages need. */
export interface Session {
  /** Bearer token of the applicant's session. */
  readonly sessionToken: string;
  /** The email token, when the system echoed it (a staging-only header), for EMAIL_TOKEN_SOURCE=header. */
  readonly echoedEmailToken?: string;
}

/** The end of a stage: completed (with a value), or failed / throttled with the reason. */
export type StageAnswer<T = undefined> =
  | { readonly result: 'completed'; readonly value: T }
  | { readonly result: 'failed' | 'throttled'; readonly status: number; readonly reason: string };

/** The photo an applicant uploads. */
export interface Photo {
  readonly bytes: Uint8Array;
  readonly filename: string;
  readonly contentType: 'image/png' | 'image/jpeg';
}

/** One system's HTTP, stage by stage. Every request goes through `context.client`, tagged with its stage. */
export interface TargetAdapter {
  readonly name: string;
  /** Opens the landing page. */
  landing(applicant: Applicant): Promise<StageAnswer>;
  /** Creates the account. */
  register(applicant: Applicant): Promise<StageAnswer<Session>>;
  /** Gets the email token (see email-tokens.ts) and confirms the email. */
  verifyEmail(applicant: Applicant, session: Session): Promise<StageAnswer>;
  /** Has the system check the NIK with the population registry. */
  verifyNik(applicant: Applicant, session: Session): Promise<StageAnswer>;
  /** Uploads the photo. */
  uploadPhoto(applicant: Applicant, session: Session, photo: Photo): Promise<StageAnswer>;
  /** Joins a training batch; `choice` picks among the open batches (round-robin over applicants). */
  joinBatch(applicant: Applicant, session: Session, choice: number): Promise<StageAnswer>;
}

/** What an adapter is built from. */
export interface AdapterContext {
  readonly client: HttpClient;
  readonly env: CommonEnv;
}

/** Builds an adapter; runs in the init context, so it may validate its variables and throw. */
export type AdapterFactory = (context: AdapterContext) => TargetAdapter;

/** A completed stage. */
export function completed(): StageAnswer;
export function completed<T>(value: T): StageAnswer<T>;
export function completed<T>(value?: T): StageAnswer<T | undefined> {
  return { result: 'completed', value };
}

/**
 * The answer for a response that did not complete the stage: `throttled` when the target still
 * said 429 after the retries, else `failed`, with a short reason: the status and the body's
 * `error` code when it is one (`HTTP 409 duplicate_email`), or k6's error text on a network error.
 */
export function notCompleted(response: StageResponse, what: string): StageAnswer<never> {
  if (response.throttled) return { result: 'throttled', status: 429, reason: `${what}: throttled (429)` };
  const code = response.status === 0 ? undefined : response.json<{ error?: unknown }>()?.error;
  // Only a short snake_case error code from the body: bodies may echo what the applicant sent.
  const shown = typeof code === 'string' && /^[a-z][a-z0-9_]{0,39}$/.test(code) ? ` ${code}` : '';
  const detail = response.status === 0 ? response.error || 'network error' : `HTTP ${response.status}${shown}`;
  return { result: 'failed', status: response.status, reason: `${what}: ${detail}` };
}
