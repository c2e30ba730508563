/**
 * Reading a text file line by line in one streaming pass with bounded memory: the file is read in
 * chunks and only the current partial line is kept. Shared by the NDJSON reader and the benchmark's
 * bare-parse baseline so both pay the same for I/O and splitting.
 */

import { createReadStream } from 'node:fs';

/** Longest line kept, in characters; longer lines are reported to `onTooLong` and skipped. */
export const MAX_LINE_LENGTH = 1_048_576;

/** What {@link forEachLine} reports at the end. */
export interface LineCount {
  /** Lines handed to `onLine` (empty lines are skipped and not counted). */
  readonly lines: number;
  /** Lines longer than {@link MAX_LINE_LENGTH}. */
  readonly tooLong: number;
}

/**
 * Calls `onLine` for every non-empty line of `path` (LF or CRLF), in order. Stops early, rejecting
 * with the signal's reason, when `signal` aborts.
 */
export async function forEachLine(
  path: string,
  onLine: (line: string) => void,
  options: { signal?: AbortSignal; onTooLong?: () => void } = {},
): Promise<LineCount> {
  let pending = '';
  let skipping = false;
  let lines = 0;
  let tooLong = 0;
  const emit = (line: string): void => {
    const text = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (text.length === 0) return;
    lines += 1;
    onLine(text);
  };
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 256 * 1024 });
  for await (const chunk of stream as AsyncIterable<string>) {
    options.signal?.throwIfAborted();
    let start = 0;
    let newline = chunk.indexOf('\n', start);
    while (newline !== -1) {
      if (skipping) skipping = false;
      else if (pending.length > 0) {
        emit(pending + chunk.slice(start, newline));
        pending = '';
      } else emit(chunk.slice(start, newline));
      start = newline + 1;
      newline = chunk.indexOf('\n', start);
    }
    if (!skipping) {
      pending += chunk.slice(start);
      if (pending.length > MAX_LINE_LENGTH) {
        pending = '';
        skipping = true;
        tooLong += 1;
        options.onTooLong?.();
      }
    }
  }
  if (!skipping && pending.length > 0) emit(pending);
  return { lines, tooLong };
}
