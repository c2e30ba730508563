/**
 * Options of the reference target, with their defaults. The CLI (cli/target.ts) fills them from
 * flags, environment and `.env`; tests pass them directly.
 */

import type { ErrorRates } from './faults.ts';

/** Everything the reference target can be asked to do. */
export interface TargetOptions {
  /** Address to listen on. Default 127.0.0.1. */
  readonly host: string;
  /** Port of the target; 0 = a free port. Default 18081. */
  readonly port: number;
  /** Address the simulated ministry listens on. Default: the same as `host`. */
  readonly ministryHost?: string;
  /**
   * Port of the simulated ministry; 0 = a free port. Default 18082, or 0 when `port` is 0: a target
   * asked for any free port opens no fixed port either.
   */
  readonly ministryPort: number;
  /**
   * Use a ministry NIK API already running at this URL instead of starting one (e.g. a second
   * `floodgate target` process). Default: start our own.
   */
  readonly ministryUrl?: string;
  /**
   * SQLite database file. Default: a fresh file in a temporary folder, deleted on close (WAL
   * needs a file). `:memory:` keeps it in memory; a path keeps it across restarts.
   */
  readonly db?: string;
  /** Training batches created in an empty database. Default 10. */
  readonly batches: number;
  /** Seats per batch. Default 100. */
  readonly batchSeats: number;
  /** Largest accepted photo, in bytes. Default 2 MiB. */
  readonly photoMaxBytes: number;
  /** Concurrent service slots of the ministry. Default 10. */
  readonly nikCapacity: number;
  /** Mean service time of one ministry check, in milliseconds. Default 100. */
  readonly nikServiceMs: number;
  /** Ministry calls that may wait for a slot; beyond, the ministry answers 503 at once. Default 100. */
  readonly nikQueue: number;
  /** Relative spread (uniform ±) of the ministry service time, 0..0.9. Default 0.2. */
  readonly nikJitter: number;
  /** How long the target waits for the ministry before answering 504, in milliseconds. Default 2000. */
  readonly nikTimeoutMs: number;
  /**
   * Funnel requests admitted at once (in a handler or queued for one); beyond, 429 with
   * Retry-After. 0 = no waiting room. Default 0.
   */
  readonly waitingRoom: number;
  /**
   * Funnel requests admitted at once before the target sheds with 503 + Retry-After: the site's
   * own safety limit, on even without a waiting room, so overload is answered instead of timing
   * out. 0 = no limit. Default 512.
   */
  readonly maxConcurrency: number;
  /** Delay added before each funnel request is handled, in milliseconds. Default 0. */
  readonly latencyMs: number;
  /** Injected 500 probability per funnel stage. Default none. */
  readonly errorRates: ErrorRates;
  /** Probability that an acknowledged registration is not stored. Default 0. */
  readonly lostWriteRate: number;
  /** Enables the test mailbox and the X-Test-Email-Token header; loopback only. Default false. */
  readonly testHooks: boolean;
  /** Seed of every random draw (faults, service-time jitter). Default 1. */
  readonly seed: number;
}

/** The defaults of {@link TargetOptions}. */
export const DEFAULT_TARGET_OPTIONS: TargetOptions = Object.freeze({
  host: '127.0.0.1',
  port: 18081,
  ministryPort: 18082,
  batches: 10,
  batchSeats: 100,
  photoMaxBytes: 2 * 1024 * 1024,
  nikCapacity: 10,
  nikServiceMs: 100,
  nikQueue: 100,
  nikJitter: 0.2,
  nikTimeoutMs: 2000,
  waitingRoom: 0,
  maxConcurrency: 512,
  latencyMs: 0,
  errorRates: Object.freeze({}),
  lostWriteRate: 0,
  testHooks: false,
  seed: 1,
});
