/* eslint-disable -- a k6 script written as k6 users write them (k6 globals, no project style), linted by k6, not by this repo */
// Probe (issue 10): an endless loop after an await inside a timer callback of the iteration.
export const options = {
  scenarios: { stuck: { executor: 'shared-iterations', vus: 1, iterations: 1, maxDuration: '1s', gracefulStop: '0s' } },
};

export default function () {
  setTimeout(async () => {
    await null;
    while (true) {
      // never yields
    }
  }, 10);
}
