/**
 * Helpers for tests that run scripts on the engine: a small node:http server on 127.0.0.1 with
 * a free port, scripts written to a temporary folder, and NDJSON read back as objects. Used by
 * the engine's own tests; other components may use them to produce real k6 NDJSON.
 */

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A running test server. */
export interface TestServer {
  readonly url: string;
  readonly server: Server;
  /** Requests answered so far. */
  requests(): number;
  /** Stops accepting and closes every connection. */
  close(): Promise<void>;
}

/** Starts `handler` on 127.0.0.1 at a free port. */
export async function startTestServer(
  handler: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<TestServer> {
  let count = 0;
  const server = createServer((request, response) => {
    count += 1;
    handler(request, response);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    requests: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A temporary folder holding scripts; `cleanup()` removes it. */
export interface ScriptFolder {
  readonly dir: string;
  /** Writes `source` as `name` and returns its path. */
  write(name: string, source: string): string;
  /** Path of a file in the folder. */
  path(name: string): string;
  cleanup(): void;
}

/** Creates a temporary folder for scripts and their results. */
export function scriptFolder(prefix = 'floodgate-engine-'): ScriptFolder {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    write(name, source) {
      const file = join(dir, name);
      writeFileSync(file, source);
      return file;
    },
    path: (name) => join(dir, name),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** One parsed NDJSON line. */
export type NdjsonLine =
  | {
      type: 'Metric';
      metric: string;
      data: { name: string; type: string; contains: string; thresholds: unknown[]; submetrics: unknown[] | null };
    }
  | {
      type: 'Point';
      metric: string;
      data: { time: string; value: number; tags: Record<string, string>; metadata?: Record<string, string> };
    };

/** Reads an NDJSON file into parsed lines (throws on a line that is not JSON). */
export function readNdjson(file: string): NdjsonLine[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as NdjsonLine);
}

/** The Point lines of `metric`. */
export function points(lines: readonly NdjsonLine[], metric: string): Array<Extract<NdjsonLine, { type: 'Point' }>> {
  return lines.filter(
    (line): line is Extract<NdjsonLine, { type: 'Point' }> => line.type === 'Point' && line.metric === metric,
  );
}

/** A writable that keeps what is written, for stdout/stderr of a run. */
export function captureStream(): NodeJS.WritableStream & { text(): string } {
  let text = '';
  return {
    write(chunk: string | Uint8Array) {
      text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      return true;
    },
    text: () => text,
  } as unknown as NodeJS.WritableStream & { text(): string };
}
