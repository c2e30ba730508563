/* eslint-disable -- a k6 script written as k6 users write them (k6 globals, no project style), linted by k6, not by this repo */
// Probe (issue 10): Response.json() takes gjson paths (k6 uses github.com/tidwall/gjson):
// `items.#` is the length, `items.#.name` every element's name, `items.1.name` one of them.
import http from 'k6/http';
import { check } from 'k6';

export const options = { iterations: 1, vus: 1, thresholds: { checks: ['rate==1'] } };

export default async function () {
  const res = await http.asyncRequest('GET', `${__ENV.TARGET}/items`);
  check(res, {
    length: (r) => r.json('items.#') === 2,
    names: (r) => JSON.stringify(r.json('items.#.name')) === '["a","b"]',
    'one name': (r) => r.json('items.1.name') === 'b',
  });
}
