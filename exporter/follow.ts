/**
 * Following k6 NDJSON files that match globs, from their start, as they grow.
 *
 * **Identity.** A followed file is its inode (`dev:ino`), not its path. Per inode the follower
 * keeps the offset read so far, the partial last line (which waits for its newline), and the last
 * bytes before the offset (the tail). Each one is a *key* the handlers see (the path it was first
 * found at, made unique), so:
 * - a file renamed to another path that still matches (rotation: `k6.ndjson` → `k6.ndjson.1`) goes
 *   on from its offset, and the new file at the old path is a new key read from 0;
 * - a path that holds another inode than before (k6 re-creates its output with `FS.Create`, a file
 *   deleted and restored, copied over) drops the old key's contribution (`reset`) and reads the new
 *   file from 0;
 * - a file that shrank, or whose tail is no longer what was read (copytruncate: truncated and
 *   written again between two polls), is reset and read again from 0;
 * - a file that disappears is released (its runs may then be evicted once idle); what it
 *   contributed stays, and if its path comes back with the same inode it goes on from its offset.
 *
 * **Gzip.** A file whose name ends in `.gz` (`k6 --out json=x.ndjson.gz`) is inflated
 * incrementally as it grows; a stream cut mid-block is simply not complete yet.
 *
 * **Cost.** Each folder walked is watched (`fs.watch`, inotify on Linux): an event marks the file
 * it names for a read at the next poll, or the tree for a walk. Without events a file is checked
 * again after an interval that doubles while it does not change, from `intervalMs` up to
 * {@link WATCHED_BACKSTOP_MS} (events work) or {@link POLLED_BACKOFF_MS} (no watcher could be set:
 * pure polling with backoff); the globs are walked again on the same schedule. So thousands of idle
 * files cost almost nothing, and a file that grows is read within one poll interval.
 *
 * **A partial last line.** A line without its newline waits for it while the run may still write.
 * Once the run has ended ({@link runEnded}: `floodgate run` wrote an exit code to run.json beside
 * the file, or k6 wrote summary.json there after the file's last change) and a check finds no new
 * bytes, the partial line is handed over as the report reads a file's last line
 * (contracts/k6-json.ts `K6LineSplitter.end`): a cut Point counts `truncated`, a whole one counts.
 * Should the file grow after all, it is reset and read again from 0, so the counts stay those of
 * the file as it is.
 *
 * **Ready.** {@link Follower.ready} is false until the first poll has read every file to the size it
 * found, and while a poll that reset a file has not read it again: the exporter answers 503 on
 * /metrics meanwhile, so Prometheus never scrapes a partial re-read (which it would take for a
 * counter reset and count twice in `increase()`).
 *
 * Over 400 lines on purpose: one state machine per followed inode (identity, offset, tail, partial line, rotation, truncation, the run-ended rule) whose transitions must be read together; its helpers (globs, the poll schedule) are small and private to it.
 */

import { type Dirent, type FSWatcher, readdirSync, readFileSync, statSync, watch } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { constants as zlibConstants, createGunzip, type Gunzip } from 'node:zlib';
import picomatch from 'picomatch';
import { readRunManifest } from '../contracts/run-record.ts';
import { type LineSink, LineSplitter } from './lines.ts';

/** Receives the lines of one read of one file. */
export interface FileBatch extends LineSink {
  /** The read is over. */
  end(): void;
}

/** What the follower reports. `key` names one followed file (one inode) for as long as it is followed. */
export interface FollowerHandlers {
  /** New bytes of `key` (now at `path`) are about to be read; lines go to the returned batch. */
  batch(key: string, path: string): FileBatch;
  /** `key` was truncated, rewritten or replaced: forget what it contributed; it is read again from 0. */
  reset(key: string): void;
  /** `key` is followed (`true`) or not any more (`false`: its path disappeared). */
  hold?(key: string, followed: boolean): void;
  /** Reading `path` (or walking a folder) failed; the follower tries again next time. */
  error(path: string, error: unknown): void;
  /** A poll ended: how many files are followed, and whether any had new bytes. */
  polled?(result: { readonly files: number; readonly readSomething: boolean }): void;
  /**
   * The `summary.json` beside `key`'s file appeared or changed (k6's handleSummary output, written
   * at the end of a run); `text` is its content. Re-sent after `key` is reset.
   */
  summary?(key: string, text: string): void;
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
  /** Use fs.watch (default true); false = polling with backoff only. */
  readonly watch?: boolean;
  /** Milliseconds since the epoch; Date.now by default. */
  readonly now?: () => number;
}

/** A running follower. */
export interface Follower {
  /** Paths followed now (files that exist). */
  files(): string[];
  /** Runs one poll now, checking every file (tests drive the follower with it); resolves when done. */
  poll(): Promise<void>;
  /** Starts polling every `intervalMs` (the first poll runs at once). */
  start(): void;
  /** Stops polling and watching, and waits for a poll in progress. */
  close(): Promise<void>;
  /** False until the first poll has caught up, and while a reset file is being read again. */
  ready(): boolean;
  /** True when folder watchers are active (else: polling with backoff). */
  watching(): boolean;
}

/** Longest wait between checks of an idle file when folder events arrive. */
export const WATCHED_BACKSTOP_MS = 30_000;
/** Longest wait between walks of the globs when folder events arrive (new files and folders raise events). */
export const WATCHED_WALK_BACKSTOP_MS = 120_000;
/** Longest wait between checks of an idle file when no folder can be watched. */
export const POLLED_BACKOFF_MS = 10_000;
/** Longest wait between walks while a glob matches nothing yet (its base folder may not exist, so nothing is watched). */
const BASE_MISSING_BACKOFF_MS = 2_000;
/** Paths of vanished files remembered. */
const MAX_GONE = 10_000;
/** Bytes before the offset remembered to recognise a file rewritten in place. */
const TAIL_BYTES = 64;

interface FileState {
  readonly key: string;
  path: string;
  readonly identity: string;
  readonly splitter: LineSplitter;
  offset: number;
  /** The last bytes read (up to TAIL_BYTES), to recognise a rewrite. */
  tail: Buffer;
  /** size:mtime at the last check. */
  stamp: string;
  /** Not found at its path (or anywhere) in the last walk. */
  missing: boolean;
  /** When to check again without an event, and the current backoff. */
  nextCheckMs: number;
  backoffMs: number;
  /** An event named this file: check it at the next poll. */
  dirty: boolean;
  /** Inflater for `.gz` files. */
  gunzip?: Gunzip;
  /** mtime and size of the summary.json last handed over. */
  summaryStamp?: string;
  /** The partial last line was handed over because the run ended (see the module comment). */
  ended: boolean;
  /** mtime of the file at the last check, ms. */
  mtimeMs: number;
}

/** The handleSummary output k6 scripts of floodgate write beside k6.ndjson. */
const SUMMARY_FILE = 'summary.json';

/** Folders never walked: they can be huge and never hold run results. */
const SKIPPED_FOLDERS = new Set(['node_modules', '.git']);

/** run.json, written by `floodgate run` beside k6's output; its `exitCode` is set once k6 has exited. */
const RUN_FILE = 'run.json';

/**
 * True when the run that writes `path` has ended: run.json beside it carries an exit code
 * (`floodgate run` writes it after k6 exits), or summary.json beside it changed at or after the
 * file's last change `mtimeMs` (k6 stops its outputs, flushing the JSON file, before it runs
 * handleSummary: the deferred calls in k6's internal/cmd/run.go; an older summary.json is left
 * from an earlier run).
 */
export function runEnded(path: string, mtimeMs: number): boolean {
  const folder = dirname(path);
  try {
    const record = readRunManifest(JSON.parse(readFileSync(join(folder, RUN_FILE), 'utf8')));
    if (record.exitCode !== undefined) return true;
  } catch {
    // No run.json, or one being written or not ours: the summary may still tell.
  }
  const summary = statSync(join(folder, SUMMARY_FILE), { throwIfNoEntry: false });
  return summary !== undefined && summary.isFile() && summary.mtimeMs >= mtimeMs;
}

/** Creates a follower for `options.patterns`; nothing runs until `start()` or `poll()`. */
export function createFollower(options: FollowerOptions, handlers: FollowerHandlers): Follower {
  const chunkBytes = options.chunkBytes ?? 1024 * 1024;
  const maxSummaryBytes = options.maxSummaryBytes ?? 16 * 1024 * 1024;
  const now = options.now ?? Date.now;
  const globs = options.patterns.map(compileGlob);
  /** By identity. */
  const states = new Map<string, FileState>();
  /** Path → identity last seen there. */
  const atPath = new Map<string, string>();
  const usedKeys = new Set<string>();
  const watchers = new Map<string, FSWatcher>();
  /** Path → identity of files whose path disappeared (to recognise a file deleted and restored). */
  const gone = new Map<string, string>();
  /** Identities found at a new path in the poll being applied. */
  const movedAway = new Set<string>();
  let baseMissing = false;
  let watchEnabled = options.watch ?? true;
  let walkNeeded = true;
  let nextWalkMs = 0;
  let walkBackoffMs = options.intervalMs;
  let caughtUp = false;
  let resetting = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let closed = false;

  const maxBackoff = (): number => (watchEnabled && watchers.size > 0 ? WATCHED_BACKSTOP_MS : POLLED_BACKOFF_MS);

  function uniqueKey(path: string): string {
    let key = path;
    for (let n = 2; usedKeys.has(key); n += 1) key = `${path}#${n}`;
    usedKeys.add(key);
    return key;
  }

  function watchFolder(folder: string): void {
    if (!watchEnabled || closed || watchers.has(folder)) return;
    try {
      const watcher = watch(folder, { persistent: false }, (_event, name) => onEvent(folder, name));
      watcher.on('error', () => {
        watcher.close();
        watchers.delete(folder);
        walkNeeded = true;
      });
      watchers.set(folder, watcher);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES') return;
      // ENOSPC (inotify watches exhausted), EMFILE, or a file system without events: poll instead.
      watchEnabled = false;
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
    }
  }

  function onEvent(folder: string, name: string | Buffer | null): void {
    if (name === null) {
      walkNeeded = true;
      return;
    }
    const text = name.toString();
    const path = folder === '.' ? text : join(folder, text);
    const identity = atPath.get(path);
    const state = identity === undefined ? undefined : states.get(identity);
    if (state && !state.missing) {
      state.dirty = true;
      kick();
      return;
    }
    if (text === SUMMARY_FILE) {
      for (const other of states.values()) if (dirname(other.path) === folder) other.dirty = true;
      return;
    }
    // Something new or gone: a new file, a rename, a new folder.
    walkNeeded = true;
  }

  function track(state: FileState, success: boolean): void {
    if (success) {
      state.backoffMs = options.intervalMs;
    } else {
      state.backoffMs = Math.min(state.backoffMs * 2, maxBackoff());
    }
    // A little jitter, so thousands of idle files are not all checked in the same poll.
    state.nextCheckMs = now() + state.backoffMs * (0.75 + Math.random() * 0.5);
  }

  /** Bytes of `handle` in [from, to). */
  async function readRange(handle: Awaited<ReturnType<typeof open>>, from: number, to: number): Promise<Buffer> {
    const buffer = Buffer.alloc(to - from);
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, from + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return buffer.subarray(0, filled);
  }

  function resetState(state: FileState): void {
    resetting = true;
    handlers.reset(state.key);
    state.offset = 0;
    state.tail = Buffer.alloc(0);
    state.splitter.reset();
    state.gunzip?.close();
    state.gunzip = undefined;
    state.summaryStamp = undefined;
    state.ended = false;
  }

  /** Feeds `chunk` (raw file bytes) to the state's line splitter, inflating `.gz` files. */
  async function feed(state: FileState, chunk: Buffer, batch: FileBatch): Promise<void> {
    if (!state.path.endsWith('.gz')) {
      state.splitter.push(chunk, batch);
      return;
    }
    if (!state.gunzip) {
      const gunzip = createGunzip();
      gunzip.on('error', () => {
        // A corrupt stream: counted once; the file is read again if it changes.
        handlers.error(state.path, new Error(`${state.path} is not a valid gzip stream`));
      });
      state.gunzip = gunzip;
    }
    const gunzip = state.gunzip;
    const out: Buffer[] = [];
    const onData = (data: Buffer): void => {
      out.push(data);
    };
    gunzip.on('data', onData);
    try {
      await new Promise<void>((resolve) => {
        gunzip.write(chunk);
        // A sync flush hands over everything inflatable so far; a block cut short waits for more.
        gunzip.flush(zlibConstants.Z_SYNC_FLUSH, () => resolve());
      });
    } finally {
      gunzip.off('data', onData);
    }
    for (const data of out) state.splitter.push(data, batch);
  }

  async function readNew(state: FileState, size: number): Promise<boolean> {
    const handle = await open(state.path, 'r');
    try {
      // Rewritten in place (copytruncate and a new head within one poll)? The bytes before the
      // offset must still be the ones read.
      if (
        state.offset > 0 &&
        (size < state.offset ||
          !(await readRange(handle, state.offset - state.tail.length, state.offset)).equals(state.tail))
      ) {
        resetState(state);
      }
      if (size > state.offset && state.ended) resetState(state); // grew after its end: read it as it is now
      if (size <= state.offset) return false;
      const batch = handlers.batch(state.key, state.path);
      try {
        const buffer = Buffer.allocUnsafe(chunkBytes);
        for (;;) {
          const { bytesRead } = await handle.read(buffer, 0, chunkBytes, state.offset);
          if (bytesRead === 0) break;
          state.offset += bytesRead;
          const chunk = buffer.subarray(0, bytesRead);
          state.tail = Buffer.from(
            chunk.length >= TAIL_BYTES
              ? chunk.subarray(chunk.length - TAIL_BYTES)
              : Buffer.concat([state.tail, chunk]).subarray(-TAIL_BYTES),
          );
          // push() decodes or copies what it keeps, so the buffer can be reused for the next read.
          await feed(state, chunk, batch);
        }
      } finally {
        batch.end();
      }
      return true;
    } finally {
      await handle.close();
    }
  }

  async function readSummary(state: FileState): Promise<void> {
    const path = join(dirname(state.path), SUMMARY_FILE);
    // Synchronous: a stat of a cached inode costs microseconds, a promise round trip through the
    // thread pool far more, and idle files are checked thousands of times.
    const info = statSync(path, { throwIfNoEntry: false });
    if (!info) return;
    const stamp = `${info.mtimeMs}:${info.size}`;
    if (!info.isFile() || stamp === state.summaryStamp) return;
    state.summaryStamp = stamp;
    if (info.size > maxSummaryBytes) throw new RangeError(`${path} is larger than ${maxSummaryBytes} bytes`);
    handlers.summary!(state.key, await readFile(path, 'utf8'));
  }

  /** Walks the globs; returns the paths found. */
  async function walk(): Promise<Set<string> | undefined> {
    const found = new Set<string>();
    baseMissing = false;
    for (const glob of globs) {
      try {
        const files = await glob.files(watchFolder);
        if (files.length === 0) baseMissing = true;
        for (const file of files) found.add(file);
      } catch (error) {
        handlers.error(glob.base, error);
        return undefined;
      }
    }
    return found;
  }

  /** A path's file, created on first sight; handles renames (same inode, new path) and replacements. */
  function stateFor(path: string, identity: string): FileState {
    const previous = atPath.get(path) ?? gone.get(path);
    gone.delete(path);
    if (previous !== undefined && previous !== identity) {
      // Another file at this path. The one that was here is gone, unless it moved (then it is
      // found at its new path, in this walk or a later one, and goes on from its offset).
      const old = states.get(previous);
      if (old && old.path === path && !movedAway.has(previous)) {
        resetState(old);
        forget(old);
      }
    }
    atPath.set(path, identity);
    let state = states.get(identity);
    if (state && state.path !== path) {
      if (atPath.get(state.path) === identity) atPath.delete(state.path);
      state.path = path;
    }
    if (!state) {
      state = {
        key: uniqueKey(path),
        path,
        identity,
        splitter: new LineSplitter(options.maxLineBytes),
        offset: 0,
        tail: Buffer.alloc(0),
        stamp: '',
        missing: false,
        nextCheckMs: 0,
        backoffMs: options.intervalMs,
        dirty: true,
        ended: false,
        mtimeMs: 0,
      };
      states.set(identity, state);
      handlers.hold?.(state.key, true);
    } else if (state.missing) {
      state.missing = false;
      handlers.hold?.(state.key, true);
    }
    return state;
  }

  /** Reads what `state` gained since the last check; true when it had new bytes. */
  async function check(
    state: FileState,
    size: number,
    stamp: string,
    force: boolean,
    mtimeMs: number,
  ): Promise<boolean> {
    state.dirty = false;
    state.mtimeMs = mtimeMs;
    let read = false;
    if (stamp !== state.stamp || force) {
      state.stamp = stamp;
      read = await readNew(state, size);
    }
    track(state, read);
    if (handlers.summary) await readSummary(state);
    if (!read && !state.ended && state.splitter.pendingBytes > 0 && runEnded(state.path, state.mtimeMs)) {
      state.ended = true;
      const batch = handlers.batch(state.key, state.path);
      try {
        state.splitter.end(batch);
      } finally {
        batch.end();
      }
    }
    return read;
  }

  function forget(state: FileState): void {
    states.delete(state.identity);
    usedKeys.delete(state.key);
    state.gunzip?.close();
    handlers.hold?.(state.key, false);
  }

  /** Paths to stat this poll: every one on a full poll, else the new, the dirty and the due. */
  function due(paths: Iterable<string>, full: boolean, nowMs: number): string[] {
    const list: string[] = [];
    for (const path of paths) {
      const identity = atPath.get(path);
      const state = identity === undefined ? undefined : states.get(identity);
      if (full || !state || state.dirty || nowMs >= state.nextCheckMs) list.push(path);
    }
    return list;
  }

  async function pollOnce(full: boolean): Promise<void> {
    let readSomething = false;
    const nowMs = now();
    let paths: string[] = [...atPath.keys()];
    if (full || walkNeeded || nowMs >= nextWalkMs) {
      walkNeeded = false;
      const found = await walk();
      if (found) {
        const changed = found.size !== atPath.size || [...found].some((path) => !atPath.has(path));
        const walkCap = baseMissing
          ? BASE_MISSING_BACKOFF_MS
          : watchEnabled && watchers.size > 0
            ? WATCHED_WALK_BACKSTOP_MS
            : POLLED_BACKOFF_MS;
        walkBackoffMs = changed ? options.intervalMs : Math.min(walkBackoffMs * 2, walkCap);
        nextWalkMs = now() + walkBackoffMs;
        // Paths gone: their files are released (what they contributed stays).
        for (const [path, identity] of atPath) {
          if (found.has(path)) continue;
          atPath.delete(path);
          gone.set(path, identity);
          if (gone.size > MAX_GONE) gone.delete(gone.keys().next().value!);
          const state = states.get(identity);
          if (state && state.path === path && !state.missing) {
            state.missing = true;
            handlers.hold?.(state.key, false);
          }
        }
        paths = [...found].sort();
      }
    }
    // Stat first, then apply renames before replacements: a rotated file (k6.ndjson → k6.ndjson.1)
    // goes on from its offset instead of being reset and read again.
    const seen: Array<{ path: string; identity: string; size: number; stamp: string; mtimeMs: number }> = [];
    for (const path of due(paths, full, nowMs)) {
      try {
        const info = statSync(path, { throwIfNoEntry: false });
        if (!info) {
          walkNeeded = true;
          continue;
        }
        if (info.isFile())
          seen.push({
            path,
            identity: `${info.dev}:${info.ino}`,
            size: info.size,
            stamp: `${info.size}:${info.mtimeMs}`,
            mtimeMs: info.mtimeMs,
          });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') walkNeeded = true;
        else handlers.error(path, error);
      }
    }
    movedAway.clear();
    for (const { path, identity } of seen) {
      const state = states.get(identity);
      if (state && state.path !== path) movedAway.add(identity);
    }
    const checks = seen.map(({ path, identity, size, stamp, mtimeMs }) => ({
      state: stateFor(path, identity),
      size,
      stamp,
      mtimeMs,
    }));
    movedAway.clear();
    for (const { state, size, stamp, mtimeMs } of checks) {
      if (!states.has(state.identity)) continue;
      try {
        if (await check(state, size, stamp, full, mtimeMs)) readSomething = true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') walkNeeded = true;
        else handlers.error(state.path, error);
      }
    }
    caughtUp = true;
    resetting = false;
    handlers.polled?.({ files: [...states.values()].filter((state) => !state.missing).length, readSomething });
  }

  function poll(full = true): Promise<void> {
    // One poll at a time: a slow read delays the next poll instead of overlapping it.
    running ??= pollOnce(full).finally(() => {
      running = undefined;
    });
    return running;
  }

  let started = false;
  let polledAtMs = 0;
  let dueAtMs = 0;
  function schedule(delayMs = options.intervalMs): void {
    if (closed) return;
    dueAtMs = now() + delayMs;
    timer = setTimeout(() => {
      timer = undefined;
      void poll(false).then(() => {
        polledAtMs = now();
        if (!timer) schedule();
      });
    }, delayMs);
  }

  /** A folder event: poll soon (a fifth of the interval after the last poll at the earliest), not at the next tick. */
  function kick(): void {
    if (closed || !timer || running) return;
    const at = Math.max(now() + 5, polledAtMs + options.intervalMs / 5);
    if (at >= dueAtMs) return;
    clearTimeout(timer);
    schedule(at - now());
  }

  return {
    files: () => [...states.values()].filter((state) => !state.missing).map((state) => state.path),
    poll: () => poll(true),
    start() {
      if (closed || started) return;
      started = true;
      void poll(true).then(() => {
        polledAtMs = now();
        schedule();
      });
    },
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await running;
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
      for (const state of states.values()) state.gunzip?.close();
    },
    ready: () => caughtUp && !resetting,
    watching: () => watchEnabled && watchers.size > 0,
  };
}

/** One glob: its base folder, how deep to walk, and its matcher. */
interface CompiledGlob {
  readonly base: string;
  /** Files matching now; `visit` is called with every folder walked. */
  files(visit: (folder: string) => void): Promise<string[]>;
}

function compileGlob(pattern: string): CompiledGlob {
  const scan = picomatch.scan(pattern);
  if (!scan.isGlob) {
    return {
      base: pattern,
      async files(visit) {
        visit(dirname(pattern));
        return statSync(pattern, { throwIfNoEntry: false }) ? [pattern] : [];
      },
    };
  }
  const base = scan.base === '' ? '.' : scan.base;
  const matches = picomatch(pattern, { dot: false });
  const maxDepth = scan.glob.includes('**') ? 32 : scan.glob.split('/').length;
  /** Per folder: its mtime when listed, its subfolders and its matching files (a folder's mtime changes when entries come or go). */
  const listed = new Map<string, { mtimeMs: number; folders: string[]; files: string[] }>();
  return {
    base,
    async files(visit) {
      const found: string[] = [];
      const walked = new Set<string>();
      walk(base, 1);
      for (const folder of listed.keys()) if (!walked.has(folder)) listed.delete(folder);
      return found;

      function walk(folder: string, depth: number): void {
        // Synchronous: a stat or a listing costs microseconds, a promise round trip far more, and
        // thousands of folders are walked.
        const info = statSync(folder, { throwIfNoEntry: false });
        // The base folder may not exist yet (no run has started); deeper folders may vanish.
        if (!info?.isDirectory()) return;
        walked.add(folder);
        visit(folder);
        let entry = listed.get(folder);
        if (!entry || entry.mtimeMs !== info.mtimeMs) {
          let entries: Dirent[];
          try {
            entries = readdirSync(folder, { withFileTypes: true });
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
            throw error;
          }
          entry = { mtimeMs: info.mtimeMs, folders: [], files: [] };
          for (const child of entries) {
            const path = base === '.' && folder === '.' ? child.name : join(folder, child.name);
            if (child.isDirectory()) {
              if (!SKIPPED_FOLDERS.has(child.name)) entry.folders.push(path);
            } else if ((child.isFile() || child.isSymbolicLink()) && matches(path)) {
              entry.files.push(path);
            }
          }
          listed.set(folder, entry);
        }
        found.push(...entry.files);
        if (depth < maxDepth) for (const child of entry.folders) walk(child, depth + 1);
      }
    },
  };
}
