/* eslint-disable -- a k6 script written as k6 users write them (k6 globals, no project style), linted by k6, not by this repo */
// Probe (issue 10): an endless synchronous loop in the continuation after an await. k6 interrupts
// the VU's runtime at the hard stop (internal/js/runner.go: vu.Runtime.Interrupt) wherever its code
// runs; the run goes on to handleSummary and a complete output.
import { Counter } from 'k6/metrics';

const started = new Counter('probe_started');
export const options = {
  scenarios: { stuck: { executor: 'constant-vus', vus: 1, duration: '1s', gracefulStop: '500ms' } },
};

export default async function () {
  started.add(1);
  await null;
  for (;;) {
    // never yields
  }
}

export function handleSummary(data) {
  return { 'loop-after-await-summary.json': JSON.stringify({ started: data.metrics.probe_started.values.count }) };
}
