/**
 * The express application of the reference target: request metrics, the ten routes (funnel
 * routes behind `...funnel(stage)`, see target/gates.ts), the JSON 404 and the error mapping
 * (target/errors.ts). target/target.ts puts the admission gate in front of it and serves it.
 */

import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Registry } from 'prom-client';
import type { FunnelStage } from '../contracts/funnel.ts';
import { isRunId, runIdFromEmail } from '../contracts/identity.ts';
import { isLoopbackHost } from '../contracts/loopback.ts';
import { JSON_LIMIT_BYTES, mapRequestError, sendDuplicate, sendError, sendProblem } from './errors.ts';
import type { FaultInjector } from './faults.ts';
import { LANDING_PAGE } from './landing.ts';
import type { MinistryClient } from './ministry-client.ts';
import type { TargetMetrics } from './metrics.ts';
import type { TargetOptions } from './options.ts';
import { receivePhoto } from './photo.ts';
import type { ApplicantRecord, Store } from './store.ts';
import { parseEmailVerification, parseNikVerification, parseRegistration } from './validation.ts';

/** Seconds a throttled client is told to wait. */
export const RETRY_AFTER_SECONDS = 1;

/** What the routes use. */
export interface TargetAppDependencies {
  readonly options: TargetOptions;
  readonly store: Store;
  readonly registry: Registry;
  readonly metrics: TargetMetrics;
  readonly faults: FaultInjector;
  /** The gates in front of the handler of a funnel stage (target/gates.ts). */
  readonly funnel: (stage: FunnelStage, injectErrors?: boolean) => RequestHandler[];
  /** The ministry client, once the target listens. */
  readonly ministryClient: () => MinistryClient | undefined;
}

/** The express application and the number of its handlers still running (close() waits for them). */
export interface TargetApp {
  readonly app: express.Express;
  activeHandlers(): number;
}

/** Creates the target's express application. */
export function createTargetApp({
  options,
  store,
  registry,
  metrics,
  faults,
  funnel,
  ministryClient: currentMinistryClient,
}: TargetAppDependencies): TargetApp {
  let activeHandlers = 0;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  // Metrics of every request, labelled by the route pattern its handler declared.
  app.use((request, response, next) => {
    const started = process.hrtime.bigint();
    response.once('close', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = (response.locals.route as string | undefined) ?? 'unmatched';
      const status = response.writableFinished ? String(response.statusCode) : 'aborted';
      metrics.request(route, request.method, status, seconds);
    });
    next();
  });

  /** Labels the request with its route pattern; the metrics above read it. */
  const route =
    (pattern: string): RequestHandler =>
    (_request, response, next) => {
      response.locals.route = pattern;
      next();
    };

  /** Counts a handler as active until it settles, so close() can wait for it. */
  const handler =
    (body: (request: Request, response: Response) => Promise<void> | void): RequestHandler =>
    async (request, response, next) => {
      activeHandlers += 1;
      try {
        await body(request, response);
      } catch (error) {
        next(error);
      } finally {
        activeHandlers -= 1;
      }
    };

  const json = express.json({
    limit: JSON_LIMIT_BYTES,
    strict: true,
    type: ['application/json', 'application/*+json'],
  });

  /** The applicant of the request's bearer token, or undefined after answering 401. */
  const authenticate = (request: Request, response: Response): ApplicantRecord | undefined => {
    const match = /^Bearer\s+(\S+)$/i.exec(request.get('authorization') ?? '');
    const applicant = match?.[1] ? store.bySession(match[1]) : undefined;
    if (!applicant) {
      response.set('www-authenticate', 'Bearer');
      sendError(
        response,
        401,
        'unauthorized',
        'send Authorization: Bearer <sessionToken> from the registration answer',
      );
    }
    return applicant;
  };

  app.get('/healthz', route('/healthz'), (_request, response) => {
    response.json({ status: 'ok' });
  });

  app.get(
    '/metrics',
    route('/metrics'),
    handler(async (_request, response) => {
      response.set('content-type', registry.contentType);
      response.send(await registry.metrics());
    }),
  );

  app.get(
    '/truth',
    route('/truth'),
    handler((request, response) => {
      const run = request.query.run;
      if (typeof run !== 'string' || !isRunId(run)) {
        sendError(
          response,
          400,
          'invalid_field',
          'run must be a run id: 1–48 of a-z 0-9 _ -, starting with a letter or digit',
          'run',
        );
        return;
      }
      response.json({ run, stages: store.truth(run) });
    }),
  );

  app.get(
    '/api/test/mailbox',
    route('/api/test/mailbox'),
    handler((request, response) => {
      if (!options.testHooks) {
        sendError(response, 404, 'not_found', 'the test mailbox is off; start the target with --test-hooks');
        return;
      }
      if (!isLoopbackHost(request.socket.remoteAddress ?? '')) {
        sendError(response, 403, 'forbidden', 'the test mailbox answers loopback clients only');
        return;
      }
      const email = request.query.email;
      if (typeof email !== 'string' || email === '') {
        sendError(response, 400, 'invalid_field', 'email is missing: GET /api/test/mailbox?email=<address>', 'email');
        return;
      }
      const applicant = store.byEmail(email.trim().toLowerCase());
      if (!applicant) {
        sendError(response, 404, 'unknown_email', 'no mail for this address');
        return;
      }
      response.json({ token: applicant.emailToken });
    }),
  );

  app.get('/', route('/'), ...funnel('landing'), (_request, response) => {
    response.type('html').send(LANDING_PAGE);
  });

  app.post(
    '/api/register',
    route('/api/register'),
    ...funnel('register'),
    json,
    handler((request, response) => {
      const parsed = parseRegistration(request.body);
      if (!parsed.ok) return sendProblem(response, parsed);
      const registration = parsed.value;
      const applicantId = randomUUID();
      // One draw of secure random bytes for both tokens and the salt: each draw has a fixed cost.
      const secrets = randomBytes(48);
      const sessionToken = secrets.subarray(0, 24).toString('base64url');
      const emailToken = secrets.subarray(24, 40).toString('hex');
      const salt = secrets.subarray(40, 48).toString('hex');
      const acknowledge = (): void => {
        if (options.testHooks) response.set('x-test-email-token', emailToken);
        response.status(201).json({ applicantId, sessionToken });
      };
      if (faults.loseWrite()) {
        // Acknowledge without storing, as a write lost after its commit was confirmed would be.
        const conflict = store.conflictOf(registration.email, registration.nik);
        if (conflict) return sendDuplicate(response, conflict);
        metrics.lostWrites.inc();
        return acknowledge();
      }
      const stored = store.register({
        publicId: applicantId,
        run: runIdFromEmail(registration.email),
        email: registration.email,
        nik: registration.nik,
        fullName: registration.fullName,
        passwordHash: hashPassword(registration.password, salt),
        dateOfBirth: registration.dateOfBirth,
        sessionToken,
        emailToken,
      });
      if (stored.kind === 'duplicate') return sendDuplicate(response, stored.field);
      acknowledge();
    }),
  );

  app.post(
    '/api/verify-email',
    route('/api/verify-email'),
    ...funnel('verify_email'),
    json,
    handler((request, response) => {
      const parsed = parseEmailVerification(request.body);
      if (!parsed.ok) return sendProblem(response, parsed);
      const applicant = store.byEmail(parsed.value.email);
      if (!applicant) return sendError(response, 404, 'unknown_email', 'no registration with this email');
      if (!sameText(parsed.value.token, applicant.emailToken)) {
        return sendError(
          response,
          400,
          'invalid_token',
          'the token does not match the one sent to this email',
          'token',
        );
      }
      store.markEmailVerified(applicant.id);
      response.json({ verified: true });
    }),
  );

  app.post(
    '/api/verify-nik',
    route('/api/verify-nik'),
    ...funnel('verify_nik'),
    json,
    handler(async (request, response) => {
      const applicant = authenticate(request, response);
      if (!applicant) return;
      if (!applicant.emailVerified)
        return sendError(response, 403, 'email_not_verified', 'verify the email address first');
      const parsed = parseNikVerification(request.body);
      if (!parsed.ok) return sendProblem(response, parsed);
      if (parsed.value.nik !== applicant.nik) {
        return sendError(response, 422, 'nik_mismatch', 'this NIK is not the one given at registration', 'nik');
      }
      if (applicant.nikVerified) {
        response.json({ verified: true });
        return;
      }
      const ministryClient = currentMinistryClient();
      if (!ministryClient)
        return sendError(response, 503, 'ministry_unavailable', 'the ministry NIK API is not connected yet');
      metrics.ministryInFlight.inc();
      const started = process.hrtime.bigint();
      const result = await ministryClient.check(applicant.nik, applicant.dateOfBirth);
      metrics.ministryInFlight.dec();
      metrics.ministryCall(result.outcome, Number(process.hrtime.bigint() - started) / 1e9);
      switch (result.outcome) {
        case 'ok':
          store.markNikVerified(applicant.id);
          response.json({ verified: true });
          return;
        case 'rejected':
          sendError(
            response,
            422,
            'nik_not_matched',
            'the population registry has no match for this NIK and date of birth',
          );
          return;
        case 'timeout':
          sendError(
            response,
            504,
            'ministry_timeout',
            `the ministry NIK API did not answer within ${options.nikTimeoutMs} ms; try again later`,
          );
          return;
        default:
          response.set('retry-after', String(RETRY_AFTER_SECONDS));
          sendError(response, 503, 'ministry_unavailable', 'the ministry NIK API is unavailable; try again later');
      }
    }),
  );

  app.post(
    '/api/photo',
    route('/api/photo'),
    ...funnel('upload_photo'),
    handler(async (request, response) => {
      const applicant = authenticate(request, response);
      if (!applicant) return;
      if (!applicant.nikVerified) {
        response.set('connection', 'close');
        return sendError(response, 403, 'nik_not_verified', 'verify the NIK before uploading a photo');
      }
      const upload = await receivePhoto(request, options.photoMaxBytes);
      if (!upload.ok) {
        if (upload.unread) response.set('connection', 'close');
        return sendError(response, upload.status, upload.error, upload.message, 'photo');
      }
      store.savePhoto(applicant.id, applicant.run, upload.bytes, upload.sha256, upload.contentType);
      response.status(201).json({ bytes: upload.bytes, contentType: upload.contentType });
    }),
  );

  app.get(
    '/api/batches',
    route('/api/batches'),
    ...funnel('join_batch', false),
    handler((_request, response) => {
      response.json(store.batches());
    }),
  );

  app.post(
    '/api/batches/:id/join',
    route('/api/batches/:id/join'),
    ...funnel('join_batch'),
    handler((request, response) => {
      const applicant = authenticate(request, response);
      if (!applicant) return;
      const batchId = /^[1-9]\d{0,9}$/.test(String(request.params.id)) ? Number(request.params.id) : undefined;
      if (batchId === undefined)
        return sendError(response, 404, 'unknown_batch', 'no batch with this id; GET /api/batches lists them');
      const missing = [
        ...(applicant.emailVerified ? [] : ['verify_email']),
        ...(applicant.nikVerified ? [] : ['verify_nik']),
        ...(store.hasPhoto(applicant.id) ? [] : ['upload_photo']),
      ];
      if (missing.length > 0) {
        response
          .status(403)
          .json({ error: 'prerequisites_missing', message: `complete first: ${missing.join(', ')}`, missing });
        return;
      }
      const result = store.joinBatch(applicant.id, applicant.run, batchId);
      if (result === 'joined') {
        response.json({ joined: true, batchId });
        return;
      }
      if (result === 'unknown_batch')
        return sendError(response, 404, 'unknown_batch', 'no batch with this id; GET /api/batches lists them');
      sendError(
        response,
        409,
        result,
        result === 'full' ? 'this batch has no seats left; pick another' : 'you have already joined a batch',
      );
    }),
  );

  app.use((request, response) => {
    sendError(response, 404, 'not_found', `no route ${request.method} ${request.path}`);
  });

  // Every error becomes a clear 4xx, or a 500 without internals; never a stack trace.
  app.use((error: unknown, _request: Request, response: Response, _next: NextFunction) => {
    const mapped = mapRequestError(error);
    if (mapped.status === 500) console.error(`target: ${error instanceof Error ? error.message : String(error)}`);
    if (response.headersSent) {
      response.destroy();
      return;
    }
    if (mapped.status === 413) response.set('connection', 'close');
    sendError(response, mapped.status, mapped.error, mapped.message);
  });

  return { app, activeHandlers: () => activeHandlers };
}

/**
 * A salted SHA-256 of the password. A real service uses a slow KDF (scrypt, argon2); the
 * reference target keeps hashing cheap so that the ministry, not the CPU, is its bottleneck.
 */
function hashPassword(password: string, salt: string): string {
  return `sha256$${salt}$${createHash('sha256').update(salt).update(password).digest('hex')}`;
}

function sameText(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
