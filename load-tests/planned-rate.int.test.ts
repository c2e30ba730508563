/**
 * The `planned_rate` helper on the local engine, read the way the exporter reads it: each
 * `planned_arrival_rate` sample held until the next (sample-and-hold) must add up to the plan in
 * run.json, the last sample, 0, must come at the plan's end, and a run stopped with Ctrl-C must
 * still end on 0 (teardown reports it) instead of leaving the last rate standing.
 * Bounded: about 130 applicants in 13 s against the reference target on 127.0.0.1.
 */

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { K6_METRICS } from '../contracts/metrics.ts';
import { PROJECT_ROOT, runScenario, type RunOutcome, type RunScenarioOptions } from '../runner/index.ts';
import type { RunRecord } from '../runner/run-record.ts';
import { startProcess, stopAll } from '../test/support/processes.ts';

const scratch = mkdtempSync(join(tmpdir(), 'floodgate-planned-rate-'));
let targetUrl: string;

beforeAll(async () => {
  const target = startProcess(
    process.execPath,
    [
      join(PROJECT_ROOT, 'bin', 'floodgate.js'),
      'target',
      '--port',
      '0',
      '--ministry-port',
      '0',
      '--test-hooks',
      '--db',
      ':memory:',
    ],
    { cwd: PROJECT_ROOT },
  );
  targetUrl = (await target.waitFor(/listening on (http:\/\/\S+)/, 60_000))[1]!;
});

afterAll(async () => {
  await stopAll();
  rmSync(scratch, { recursive: true, force: true });
});

/** Runs a scenario in this process on the local engine, output kept quiet. */
async function run(options: Omit<RunScenarioOptions, 'engine' | 'target'>, signal?: AbortSignal): Promise<RunOutcome> {
  const sink = { isTTY: false, write: () => true } as unknown as NodeJS.WritableStream;
  return runScenario(
    { engine: 'local', target: targetUrl, out: join(scratch, options.runId ?? 'x'), ...options },
    {
      cwd: PROJECT_ROOT,
      stdout: sink,
      stderr: sink,
      pathVariable: '',
      localEngine: async () => (await import('../engine/index.ts')).runScript,
      ...(signal ? { signal } : {}),
    },
  );
}

interface RateSample {
  readonly ms: number;
  readonly rate: number;
  readonly tags: Record<string, string>;
}

/** The run's `planned_arrival_rate` samples in time order. */
function plannedSamples(outcome: RunOutcome): RateSample[] {
  return readFileSync(join(outcome.outDir, 'k6.ndjson'), 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map(
      (line) =>
        JSON.parse(line) as {
          type: string;
          metric: string;
          data: { time: string; value: number; tags: Record<string, string> };
        },
    )
    .filter((line) => line.type === 'Point' && line.metric === K6_METRICS.plannedArrivalRate)
    .map((line) => ({ ms: Date.parse(line.data.time), rate: line.data.value, tags: line.data.tags }))
    .sort((a, b) => a.ms - b.ms);
}

/** Each rate held from its sample until the next one: applicants, as the exporter counts them. */
function sampleAndHold(samples: readonly RateSample[]): number {
  return samples
    .slice(0, -1)
    .reduce((sum, sample, index) => sum + (sample.rate * (samples[index + 1]!.ms - sample.ms)) / 1000, 0);
}

const planOf = (outcome: RunOutcome): NonNullable<RunRecord['plan']> => {
  const plan = (JSON.parse(readFileSync(join(outcome.outDir, 'run.json'), 'utf8')) as RunRecord).plan;
  if (plan === null) throw new Error('run.json holds no plan');
  return plan;
};

describe('the planned arrival rate, held sample to sample', () => {
  test.each([
    [
      'a short opening (a decaying surge)',
      {
        scenario: 'opening',
        runId: 'held-opening',
        rateScale: 0.0002,
        timeScale: 60,
        env: ['WINDOW=0-5', 'THINK_TIME_SCALE=0.002'],
      },
    ],
    [
      'a breakpoint (steps and a ramp)',
      {
        scenario: 'breakpoint',
        runId: 'held-breakpoint',
        env: [
          'BREAKPOINT_START=5',
          'BREAKPOINT_STEP=5',
          'BREAKPOINT_STEPS=2',
          'BREAKPOINT_STEP_SECONDS=4',
          'THINK_TIME_SCALE=0.002',
        ],
      },
    ],
  ] as const)(
    'adds up to run.json’s planned arrivals for %s, and drops to 0 at the plan’s end',
    async (_name, options) => {
      const outcome = await run({ ...options, env: [...options.env] });
      expect(outcome.exitCode).toBe(0);
      const plan = planOf(outcome);
      const samples = plannedSamples(outcome);
      expect(samples.every((sample) => sample.tags.planned_scenario === options.scenario)).toBe(true);
      expect(
        Math.abs(sampleAndHold(samples) / plan.plannedArrivals - 1),
        `held ${sampleAndHold(samples)} of ${plan.plannedArrivals} planned`,
      ).toBeLessThan(0.015);
      // the first 0 is the end of the plan; a 0 from teardown may follow
      const firstZero = samples.findIndex((sample) => sample.rate === 0);
      expect(samples.slice(firstZero).every((sample) => sample.rate === 0)).toBe(true);
      expect((samples[firstZero]!.ms - samples[0]!.ms) / 1000).toBeCloseTo(plan.durationSeconds, 1);
    },
  );
});

describe('a run stopped early', () => {
  test('ends the planned rate on 0: teardown reports it after the helper was cut short', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 2500);
    const outcome = await run(
      {
        scenario: 'soak',
        runId: 'held-interrupted',
        env: ['SOAK_RATE=2', 'SOAK_DURATION=10m', 'THINK_TIME_SCALE=0.002'],
      },
      controller.signal,
    );
    expect(outcome.exitCode).toBe(105);
    const samples = plannedSamples(outcome);
    expect(samples.slice(0, -1).map((sample) => sample.rate)).toContain(2);
    expect(samples.at(-1)).toMatchObject({ rate: 0, tags: { planned_scenario: 'soak' } });
  });
});
