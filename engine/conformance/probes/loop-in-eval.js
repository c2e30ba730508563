/* eslint-disable -- a k6 script written as k6 users write them (k6 globals, no project style), linted by k6, not by this repo */
// Probe (issue 10): an endless loop in code built at run time (eval), which the load-time checks
// do not reach; a script that names eval gets the vm watchdog, so the iteration is still interrupted.
export const options = {
  scenarios: { stuck: { executor: 'shared-iterations', vus: 1, iterations: 1, maxDuration: '1s', gracefulStop: '0s' } },
};

export default function () {
  eval('for (;;) {}');
}
