// Probe (issue 10): a VU that never yields. k6 interrupts its JavaScript when the scenario's
// gracefulStop ends (sobek Interrupt); the run goes on to handleSummary and a complete output.
import { Counter } from 'k6/metrics';

const started = new Counter('probe_started');
export const options = {
  scenarios: { stuck: { executor: 'constant-vus', vus: 1, duration: '1s', gracefulStop: '500ms' } },
};

export default function () {
  started.add(1);
  for (;;) {
    // never yields
  }
}

export function handleSummary(data) {
  return { 'endless-loop-summary.json': JSON.stringify({ started: data.metrics.probe_started.values.count }) };
}
