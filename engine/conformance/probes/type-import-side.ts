// Helper of type-import.ts: a module with a side effect (a custom metric) and a type export.
import { Counter } from 'k6/metrics';

export const sideEffect = new Counter('probe_side_effect');
export interface ProbeShape {
  id: number;
}
