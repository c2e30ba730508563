/**
 * Where progress and the engine's own output meet on one terminal. On a TTY the progress block is
 * redrawn in place, and engine output is printed above it (the block is wiped, the output
 * written, the block drawn again), so neither garbles the other. Elsewhere output passes straight
 * through and progress is a line every few seconds.
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

  const wipe = (): void => {
    if (drawnLines > 0) stdout.write(`\x1b[${drawnLines}A\x1b[J`);
    drawnLines = 0;
  };
  const draw = (): void => {
    if (finished || block === '') return;
    stdout.write(block);
    drawnLines = block.split('\n').length - 1;
  };
  const above = (target: OutputStream, text: string): void => {
    if (!live) {
      target.write(text);
      return;
    }
    wipe();
    target.write(text.endsWith('\n') ? text : `${text}\n`);
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
        stdout.write(text);
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
