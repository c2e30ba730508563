// Probe (issue 10): a check callback that throws. k6's Check (internal/js/modules/k6/k6.go)
// pushes a failed `checks` sample for it, then rethrows: the iteration fails, the checks
// threshold sees the failure.
import { check } from 'k6';

export const options = { iterations: 1, vus: 1, thresholds: { checks: ['rate==1'] } };

export default function () {
  check(null, {
    'passes first': () => true,
    throws: (value) => value.missing.field,
    'never evaluated': () => true,
  });
}
