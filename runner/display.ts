/**
 * Where progress and the engine's own output meet on one terminal. On a TTY the progress block is
 * redrawn in place, and engine output is printed above it (the block is wiped, the output
 * written, the block drawn again), so neither garbles the other. Elsewhere output passes straight
 * through and progress is a line every few seconds. A stream that throws on write (a closed pipe,
 * `floodgate run … | head`) is written to no more; the run goes on to its end either way.
 */

import { Writable } from 'node:stream';

/** A stream a command writes to. */
export type OutputStream = NodeJS.WritableStream & { isTTY?: boolean };

/** The terminal side of a run. */
export interface RunDisplay {
  /** Streams to hand the engine for its stdout and stderr. */
  readonly engineStdout: Writable;
  readonly engineStderr: Writable;
  /** Shows the newest progress text (a block on a TTY, a line elsewhere). */
  progress(text: string): void;
  /** A message of floodgate's own, printed above the block. */
  note(text: string): void;
  /** Leaves the last block on screen and stops redrawing. */
  finish(): void;
}

/** A display for `stdout`/`stderr`; live redraws only when `live` (stdout is a TTY). */
export function createRunDisplay(stdout: OutputStream, stderr: OutputStream, live: boolean): RunDisplay {
  let drawnLines = 0;
  let block = '';
  let finished = false;
  const closed = new Set<OutputStream>();

  const write = (target: OutputStream, text: string): void => {
    if (closed.has(target)) return;
    try {
      target.write(text);
    } catch {
      closed.add(target); // nobody reads it any more; the results folder still gets everything
    }
  };
  const wipe = (): void => {
    if (drawnLines > 0) write(stdout, `\x1b[${drawnLines}A\x1b[J`);
    drawnLines = 0;
  };
  const draw = (): void => {
    if (finished || block === '') return;
    write(stdout, block);
    drawnLines = block.split('\n').length - 1;
  };
  const above = (target: OutputStream, text: string): void => {
    if (!live) {
      write(target, text);
      return;
    }
    wipe();
    write(target, text.endsWith('\n') ? text : `${text}\n`);
    draw();
  };
  const passthrough = (target: OutputStream): Writable =>
    new Writable({
      write(chunk: Buffer | string, _encoding, callback) {
        above(target, chunk.toString());
        callback();
      },
    });

  return {
    engineStdout: passthrough(stdout),
    engineStderr: passthrough(stderr),
    progress(text) {
      if (finished) return;
      if (!live) {
        write(stdout, text);
        return;
      }
      wipe();
      block = text;
      draw();
    },
    note(text) {
      above(stderr, text.endsWith('\n') ? text : `${text}\n`);
    },
    finish() {
      finished = true;
    },
  };
}
