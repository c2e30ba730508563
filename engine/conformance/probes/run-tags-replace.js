/* eslint-disable -- a k6 script written as k6 users write them (k6 globals, no project style), linted by k6, not by this repo */
// Probe (review F2): tags given with --tag replace the script's options.tags wholesale, they
// are not merged (k6 lib/options.go Apply RunTags; internal/cmd/tests/cmd_run_merge_run_tags_test.go).
import http from 'k6/http';

export const options = { iterations: 1, tags: { opt: 'o', both: 'fromOptions' } };

export default async function () {
  await http.asyncRequest('GET', `${__ENV.TARGET}/tagged`);
}
