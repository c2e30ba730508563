/* eslint-disable -- a k6 script written as k6 users write them (k6 globals, no project style), linted by k6, not by this repo */
// Probe (issue 10): a script patches a built-in prototype. k6 gives each VU its own runtime
// (internal/js/runner.go newVU), so the patch stays in that VU; the local engine's VUs share
// their built-ins, so it refuses the script at load time (exit 107).
export const options = { vus: 2, iterations: 2 };

export default function () {
  if (__VU === 1) Array.prototype.probeLast = function () { return this[this.length - 1]; };
}
