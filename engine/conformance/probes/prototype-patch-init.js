/* eslint-disable -- a k6 script written as k6 users write them (k6 globals, no project style), linted by k6, not by this repo */
// Probe (issue 10): an init context patches a built-in through an alias the scan cannot see;
// the change is found when that init context ends and the script is refused (exit 107).
const proto = Object.getPrototypeOf('');
proto.probeShout = function () { return this.toUpperCase(); };
export const options = { iterations: 1 };
export default function () {}
