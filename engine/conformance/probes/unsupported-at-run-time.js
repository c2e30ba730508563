/* eslint-disable -- a k6 script written as k6 users write them (k6 globals, no project style), linted by k6, not by this repo */
// Probe (review F17): an API the engine cannot run, reached only while the test runs, stops the
// run with exit 107 — even when the script catches the error — instead of failing iterations in
// a run that passes having sent nothing. UNSUPPORTED picks the way in.
import http from 'k6/http';
import * as k6 from 'k6';

export const options = {
  vus: 1,
  iterations: 20,
  thresholds: { http_req_failed: ['rate<0.01'] },
};

export default async function () {
  const kind = __ENV.UNSUPPORTED;
  if (kind === 'compression') await http.asyncRequest('POST', `${__ENV.TARGET}/c`, 'body', { compression: 'gzip' });
  if (kind === 'dynamic') {
    const name = ['g', 'et'].join('');
    try {
      http[name](`${__ENV.TARGET}/d`);
    } catch (error) {
      // a script that swallows the error still stops the run
    }
  }
  if (kind === 'sleep-alias') k6[['sl', 'eep'].join('')](1);
  if (kind === 'html') (await http.asyncRequest('GET', `${__ENV.TARGET}/h`)).html();
}
