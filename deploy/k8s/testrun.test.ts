/**
 * `floodgate k8s` tags every sample with the run's target (`floodgate_target`), as `floodgate run`
 * records it in run.json, so an exporter polling that target's truth polls k8s runs too, and
 * only those made against it.
 */

import { describe, expect, test } from 'vitest';
import { FLOODGATE_TAGS } from '../../contracts/metrics.ts';
import { TruthTargeting } from '../../exporter/truth.ts';
import { buildDistributedRun, type DistributedRunOptions, type ScriptFile } from './testrun.ts';

const FILES: ScriptFile[] = [{ path: 'load-tests/scenarios/smoke.ts', content: 'export default function () {}\n' }];
const OPTIONS: DistributedRunOptions = {
  scenario: 'smoke',
  runId: 'k8s-target-1',
  parallelism: 2,
  exporterUrl: 'http://floodgate-exporter:18080',
  targetUrl: 'http://staging.example.invalid:8080',
};

/** The `--tag NAME=VALUE` pairs of a k6 command line. */
function tagsOf(argv: readonly string[]): Record<string, string> {
  const tags: Record<string, string> = {};
  argv.forEach((word, index) => {
    if (word !== '--tag') return;
    const pair = argv[index + 1] ?? '';
    const equals = pair.indexOf('=');
    tags[pair.slice(0, equals)] = pair.slice(equals + 1);
  });
  return tags;
}

describe('floodgate k8s and the target tag', () => {
  test('the TestRun and every machine command tag samples with floodgate_target = the target URL', () => {
    const run = buildDistributedRun(OPTIONS, FILES);
    const commandLines = [String((run.testRun.spec as { arguments: string }).arguments), ...run.segmentCommands];
    for (const line of commandLines) {
      expect(tagsOf(line.split(' ')), line).toMatchObject({
        run: 'k8s-target-1',
        [FLOODGATE_TAGS.target]: 'http://staging.example.invalid:8080',
      });
    }
  });

  test('an exporter polling that target’s truth polls the run; one polling another target does not', () => {
    const run = buildDistributedRun(OPTIONS, FILES);
    const tag = tagsOf(String((run.testRun.spec as { arguments: string }).arguments).split(' '))[
      FLOODGATE_TAGS.target
    ]!;
    const same = new TruthTargeting('http://staging.example.invalid:8080/truth');
    same.learn(OPTIONS.runId, tag);
    expect(same.polls(OPTIONS.runId)).toBe(true);
    const other = new TruthTargeting('http://other.example.invalid:8080/truth');
    other.learn(OPTIONS.runId, tag);
    expect(other.polls(OPTIONS.runId)).toBe(false);
  });

  test('a target URL with a space is refused: the operator splits arguments on whitespace', () => {
    expect(() =>
      buildDistributedRun({ ...OPTIONS, targetUrl: 'http://staging.example.invalid:8080/a b' }, FILES),
    ).toThrow(/cannot hold spaces/);
  });
});
