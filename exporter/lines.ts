/**
 * Splitting a byte stream into lines with a bounded buffer: a partial last line waits for its
 * newline, and a line longer than the limit is skipped up to its newline and reported once, so a
 * hostile 1 GB line costs at most `maxLineBytes` of memory.
 */

/** Receives what a push produced. */
export interface LineSink {
  /** A complete line, without its newline, decoded as UTF-8. */
  line(text: string): void;
  /** A line longer than the limit was skipped. */
  tooLong(): void;
}

/** Splits bytes into lines; one instance per stream (file or request body). */
export class LineSplitter {
  private readonly maxLineBytes: number;
  private parts: Buffer[] = [];
  private partBytes = 0;
  /** Inside an over-long line: drop bytes until the next newline. */
  private skipping = false;

  /** @param maxLineBytes - longest line kept, in bytes (newline excluded). */
  constructor(maxLineBytes: number) {
    this.maxLineBytes = maxLineBytes;
  }

  /** Bytes of the partial line waiting for its newline. */
  get pendingBytes(): number {
    return this.partBytes;
  }

  /** Feeds one chunk. */
  push(chunk: Buffer, sink: LineSink): void {
    let start = 0;
    for (let newline = chunk.indexOf(0x0a, start); newline !== -1; newline = chunk.indexOf(0x0a, start)) {
      if (this.skipping) {
        this.skipping = false;
      } else if (this.partBytes + newline - start > this.maxLineBytes) {
        sink.tooLong();
      } else if (this.partBytes === 0) {
        sink.line(chunk.toString('utf8', start, newline));
      } else {
        this.parts.push(chunk.subarray(start, newline));
        sink.line(Buffer.concat(this.parts).toString('utf8'));
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
    this.parts.push(Buffer.from(chunk.subarray(start)));
    this.partBytes += rest;
  }

  /** The stream ended: a partial last line counts as a line (HTTP bodies; not growing files). */
  end(sink: LineSink): void {
    if (this.partBytes > 0) sink.line(Buffer.concat(this.parts).toString('utf8'));
    this.reset();
  }

  /** Forgets the partial line (the file was truncated or replaced). */
  reset(): void {
    this.parts = [];
    this.partBytes = 0;
    this.skipping = false;
  }
}
