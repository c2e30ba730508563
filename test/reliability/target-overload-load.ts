/**
 * The load generator of test/reliability/target-overload.test.ts, run as its own process so the
 * test can pin it to one core and the target to the other:
 *
 *   node --import tsx target-overload-load.ts <url> <run> <connections> <seconds> <out.json>
 *
 * autocannon registers a new synthetic applicant per request (closed loop: each connection sends
 * its next registration as soon as the last is answered, whatever the answer, Retry-After
 * ignored: the harshest client). Writes what it saw: answers per second and status, timeouts
 * (10 s, autocannon's default), answers without Retry-After, and every acknowledged email.
 */

import { writeFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { syntheticApplicant } from '../../contracts/identity.ts';

/** What one load run saw; the test reads it back. */
export interface OverloadResult {
  /** Answers per whole second since the start, by status (index = second). */
  readonly perSecond: Array<Record<string, number>>;
  readonly answered: number;
  readonly timeouts: number;
  readonly errors: number;
  readonly sent: number;
  /** 429 and 503 answers without a Retry-After header. */
  readonly sheddingWithoutRetryAfter: number;
  /** Emails of the registrations answered 201. */
  readonly acknowledged: string[];
}

const [url, run, connections, seconds, out] = process.argv.slice(2);
if (!url || !run || !connections || !seconds || !out) {
  console.error('usage: target-overload-load.ts <url> <run> <connections> <seconds> <out.json>');
  process.exit(2);
}

let next = 0;
const perSecond: Array<Record<string, number>> = [];
const acknowledged: string[] = [];
let sheddingWithoutRetryAfter = 0;
const started = Date.now();
const count = (what: string): void => {
  const second = Math.floor((Date.now() - started) / 1000);
  for (let index = perSecond.length; index <= second; index += 1) perSecond.push({});
  const bucket = perSecond[second]!;
  bucket[what] = (bucket[what] ?? 0) + 1;
};

let finish: (result: autocannon.Result) => void = () => undefined;
const finished = new Promise<autocannon.Result>((resolve) => (finish = resolve));
const instance = autocannon(
  {
    url,
    connections: Number(connections),
    duration: Number(seconds),
    timeout: 10,
    requests: [
      {
        method: 'POST',
        path: '/api/register',
        headers: { 'content-type': 'application/json' },
        setupRequest(request, context) {
          const applicant = syntheticApplicant(run, 1, next++);
          (context as { email?: string }).email = applicant.email;
          const { email, fullName, password, nik, dateOfBirth } = applicant;
          return { ...request, body: JSON.stringify({ email, fullName, password, nik, dateOfBirth }) };
        },
        onResponse(status, _body, context, headers) {
          count(String(status));
          if (status === 201) acknowledged.push((context as { email: string }).email);
          if ((status === 429 || status === 503) && !(headers as Record<string, string> | undefined)?.['retry-after'])
            sheddingWithoutRetryAfter += 1;
        },
      },
    ],
  },
  (error, result) => {
    if (error) throw error;
    finish(result);
  },
);
instance.on('reqError', () => count('error'));
const result = await finished;
const summary: OverloadResult = {
  perSecond,
  answered: result.requests.total,
  timeouts: result.timeouts,
  errors: result.errors,
  sent: next,
  sheddingWithoutRetryAfter,
  acknowledged,
};
writeFileSync(out, JSON.stringify(summary));
