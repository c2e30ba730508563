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
  /**
   * Ends the display once the engine is done and the NDJSON fully read: draws `finalProgress`
   * (the exact end state) and then whatever the engine wrote from its end-of-test summary on,
   * which was held back, so the summary is the last thing on screen and the progress above it
   * has the summary's numbers.
   */
  finishWithSummary(finalProgress: string | undefined): void;
  /** True once the engine's summary began. */
  summaryShown(): boolean;
}

/**
 * Where the engine's end-of-test summary starts in its stdout: k6's own blocks, or the header of
 * floodgate's handleSummary text.
 */
export const SUMMARY_START = /^(?:floodgate · run |\s*█ (?:THRESHOLDS|TOTAL RESULTS) ?$)/m;

/** A display for `stdout`/`stderr`; live redraws only when `live` (stdout is a TTY). */
export function createRunDisplay(stdout: OutputStream, stderr: OutputStream, live: boolean): RunDisplay {
  let drawnLines = 0;
  let block = '';
  let finished = false;
  let summaryStarted = false;
  const held: Array<[OutputStream, string]> = [];
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
  const passthrough = (target: OutputStream, watchForSummary: boolean): Writable =>
    new Writable({
      write(chunk: Buffer | string, _encoding, callback) {
        const text = chunk.toString();
        if (summaryStarted) {
          held.push([target, text]); // after the summary began, everything waits for the end, in order
        } else if (watchForSummary && SUMMARY_START.test(text)) {
          const at = text.search(SUMMARY_START);
          if (at > 0) above(target, text.slice(0, at));
          summaryStarted = true;
          held.push([target, text.slice(at)]);
        } else {
          above(target, text);
        }
        callback();
      },
    });

  return {
    engineStdout: passthrough(stdout, true),
    engineStderr: passthrough(stderr, false),
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
    finishWithSummary(finalProgress) {
      if (finalProgress !== undefined && !finished) {
        wipe();
        write(stdout, finalProgress.endsWith('\n') ? finalProgress : `${finalProgress}\n`);
        drawnLines = 0;
      } else {
        wipe();
      }
      finished = true;
      for (const [target, text] of held.splice(0)) write(target, text);
    },
    summaryShown() {
      return summaryStarted;
    },
  };
}
