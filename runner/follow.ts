/**
 * Follows a growing NDJSON file: polls for new bytes, hands every complete line to `onLine`, and
 * on stop reads to the end (a last line without a newline included). The file may not exist yet
 * when following starts (the engine creates it).
 */

import { open, type FileHandle } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';

/** A running follower. */
export interface FileFollower {
  /** Reads what is left, stops polling, and resolves when the last line was handed over. */
  stop(): Promise<void>;
}

/** Starts following `path`, polling every `intervalMs` (default 250). */
export function followLines(path: string, onLine: (line: string) => void, intervalMs = 250): FileFollower {
  let handle: FileHandle | undefined;
  let position = 0;
  let partial = '';
  let stopped = false;
  const buffer = Buffer.alloc(1 << 20);
  const decoder = new StringDecoder('utf8'); // keeps a character split across two reads whole

  const readAvailable = async (): Promise<void> => {
    if (!handle) {
      try {
        handle = await open(path, 'r');
      } catch {
        return; // not created yet
      }
    }
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) return;
      position += bytesRead;
      const text = partial + decoder.write(buffer.subarray(0, bytesRead));
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    }
  };

  let chain: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    chain = chain.then(readAvailable);
  }, intervalMs);

  return {
    async stop() {
      if (stopped) return chain;
      stopped = true;
      clearInterval(timer);
      chain = chain.then(readAvailable).then(async () => {
        if (partial !== '') onLine(partial);
        partial = '';
        await handle?.close();
      });
      return chain;
    },
  };
}
