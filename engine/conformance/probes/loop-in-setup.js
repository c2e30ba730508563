/* eslint-disable -- a k6 script written as k6 users write them (k6 globals, no project style), linted by k6, not by this repo */
// Probe (issue 10): setup() loops forever after an await; k6 stops it at setupTimeout (exit 100).
export const options = { iterations: 1, setupTimeout: '1s' };

export async function setup() {
  await null;
  for (;;) {
    // never yields
  }
}

export default function () {}
