// Probe (review F3): a threshold expression k6 cannot parse is an invalid configuration, exit 104
// (k6 metrics/thresholds.go: errext.WithExitCodeIfNone(parseErr, exitcodes.InvalidConfig)).
export const options = { iterations: 1, thresholds: { http_req_duration: ['p(95) <<< 3'] } };
export default function () {}
