/**
 * The reference registration target: express 5 + SQLite, a simulated ministry NIK API on its
 * own port, an optional waiting room, fault injection, a truth endpoint and /metrics. It
 * reproduces the failure modes of the opening floodgate rehearses, on a known truth.
 *
 * `createTarget(options)` builds it; `listen()` starts the ministry, then the target; `close()`
 * stops both and closes the database. See target/README.md for the HTTP API.
 */

import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { Registry } from 'prom-client';
import { FloodgateError } from '../contracts/errors.ts';
import type { FunnelStage } from '../contracts/funnel.ts';
import { isRunId, runIdFromEmail } from '../contracts/identity.ts';
import { createAdmission } from './admission.ts';
import { createFaultInjector } from './faults.ts';
import { closeServer, isLoopbackHost, listenOn } from './listen.ts';
import { createMinistry, type Ministry } from './ministry.ts';
import { createMinistryClient, type MinistryClient } from './ministry-client.ts';
import { createTargetMetrics } from './metrics.ts';
import { DEFAULT_TARGET_OPTIONS, type TargetOptions } from './options.ts';
import { receivePhoto } from './photo.ts';
import { openStore, type ApplicantRecord, type Store } from './store.ts';
import { parseEmailVerification, parseNikVerification, parseRegistration, type FieldProblem } from './validation.ts';

/** Where a listening target can be reached. */
export interface TargetAddresses {
  /** Base URL of the target, e.g. `http://127.0.0.1:18081`. */
  readonly url: string;
  /** Base URL of the ministry NIK API the target calls. */
  readonly ministryUrl: string;
}

/** A reference target. */
export interface Target {
  /** The express application (for tests that drive it without listening). */
  readonly app: express.Express;
  /** The simulated ministry, or undefined when `ministryUrl` points at another one. */
  readonly ministry: Ministry | undefined;
  /** The target's own metric registry (served at /metrics). */
  readonly registry: Registry;
  readonly store: Store;
  /** The resolved options. */
  readonly options: TargetOptions;
  /** Starts the ministry (unless external), then the target. */
  listen(): Promise<TargetAddresses>;
  /** Stops both servers, waits for requests in progress, closes the database. Safe to call twice. */
  close(): Promise<void>;
}

/** Explicit dependencies; tests may pass their own. */
export interface TargetDependencies {
  /** Registry for the target's metrics; default a new one. */
  readonly registry?: Registry;
}

/** Largest JSON body the target reads, in bytes. */
const JSON_LIMIT_BYTES = 16 * 1024;
/** Seconds a throttled client is told to wait. */
const RETRY_AFTER_SECONDS = 1;

/**
 * Creates a reference target. Throws TEST_HOOKS_NOT_LOOPBACK when test hooks are asked for on a
 * non-loopback address, DATABASE_FAILED when the database cannot be opened.
 */
export function createTarget(overrides: Partial<TargetOptions> = {}, deps: TargetDependencies = {}): Target {
  const given = withoutUndefined(overrides);
  // --port 0 means every port the target opens is free: its ministry's too, unless one was given.
  const ministryPort = given.ministryPort ?? (given.port === 0 ? 0 : DEFAULT_TARGET_OPTIONS.ministryPort);
  const options: TargetOptions = Object.freeze({ ...DEFAULT_TARGET_OPTIONS, ...given, ministryPort });
  if (options.testHooks && !isLoopbackHost(options.host)) {
    throw new FloodgateError('TEST_HOOKS_NOT_LOOPBACK', { host: options.host });
  }
  const registry = deps.registry ?? new Registry();
  const store = openStore({ path: options.db, batches: options.batches, batchSeats: options.batchSeats });
  const metrics = createTargetMetrics(registry, () => store.totals());
  const faults = createFaultInjector({
    latencyMs: options.latencyMs,
    errorRates: options.errorRates,
    lostWriteRate: options.lostWriteRate,
    seed: options.seed,
  });
  const ministry = options.ministryUrl
    ? undefined
    : createMinistry({
        capacity: options.nikCapacity,
        serviceMs: options.nikServiceMs,
        queueLimit: options.nikQueue,
        jitter: options.nikJitter,
        seed: options.seed,
        host: options.ministryHost ?? options.host,
        port: options.ministryPort,
      });
  let ministryClient: MinistryClient | undefined;
  let activeHandlers = 0;
  // One gate in front of express for the whole funnel: the waiting room and the concurrency limit
  // count every funnel request admitted and not yet answered, queued or in a handler
  // (target/admission.ts).
  const admission = createAdmission({
    waitingRoom: options.waitingRoom,
    maxConcurrency: options.maxConcurrency,
    retryAfterSeconds: RETRY_AFTER_SECONDS,
    funnelRoute,
    onReject: (route, method, status, seconds) => {
      if (status === 429) metrics.waitingRoomRejected.inc();
      metrics.request(route, method, String(status), seconds);
    },
    onAdmittedChange: (admitted) => metrics.waitingRoomInFlight.set(admitted),
  });

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

  /** The waiting room, added latency and injected errors, in front of every funnel request. */
  const funnel = (stage: FunnelStage, injectErrors = true): RequestHandler[] => {
    const gates: RequestHandler[] = [];
    if (options.latencyMs > 0) {
      gates.push((_request, _response, next) => {
        setTimeout(next, options.latencyMs);
      });
    }
    if (injectErrors) {
      gates.push((_request, response, next) => {
        if (!faults.injectError(stage)) return next();
        metrics.injectedError(stage);
        response.set('x-fault-injected', 'error');
        sendError(response, 500, 'injected_error', `fault injection: --error-rate ${stage}`);
      });
    }
    return gates;
  };

  const json = express.json({ limit: JSON_LIMIT_BYTES, strict: true, type: ['application/json', 'application/*+json'] });

  /** The applicant of the request's bearer token, or undefined after answering 401. */
  const authenticate = (request: Request, response: Response): ApplicantRecord | undefined => {
    const match = /^Bearer\s+(\S+)$/i.exec(request.get('authorization') ?? '');
    const applicant = match?.[1] ? store.bySession(match[1]) : undefined;
    if (!applicant) {
      response.set('www-authenticate', 'Bearer');
      sendError(response, 401, 'unauthorized', 'send Authorization: Bearer <sessionToken> from the registration answer');
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
        sendError(response, 400, 'invalid_field', 'run must be a run id: 1–48 of a-z 0-9 _ -, starting with a letter or digit', 'run');
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
        return sendError(response, 400, 'invalid_token', 'the token does not match the one sent to this email', 'token');
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
      if (!applicant.emailVerified) return sendError(response, 403, 'email_not_verified', 'verify the email address first');
      const parsed = parseNikVerification(request.body);
      if (!parsed.ok) return sendProblem(response, parsed);
      if (parsed.value.nik !== applicant.nik) {
        return sendError(response, 422, 'nik_mismatch', 'this NIK is not the one given at registration', 'nik');
      }
      if (applicant.nikVerified) {
        response.json({ verified: true });
        return;
      }
      if (!ministryClient) return sendError(response, 503, 'ministry_unavailable', 'the ministry NIK API is not connected yet');
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
          sendError(response, 422, 'nik_not_matched', 'the population registry has no match for this NIK and date of birth');
          return;
        case 'timeout':
          sendError(response, 504, 'ministry_timeout', `the ministry NIK API did not answer within ${options.nikTimeoutMs} ms; try again later`);
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
      if (batchId === undefined) return sendError(response, 404, 'unknown_batch', 'no batch with this id; GET /api/batches lists them');
      const missing = [
        ...(applicant.emailVerified ? [] : ['verify_email']),
        ...(applicant.nikVerified ? [] : ['verify_nik']),
        ...(store.hasPhoto(applicant.id) ? [] : ['upload_photo']),
      ];
      if (missing.length > 0) {
        response.status(403).json({ error: 'prerequisites_missing', message: `complete first: ${missing.join(', ')}`, missing });
        return;
      }
      const result = store.joinBatch(applicant.id, applicant.run, batchId);
      if (result === 'joined') {
        response.json({ joined: true, batchId });
        return;
      }
      if (result === 'unknown_batch') return sendError(response, 404, 'unknown_batch', 'no batch with this id; GET /api/batches lists them');
      sendError(response, 409, result, result === 'full' ? 'this batch has no seats left; pick another' : 'you have already joined a batch');
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

  const server: Server = createServer((request, response) => admission.handle(request, response, app));
  server.keepAliveTimeout = 30_000;
  server.headersTimeout = 35_000;
  server.requestTimeout = 60_000;

  let closing: Promise<void> | undefined;
  return {
    app,
    ministry,
    registry,
    store,
    options,
    async listen() {
      let ministryUrl = options.ministryUrl;
      if (ministry) ministryUrl = await ministry.listen();
      ministryClient = createMinistryClient(ministryUrl!, options.nikTimeoutMs);
      try {
        const url = await listenOn(server, options.host, options.port);
        return { url, ministryUrl: ministryUrl! };
      } catch (error) {
        await ministryClient.close();
        ministryClient = undefined;
        await ministry?.close();
        throw error;
      }
    },
    close() {
      closing ??= (async () => {
        try {
          admission.flush();
          const targetClosed = closeServer(server);
          // Closing the ministry first answers waiting NIK checks at once, so requests finish quickly.
          await ministry?.close();
          await targetClosed;
          const deadline = Date.now() + 5000;
          while (activeHandlers > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
          const client = ministryClient;
          ministryClient = undefined;
          await client?.close();
        } finally {
          // Whatever failed above, the database is closed and a temporary one removed.
          store.close();
        }
      })();
      return closing;
    },
  };
}

/**
 * The funnel routes behind the admission gate, matched as express matches them (case-insensitive,
 * an optional trailing slash; HEAD with GET). Each is declared below with `...funnel(stage)`.
 */
const FUNNEL_ROUTES: ReadonlyArray<{ readonly methods: readonly string[]; readonly route: string; readonly path: RegExp }> = [
  { methods: ['GET', 'HEAD'], route: '/', path: /^\/$/ },
  { methods: ['POST'], route: '/api/register', path: /^\/api\/register\/?$/i },
  { methods: ['POST'], route: '/api/verify-email', path: /^\/api\/verify-email\/?$/i },
  { methods: ['POST'], route: '/api/verify-nik', path: /^\/api\/verify-nik\/?$/i },
  { methods: ['POST'], route: '/api/photo', path: /^\/api\/photo\/?$/i },
  { methods: ['GET', 'HEAD'], route: '/api/batches', path: /^\/api\/batches\/?$/i },
  { methods: ['POST'], route: '/api/batches/:id/join', path: /^\/api\/batches\/[^/]+\/join\/?$/i },
];

/** The route pattern of a funnel request, or undefined when it is not one. */
export function funnelRoute(method: string, path: string): string | undefined {
  for (const entry of FUNNEL_ROUTES) if (entry.methods.includes(method) && entry.path.test(path)) return entry.route;
  return undefined;
}

/** Maps errors raised while reading a request (body-parser's `type`s) to an answer. */
export function mapRequestError(error: unknown): { status: number; error: string; message: string } {
  const { type, status } = (error ?? {}) as { type?: string; status?: number };
  switch (type) {
    case 'entity.parse.failed':
      return { status: 400, error: 'invalid_json', message: 'the body is not valid JSON, or not a JSON object' };
    case 'entity.too.large':
      return { status: 413, error: 'too_large', message: `the body is larger than ${JSON_LIMIT_BYTES} bytes` };
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return { status: 415, error: 'unsupported_media_type', message: 'send the body as UTF-8 JSON without content encoding' };
    case 'request.aborted':
    case 'request.size.invalid':
      return { status: 400, error: 'bad_request', message: 'the body ended before its declared length' };
    default:
      if (typeof status === 'number' && status >= 400 && status < 500) {
        return { status, error: 'bad_request', message: error instanceof Error ? error.message : 'bad request' };
      }
      return { status: 500, error: 'internal', message: 'internal error' };
  }
}

function sendError(response: Response, status: number, error: string, message: string, field?: string): void {
  response.status(status).json(field === undefined ? { error, message } : { error, message, field });
}

function sendProblem(response: Response, problem: FieldProblem): void {
  sendError(response, 400, 'invalid_field', problem.message, problem.field);
}

function sendDuplicate(response: Response, field: 'email' | 'nik'): void {
  const what = field === 'email' ? 'this email' : 'this NIK';
  sendError(response, 409, `duplicate_${field}`, `an applicant with ${what} is already registered`, field);
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

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}

const LANDING_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Registration opens today</title></head>
<body>
<h1>Registration is open</h1>
<p>floodgate reference target: a stand-in registration site for load rehearsals.</p>
<ol>
<li>Register: <code>POST /api/register</code></li>
<li>Verify your email: <code>POST /api/verify-email</code></li>
<li>Verify your NIK: <code>POST /api/verify-nik</code></li>
<li>Upload a photo: <code>POST /api/photo</code></li>
<li>Join a training batch: <code>GET /api/batches</code>, <code>POST /api/batches/:id/join</code></li>
</ol>
</body>
</html>
`;
