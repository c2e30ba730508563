/* eslint-disable -- a k6 script written as k6 users write them (k6 globals, no project style), linted by k6, not by this repo */
// Probe (issue 10): a patch of a built-in the load-time scan cannot see (reached through an
// object, during the iterations); the engine finds the change after the run and fails it (exit 107).
import { Counter } from 'k6/metrics';

const seen = new Counter('probe_seen_patch');
export const options = { scenarios: { s: { executor: 'per-vu-iterations', vus: 2, iterations: 2 } } };

export default function () {
  if (typeof [].probeTag === 'function') seen.add(1);
  if (__VU === 1) Object.getPrototypeOf([]).probeTag = function () { return 1; };
}
