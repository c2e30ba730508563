/* eslint-disable -- a k6 script written as k6 users write them (k6 globals, no project style), linted by k6, not by this repo */
// Probe (issue 10): a fire-and-forget chain of two requests. k6 ends an iteration only when its
// event loop is empty (internal/js/eventloop), so both requests are sent and both checks counted.
import http from 'k6/http';
import { check } from 'k6';

export const options = { iterations: 1, vus: 1 };

export default function () {
  http
    .asyncRequest('GET', `${__ENV.TARGET}/first`)
    .then((res) => {
      check(res, { 'first is 200': (r) => r.status === 200 });
      return http.asyncRequest('GET', `${__ENV.TARGET}/second`);
    })
    .then((res) => {
      check(res, { 'second is 200': (r) => r.status === 200 });
    });
}
