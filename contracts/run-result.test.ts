import { describe, expect, test } from 'vitest';
import { RUN_RESULT_KIND, RUN_RESULT_VERSION, validateRunResult, type RunResult } from './run-result.ts';

function minimalRunResult(): RunResult {
  return {
    kind: RUN_RESULT_KIND,
    version: RUN_RESULT_VERSION,
    run: 'r1',
    scenario: 'breakpoint',
    engine: 'local',
    origin: '2026-08-21T09:00:00.000Z',
    scenarioStartSeconds: 0,
    durationSeconds: 2,
    resolutionSeconds: 1,
    slots: [
      {
        t: 0,
        stages: {
          register: {
            requests: { ok: 2, error: 1 },
            statuses: { '201': 2, '503': 1 },
            latency: { ok: { kind: 'log', buckets: [[80, 2]], count: 2, sumMs: 60, minMs: 29, maxMs: 31 } },
            funnel: { entered: 3, completed: 2, failed: 1 },
          },
        },
        planned: 3,
      },
      { t: 1, stages: {} },
    ],
    profile: {
      name: 'breakpoint',
      rateScale: 1,
      timeScale: 1,
      steps: [{ index: 0, rate: 3, startSeconds: 0, endSeconds: 2 }],
    },
    env: { RUN_ID: 'r1' },
    thresholds: [{ metric: 'http_req_failed', expression: 'rate<0.01', ok: false }],
    checks: [{ name: 'status is 201', passes: 2, fails: 1 }],
    truth: { source: 'truth.json', stages: { register: 2 } },
    source: { kind: 'ndjson', path: 'k6.ndjson', lines: 10, rejected: { invalid_json: 1 } },
  };
}

describe('validateRunResult', () => {
  test('accepts a well-formed run-result', () => {
    const result = validateRunResult(minimalRunResult());
    expect(result).toEqual({ ok: true, value: minimalRunResult() });
  });

  test('survives a JSON round trip', () => {
    expect(validateRunResult(JSON.parse(JSON.stringify(minimalRunResult()))).ok).toBe(true);
  });

  const broken: Array<[string, (value: Record<string, unknown>) => void, RegExp]> = [
    ['a wrong kind', (value) => (value.kind = 'something-else'), /\$\.kind/],
    ['a newer version', (value) => (value.version = RUN_RESULT_VERSION + 1), /\$\.version.*rebuild/],
    ['a missing run id', (value) => delete value.run, /\$\.run/],
    ['slots that are not consecutive', (value) => ((value.slots as Array<{ t: number }>)[1]!.t = 5), /slots\[1\]\.t/],
    [
      'an unknown stage',
      (value) => ((value.slots as Array<{ stages: Record<string, unknown> }>)[1]!.stages.checkout = {}),
      /not a funnel stage/,
    ],
    [
      'histogram buckets that disagree with the count',
      (value) => {
        const slot = (value.slots as RunResult['slots'])[0]!;
        (slot.stages.register!.latency.ok as { count: number }).count = 5;
      },
      /sum to 2, count says 5/,
    ],
    [
      'a negative count',
      (value) => (((value.slots as RunResult['slots'])[0]!.stages.register!.requests as { ok: number }).ok = -1),
      /requests\.ok/,
    ],
    ['an unknown source', (value) => (value.source = { kind: 'csv' }), /source\.kind/],
    ['a time scale below 1', (value) => ((value.profile as { timeScale: number }).timeScale = 0.5), /timeScale/],
  ];

  test.each(broken)('rejects %s, naming the path', (_name, breakIt, message) => {
    const value = JSON.parse(JSON.stringify(minimalRunResult())) as Record<string, unknown>;
    breakIt(value);
    const result = validateRunResult(value);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.join('\n')).toMatch(message);
  });

  test('rejects something that is not an object', () => {
    expect(validateRunResult([1, 2])).toEqual({ ok: false, problems: ['$: expected an object'] });
  });
});
