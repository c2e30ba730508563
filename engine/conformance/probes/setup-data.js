/* eslint-disable -- a k6 script written as k6 users write them (k6 globals, no project style), linted by k6, not by this repo */
// Probe (review F4): setup()'s result reaches the VUs as Go's json.Marshal makes it
// (internal/js/runner.go Setup): NaN, ±Infinity and cycles are refused with "error marshaling
// setup() data to JSON", a BigInt is written as its whole number. SETUP_KIND picks the value.
import { Counter } from 'k6/metrics';

const seen = new Counter('probe_setup_value');
export const options = { iterations: 1 };

export function setup() {
  const kind = __ENV.SETUP_KIND;
  if (kind === 'nan') return { x: NaN };
  if (kind === 'infinity') return { list: [1, -Infinity] };
  if (kind === 'cycle') {
    const data = { name: 'loop' };
    data.self = data;
    return data;
  }
  return { x: 12345678901234567890n, note: 'big' };
}

export default function (data) {
  seen.add(typeof data.x === 'number' ? 1 : 0, { note: data.note, type: typeof data.x });
}
