import { describe, expect, test } from 'vitest';
import { FUNNEL_STAGES, type FunnelStage } from '../../contracts/funnel.ts';
import { linearSteps, simulateRun, simulatedRunResult, type StageModel } from '../fixtures/simulated-run.ts';
import { findCapacity, plateau, type StepRow } from './capacity.ts';
import { analyseRun } from './index.ts';
import { DEFAULT_OBJECTIVES } from './objectives.ts';
import type { StageRow } from './windows.ts';

/** Share of arrivals that reach verify_nik under the seed's continuation (email × NIK). */
const NIK_SHARE = 0.7385 * 0.5911;

interface KneeCase {
  readonly name: string;
  readonly stage: FunnelStage;
  readonly model: StageModel;
  /** Share of arrivals that send a request to the stage. */
  readonly share: number;
  readonly steps: [first: number, step: number, count: number];
  readonly seed: number;
  readonly randomErrorRate: number;
  readonly jitter: number;
}

const KNEES: KneeCase[] = [
  {
    name: 'a clean ministry knee',
    stage: 'verify_nik',
    model: { baseMs: 50, servers: 2, serviceMs: 200 },
    share: NIK_SHARE,
    steps: [6, 4, 8],
    seed: 1,
    randomErrorRate: 0,
    jitter: 0.25,
  },
  {
    name: 'a noisy ministry knee',
    stage: 'verify_nik',
    model: { baseMs: 50, servers: 2, serviceMs: 200 },
    share: NIK_SHARE,
    steps: [6, 4, 8],
    seed: 7,
    randomErrorRate: 0.004,
    jitter: 0.6,
  },
  {
    name: 'a wider ministry',
    stage: 'verify_nik',
    model: { baseMs: 50, servers: 4, serviceMs: 250 },
    share: NIK_SHARE,
    steps: [16, 6, 7],
    seed: 3,
    randomErrorRate: 0.003,
    jitter: 0.4,
  },
  {
    name: 'a registration bottleneck',
    stage: 'register',
    model: { baseMs: 20, servers: 3, serviceMs: 100 },
    share: 1,
    steps: [12, 4, 7],
    seed: 5,
    randomErrorRate: 0.003,
    jitter: 0.5,
  },
];

describe('capacity on simulated breakpoints with a known knee', () => {
  test.each(KNEES)('$name: the knee range holds the truth and names $stage', (knee) => {
    const capacityPerSecond = knee.model.servers! / (knee.model.serviceMs! / 1000);
    const trueArrivalKnee = capacityPerSecond / knee.share;
    const simulation = simulateRun({
      steps: linearSteps(...knee.steps, 30),
      stages: { [knee.stage]: knee.model },
      seed: knee.seed,
      randomErrorRate: knee.randomErrorRate,
      jitter: knee.jitter,
    });
    const analysis = analyseRun(simulatedRunResult(simulation));
    const { capacity } = analysis;
    expect(capacity.outcome).toBe('knee');
    expect(capacity.limitingStage).toBe(knee.stage);
    const [low, high] = capacity.rangePerSecond;
    expect(low!).toBeLessThanOrEqual(trueArrivalKnee * 1.1);
    expect(high!).toBeGreaterThanOrEqual(trueArrivalKnee * 0.9);
    expect(capacity.sustainedPerMinute).toBe(low! * 60);
    // the stage's saturation throughput is the queue's capacity, within 20 %
    expect(Math.abs(capacity.limitingStageThroughputPerSecond! - capacityPerSecond) / capacityPerSecond).toBeLessThan(
      0.2,
    );
    expect(Math.abs(capacity.impliedArrivalRatePerSecond! - trueArrivalKnee) / trueArrivalKnee).toBeLessThan(0.25);
    expect(analysis.valid).toBe(true);
    expect(analysis.verdict.status).toBe('not-ready');
    expect(analysis.verdict.text).toContain(`${knee.stage} breaks first`);
  });

  test('over eight seeds of a noisy run, the range brackets the truth in at least seven and misses by at most one step', () => {
    const trueArrivalKnee = 10 / NIK_SHARE;
    let bracketed = 0;
    for (let seed = 1; seed <= 8; seed += 1) {
      const simulation = simulateRun({
        steps: linearSteps(6, 4, 8, 30),
        stages: { verify_nik: { baseMs: 50, servers: 2, serviceMs: 200 } },
        seed,
        randomErrorRate: 0.004,
        jitter: 0.6,
      });
      const { capacity } = analyseRun(simulatedRunResult(simulation));
      expect(capacity.limitingStage).toBe('verify_nik');
      const [low, high] = capacity.rangePerSecond as [number, number];
      if (low <= trueArrivalKnee * 1.1 && high >= trueArrivalKnee * 0.9) bracketed += 1;
      expect(low - 4).toBeLessThanOrEqual(trueArrivalKnee);
      expect(high + 4).toBeGreaterThanOrEqual(trueArrivalKnee);
    }
    expect(bracketed).toBeGreaterThanOrEqual(7);
  });

  test('a generator that cannot keep up makes the run invalid instead of blaming the target', () => {
    const simulation = simulateRun({
      steps: linearSteps(6, 4, 8, 30),
      stages: { verify_nik: { baseMs: 50, servers: 2, serviceMs: 200 } },
      generatorMaxRate: 15,
      maxVUs: 40,
      seed: 2,
    });
    const analysis = analyseRun(simulatedRunResult(simulation));
    expect(analysis.valid).toBe(false);
    expect(analysis.validity.reasons.join(' ')).toMatch(/dropped .* iterations/);
    expect(analysis.verdict.status).toBe('invalid');
    expect(analysis.verdict.text).toMatch(/^Invalid run/);
    expect(analysis.verdict.text).not.toMatch(/breaks first/);
  });
});

/** A step with only a status, for the knee search. */
function step(index: number, status: StepRow['status']): StepRow {
  const judgement = (stage: FunnelStage): StageRow['judgement'] =>
    status === 'fail' && stage === 'verify_nik'
      ? { status: 'fail', breaches: [{ kind: 'p95', value: 4000, objective: 3000, ratio: 4 / 3 }], worstRatio: 4 / 3 }
      : { status: status === 'insufficient' ? 'insufficient' : 'pass', breaches: [], worstRatio: 0.5 };
  const stages = Object.fromEntries(
    FUNNEL_STAGES.map((stage) => [
      stage,
      {
        requests: 100,
        requestsPerSecond: 1,
        okPerSecond: 1,
        completedPerSecond: 1,
        inFlight: 1,
        judgement: judgement(stage),
      },
    ]),
  ) as Record<FunnelStage, StageRow>;
  return {
    index,
    rate: (index + 1) * 10,
    startSeconds: index * 60,
    endSeconds: (index + 1) * 60,
    judgedFromSeconds: index * 60 + 15,
    judgedSeconds: 45,
    arrivalsPerSecond: (index + 1) * 10,
    dropped: 0,
    vus: 10,
    saturatedSlots: 0,
    okPerSecond: 1,
    inFlight: 1,
    stages,
    status,
    failingStages: status === 'fail' ? ['verify_nik'] : [],
  };
}

function steps(pattern: string): StepRow[] {
  return [...pattern].map((letter, index) =>
    step(index, letter === 'P' ? 'pass' : letter === 'F' ? 'fail' : 'insufficient'),
  );
}

describe('the knee search (persistence of two steps)', () => {
  test.each([
    ['PPPFF', 'knee', [30, 40]],
    ['PPFPPFF', 'knee', [50, 60]],
    ['PPFPFF', 'knee', [20, 30]],
    ['PFPFPFF', 'knee', [10, 20]],
    ['PPPPF', 'knee', [40, 50]],
    ['PPPPP', 'not-reached', [50, null]],
    ['PFPFP', 'not-reached', [50, null]],
    ['FFPPP', 'below-first-step', [null, 10]],
    ['IIPPFF', 'knee', [40, 50]],
    ['PPIFF', 'knee', [20, 40]],
    ['III', 'not-measured', [null, null]],
  ] as const)('%s → %s %j per second', (pattern, outcome, range) => {
    const capacity = findCapacity(steps(pattern), DEFAULT_OBJECTIVES);
    expect(capacity.outcome).toBe(outcome);
    expect(capacity.rangePerSecond).toEqual(range);
  });

  test('two different stages failing once each in consecutive steps are noise, not a knee', () => {
    const rows = steps('PPFFP');
    rows[3] = { ...rows[3]!, failingStages: ['join_batch'] };
    expect(findCapacity(rows, DEFAULT_OBJECTIVES).outcome).toBe('not-reached');
  });

  test('with persistence 1, the first failing step is the knee', () => {
    const capacity = findCapacity(steps('PPFPPFF'), { ...DEFAULT_OBJECTIVES, persistence: 1 });
    expect(capacity.rangePerSecond).toEqual([20, 30]);
  });

  test('a run without steps is not measured', () => {
    expect(findCapacity([], DEFAULT_OBJECTIVES)).toMatchObject({
      outcome: 'not-measured',
      explanation: expect.stringMatching(/not a breakpoint/),
    });
  });
});

describe('the plateau of a stage throughput', () => {
  test.each([
    [[1, 2, 3, 10, 4], 7],
    [[5], 5],
    [[4, 6], 5],
    [[], 0],
    [[10, 10.2, 9.8, 2, 11.5], 10.85],
  ])('of %j is %f', (values, expected) => {
    expect(plateau(values)).toBeCloseTo(expected, 9);
  });
});
