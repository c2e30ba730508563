 
// Probe (issue 10): setup() loops forever after an await; k6 stops it at setupTimeout (exit 100).
export const options = { iterations: 1, setupTimeout: '1s' };

export async function setup() {
  await null;
  for (;;) {
    // never yields
  }
}

export default function () {}
