// Probe (issue 10): five nested setTimeout callbacks all fire inside the iteration, as k6's
// examples/timers.js expects: each callback schedules the next one.
import { setTimeout } from 'k6/timers';
import { Counter } from 'k6/metrics';

const fired = new Counter('probe_timer_fired');
export const options = { iterations: 1, vus: 1 };

export default function () {
  let left = 5;
  const tick = () => {
    fired.add(1);
    left -= 1;
    if (left > 0) setTimeout(tick, 1);
  };
  setTimeout(tick, 1);
}
