/* eslint-disable -- a k6 script written as k6 users write them (k6 globals, no project style), linted by k6, not by this repo */
// Probe (issue 10): options.noVUConnectionReuse closes a VU's idle connections after every
// iteration (k6 internal/js/runner.go runFn: Transport.CloseIdleConnections), so each
// iteration connects again while requests within one iteration share the connection.
import http from 'k6/http';

export const options = {
  noVUConnectionReuse: true,
  scenarios: { one: { executor: 'per-vu-iterations', vus: 1, iterations: 3 } },
};

export default async function () {
  await http.asyncRequest('GET', `${__ENV.TARGET}/a`);
  await http.asyncRequest('GET', `${__ENV.TARGET}/b`);
}
