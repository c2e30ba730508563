/* eslint-disable -- a k6 script written as k6 users write them (k6 globals, no project style), linted by k6, not by this repo */
// @ts-nocheck — written as k6 users write it: a type imported without `import type` (this repo sets verbatimModuleSyntax)
// Probe (issue 10): k6 strips TypeScript types file by file with esbuild and no tsconfig
// (internal/js/compiler/enhanced.go), so an import used only as a type is dropped with its
// module, and the metric that module would create does not exist: the threshold on it is
// invalid (exit 104), whatever the project's tsconfig says (this repo sets verbatimModuleSyntax).
import { ProbeShape } from './type-import-side.ts';

export const options = { iterations: 1, vus: 1, thresholds: { probe_side_effect: ['count>=0'] } };

export default function (): void {
  const shape: ProbeShape = { id: 1 };
  if (shape.id !== 1) throw new Error('unreachable');
}
