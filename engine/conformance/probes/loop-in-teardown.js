/* eslint-disable -- a k6 script written as k6 users write them (k6 globals, no project style), linted by k6, not by this repo */
// Probe (issue 10): teardown() loops forever after an await; k6 stops it at teardownTimeout (exit 101).
export const options = { iterations: 1, teardownTimeout: '1s' };

export default function () {}

export async function teardown() {
  await null;
  let n = 0;
  do {
    n += 1;
  } while (n > 0);
}
