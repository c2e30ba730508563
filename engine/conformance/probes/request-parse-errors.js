/* eslint-disable -- a k6 script written as k6 users write them (k6 globals, no project style), linted by k6, not by this repo */
// Probe (review F18): a request k6 cannot build resolves a Response carrying the error and a
// "Request Failed" warning, so the script's check records the failure; under `throw` it rejects
// (js/modules/k6/http/request.go handleParseRequestError; 1020 from lib/netext/httpext/url.go).
import http from 'k6/http';
import { check } from 'k6';
import { Counter } from 'k6/metrics';

const rejected = new Counter('probe_rejected');
export const options = { iterations: 1 };

export default async function () {
  const badUrl = await http.asyncRequest('GET', 'http://[::1');
  check(badUrl, { 'bad url answered': (r) => r.status === 200 }, { case: 'url' });
  const badTimeout = await http.asyncRequest('GET', `${__ENV.TARGET}/t`, null, { timeout: 'abc' });
  check(badTimeout, { 'bad timeout answered': (r) => r.status === 200 }, { case: 'timeout' });
  rejected.add(0, {
    code: String(badUrl.error_code),
    timeoutCode: String(badTimeout.error_code),
    status: String(badUrl.status),
  });
  try {
    await http.asyncRequest('GET', 'http://[::1', null, { throw: true });
  } catch (error) {
    rejected.add(1, { message: String(error.message) });
  }
}
