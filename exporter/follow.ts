/**
 * Following NDJSON files that match globs, from their start, as they grow. Poll-based (fs.watch
 * misses events on many file systems): every `intervalMs` the globs' base folders are walked,
 * each matching file is stat'ed and its new bytes are read and split into lines. Per file it
 * keeps an offset and the partial last line, which waits for its newline.
 *
 * A file that shrinks or is replaced (another inode: k6 re-creates its output file) is reported
 * with `reset` and read again from 0. A file that disappears is no longer followed; what it
 * contributed stays until the exporter restarts. The exporter keeps no state across restarts: it
 * re-reads every file from the start and ends with the same totals (Prometheus sees a counter
 * reset, which rate() and increase() handle).
 */

import { open, readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import picomatch from 'picomatch';
import { type LineSink, LineSplitter } from './lines.ts';

/** Receives the lines of one read of one file. */
export interface FileBatch extends LineSink {
  /** The read is over. */
  end(): void;
}

/** What the follower reports. */
export interface FollowerHandlers {
  /** New bytes are about to be read from `file`; lines go to the returned batch. */
  batch(file: string): FileBatch;
  /** `file` was truncated or replaced: forget what it contributed; it is read again from 0. */
  reset(file: string): void;
  /** Reading `file` (or walking a folder) failed; the follower tries again next time. */
  error(file: string, error: unknown): void;
  /** A poll ended: how many files are followed, and whether any had new bytes. */
  polled?(result: { readonly files: number; readonly readSomething: boolean }): void;
  /**
   * The `summary.json` beside `file` appeared or changed (k6's handleSummary output, written
   * at the end of a run); `text` is its content. Re-sent after `file` is reset.
   */
  summary?(file: string, text: string): void;
}

/** Options of {@link createFollower}. */
export interface FollowerOptions {
  /** Globs (picomatch syntax), relative to the working directory or absolute. */
  readonly patterns: readonly string[];
  /** Milliseconds between polls. */
  readonly intervalMs: number;
  /** Longest line kept, bytes. */
  readonly maxLineBytes: number;
  /** Bytes per read call; default 1 MiB. */
  readonly chunkBytes?: number;
  /** Largest summary.json read, bytes; default 16 MiB. */
  readonly maxSummaryBytes?: number;
}

/** A running follower. */
export interface Follower {
  /** Paths followed now. */
  files(): string[];
  /** Runs one poll now (tests drive the follower with it); resolves when the poll is done. */
  poll(): Promise<void>;
  /** Starts polling every `intervalMs` (the first poll runs at once). */
  start(): void;
  /** Stops polling and waits for a poll in progress. */
  close(): Promise<void>;
}

interface FileState {
  readonly path: string;
  readonly splitter: LineSplitter;
  offset: number;
  identity: string;
  /** mtime and size of the summary.json last handed over. */
  summaryStamp?: string;
}

/** The handleSummary output k6 scripts of floodgate write beside k6.ndjson. */
const SUMMARY_FILE = 'summary.json';

/** Folders never walked: they can be huge and never hold run results. */
const SKIPPED_FOLDERS = new Set(['node_modules', '.git']);

/** Creates a follower for `options.patterns`; nothing runs until `start()` or `poll()`. */
export function createFollower(options: FollowerOptions, handlers: FollowerHandlers): Follower {
  const chunkBytes = options.chunkBytes ?? 1024 * 1024;
  const maxSummaryBytes = options.maxSummaryBytes ?? 16 * 1024 * 1024;
  const globs = options.patterns.map(compileGlob);
  const states = new Map<string, FileState>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let closed = false;

  async function readNew(state: FileState, size: number): Promise<boolean> {
    if (size <= state.offset) return false;
    const handle = await open(state.path, 'r');
    const batch = handlers.batch(state.path);
    try {
      const buffer = Buffer.allocUnsafe(chunkBytes);
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, chunkBytes, state.offset);
        if (bytesRead === 0) break;
        state.offset += bytesRead;
        // push() decodes or copies what it keeps, so the buffer can be reused for the next read.
        state.splitter.push(buffer.subarray(0, bytesRead), batch);
      }
    } finally {
      batch.end();
      await handle.close();
    }
    return true;
  }

  async function readSummary(state: FileState): Promise<void> {
    const path = join(dirname(state.path), SUMMARY_FILE);
    let info;
    try {
      info = await stat(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    const stamp = `${info.mtimeMs}:${info.size}`;
    if (!info.isFile() || stamp === state.summaryStamp) return;
    state.summaryStamp = stamp;
    if (info.size > maxSummaryBytes) throw new RangeError(`${path} is larger than ${maxSummaryBytes} bytes`);
    handlers.summary!(state.path, await readFile(path, 'utf8'));
  }

  async function pollOnce(): Promise<void> {
    const found = new Set<string>();
    for (const glob of globs) {
      try {
        for (const file of await glob.files()) found.add(file);
      } catch (error) {
        handlers.error(glob.base, error);
      }
    }
    for (const path of states.keys()) if (!found.has(path)) states.delete(path);
    let readSomething = false;
    for (const path of [...found].sort()) {
      try {
        const info = await stat(path);
        if (!info.isFile()) continue;
        const identity = `${info.dev}:${info.ino}`;
        let state = states.get(path);
        if (state && (state.identity !== identity || info.size < state.offset)) {
          handlers.reset(path);
          state = undefined;
        }
        if (!state) {
          state = { path, splitter: new LineSplitter(options.maxLineBytes), offset: 0, identity };
          states.set(path, state);
        }
        if (await readNew(state, info.size)) readSomething = true;
        if (handlers.summary) await readSummary(state);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') states.delete(path);
        else handlers.error(path, error);
      }
    }
    handlers.polled?.({ files: states.size, readSomething });
  }

  function poll(): Promise<void> {
    // One poll at a time: a slow read delays the next poll instead of overlapping it.
    running ??= pollOnce().finally(() => {
      running = undefined;
    });
    return running;
  }

  function schedule(): void {
    if (closed) return;
    timer = setTimeout(() => {
      void poll().then(schedule);
    }, options.intervalMs);
  }

  return {
    files: () => [...states.keys()],
    poll,
    start() {
      if (closed || timer) return;
      void poll().then(schedule);
    },
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}

/** One glob: its base folder, how deep to walk, and its matcher. */
interface CompiledGlob {
  readonly base: string;
  files(): Promise<string[]>;
}

function compileGlob(pattern: string): CompiledGlob {
  const scan = picomatch.scan(pattern);
  if (!scan.isGlob) {
    return { base: pattern, files: async () => [pattern] };
  }
  const base = scan.base === '' ? '.' : scan.base;
  const matches = picomatch(pattern, { dot: false });
  const maxDepth = scan.glob.includes('**') ? 32 : scan.glob.split('/').length;
  return {
    base,
    async files() {
      const found: string[] = [];
      await walk(base, 1);
      return found;

      async function walk(folder: string, depth: number): Promise<void> {
        let entries;
        try {
          entries = await readdir(folder, { withFileTypes: true });
        } catch (error) {
          // The base folder may not exist yet (no run has started); deeper folders may vanish.
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
          throw error;
        }
        for (const entry of entries) {
          const path = base === '.' && folder === '.' ? entry.name : join(folder, entry.name);
          if (entry.isDirectory()) {
            if (depth < maxDepth && !SKIPPED_FOLDERS.has(entry.name)) await walk(path, depth + 1);
          } else if ((entry.isFile() || entry.isSymbolicLink()) && matches(path)) {
            found.push(path);
          }
        }
      }
    },
  };
}
