/* eslint-disable -- a k6 script written as k6 users write them (k6 globals, no project style), linted by k6, not by this repo */
// Probe (issue 10): k6 initializes an arrival-rate scenario's VUs beyond preAllocatedVUs only
// when it needs them (lib/executor/constant_arrival_rate.go), so their init output appears then,
// after the first iterations; VUs it never needs never print theirs.
export const options = {
  scenarios: {
    a: { executor: 'constant-arrival-rate', rate: 10, timeUnit: '1s', duration: '1s', preAllocatedVUs: 1, maxVUs: 6 },
  },
};

console.log(`init ${__VU}`);

export default async function () {
  console.log(`iteration vu ${__VU}`);
  await new Promise((resolve) => setTimeout(resolve, 250));
}
