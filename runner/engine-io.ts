/**
 * What runner/index.ts hands the engines and takes from them: k6 as a child process (Ctrl-C passed
 * on as SIGINT), the NDJSON copy (`--out json=…`), and the note about K6_WEB_DASHBOARD.
 */

import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { createGzip } from 'node:zlib';
import { FloodgateError } from '../contracts/errors.ts';
import type { Engine } from './engine-choice.ts';

/**
 * What to say about K6_WEB_DASHBOARD: with k6 it is passed on (k6 reads it from the environment)
 * and k6 serves its dashboard; the local engine has none, and says what floodgate offers instead.
 */
export function webDashboardNote(
  environment: Readonly<Record<string, string | undefined>>,
  engine: Engine,
): string | undefined {
  const value = environment.K6_WEB_DASHBOARD;
  if (value === undefined || !['true', '1', 'yes'].includes(value.trim().toLowerCase())) return undefined;
  if (engine === 'k6') {
    const port = environment.K6_WEB_DASHBOARD_PORT ?? '5665';
    return port === '-1'
      ? 'K6_WEB_DASHBOARD=true: passed on to k6 (its HTTP server is off: K6_WEB_DASHBOARD_PORT=-1)'
      : `K6_WEB_DASHBOARD=true: passed on to k6; its web dashboard is at http://127.0.0.1:${port}`;
  }
  return (
    "K6_WEB_DASHBOARD=true: k6's web dashboard needs k6, and the local engine has none. " +
    "floodgate's live page shows the run instead: `floodgate exporter --follow 'results/*/k6.ndjson'` and open the /live page it prints " +
    '(the terminal view below shows the same per stage); or install k6 and pass --engine k6'
  );
}

/** A file that receives a copy of the NDJSON stream, line by line (gzipped when it ends in .gz, as k6's json output). */
export function createNdjsonCopy(path: string): { write(line: string): void; close(): Promise<void> } {
  mkdirSync(dirname(path), { recursive: true });
  const file = createWriteStream(path);
  const gzip = path.endsWith('.gz') ? createGzip() : undefined;
  gzip?.pipe(file);
  const sink: NodeJS.WritableStream = gzip ?? file;
  return {
    write(line) {
      sink.write(`${line}\n`);
    },
    close: () =>
      new Promise((resolveClose, rejectClose) => {
        file.once('close', () => resolveClose());
        file.once('error', rejectClose);
        sink.end();
      }),
  };
}

/** Runs k6 as a child; Ctrl-C is passed on as SIGINT, which k6 answers by stopping gracefully. */
export function runK6(
  k6Path: string,
  argv: readonly string[],
  cwd: string,
  stdout: NodeJS.WritableStream,
  stderr: NodeJS.WritableStream,
  signal: AbortSignal | undefined,
): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(k6Path, argv.slice(1), { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(stdout, { end: false });
    child.stderr.pipe(stderr, { end: false });
    const onAbort = (): void => {
      child.kill('SIGINT');
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    child.once('error', (error) => {
      signal?.removeEventListener('abort', onAbort);
      reject(new FloodgateError('K6_NOT_FOUND', {}, { cause: error }));
    });
    child.once('close', (code, signalName) => {
      signal?.removeEventListener('abort', onAbort);
      resolvePromise(code ?? (signalName === 'SIGINT' ? 130 : 1));
    });
  });
}
