/* eslint-disable -- a k6 script written as k6 users write them (k6 globals, no project style), linted by k6, not by this repo */
// Probe (issue 10): an endless loop in a fire-and-forget promise reaction, behind a try/catch
// that swallows every error (k6's interrupt cannot be caught by the script).
export const options = {
  scenarios: { stuck: { executor: 'shared-iterations', vus: 1, iterations: 1, maxDuration: '1s', gracefulStop: '0s' } },
};

export default function () {
  Promise.resolve().then(() => {
    for (;;) {
      try {
        for (;;) {
          // never yields
        }
      } catch (e) {
        // swallowed
      }
    }
  });
}
