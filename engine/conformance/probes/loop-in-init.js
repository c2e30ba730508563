/* eslint-disable -- a k6 script written as k6 users write them (k6 globals, no project style), linted by k6, not by this repo */
// Probe (issue 10): the init context never ends. k6 has no init timeout (it waits until Ctrl-C);
// the local engine stops an init context after its init budget and fails the run (exit 107).
export const options = { iterations: 1 };

for (;;) {
  // never yields
}

export default function () {}
