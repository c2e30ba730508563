/**
 * Three ways to get the email verification token, as a real system's staging offers them:
 *
 * - `mailbox`: the reference target's test-only mailbox, `GET /api/test/mailbox?email=` → `{token}`
 *   (only with `--test-hooks`, only on loopback);
 * - `header`: the token echoed at registration in a staging-only response header
 *   (`X-Test-Email-Token` on the reference target), kept in the {@link Session};
 * - `mailpit`: a Mailpit-compatible mail catcher (MAILPIT_URL): find the newest message to the
 *   applicant (`GET /api/v1/search?query=to:"<email>"`), read it (`GET /api/v1/message/<ID>`) and
 *   take the first group of EMAIL_TOKEN_PATTERN from its text.
 *
 * Mail can arrive a moment after registration, so the mailbox and Mailpit are polled a few times.
 * These requests are tagged `helper: email_token`, not `stage`: they are scaffolding, and must not
 * count in verify_email's latency, error rate or throughput.
 */

import { FloodgateError } from '../../contracts/errors.ts';
import type { Applicant } from '../../contracts/identity.ts';
import type { CommonEnv } from '../../contracts/script-variables.ts';
import { pause, type HttpClient } from '../lib/http.ts';
import { completed, notCompleted, type Session, type StageAnswer } from './adapter.ts';

/** Reads the token of one applicant. */
export type EmailTokenReader = (applicant: Applicant, session: Session) => Promise<StageAnswer<string>>;

/** Polls for a mail at most this many times, this many seconds apart. */
export const MAIL_POLLS = 10;
export const MAIL_POLL_SECONDS = 0.3;

/** The reader the variables ask for; `mailboxPath` is the system's test mailbox, when it has one. */
export function emailTokenReader(client: HttpClient, env: CommonEnv, mailboxPath?: string): EmailTokenReader {
  switch (env.emailTokenSource) {
    case 'header':
      return echoedTokenReader();
    case 'mailpit':
      return mailpitTokenReader(client, env.mailpitUrl ?? '', new RegExp(env.emailTokenPattern));
    case 'mailbox':
      if (mailboxPath === undefined) {
        // The default source is the reference target's mailbox: an adapter of another system says so plainly.
        throw new FloodgateError('SCRIPT_ENV_INVALID', {
          name: 'EMAIL_TOKEN_SOURCE',
          value: 'mailbox',
          detail: `adapter ${env.adapter} has no test mailbox (mailbox is the default, for the reference target); pass -e EMAIL_TOKEN_SOURCE=header (your staging echoes the token at registration) or -e EMAIL_TOKEN_SOURCE=mailpit -e MAILPIT_URL=<url>`,
        });
      }
      return mailboxTokenReader(client, mailboxPath);
  }
}

/** The reference target's test mailbox: `GET <path>?email=<email>` → 200 `{token}` or 404 (no mail yet). */
export function mailboxTokenReader(client: HttpClient, path: string): EmailTokenReader {
  return async (applicant) => {
    for (let poll = 1; ; poll += 1) {
      const response = await client.send({
        method: 'GET',
        url: `${path}?email=${encodeURIComponent(applicant.email)}`,
        helper: 'email_token',
        name: `GET ${path}`,
        alsoExpected: [404],
      });
      const token = response.status === 200 ? response.json<{ token?: unknown }>()?.token : undefined;
      if (typeof token === 'string' && token !== '') return completed(token);
      if (response.status !== 404 || poll >= MAIL_POLLS) return notCompleted(response, 'reading the test mailbox');
      await pause(MAIL_POLL_SECONDS);
    }
  };
}

/** The token the system echoed at registration (a staging-only header). */
export function echoedTokenReader(): EmailTokenReader {
  return async (_applicant, session) =>
    session.echoedEmailToken
      ? completed(session.echoedEmailToken)
      : {
          result: 'failed',
          status: 0,
          reason: 'registration echoed no email token header (is the staging header on?)',
        };
}

/** A Mailpit-compatible API at `baseUrl`. */
export function mailpitTokenReader(client: HttpClient, baseUrl: string, pattern: RegExp): EmailTokenReader {
  return async (applicant) => {
    for (let poll = 1; ; poll += 1) {
      const query = encodeURIComponent(`to:"${applicant.email}"`);
      const search = await client.send({
        method: 'GET',
        url: `${baseUrl}/api/v1/search?query=${query}&limit=1`,
        helper: 'email_token',
        name: 'GET mailpit /api/v1/search',
      });
      if (search.status !== 200) return notCompleted(search, 'searching Mailpit');
      const id = search.json<{ messages?: Array<{ ID?: unknown }> }>()?.messages?.[0]?.ID;
      if (typeof id === 'string') {
        const message = await client.send({
          method: 'GET',
          url: `${baseUrl}/api/v1/message/${encodeURIComponent(id)}`,
          helper: 'email_token',
          name: 'GET mailpit /api/v1/message/:id',
        });
        if (message.status !== 200) return notCompleted(message, 'reading the Mailpit message');
        const mail = message.json<{ Text?: unknown; HTML?: unknown }>();
        const text = `${typeof mail?.Text === 'string' ? mail.Text : ''}\n${typeof mail?.HTML === 'string' ? mail.HTML : ''}`;
        const token = pattern.exec(text)?.[1];
        if (token) return completed(token);
        return { result: 'failed', status: 200, reason: `the verification mail holds no match of ${pattern.source}` };
      }
      if (poll >= MAIL_POLLS)
        return { result: 'failed', status: 200, reason: 'no verification mail arrived in Mailpit' };
      await pause(MAIL_POLL_SECONDS);
    }
  };
}
