/* eslint-disable -- a k6 script written as k6 users write them (k6 globals, no project style), linted by k6, not by this repo */
// Probe (issue 10): params.throw overrides options.throw for one request (k6
// internal/js/modules/k6/http/request.go): a refused connection rejects the promise.
import http from 'k6/http';
import { Counter } from 'k6/metrics';

const caught = new Counter('probe_caught');
export const options = { iterations: 1, vus: 1 };

export default async function () {
  const quiet = await http.asyncRequest('GET', 'http://127.0.0.1:1/refused');
  if (quiet.error_code !== 1212) throw new Error(`expected error_code 1212, got ${quiet.error_code}`);
  try {
    await http.asyncRequest('GET', 'http://127.0.0.1:1/refused', null, { throw: true });
  } catch (error) {
    caught.add(1);
  }
}
