/**
 * Splitting a k6 byte stream (a followed file, a request body, a file the report reads) into
 * lines with a bounded buffer: one splitter for every reader, so they agree on what a line and a
 * too-long line are. Split from contracts/k6-json.ts (which re-exports it) along its seam: bytes
 * to lines here, a line to a sample there. Pure: no I/O, no Node imports.
 */

/** Longest k6 line kept by default, in bytes (newline excluded); k6's lines are well under 4 KiB. */
export const K6_MAX_LINE_BYTES = 64 * 1024;

/** Receives what a push produced. */
export interface K6LineSink {
  /** A complete line, without its newline, decoded as UTF-8. */
  line(text: string): void;
  /** A line longer than the limit was skipped (count it as one line rejected `too_long`). */
  tooLong(): void;
  /**
   * When present, called instead of `line` with the line's bytes, `chunk[start, end)`, valid only
   * during the call: no string is made (the access-log reader parses bytes in place).
   */
  bytes?(chunk: Uint8Array, start: number, end: number): void;
}

/** The WHATWG decoder of Node (and browsers); declared here because load-tests type-check contracts/ with k6's types only, and no k6 script loads this splitter. */
declare const TextDecoder: new (label: 'utf-8') => { decode(bytes: Uint8Array): string };
const utf8 = new TextDecoder('utf-8');

/**
 * Splits a byte stream into lines with a bounded buffer: a partial last line waits for its
 * newline, and a line longer than the limit is skipped up to its newline and reported once, so a
 * hostile 1 GB line costs at most `maxLineBytes` of memory. One instance per stream (a file, a
 * request body). The exporter's follower and the report's reader both split with it, so they
 * agree on what a line and a too-long line are.
 */
export class K6LineSplitter {
  private readonly maxLineBytes: number;
  private parts: Uint8Array[] = [];
  private partBytes = 0;
  /** Inside an over-long line: drop bytes until the next newline. */
  private skipping = false;

  /** @param maxLineBytes - longest line kept, in bytes (newline excluded); default {@link K6_MAX_LINE_BYTES}. */
  constructor(maxLineBytes: number = K6_MAX_LINE_BYTES) {
    this.maxLineBytes = maxLineBytes;
  }

  /** Bytes of the partial line waiting for its newline. */
  get pendingBytes(): number {
    return this.partBytes;
  }

  /** Feeds one chunk. */
  push(chunk: Uint8Array, sink: K6LineSink): void {
    let start = 0;
    for (let newline = chunk.indexOf(0x0a, start); newline !== -1; newline = chunk.indexOf(0x0a, start)) {
      if (this.skipping) {
        this.skipping = false;
      } else if (this.partBytes + newline - start > this.maxLineBytes) {
        sink.tooLong();
      } else if (this.partBytes === 0) {
        if (sink.bytes) sink.bytes(chunk, start, newline);
        else sink.line(utf8.decode(chunk.subarray(start, newline)));
      } else {
        this.parts.push(chunk.subarray(start, newline));
        emitJoined(sink, concat(this.parts, this.partBytes + newline - start));
      }
      this.parts = [];
      this.partBytes = 0;
      start = newline + 1;
    }
    if (start >= chunk.length || this.skipping) return;
    const rest = chunk.length - start;
    if (this.partBytes + rest > this.maxLineBytes) {
      sink.tooLong();
      this.skipping = true;
      this.parts = [];
      this.partBytes = 0;
      return;
    }
    // Copy, so a small tail does not keep a whole read buffer alive.
    this.parts.push(new Uint8Array(chunk.subarray(start))); // a copy: slice() of a Node buffer would be a view
    this.partBytes += rest;
  }

  /** The stream ended: a partial last line counts as a line (HTTP bodies, finished files; not growing files). */
  end(sink: K6LineSink): void {
    if (this.partBytes > 0) emitJoined(sink, concat(this.parts, this.partBytes));
    this.reset();
  }

  /** Forgets the partial line (the file was truncated or replaced). */
  reset(): void {
    this.parts = [];
    this.partBytes = 0;
    this.skipping = false;
  }
}

function emitJoined(sink: K6LineSink, line: Uint8Array): void {
  if (sink.bytes) sink.bytes(line, 0, line.length);
  else sink.line(utf8.decode(line));
}

function concat(parts: readonly Uint8Array[], length: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const joined = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}

/** True when `bytes` start like a gzip stream (RFC 1952 magic 1f 8b): k6 gzips `--out json=FILE.gz`. */
export function isGzipMagic(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}
