/* eslint-disable -- a k6 script written as k6 users write them (k6 globals, no project style), linted by k6, not by this repo */
// Probe (issue 10): the init context runs once per VU (k6 internal/js/runner.go newVU →
// bundle.go Instantiate), plus once for the options and once each for setup, teardown and
// handleSummary (runPart / HandleSummary call newVU(0, 0)). So a module-level counter counts
// each VU's own iterations, and __ENV writes stay within the VU (VU.Activate gives each VU a
// new __ENV object).
import { check } from 'k6';
import { Trend } from 'k6/metrics';

const count = new Trend('probe_count');
let iterations = 0;
console.log(`init ${__VU}`);

export const options = {
  scenarios: { each: { executor: 'per-vu-iterations', vus: 2, iterations: 3 } },
  thresholds: { checks: ['rate==1'] },
};

export function setup() {
  return { iterationsSeenBySetup: iterations };
}

export default async function () {
  iterations += 1;
  count.add(iterations, { probe_vu: String(__VU) });
  check(__ENV, {
    "__ENV is the VU's own": (env) => env.PROBE_WRITER === undefined || env.PROBE_WRITER === String(__VU),
  });
  __ENV.PROBE_WRITER = String(__VU);
  // let the other VU run between this VU's iterations
  await new Promise((resolve) => setTimeout(resolve, 20));
}

export function teardown() {}

export function handleSummary() {
  return { stdout: `summary instance saw ${iterations} iterations\n` };
}
