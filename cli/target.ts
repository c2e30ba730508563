/**
 * `floodgate target`: runs the reference registration target and its simulated ministry NIK API
 * until Ctrl-C or SIGTERM. A thin adapter over target/target.ts.
 */

import { z } from 'zod';
import { isFloodgateError } from '../contracts/errors.ts';
import { parseErrorRates, type ErrorRates } from '../target/faults.ts';
import { DEFAULT_TARGET_OPTIONS as D, type TargetOptions } from '../target/options.ts';
import { createTarget } from '../target/target.ts';
import { defineCommand } from './command.ts';
import { option, schemas } from './config.ts';

/** The resolved config of `floodgate target`: the target's own options, some left unset. */
export type TargetCommandConfig = Omit<TargetOptions, 'errorRates' | 'ministryPort'> & {
  readonly errorRates?: ErrorRates;
  readonly ministryPort?: number;
};

const errorRatesSchema = z.union([z.string(), z.array(z.string())]).transform((value, context): ErrorRates => {
  try {
    return parseErrorRates(value);
  } catch (error) {
    context.addIssue({ code: 'custom', message: isFloodgateError(error) ? error.message : String(error) });
    return z.NEVER;
  }
});

const env = (name: string): string => `FLOODGATE_TARGET_${name}`;

export const targetCommand = defineCommand<TargetCommandConfig>({
  name: 'target',
  summary: 'Run the reference registration target (express + SQLite) and its simulated ministry NIK API.',
  help: [
    'Prints "listening on http://<host>:<port>" once ready, then the ministry address; stops on Ctrl-C.',
    'Example: floodgate target --port 0 --nik-capacity 5 --nik-service-ms 100 --test-hooks',
    'The ministry sustains nik-capacity × 1000 / nik-service-ms checks per second (5 slots × 100 ms = 50 per second).',
  ].join('\n'),
  options: [
    option({
      key: 'host',
      env: env('HOST'),
      flag: '--host <host>',
      default: D.host,
      description: 'address to listen on',
      schema: schemas.host,
    }),
    option({
      key: 'port',
      env: env('PORT'),
      flag: '--port <port>',
      default: D.port,
      description: 'port of the target, 0 = any free port',
      schema: schemas.port,
    }),
    option({
      key: 'ministryHost',
      env: env('MINISTRY_HOST'),
      flag: '--ministry-host <host>',
      description: 'address of the simulated ministry (default: --host)',
      schema: schemas.host,
    }),
    option({
      key: 'ministryPort',
      env: env('MINISTRY_PORT'),
      flag: '--ministry-port <port>',
      description: `port of the simulated ministry NIK API, 0 = any free port (default ${D.ministryPort}; with --port 0 also 0)`,
      schema: schemas.port,
    }),
    option({
      key: 'ministryUrl',
      env: env('MINISTRY_URL'),
      flag: '--ministry-url <url>',
      description: 'use the ministry NIK API at this URL instead of starting one',
      schema: schemas.url,
    }),
    option({
      key: 'db',
      env: env('DB'),
      flag: '--db <path>',
      description: 'SQLite file (default: a temporary file, deleted on exit; :memory: for memory)',
      schema: schemas.text,
    }),
    option({
      key: 'batches',
      env: env('BATCHES'),
      flag: '--batches <n>',
      default: D.batches,
      description: 'training batches created in an empty database',
      schema: schemas.positiveInt,
    }),
    option({
      key: 'batchSeats',
      env: env('BATCH_SEATS'),
      flag: '--batch-seats <n>',
      default: D.batchSeats,
      description: 'seats per batch',
      schema: schemas.count,
    }),
    option({
      key: 'photoMaxBytes',
      env: env('PHOTO_MAX_BYTES'),
      flag: '--photo-max-bytes <bytes>',
      default: D.photoMaxBytes,
      description: 'largest accepted photo, in bytes (larger: 413)',
      schema: schemas.positiveInt,
    }),
    option({
      key: 'nikCapacity',
      env: env('NIK_CAPACITY'),
      flag: '--nik-capacity <concurrent>',
      default: D.nikCapacity,
      description: 'concurrent service slots of the ministry NIK API',
      schema: schemas.positiveInt,
    }),
    option({
      key: 'nikServiceMs',
      env: env('NIK_SERVICE_MS'),
      flag: '--nik-service-ms <ms>',
      default: D.nikServiceMs,
      description: 'mean service time of one ministry check, in milliseconds',
      schema: schemas.positive,
    }),
    option({
      key: 'nikQueue',
      env: env('NIK_QUEUE'),
      flag: '--nik-queue <n>',
      default: D.nikQueue,
      description: 'ministry calls that may wait for a slot; beyond, 503 at once',
      schema: schemas.count,
    }),
    option({
      key: 'nikJitter',
      env: env('NIK_JITTER'),
      flag: '--nik-jitter <fraction>',
      default: D.nikJitter,
      description: 'spread of the ministry service time: each check takes service-ms × (1 ± fraction), uniform; 0–0.9',
      schema: z.coerce.number().min(0).max(0.9),
    }),
    option({
      key: 'nikTimeoutMs',
      env: env('NIK_TIMEOUT_MS'),
      flag: '--nik-timeout-ms <ms>',
      default: D.nikTimeoutMs,
      description: "the target's timeout for a ministry call, in milliseconds (then 504)",
      schema: schemas.positiveInt,
    }),
    option({
      key: 'waitingRoom',
      env: env('WAITING_ROOM'),
      flag: '--waiting-room <max>',
      default: D.waitingRoom,
      description: 'funnel requests in flight or queued before 429 + Retry-After; 0 = off',
      schema: schemas.count,
    }),
    option({
      key: 'maxConcurrency',
      env: env('MAX_CONCURRENCY'),
      flag: '--max-concurrency <max>',
      default: D.maxConcurrency,
      description: 'funnel requests in flight or queued before 503 + Retry-After (overload shedding); 0 = off',
      schema: schemas.count,
    }),
    option({
      key: 'latencyMs',
      env: env('LATENCY_MS'),
      flag: '--latency-ms <ms>',
      default: D.latencyMs,
      description: 'delay added to every funnel request, in milliseconds',
      schema: schemas.count,
    }),
    option({
      key: 'errorRates',
      env: env('ERROR_RATE'),
      flag: '--error-rate <stage=p>',
      description: 'inject 500 answers at a stage with probability p (repeatable; env: comma-separated; all=p)',
      schema: errorRatesSchema,
      repeatable: true,
    }),
    option({
      key: 'lostWriteRate',
      env: env('LOST_WRITE_RATE'),
      flag: '--lost-write-rate <p>',
      default: D.lostWriteRate,
      description: 'probability that a registration is acknowledged (201) but not stored',
      schema: schemas.probability,
    }),
    option({
      key: 'testHooks',
      env: env('TEST_HOOKS'),
      flag: '--test-hooks',
      default: D.testHooks,
      description: 'enable the test mailbox and X-Test-Email-Token (loopback only)',
      schema: schemas.boolean,
    }),
    option({
      key: 'seed',
      env: env('SEED'),
      flag: '--seed <n>',
      default: D.seed,
      description: 'seed of the fault and service-time draws',
      schema: schemas.count,
    }),
  ],
  async run({ config, signal: interrupted, stdout }) {
    const orphaned = watchLauncher();
    const signal = AbortSignal.any([interrupted, orphaned.signal]);
    const target = createTarget(config);
    try {
      const { url, ministryUrl } = await target.listen();
      stdout.write(`listening on ${url}\n`);
      stdout.write(
        `ministry NIK API on ${ministryUrl}${target.ministry ? ` (${describeMinistry(config)})` : ' (external)'}\n`,
      );
      stdout.write(`database ${target.store.path === ':memory:' ? 'in memory' : target.store.path}\n`);
      await new Promise<void>((resolve) => {
        if (signal.aborted) resolve();
        signal.addEventListener('abort', () => resolve(), { once: true });
      });
      return 0;
    } finally {
      orphaned.stop();
      await target.close();
      if (signal.aborted)
        stdout.write(
          orphaned.signal.aborted ? 'target stopped: its launcher (npm exec / npx) has exited\n' : 'target stopped\n',
        );
    }
  },
});

/** How often the launcher of an npm-started target is looked for, in milliseconds. */
const LAUNCHER_POLL_MS = 250;

/**
 * Aborts when the process that started us has gone, if npm started us (`npx floodgate target`,
 * `npm exec`, `npm run`). npm runs a command through `sh -c`, forwards SIGTERM and SIGINT to that
 * shell, and the shell exits without passing them on: the target would be left running,
 * re-parented, after its npx pid was stopped. A process started by npm has no reason to outlive
 * it, so when our parent changes we stop as on SIGTERM. (A target started directly, e.g. under
 * nohup, keeps running when its shell goes.)
 */
function watchLauncher(): { readonly signal: AbortSignal; stop(): void } {
  const controller = new AbortController();
  const launchedByNpm = process.env.npm_command !== undefined || process.env.npm_lifecycle_event !== undefined;
  if (!launchedByNpm) return { signal: controller.signal, stop: () => undefined };
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) controller.abort();
  }, LAUNCHER_POLL_MS);
  timer.unref();
  return { signal: controller.signal, stop: () => clearInterval(timer) };
}

function describeMinistry(config: TargetCommandConfig): string {
  const perSecond = config.nikCapacity / (config.nikServiceMs / 1000);
  return `${config.nikCapacity} slots × ${config.nikServiceMs} ms = ${Number(perSecond.toFixed(1))} checks/s, queue ${config.nikQueue}`;
}
