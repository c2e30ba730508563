/* eslint-disable -- a k6 script written as k6 users write them (k6 globals, no project style), linted by k6, not by this repo */
// Probe (issue 10): k6's http_req_blocked runs from GetConn to GotConn
// (lib/netext/httpext/tracer.go), so on a new connection it holds http_req_connecting.
import http from 'k6/http';

export const options = { iterations: 4, vus: 1, noConnectionReuse: true };

export default async function () {
  await http.asyncRequest('GET', `${__ENV.TARGET}/`);
}
