/* eslint-disable -- a k6 script written as k6 users write them (k6 globals, no project style), linted by k6, not by this repo */
// Probe (issue 10): every VU has its own connection pool (k6 internal/js/runner.go newVU builds
// an http.Transport per VU), so a VU never reuses a connection another VU opened: VU 2 starts
// after VU 1's requests are done and still connects for its first request.
import http from 'k6/http';

export const options = { scenarios: { two: { executor: 'per-vu-iterations', vus: 2, iterations: 1 } } };

export default async function () {
  if (__VU === 2) await new Promise((resolve) => setTimeout(resolve, 300));
  for (let i = 0; i < 3; i += 1) await http.asyncRequest('GET', `${__ENV.TARGET}/vu${__VU}/${i}`);
}
