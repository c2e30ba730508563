/* eslint-disable -- a k6 script written as k6 users write them (k6 globals, no project style), linted by k6, not by this repo */
// Probe (issue 10): options.rps limits every request of the test in k6 (lib/options.go); the
// engine does not implement it, so it refuses the script at load time (exit 107).
import http from 'k6/http';

export const options = { iterations: 1, vus: 1, rps: 10 };

export default async function () {
  await http.asyncRequest('GET', `${__ENV.TARGET}/`);
}
