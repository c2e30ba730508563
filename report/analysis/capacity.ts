/**
 * Breakpoint steps and the capacity knee (capacity-model §2). Each step's warm-up is discarded;
 * on the rest, every stage's goodput, p95 (from the merged histogram) and error and throttle rates
 * are judged against its SLO. A step fails when any stage breaks its SLO; the knee is the first
 * failing step that the next step confirms (persistence; a failure of the same stage one passing
 * step lower still counts as the knee's edge), and capacity is the last passing step
 * below it, reported as the range [last pass, first fail] with the stage that broke first. Besides
 * the SLOs, a stage is not keeping up when its queue grows through a step's judged part, or when
 * its arrivals exceed the most it ever completed per second: its latency would break the SLO if
 * the step lasted longer, so short steps still find the knee.
 */

import { FUNNEL_STAGES, type FunnelStage } from '../../contracts/funnel.ts';
import type { RunResult } from '../../contracts/run-result.ts';
import type { ReportObjectives } from './objectives.ts';
import { slotsBetween, totalsOf } from './totals.ts';
import { check, stageRows, type Breach, type StageRow } from './windows.ts';

/** One breakpoint step, read over its steady part. */
export interface StepRow {
  readonly index: number;
  /** Offered rate: new applicants per second the step asked for. */
  readonly rate: number;
  /** Step bounds, seconds from the scenario's start. */
  readonly startSeconds: number;
  readonly endSeconds: number;
  /** The judged (post warm-up) part, seconds from the run's origin, and its length. */
  readonly judgedFromSeconds: number;
  readonly judgedSeconds: number;
  /** Planned new applicants per second over the judged part, when the run says. */
  readonly plannedPerSecond?: number;
  /** Journeys started per second over the judged part. */
  readonly arrivalsPerSecond: number;
  /** arrivals / planned (or / offered rate when nothing planned was recorded). */
  readonly achievedShare?: number;
  readonly dropped: number;
  /** dropped / planned arrivals of the judged part. */
  readonly droppedShare?: number;
  /** Largest VUs in use, and the number of slots at the VU ceiling with drops. */
  readonly vus: number;
  readonly saturatedSlots: number;
  /** Successful requests per second over all stages, and requests in flight (Little's law). */
  readonly okPerSecond: number;
  readonly inFlight: number;
  readonly stages: Readonly<Record<FunnelStage, StageRow>>;
  /** `fail` when a stage breaks its SLO; `insufficient` when no stage had enough requests. */
  readonly status: 'pass' | 'fail' | 'insufficient';
  readonly failingStages: readonly FunnelStage[];
}

/** How the capacity search ended. */
export type CapacityOutcome =
  /** A knee: capacity lies in [last pass, first fail]. */
  | 'knee'
  /** Every judged step passed: capacity is at least the highest step. */
  | 'not-reached'
  /** The first judged step already failed: capacity is below it. */
  | 'below-first-step'
  /** Not a breakpoint run, or no step could be judged. */
  | 'not-measured';

/** The capacity finding. */
export interface CapacityResult {
  readonly outcome: CapacityOutcome;
  /** The highest passing step's offered rate (C_SLO), per second and per minute. */
  readonly sustainedPerSecond?: number;
  readonly sustainedPerMinute?: number;
  /** [last pass, first fail] per minute; null where open (no pass, or no failure). */
  readonly range: readonly [number | null, number | null];
  readonly rangePerSecond: readonly [number | null, number | null];
  readonly lastPassStep?: number;
  readonly firstFailStep?: number;
  /** The stage whose SLO broke first (ties: the worst ratio), and how it broke. */
  readonly limitingStage?: FunnelStage;
  readonly limitingBreaches?: readonly Breach[];
  /**
   * The rate of successful requests the limiting stage sustains at saturation (its C_sat),
   * requests per second: the mean of its two highest step throughputs (steady parts).
   */
  readonly limitingStageThroughputPerSecond?: number;
  /** Successful requests of the limiting stage per new applicant, measured on passing steps. */
  readonly limitingStageRequestsPerArrival?: number;
  /** The arrival rate at which the limiting stage saturates: throughput / requests per arrival. */
  readonly impliedArrivalRatePerSecond?: number;
  /** When no knee was found: the stage closest to its objective, and its worst ratio. */
  readonly nearestStage?: FunnelStage;
  readonly nearestRatio?: number;
  /** One sentence on how the finding was made. */
  readonly explanation: string;
}

/**
 * How far above the most a stage ever completed per second (over all steps) its arrivals may go
 * before the step counts as saturated: a queue fed faster than it can ever drain grows without
 * bound, even when a short step ends before its latency or errors show it.
 */
const SATURATION_MARGIN = 1.05;

/** Every breakpoint step of the run, read over its steady part. Empty when the run has no steps. */
export function analyseSteps(result: RunResult, objectives: ReportObjectives): StepRow[] {
  return withSaturation(measureSteps(result, objectives), objectives);
}

function measureSteps(result: RunResult, objectives: ReportObjectives): StepRow[] {
  const steps = result.profile.steps ?? [];
  return steps.map((step) => {
    const length = step.endSeconds - step.startSeconds;
    const from = result.scenarioStartSeconds + step.startSeconds + objectives.warmupShare * length;
    const to = result.scenarioStartSeconds + step.endSeconds;
    const slots = slotsBetween(result, from, to);
    const seconds = slots.length * result.resolutionSeconds;
    const totals = totalsOf(slots, result.resolutionSeconds);
    const stages = stageRows(totals, seconds, objectives);
    const planned = totals.hasPlanned ? totals.planned : step.rate * seconds;
    const failingStages = FUNNEL_STAGES.filter((stage) => stages[stage].judgement.status === 'fail');
    const judged = FUNNEL_STAGES.some((stage) => stages[stage].judgement.status !== 'insufficient');
    return {
      index: step.index,
      rate: step.rate,
      startSeconds: step.startSeconds,
      endSeconds: step.endSeconds,
      judgedFromSeconds: slots[0]?.t ?? from,
      judgedSeconds: seconds,
      ...(totals.hasPlanned && seconds > 0 ? { plannedPerSecond: totals.planned / seconds } : {}),
      arrivalsPerSecond: seconds > 0 ? totals.arrivals / seconds : 0,
      ...(planned > 0 ? { achievedShare: totals.arrivals / planned, droppedShare: totals.dropped / planned } : {}),
      dropped: totals.dropped,
      vus: totals.vus,
      saturatedSlots: totals.saturatedSlots,
      okPerSecond: FUNNEL_STAGES.reduce((sum, stage) => sum + stages[stage].okPerSecond, 0),
      inFlight: FUNNEL_STAGES.reduce((sum, stage) => sum + stages[stage].inFlight, 0),
      stages,
      status: failingStages.length > 0 ? 'fail' : judged ? 'pass' : 'insufficient',
      failingStages,
    };
  });
}

/** Adds `saturated` breaches: steps whose arrivals at a stage exceed the most it ever completed. */
function withSaturation(steps: StepRow[], objectives: ReportObjectives): StepRow[] {
  const best = {} as Record<FunnelStage, number>;
  for (const stage of FUNNEL_STAGES)
    best[stage] = Math.max(0, ...steps.map((step) => step.stages[stage].completedPerSecond));
  return steps.map((step) => {
    let changed = false;
    const stages = { ...step.stages };
    for (const stage of FUNNEL_STAGES) {
      const row = stages[stage];
      if (row.judgement.status === 'insufficient' || row.entered < objectives.minRequests || step.judgedSeconds <= 0)
        continue;
      const breach = check('saturated', row.entered / step.judgedSeconds, best[stage] * SATURATION_MARGIN);
      if (breach.ratio <= 1) continue;
      const breaches = [...row.judgement.breaches, breach];
      stages[stage] = {
        ...row,
        judgement: { status: 'fail', breaches, worstRatio: Math.max(row.judgement.worstRatio, breach.ratio) },
      };
      changed = true;
    }
    if (!changed) return step;
    const failingStages = FUNNEL_STAGES.filter((stage) => stages[stage].judgement.status === 'fail');
    return { ...step, stages, failingStages, status: 'fail' };
  });
}

/** Finds the knee in the steps (see the file comment). */
export function findCapacity(steps: readonly StepRow[], objectives: ReportObjectives): CapacityResult {
  const judged = steps.filter((step) => step.status !== 'insufficient');
  if (judged.length === 0) {
    return {
      outcome: 'not-measured',
      range: [null, null],
      rangePerSecond: [null, null],
      explanation:
        steps.length === 0 ? 'not a breakpoint run: no load steps to judge' : 'no step had enough requests to judge',
    };
  }
  const persistence = Math.max(1, objectives.persistence);
  // The knee: the first step where some stage fails and keeps failing for `persistence` steps
  // (or to the last step). Different stages failing once each are noise, not a knee.
  let firstFail: number | undefined;
  let persistent: FunnelStage[] = [];
  for (let k = 0; k < judged.length && firstFail === undefined; k += 1) {
    const window = judged.slice(k, k + persistence);
    persistent = FUNNEL_STAGES.filter((stage) => window.every((step) => step.failingStages.includes(stage)));
    if (persistent.length > 0) firstFail = k;
  }
  const perMinute = (rate: number | null): number | null => (rate === null ? null : rate * 60);
  const nearest = nearestStage(judged);
  if (firstFail === undefined) {
    const passing = judged.filter((step) => step.status === 'pass');
    const top = passing[passing.length - 1] ?? judged[judged.length - 1]!;
    return {
      outcome: 'not-reached',
      sustainedPerSecond: top.rate,
      sustainedPerMinute: top.rate * 60,
      range: [top.rate * 60, null],
      rangePerSecond: [top.rate, null],
      lastPassStep: top.index,
      ...(nearest ? { nearestStage: nearest.stage, nearestRatio: nearest.ratio } : {}),
      explanation:
        `every step up to ${formatRate(top.rate * 60)} new applicants/min met every SLO` +
        (judged.some((step) => step.status === 'fail')
          ? ' (isolated failing steps were not confirmed by the next step)'
          : '') +
        ': capacity is at least that; run higher steps to find the knee',
    };
  }
  // A failure of the same stage one passing step below the knee is the knee's noisy edge, not
  // noise: short steps scatter around the capacity. Bridge such single-step gaps downwards.
  while (
    firstFail >= 2 &&
    judged[firstFail - 1]!.status === 'pass' &&
    persistent.some((stage) => judged[firstFail! - 2]!.failingStages.includes(stage))
  ) {
    const below = judged[firstFail - 2]!;
    persistent = persistent.filter((stage) => below.failingStages.includes(stage));
    firstFail -= 2;
  }
  const failStep = judged[firstFail]!;
  const lastPass = judged
    .slice(0, firstFail)
    .filter((step) => step.status === 'pass')
    .pop();
  const { stage: limitingStage, breaches } = limitingOf(failStep, persistent, judged.slice(firstFail));
  const throughput = plateau(steps.map((step) => step.stages[limitingStage].okPerSecond));
  const passing = steps.filter((step) => step.status === 'pass');
  const okLimiting = passing.reduce(
    (sum, step) => sum + step.stages[limitingStage].okPerSecond * step.judgedSeconds,
    0,
  );
  const arrivals = passing.reduce((sum, step) => sum + step.arrivalsPerSecond * step.judgedSeconds, 0);
  const perArrival = arrivals > 0 && okLimiting > 0 ? okLimiting / arrivals : undefined;
  const common = {
    firstFailStep: failStep.index,
    limitingStage,
    limitingBreaches: breaches,
    ...(throughput > 0 ? { limitingStageThroughputPerSecond: throughput } : {}),
    ...(perArrival !== undefined ? { limitingStageRequestsPerArrival: perArrival } : {}),
    ...(perArrival !== undefined && throughput > 0 ? { impliedArrivalRatePerSecond: throughput / perArrival } : {}),
  };
  const how = breaches.map(describeBreach).join(' and ');
  if (!lastPass) {
    return {
      outcome: 'below-first-step',
      range: [null, perMinute(failStep.rate)],
      rangePerSecond: [null, failStep.rate],
      ...common,
      explanation: `the first step (${formatRate(failStep.rate * 60)} new applicants/min) already broke the ${limitingStage} SLO (${how}): capacity is below it; start lower`,
    };
  }
  return {
    outcome: 'knee',
    sustainedPerSecond: lastPass.rate,
    sustainedPerMinute: lastPass.rate * 60,
    range: [lastPass.rate * 60, failStep.rate * 60],
    rangePerSecond: [lastPass.rate, failStep.rate],
    lastPassStep: lastPass.index,
    ...common,
    explanation:
      `${limitingStage} broke its SLO at the ${formatRate(failStep.rate * 60)}/min step (${how})` +
      (persistence > 1 ? `, confirmed by the next step` : '') +
      `; the last step that met every SLO offered ${formatRate(lastPass.rate * 60)} new applicants/min`,
  };
}

/**
 * Mean of the two highest values (the one value when there is one): the throughput a stage
 * sustains at saturation. Past the knee, timeouts waste capacity and throughput falls again, so
 * the top of the curve, not its tail, is the stage's capacity; two values temper one noisy step.
 */
export function plateau(values: readonly number[]): number {
  const top = [...values].sort((a, b) => b - a).slice(0, 2);
  return top.length === 0 ? 0 : top.reduce((sum, value) => sum + value, 0) / top.length;
}

/**
 * The stage that limits the knee: of the stages failing persistently from the first failing step,
 * the one that keeps failing longest in the steps above it; ties go to the worst value/objective
 * ratio at the first failing step.
 */
function limitingOf(
  step: StepRow,
  candidates: readonly FunnelStage[],
  above: readonly StepRow[],
): { stage: FunnelStage; breaches: readonly Breach[] } {
  let best: { stage: FunnelStage; breaches: readonly Breach[]; streak: number; ratio: number } | undefined;
  for (const stage of candidates) {
    const judgement = step.stages[stage].judgement;
    const ratio = Math.max(...judgement.breaches.map((breach) => breach.ratio));
    let streak = 0;
    while (streak < above.length && above[streak]!.failingStages.includes(stage)) streak += 1;
    if (!best || streak > best.streak || (streak === best.streak && ratio > best.ratio)) {
      best = { stage, breaches: judgement.breaches, streak, ratio };
    }
  }
  return best!;
}

function nearestStage(steps: readonly StepRow[]): { stage: FunnelStage; ratio: number } | undefined {
  let best: { stage: FunnelStage; ratio: number } | undefined;
  for (const step of steps) {
    for (const stage of FUNNEL_STAGES) {
      const judgement = step.stages[stage].judgement;
      if (judgement.status === 'insufficient') continue;
      if (!best || judgement.worstRatio > best.ratio) best = { stage, ratio: judgement.worstRatio };
    }
  }
  return best;
}

/** "p95 4,210 ms > 3,000 ms" and the like. */
export function describeBreach(breach: Breach): string {
  if (breach.kind === 'p95')
    return `p95 ${Math.round(breach.value).toLocaleString('en-US')} ms > ${breach.objective.toLocaleString('en-US')} ms`;
  if (breach.kind === 'saturated') {
    return `saturated: ${breach.value.toFixed(1)} arrivals/s > the ${(breach.objective / SATURATION_MARGIN).toFixed(1)}/s it completes at best`;
  }
  if (breach.kind === 'backlog')
    return `queue growing: ${(breach.value * 100).toFixed(0)} % of arrivals still waiting > ${(breach.objective * 100).toFixed(0)} %`;
  const label = breach.kind === 'errors' ? 'errors' : 'throttled';
  return `${label} ${(breach.value * 100).toFixed(1)} % > ${(breach.objective * 100).toFixed(1)} %`;
}

/** A rate for prose: at most one decimal, more below 1. */
export function formatRate(rate: number): string {
  if (rate >= 100) return Math.round(rate).toLocaleString('en-US');
  if (rate >= 1) return String(Math.round(rate * 10) / 10);
  return String(Math.round(rate * 1000) / 1000);
}
