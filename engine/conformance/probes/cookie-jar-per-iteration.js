/* eslint-disable -- a k6 script written as k6 users write them (k6 globals, no project style), linted by k6, not by this repo */
// Probe (issue 10): the cookie jar lives on the VU and is replaced by a new one at every
// iteration unless noCookiesReset (k6 internal/js/runner.go runFn: state.CookieJar =
// cookiejar.New). A jar taken with http.cookieJar() in one iteration keeps its cookies; the
// next iteration's requests go out with the VU's new, empty jar.
import http from 'k6/http';
import { check } from 'k6';

export const options = {
  scenarios: { jar: { executor: 'per-vu-iterations', vus: 1, iterations: 2 } },
  thresholds: { checks: ['rate==1'] },
};

let saved;

export default async function () {
  const base = __ENV.TARGET;
  if (__ITER === 0) {
    await http.asyncRequest('GET', `${base}/cookie/set`);
    saved = http.cookieJar();
    check((await http.asyncRequest('GET', `${base}/echo`)).json('cookie'), {
      'the cookie goes out in the iteration that got it': (cookie) => cookie === 'probe=1',
    });
    return;
  }
  check((await http.asyncRequest('GET', `${base}/echo`)).json('cookie'), {
    'the next iteration starts with an empty jar': (cookie) => cookie === undefined || cookie === null,
  });
  check(saved.cookiesForURL(base), {
    "the previous iteration's jar keeps its cookie": (cookies) => (cookies.probe ?? [])[0] === '1',
  });
  check(http.cookieJar() !== saved, { 'http.cookieJar() is a new jar each iteration': (fresh) => fresh === true });
}
