// Probe (issue 10): exec.vu.metrics.tags reads the tags the VU's samples carry — k6 returns
// state.Tags.GetCurrentValues() (internal/js/modules/k6/execution), so run tags and the scenario
// are there besides the ones the script set.
import exec from 'k6/execution';
import { check } from 'k6';

export const options = {
  tags: { suite: 'probe' },
  scenarios: { tagged: { executor: 'shared-iterations', vus: 1, iterations: 1, tags: { flow: 'x' } } },
  thresholds: { checks: ['rate==1'] },
};

export default function () {
  exec.vu.metrics.tags.mine = 'set';
  const tags = exec.vu.metrics.tags;
  check(tags, {
    'run tag': (t) => t.suite === 'probe',
    'scenario tag': (t) => t.scenario === 'tagged',
    'scenario tags': (t) => t.flow === 'x',
    'own tag': (t) => t.mine === 'set',
  });
}
