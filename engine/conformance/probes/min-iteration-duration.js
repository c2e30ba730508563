// Probe (issue 10): options.minIterationDuration — after a full iteration the VU waits out the
// rest (k6 internal/js/runner.go), so 1 VU for 1 s runs at most ~4 iterations of 250 ms.
export const options = { vus: 1, duration: '1s', minIterationDuration: '250ms' };

export default function () {}
