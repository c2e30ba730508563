/**
 * The report's first screen: three questions a manager asks, answered in plain words — can we
 * take the opening (yes / no / not yet known), what caps us (the stage in business words), and
 * what would fix it (the figure to ask for, or the waiting-room wait) — with one capacity number.
 * Every other figure lives further down, labelled; this module says no more than the analysis
 * measured, and says the scale of a scaled run in the headline.
 */

import { FUNNEL_STAGES, SEED_FIGURES, type FunnelStage } from '../../contracts/funnel.ts';
import { formatRate } from './capacity.ts';
import { STAGE_NAMES, stageTitle } from './stage-names.ts';
import { formatFactor, formatMinutes } from './numbers.ts';
import { scaleParts, scaleWords } from './scale.ts';
import type { Verdict, VerdictInputs } from './verdict.ts';
import type { Breach } from './windows.ts';

/** One of the three questions and its answer. */
export interface AnsweredQuestion {
  readonly question: string;
  readonly answer: string;
}

/** The manager's answer. */
export interface ManagerAnswer {
  /** Can we take the opening? */
  readonly can: 'yes' | 'no' | 'not-yet-known';
  /** One line: the answer in words, with the scale of a scaled run. */
  readonly headline: string;
  /**
   * The scale of a scaled run, e.g. "at 1/5,000 of the real opening: says nothing about launch
   * day"; absent at full scale and for breakpoint runs (their rates are absolute).
   */
  readonly scale?: string;
  /** The one capacity number: new applicants per minute with every stage within its objectives. */
  readonly capacity?: {
    readonly perMinute: number;
    /** True when the run did not reach the limit: the capacity is at least this. */
    readonly lowerBound: boolean;
    /** "1,320 new applicants a minute" (with "at least" for a lower bound). */
    readonly text: string;
    /** What the number is, in one line. */
    readonly label: string;
  };
  /** The stage that caps us, when one was found. */
  readonly limitingStage?: FunnelStage;
  /** Can we take it, what caps us, what would fix it — in that order. */
  readonly questions: readonly [AnsweredQuestion, AnsweredQuestion, AnsweredQuestion];
}

/** What the answer reads: the verdict's inputs and the verdict. */
export interface AnswerInputs extends VerdictInputs {
  readonly verdict: Verdict;
}

const PEAK = SEED_FIGURES.peakPerMinute;
const OPENING = `the ${PEAK.toLocaleString('en-US')}-a-minute opening`;

/** Writes the manager's answer. */
export function writeAnswer(analysis: AnswerInputs): ManagerAnswer {
  const { validity, capacity, forecast } = analysis;
  const ask = (
    can: ManagerAnswer['can'],
    headline: string,
    answers: readonly [string, string, string],
    extra: Partial<ManagerAnswer> = {},
  ): ManagerAnswer => ({
    can,
    headline,
    ...extra,
    questions: [
      { question: `Can we take ${OPENING}?`, answer: answers[0] },
      { question: 'What caps us?', answer: answers[1] },
      { question: 'What would fix it?', answer: answers[2] },
    ],
  });

  if (!validity.valid) {
    return ask(
      'not-yet-known',
      'Not yet known: the test itself fell short, so it measured the load generator, not our system',
      [
        'Not yet known: the load generator could not send the planned load, so no figure in this report describes our system.',
        `Not known. The generator’s own problem: ${validity.reasons.join('; ')}.`,
        'Run the test again with a bigger load generator (more VUs, or more machines).',
      ],
    );
  }

  if (capacity.outcome !== 'not-measured') {
    const limiting = capacity.limitingStage;
    const number =
      capacity.sustainedPerMinute !== undefined
        ? {
            perMinute: capacity.sustainedPerMinute,
            lowerBound: capacity.outcome === 'not-reached',
            text: `${capacity.outcome === 'not-reached' ? 'at least ' : ''}${formatRate(capacity.sustainedPerMinute)} new applicants a minute`,
            label:
              capacity.outcome === 'not-reached'
                ? 'capacity: every load step up to this met every objective; the test stopped before the limit'
                : 'capacity: the highest load step at which every stage met its objectives',
          }
        : undefined;
    const extra = { ...(number ? { capacity: number } : {}), ...(limiting ? { limitingStage: limiting } : {}) };
    const caps = limiting ? capsWords(analysis, limiting) : nearestWords(analysis);
    const required = `${formatRate(forecast.requiredCapacityPerMinute)} a minute (the ${PEAK.toLocaleString('en-US')} peak at ${pct(forecast.targetUtilisation)} utilisation)`;
    if (forecast.available && forecast.ready) {
      return ask(
        'yes',
        `Yes: we can take ${OPENING} — capacity ${number!.text}`,
        [
          `Yes. We can serve ${number!.text}; the opening needs ${required}.`,
          caps,
          'Nothing is needed for the opening. Keep one spare server (N+1) and repeat the test before launch.',
        ],
        extra,
      );
    }
    if (capacity.outcome === 'not-reached') {
      return ask(
        'not-yet-known',
        `Not yet known: the test stopped before our system reached its limit (it handled ${number!.text})`,
        [
          `Not yet known. Every load step passed, the highest at ${formatRate(number!.perMinute)} new applicants a minute; the opening needs ${required}.`,
          caps,
          `Run the load test again with higher steps, up to at least ${formatRate(forecast.requiredCapacityPerMinute)} new applicants a minute, until a stage breaks its objectives.`,
        ],
        extra,
      );
    }
    const first = capacity.range[1]!;
    const canText =
      capacity.outcome === 'below-first-step'
        ? `No. Even the test’s first step, ${formatRate(first)} new applicants a minute, was too much; the opening brings ${PEAK.toLocaleString('en-US')} in its first minute.`
        : `No. We can serve ${number!.text}; the opening brings ${PEAK.toLocaleString('en-US')} in its first minute, ${formatFactor(PEAK / number!.perMinute)} as many${forecast.scaleOutFactor === undefined ? '' : ` (to plan with: ${formatFactor(forecast.scaleOutFactor)}, at ${pct(forecast.targetUtilisation)} utilisation)`}.`;
    const headline =
      capacity.outcome === 'below-first-step'
        ? `No: we cannot take ${OPENING} — even the test’s first step (${formatRate(first)} new applicants a minute) was too much`
        : `No: we cannot take ${OPENING} — capacity ${number!.text}`;
    return ask('no', headline, [canText, caps, fixWords(analysis, limiting)], extra);
  }

  // Not a breakpoint: no capacity was measured. What did the run show, and at what scale?
  const scale = scaleWords(analysis);
  const failing = firstFailingStage(analysis);
  const caps = failing
    ? `${stageTitle(failing.stage)}: it broke its objectives in ${failing.windows} of ${failing.judged} windows of ${analysis.windows.seconds} s (${breachWords(failing.breaches, failing.stage)}).`
    : analysis.verdict.status === 'pass'
      ? 'Not found: every stage met its objectives at the load this run played.'
      : 'Not found: this run had too little traffic to judge any stage.';
  const measure =
    'Run the breakpoint test (npx floodgate run --scenario breakpoint) to measure capacity: it raises the load step by step until a stage breaks.';
  const fix = failing ? `${measure} Start with ${STAGE_NAMES[failing.stage].name}: it broke first.` : measure;
  const extra = { ...(scale ? { scale } : {}), ...(failing ? { limitingStage: failing.stage } : {}) };
  const outcome =
    analysis.verdict.status === 'pass'
      ? 'it met every objective'
      : analysis.verdict.status === 'fail'
        ? failing
          ? `${STAGE_NAMES[failing.stage].name} broke its objectives`
          : 'it broke its k6 thresholds'
        : 'it had too little traffic to judge';
  const playsOpening = analysis.scenario === 'opening' || analysis.profile.name.startsWith('opening');
  if (playsOpening && !scale && analysis.verdict.status !== 'unknown') {
    return analysis.verdict.status === 'pass'
      ? ask(
          'yes',
          'Yes: the full-size opening met every objective',
          [
            `Yes. Played at full size, ${outcome}.`,
            caps,
            'Nothing is needed for the opening as played; repeat the run before launch.',
          ],
          extra,
        )
      : ask(
          'no',
          'No: the full-size opening broke its objectives',
          [`No. Played at full size, ${outcome}.`, caps, fix],
          extra,
        );
  }
  const parts = scaleParts(analysis);
  if (scale && parts) {
    const played =
      `Not yet known. This run played the opening at ${parts.size}${parts.faster ? `, ${parts.faster} than real time` : ''}` +
      `${parts.saysNothing ? ', so it says nothing about launch day' : ''}. At that size, ${outcome}.`;
    return ask('not-yet-known', `Not yet known — ${scale}`, [played, caps, fix], extra);
  }
  return ask(
    'not-yet-known',
    `Not yet known: this ${analysis.scenario} run does not measure capacity`,
    [`Not yet known. This ${analysis.scenario} run does not measure capacity; ${outcome}.`, caps, fix],
    extra,
  );
}

/** "The ministry's NIK check: it answers at most about 10.6 NIK checks a second, …". */
function capsWords(analysis: AnswerInputs, stage: FunnelStage): string {
  const { capacity } = analysis;
  const names = STAGE_NAMES[stage];
  const most =
    capacity.limitingStageThroughputPerSecond !== undefined
      ? `: it answers at most about ${formatRate(capacity.limitingStageThroughputPerSecond)} ${names.requests} a second`
      : '';
  const where =
    capacity.rangePerSecond[1] !== null
      ? ` at ${formatRate(capacity.rangePerSecond[1] * 60)} new applicants a minute`
      : '';
  return `${stageTitle(stage)}${most}; ${where ? `${where.trim()}` : 'there'} ${breachWords(capacity.limitingBreaches ?? [], stage)}.`;
}

function nearestWords(analysis: AnswerInputs): string {
  const { capacity } = analysis;
  if (!capacity.nearestStage) return 'Not found: no stage broke its objectives in this test.';
  return `Not found yet: no stage broke its objectives. Closest to its limit: ${STAGE_NAMES[capacity.nearestStage].name}, at ${Math.round((capacity.nearestRatio ?? 0) * 100)} % of an objective.`;
}

/** The ask: the stage rate to ask for (a dependency) or the scale-out (ours), and the waiting room. */
function fixWords(analysis: AnswerInputs, stage: FunnelStage | undefined): string {
  const { forecast, capacity } = analysis;
  const parts: string[] = [];
  if (stage && forecast.available && forecast.requiredStageRatePerSecond !== undefined) {
    const names = STAGE_NAMES[stage];
    const needed = forecast.requiredStageRatePerSecond / forecast.targetUtilisation;
    const today = capacity.limitingStageThroughputPerSecond;
    const times =
      today !== undefined && today > 0
        ? ` (${formatFactor(needed / today)} the ${formatRate(today)} a second it answers today)`
        : '';
    // needed = peak ÷ utilisation: say it that way (547 ÷ 70 % is +43 %, not "plus a 30 % margin").
    const why = `the opening’s peak needs ${formatRate(forecast.requiredStageRatePerSecond)} a second, and ${formatRate(needed)} runs it at ${pct(forecast.targetUtilisation)} utilisation at the peak (${pct(1 - forecast.targetUtilisation)} headroom), the load we plan with.`;
    parts.push(
      names.owner === 'ministry'
        ? `Ask the ministry for ${formatRate(needed)} ${names.requests} a second${times}: ${why}`
        : `Grow ${names.name} to ${formatRate(needed)} ${names.requests} a second${times}: ${why}`,
    );
  } else if (forecast.available) {
    parts.push(
      `Grow capacity ${formatFactor(forecast.scaleOutFactor!)} (to ${formatRate(forecast.requiredCapacityPerMinute)} new applicants a minute).`,
    );
  } else if (stage) {
    parts.push(`Start lower to measure the capacity, then grow ${STAGE_NAMES[stage].name}.`);
  }
  const waits = forecast.available
    ? forecast.surges.filter((surge) => surge.overCapacity).map((surge) => surge.maxWaitMinutes)
    : [];
  if (waits.length > 0) {
    const low = Math.min(...waits);
    const high = Math.max(...waits);
    const wait =
      formatMinutes(low) === formatMinutes(high)
        ? `about ${formatMinutes(high)}`
        : `between ${formatMinutes(low)} and ${formatMinutes(high)}`;
    parts.push(
      `Or hold applicants in a waiting room admitting ${formatRate(forecast.capacityPerMinute!)} a minute: the last of the surge would wait ${wait}, depending on how fast the surge tails off.`,
    );
  }
  return parts.join(' ');
}

/** A stage's breaches in plain words: "it slowed past its 3-second objective (…)". */
export function breachWords(breaches: readonly Breach[], stage: FunnelStage): string {
  const words = breaches.map((breach) => {
    if (breach.kind === 'p95') {
      return `it slowed past its ${objectiveLength(breach.objective)} objective (1 in 20 ${STAGE_NAMES[stage].requests} took over ${duration(breach.value)})`;
    }
    if (breach.kind === 'errors')
      return `${pct(breach.value)} of its requests failed (objective: under ${pct(breach.objective)})`;
    if (breach.kind === 'throttled')
      return `it turned away ${pct(breach.value)} of its requests (objective: under ${pct(breach.objective)})`;
    if (breach.kind === 'backlog') return 'its queue kept growing';
    return 'more applicants arrived than it can ever finish';
  });
  return words.length === 0 ? 'it broke its objectives' : words.join(', and ');
}

/** The stage whose objectives broke first in a non-breakpoint run, window by window. */
function firstFailingStage(
  analysis: AnswerInputs,
): { stage: FunnelStage; windows: number; judged: number; breaches: readonly Breach[] } | undefined {
  const rows = analysis.windows.rows;
  const judged = rows.filter((row) =>
    FUNNEL_STAGES.some((stage) => row.stages[stage].judgement.status !== 'insufficient'),
  ).length;
  let best: { stage: FunnelStage; first: number; windows: number; breaches: readonly Breach[] } | undefined;
  for (const stage of FUNNEL_STAGES) {
    const failing = rows.filter((row) => row.stages[stage].judgement.status === 'fail');
    if (failing.length === 0) continue;
    const first = failing[0]!.index;
    if (!best || first < best.first || (first === best.first && failing.length > best.windows)) {
      best = { stage, first, windows: failing.length, breaches: failing[0]!.stages[stage].judgement.breaches };
    }
  }
  return best ? { stage: best.stage, windows: best.windows, judged, breaches: best.breaches } : undefined;
}

/** An objective as an adjective: "3-second", "500-millisecond". */
function objectiveLength(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}-millisecond` : `${Number((ms / 1000).toPrecision(2))}-second`;
}

/** A duration: "3.6 s", "850 ms". */
function duration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${Number((ms / 1000).toPrecision(2))} s`;
}

function pct(share: number): string {
  const value = share * 100;
  return `${value >= 10 || Number.isInteger(value) ? Math.round(value) : Number(value.toPrecision(2))} %`;
}
