/* eslint-disable -- a k6 script written as k6 users write them (k6 globals, no project style), linted by k6, not by this repo */
// Probe (issue 10): an endless synchronous loop inside a timer callback of the iteration is
// interrupted at the hard stop too.
export const options = {
  scenarios: { stuck: { executor: 'shared-iterations', vus: 1, iterations: 1, maxDuration: '1s', gracefulStop: '0s' } },
};

export default function () {
  setTimeout(() => {
    for (;;) {
      // never yields
    }
  }, 10);
}
