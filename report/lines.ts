/**
 * Reading a k6 result file line by line in one streaming pass with bounded memory: the file is
 * read in chunks, gunzipped when it is gzip (k6 writes `--out json=FILE.gz` compressed; the magic
 * bytes decide, not the name), and split by contracts/k6-json.ts's splitter, the one the
 * exporter's follower uses, so both count the same lines and the same too-long lines.
 */

import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { FloodgateError } from '../contracts/errors.ts';
import { K6_MAX_LINE_BYTES, K6LineSplitter, isGzipMagic } from '../contracts/k6-json.ts';

/** Longest line kept, in bytes; longer lines are reported to `onTooLong` and skipped. */
export const MAX_LINE_LENGTH = K6_MAX_LINE_BYTES;

/** What {@link forEachLine} reports at the end. */
export interface LineCount {
  /** Lines handed to `onLine` (empty lines included; the reader decides what is blank). */
  readonly lines: number;
  /** Lines longer than {@link MAX_LINE_LENGTH}. */
  readonly tooLong: number;
  /** True when the file was gzip. */
  readonly gzip: boolean;
}

/** True when the file at `path` starts with gzip's magic bytes. */
export async function isGzipFile(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = new Uint8Array(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return isGzipMagic(head.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

/**
 * Calls `onLine` for every line of `path` (LF or CRLF; the CR is left for the line parser), in
 * order, gunzipping a gzip file. Stops early, rejecting with the signal's reason, when `signal`
 * aborts. A gzip stream that is cut short (a run still writing, a crash) ends the lines read so
 * far; the partial last line is still handed over and the parser calls it `truncated`.
 */
export async function forEachLine(
  path: string,
  onLine: (line: string) => void,
  options: { signal?: AbortSignal; onTooLong?: () => void; maxLineBytes?: number } = {},
): Promise<LineCount> {
  let lines = 0;
  let tooLong = 0;
  const sink = {
    line(text: string): void {
      lines += 1;
      onLine(text);
    },
    tooLong(): void {
      tooLong += 1;
      options.onTooLong?.();
    },
  };
  const splitter = new K6LineSplitter(options.maxLineBytes ?? MAX_LINE_LENGTH);
  const gzip = await isGzipFile(path);
  const file = createReadStream(path, { highWaterMark: 256 * 1024 });
  const stream = gzip
    ? file.pipe(createGunzip({ finishFlush: 2 /* Z_SYNC_FLUSH: keep what a cut stream holds */ }))
    : file;
  if (gzip) file.once('error', (error) => stream.destroy(error));
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      options.signal?.throwIfAborted();
      splitter.push(chunk, sink);
    }
  } catch (error) {
    if (
      gzip &&
      typeof (error as NodeJS.ErrnoException).code === 'string' &&
      (error as NodeJS.ErrnoException).code!.startsWith('Z_')
    ) {
      throw new FloodgateError(
        'INPUT_INVALID',
        { what: path, detail: `not a readable gzip stream (${(error as Error).message})` },
        { cause: error },
      );
    }
    throw error;
  } finally {
    file.destroy();
  }
  splitter.end(sink);
  return { lines, tooLong, gzip };
}
