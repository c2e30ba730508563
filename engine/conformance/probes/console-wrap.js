/* eslint-disable -- a k6 script written as k6 users write them (k6 globals, no project style), linted by k6, not by this repo */
// Probe (issue 10, review F21): init code wraps console.log. Each k6 VU has its own console
// (internal/js/console.go, one per runtime), so each VU's line carries one wrapper.
const log = console.log;
console.log = (...args) => log('[w]', ...args);

export const options = { scenarios: { s: { executor: 'per-vu-iterations', vus: 3, iterations: 1 } } };

export default function () {
  console.log(`vu ${__VU}`);
}
