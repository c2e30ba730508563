/* eslint-disable -- a k6 script written as k6 users write them (k6 globals, no project style), linted by k6, not by this repo */
// Probe (issue 10): handleSummary() loops forever after an await; k6 stops it at
// handleSummaryTimeout, logs the error and prints its text summary.
export const options = { iterations: 1, handleSummaryTimeout: '1s' };

export default function () {}

export async function handleSummary() {
  await null;
  const spin = () => spin2();
  const spin2 = () => spin();
  for (;;) {
    try {
      spin();
    } catch (e) {
      // a stack overflow, swallowed; the loop goes on
    }
  }
}
