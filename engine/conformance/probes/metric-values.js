// Probe (review F9): metric values and tag values as k6 takes them
// (internal/js/modules/k6/metrics/metrics.go add; js/common/tags.go ApplyCustomUserTag):
// '0' and [] are truthy zeros and count 1; null and 'abc' are refused with a warning and no
// sample; a tag value that is not a string, boolean or number throws.
import { check } from 'k6';
import { Counter, Rate } from 'k6/metrics';

const rate = new Rate('probe_rate');
const refusals = new Counter('probe_refused');
export const options = { iterations: 1 };

function refused(fn) {
  try {
    fn();
  } catch (error) {
    refusals.add(1, { message: String(error.message).slice(0, 60) });
  }
}

export default function () {
  rate.add(true);
  rate.add('0');
  rate.add([]);
  rate.add(null);
  rate.add('abc');
  refused(() => rate.add(1, { obj: { a: 1 } }));
  refused(() => rate.add(1, { n: null }));
  refused(() => check(1, { x: true }, { t: { deep: 1 } }));
  rate.add(0, { n: 5, b: false });
}
