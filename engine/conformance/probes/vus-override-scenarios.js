// Probe (review F5): a lone `vus` next to `scenarios` overrides them, with k6's warning
// (lib/executor/execution_config_shortcuts.go DeriveScenariosFromShortcuts): 3 VUs, 3 shared
// iterations of the default function; the scenario `s` does not run.
import exec from 'k6/execution';
import { Counter } from 'k6/metrics';

const ran = new Counter('probe_ran');
export const options = { vus: 3, scenarios: { s: { executor: 'shared-iterations', iterations: 1, exec: 'other' } } };

export default function () {
  ran.add(1, { scenario_seen: exec.scenario.name, executor: exec.scenario.executor });
}

export function other() {
  ran.add(100);
}
