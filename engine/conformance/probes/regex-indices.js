// Probe (issue 10): sobek has no regular-expression `d` (match indices) flag, so k6 fails on this
// script; the engine refuses it at load time (exit 107) instead of running it.
export const options = { iterations: 1, vus: 1 };

export default function () {
  const match = /b(c)/d.exec('abc');
  return match;
}
