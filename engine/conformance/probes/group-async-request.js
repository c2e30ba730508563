/* eslint-disable -- a k6 script written as k6 users write them (k6 globals, no project style), linted by k6, not by this repo */
// Probe (review F1): a request made inside group() and awaited outside it carries the group —
// k6 takes the request's tags when it is made (js/modules/k6/http/request.go parseRequest:
// TagsAndMeta from vu.State().Tags.GetCurrentValues()), not when its answer arrives. A VU tag
// changed while the request is in flight does not reach its samples either.
import http from 'k6/http';
import exec from 'k6/execution';
import { group } from 'k6';

export const options = {
  iterations: 1,
  thresholds: { 'http_req_duration{group:::g1}': ['max>=0'] },
};

export default async function () {
  let pending;
  group('g1', () => {
    exec.vu.metrics.tags.phase = 'asked';
    pending = http.asyncRequest('GET', `${__ENV.TARGET}/in-group`);
  });
  exec.vu.metrics.tags.phase = 'answered';
  await pending;
}
