import { describe, expect, test } from 'vitest';
import { FUNNEL_STAGES, continuationTable, type ContinuationTable } from '../../contracts/funnel.ts';
import { linearSteps, simulateRun, simulatedRunResult } from '../fixtures/simulated-run.ts';
import { continuationOf } from '../../contracts/plan.ts';
import { analyseFunnel, continuationFor, runContinuation } from './funnel.ts';
import { analyseRun } from './index.ts';
import { totalsOf } from './totals.ts';

/** join_batch continuation of the seed at the assumed photo share. */
const SEED_JOIN_BATCH = continuationTable().join_batch;

/** Everyone attempts every stage, as smoke.ts makes its applicant do. */
const EVERY_STAGE = Object.fromEntries(FUNNEL_STAGES.map((stage) => [stage, 1])) as unknown as ContinuationTable;

function funnelOf(options: Parameters<typeof simulateRun>[0]) {
  const result = simulatedRunResult(simulateRun(options));
  return analyseFunnel(
    totalsOf(result.slots, result.resolutionSeconds),
    continuationFor(runContinuation(result), result.scenario),
  );
}

describe('funnel completion against the seed', () => {
  test('a healthy run continues within the binomial band at every stage and loses nobody to errors', () => {
    const funnel = funnelOf({ steps: linearSteps(40, 0, 1, 100), seed: 4 });
    expect(funnel.arrivals).toBe(4000);
    for (const stage of ['verify_email', 'verify_nik', 'upload_photo', 'join_batch'] as const) {
      expect(funnel.stages[stage].continuationStatus).toBe('within');
      expect(funnel.stages[stage].shortfall).toBe(0);
    }
    expect(funnel.errorDrops).toBe(0);
    expect(funnel.stages.verify_email.observedContinuation).toBeCloseTo(0.7385, 1);
  });

  test('errors are counted apart from behavioural drops, and show as a shortfall downstream', () => {
    const funnel = funnelOf({ steps: linearSteps(40, 0, 1, 100), seed: 4, randomErrorRate: 0.08 });
    // the applicants' choices are unaffected by errors ...
    expect(funnel.stages.verify_email.continuationStatus).toBe('within');
    // ... but errors end journeys, so later stages complete fewer than the seed expects
    expect(funnel.errorDrops).toBeGreaterThan(300);
    expect(funnel.stages.register.errorDrops).toBeGreaterThan(200);
    expect(funnel.stages.verify_nik.shortfall).toBeGreaterThan(0);
    expect(funnel.stages.verify_nik.completed).toBeLessThan(funnel.stages.verify_nik.expectedCompletedBand[0]);
  });

  test('with 10,000 choices at p = 0.59 the band is about ±1 percentage point (capacity-model §4.3)', () => {
    const totals = totalsOf([], 1);
    const table = continuationTable();
    const funnel = analyseFunnel(
      {
        ...totals,
        arrivals: 10_000,
        stages: {
          ...totals.stages,
          verify_nik: {
            ...totals.stages.verify_nik,
            funnel: { entered: 5911, completed: 5911, failed: 0, throttled: 0, abandoned: 4089 },
          },
        },
      },
      { table, source: 'seed' },
    );
    const [low, high] = funnel.stages.verify_nik.continuationBand!;
    expect(high - low).toBeCloseTo(2 * 0.0096, 3);
  });

  test.each([
    [{}, 0.9, /assumption/],
    [{ PHOTO_SHARE: '0.7' }, 0.7, /PHOTO_SHARE/],
    [{ CONTINUATION: 'full' }, 1, /every stage/],
  ])('the run env %j sets the expected photo share to %f', (env, photo, source) => {
    const { table, source: text } = continuationFor(continuationOf('opening', env), 'opening');
    expect(table.upload_photo).toBe(photo);
    expect(text).toMatch(source);
  });

  test.each([
    ['smoke', {}, 1, /smoke scenario's default/],
    ['smoke', { CONTINUATION: 'seed' }, SEED_JOIN_BATCH, /seed/],
    ['opening', {}, SEED_JOIN_BATCH, /seed/],
    ['breakpoint', { CONTINUATION: 'full' }, 1, /CONTINUATION=full\)/],
    ['soak', {}, SEED_JOIN_BATCH, /seed/],
  ] as const)(
    'a %s run with %j expects join_batch continuation %f, as its script read it',
    (scenario, env, joinBatch, source) => {
      const { table, source: text } = continuationFor(continuationOf(scenario, { RUN_ID: 'r1', ...env }), scenario);
      expect(table.join_batch).toBeCloseTo(joinBatch, 9);
      expect(text).toMatch(source);
    },
  );

  test('a smoke run where everyone walks every stage is within the expected funnel at every stage', () => {
    const simulation = simulateRun({
      scenario: 'smoke',
      steps: [{ rate: 1, seconds: 1 }],
      continuation: EVERY_STAGE,
      seed: 2,
    });
    const analysis = analyseRun(simulatedRunResult(simulation));
    expect(analysis.funnel.stages.join_batch.entered).toBe(1);
    for (const stage of FUNNEL_STAGES)
      expect(analysis.funnel.stages[stage].continuationStatus, stage).not.toBe('above');
    expect(analysis.funnel.stages.join_batch.continuationStatus).toBe('within');
  });
});
