/* eslint-disable -- a k6 script written as k6 users write them (k6 globals, no project style), linted by k6, not by this repo */
// Probe (issue 10): work started from a promise reaction several microtasks deep (no request or
// timer pending when the default function returns) still belongs to the iteration.
import { Counter } from 'k6/metrics';

const fired = new Counter('probe_timer_fired');
export const options = { iterations: 2, vus: 1 };

export default function () {
  Promise.resolve()
    .then(() => undefined)
    .then(() => undefined)
    .then(() => new Promise((resolve) => setTimeout(resolve, 5)))
    .then(() => fired.add(1));
}
