import { describe, expect, test } from 'vitest';
import { consolidateOptions, OptionsError } from './options.ts';

describe('options', () => {
  test.each([
    [{}, { name: 'default', executor: 'per-vu-iterations', vus: 1, iterations: 1 }],
    [{ vus: 3 }, { name: 'default', executor: 'shared-iterations', vus: 3, iterations: 3 }],
    [
      { iterations: 4, duration: '20s' },
      { executor: 'shared-iterations', vus: 1, iterations: 4, maxDurationMs: 20_000 },
    ],
    [
      { vus: 5, duration: '30s' },
      { name: 'default', executor: 'constant-vus', vus: 5, durationMs: 30_000 },
    ],
    [
      { vus: 2, iterations: 10 },
      { executor: 'shared-iterations', vus: 2, iterations: 10 },
    ],
    [{ stages: [{ duration: '10s', target: 3 }] }, { executor: 'ramping-vus', startVUs: 1 }],
  ])('the shortcuts %o become the default scenario', (options, expected) => {
    expect(consolidateOptions(options).scenarios).toEqual([expect.objectContaining(expected)]);
  });

  // k6 lib/executor/execution_config_shortcuts.go DeriveScenariosFromShortcuts, case by case.
  test.each([
    [
      { iterations: 2, stages: [{ duration: '1s', target: 1 }] },
      'using `iterations` and `stages` options simultaneously',
    ],
    [{ iterations: 2, scenarios: { s: { executor: 'constant-vus', duration: '1s' } } }, '`iterations` and `scenarios`'],
    [{ duration: '2s', stages: [{ duration: '1s', target: 1 }] }, '`duration` and `stages`'],
    [{ duration: '2s', scenarios: { s: { executor: 'constant-vus', duration: '1s' } } }, '`duration` and `scenarios`'],
    [
      { stages: [{ duration: '1s', target: 1 }], scenarios: { s: { executor: 'constant-vus', duration: '1s' } } },
      '`stages` and `scenarios`',
    ],
    [{ duration: '0s', vus: 2 }, '`duration` option should be more than 0'],
  ])('the conflicting shortcuts %o are refused as k6 refuses them', (options, message) => {
    expect(() => consolidateOptions(options)).toThrow(OptionsError);
    expect(() => consolidateOptions(options)).toThrow(message);
  });

  test('a lone vus overrides the scenarios, with k6 warning', () => {
    const options = consolidateOptions({ vus: 3, scenarios: { s: { executor: 'shared-iterations', iterations: 1 } } });
    expect(options.scenarios).toEqual([
      expect.objectContaining({ name: 'default', executor: 'shared-iterations', vus: 3, iterations: 3 }),
    ]);
    expect(options.warnings).toEqual(['`vus=3` overrides scenarios configuration']);
  });

  test.each([
    [
      { scenarios: {} },
      '`scenarios` was explicitly set to an empty value, running the script with 1 iteration in 1 VU',
    ],
    [{ stages: [] }, '`stages` was explicitly set to an empty value, running the script with 1 iteration in 1 VU'],
  ])('%o runs one iteration in one VU, with k6 warning', (raw, warning) => {
    const options = consolidateOptions(raw);
    expect(options.scenarios).toEqual([
      expect.objectContaining({ executor: 'per-vu-iterations', vus: 1, iterations: 1 }),
    ]);
    expect(options.warnings).toEqual([warning]);
  });

  test('scenario defaults follow k6', () => {
    const [scenario] = consolidateOptions({
      scenarios: {
        open: { executor: 'ramping-arrival-rate', preAllocatedVUs: 5, stages: [{ duration: '1m', target: 10 }] },
      },
    }).scenarios;
    expect(scenario).toEqual({
      name: 'open',
      executor: 'ramping-arrival-rate',
      startTimeMs: 0,
      gracefulStopMs: 30_000,
      exec: 'default',
      env: {},
      tags: {},
      startRate: 0,
      timeUnitMs: 1000,
      stages: [{ durationMs: 60_000, target: 10 }],
      preAllocatedVUs: 5,
      maxVUs: 5,
    });
  });

  test.each([
    [
      { scenarios: { a: { executor: 'shared-iterations', vus: 5, iterations: 2 } } },
      /can't be less than the number of VUs/,
    ],
    [
      { scenarios: { a: { executor: 'constant-arrival-rate', rate: 1, duration: '10s' } } },
      /preAllocatedVUs isn't specified/,
    ],
    [
      {
        scenarios: {
          a: { executor: 'constant-arrival-rate', rate: 1, duration: '10s', preAllocatedVUs: 5, maxVUs: 2 },
        },
      },
      /maxVUs can't be less/,
    ],
    [{ scenarios: { a: { executor: 'constant-vus', vus: 1, duration: '500ms' } } }, /at least 1s/],
    [{ scenarios: { a: { executor: 'constant-vus', vus: 1, duration: '5s', rate: 3 } } }, /unknown field "rate"/],
    [{ scenarios: { 'bad name': { executor: 'constant-vus', duration: '5s' } } }, /may only hold/],
    [{ scenarios: { a: { executor: 'externally-controlled' } } }, /removed in k6 v2/],
    [{ systemTags: ['status', 'nonsense'] }, /"nonsense" is not a system tag/],
  ])('%o is refused', (options, message) => {
    expect(() => consolidateOptions(options)).toThrow(OptionsError);
    expect(() => consolidateOptions(options)).toThrow(message);
  });

  test('unknown top-level options are listed as ignored', () => {
    expect(consolidateOptions({ cloud: {}, iterations: 1 }).ignored).toEqual(['cloud']);
  });
});
