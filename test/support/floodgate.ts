/**
 * Test support: floodgate's own servers as child processes, as a user starts them
 * (`floodgate target`, `floodgate exporter`), on ports picked at run time. Stopped by
 * `stopAll()` (processes.ts), which every test file that uses these registers in afterAll.
 */

import { join } from 'node:path';
import { PROJECT_ROOT } from '../../runner/index.ts';
import { startProcess, type ManagedProcess } from './processes.ts';

/** bin/floodgate.js, the command line the tests start. */
export const FLOODGATE_BIN = join(PROJECT_ROOT, 'bin', 'floodgate.js');

/** A floodgate server started as a child process, with the address it printed. */
export interface FloodgateServer {
  readonly process: ManagedProcess;
  /** `http://127.0.0.1:<port>`, from its "listening on" line. */
  readonly url: string;
}

/**
 * `floodgate target` on a free port with its ministry on another, an in-memory database and the
 * test hooks (`--test-hooks`: the mailbox endpoints); `extra` adds flags (e.g. `--nik-capacity 5`).
 * Resolves once it prints both addresses.
 */
export async function startTargetProcess(
  extra: readonly string[] = [],
): Promise<FloodgateServer & { readonly ministryUrl: string }> {
  const target = startProcess(
    process.execPath,
    [FLOODGATE_BIN, 'target', '--port', '0', '--ministry-port', '0', '--test-hooks', '--db', ':memory:', ...extra],
    { cwd: PROJECT_ROOT },
  );
  const url = (await target.waitFor(/listening on (http:\/\/\S+)/, 60_000))[1]!;
  const ministryUrl = (await target.waitFor(/ministry NIK API on (http:\/\/\S+)/, 10_000))[1]!;
  return { process: target, url, ministryUrl };
}

/**
 * `floodgate exporter` on a free port following `follow` (a glob of k6.ndjson files) every
 * 200 ms; `extra` adds flags (e.g. `--target-truth <url>`). Resolves once it listens.
 */
export async function startExporterProcess(follow: string, extra: readonly string[] = []): Promise<FloodgateServer> {
  const exporter = startProcess(
    process.execPath,
    [FLOODGATE_BIN, 'exporter', '--port', '0', '--follow', follow, '--follow-interval', '200', ...extra],
    { cwd: PROJECT_ROOT },
  );
  const url = (await exporter.waitFor(/listening on (http:\/\/\S+)/, 60_000))[1]!;
  return { process: exporter, url };
}
