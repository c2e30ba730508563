/**
 * The report's traffic sections, shared by the HTML and Markdown renderers: which profile the run
 * played (run.json's `profile` block: the file, the fit AIC chose and its parameters, replay or
 * fitted curve, the scales, RETRY_PROFILE) and the amplification it measured (requests per
 * applicant at the peak and off it, retries at each stage, what that did to capacity).
 */

import { FUNNEL_STAGES } from '../../contracts/funnel.ts';
import type { RunProfileRecord } from '../../contracts/run-record.ts';
import type { Analysis } from '../analysis/index.ts';
import { PEAK_JOURNEYS, PEAK_MIN_SECONDS } from '../analysis/amplification.ts';
import { formatRate } from '../analysis/capacity.ts';
import type { Table } from './format.ts';

export const PROFILE_TITLE = 'Traffic profile played';
export const AMPLIFICATION_TITLE = 'Retry amplification';

const CURVES: Readonly<Record<RunProfileRecord['curve'], string>> = {
  builtin: 'the built-in curve',
  csv: 'the per-minute CSV, minute by minute',
  fit: 'the fitted curve',
  replay: 'the logged minutes replayed as they were',
};

const RETRIES: Readonly<Record<string, string>> = {
  off: 'off: the journey ends at the first failed stage (the HTTP client retries 429 only)',
  logs: 'logs: applicants retry as the profile file measured in the logs',
  storm:
    'storm: nearly everyone who meets a refusal or a failure tries again within seconds (built-in, assumed shares)',
};

/** Label → value rows of the profile the run played; undefined when run.json recorded none. */
export function profileRows(analysis: Pick<Analysis, 'profile'>): Array<[string, string]> | undefined {
  const recorded = analysis.profile.recorded;
  if (!recorded) return undefined;
  const rows: Array<[string, string]> = [
    ['Profile (PROFILE)', recorded.name !== undefined ? `${recorded.source} (${recorded.name})` : recorded.source],
  ];
  rows.push(['Curve played', CURVES[recorded.curve]]);
  if (recorded.fit) {
    const { fit } = recorded;
    const parameters = Object.entries(fit.parameters)
      .map(([key, value]) => `${key} ${Number(value.toPrecision(4)).toLocaleString('en-US')}`)
      .join(', ');
    rows.push([
      `Fit chosen by AIC${recorded.curve === 'replay' ? ' (not played: the replay is)' : ''}`,
      `${fit.model}: ${parameters}`,
    ]);
    rows.push([
      'AIC of each model (lower wins)',
      fit.candidates
        .map((candidate) => `${candidate.model} ${Number(candidate.aic.toPrecision(6)).toLocaleString('en-US')}`)
        .join('; '),
    ]);
    if (fit.censoredMinutes > 0)
      rows.push([
        'Minutes censored in the fit (saturated in the logs: served, not demanded)',
        String(fit.censoredMinutes),
      ]);
  }
  if (recorded.logAmplification) {
    const a = recorded.logAmplification;
    rows.push([
      'Requests per applicant in the logs',
      `${ratio(a.peak)} at the peak, ${ratio(a.offPeak)} off it (${ratio(a.overall)} overall)`,
    ]);
  }
  rows.push([
    'Scales',
    `RATE_SCALE ${recorded.rateScale}, TIME_SCALE ${recorded.timeScale}, WINDOW event minutes ${recorded.window.fromMinute}–${recorded.window.toMinute}`,
  ]);
  rows.push(['Retries (RETRY_PROFILE)', RETRIES[recorded.retryProfile] ?? recorded.retryProfile]);
  return rows;
}

/** The sentences above the amplification table; empty when the run has no amplification section. */
export function amplificationNotes(analysis: Pick<Analysis, 'amplification'>): string[] {
  const amplification = analysis.amplification;
  if (!amplification) return [];
  const { peak, offPeak, overall, impact, split } = amplification;
  const notes = split
    ? [
        `Requests per applicant: ${ratio(peak.requestsPerApplicant)} at the peak, ${ratio(offPeak.requestsPerApplicant)} off it (${ratio(overall.requestsPerApplicant)} over the run)` +
          (amplification.peakOverOffPeak !== undefined
            ? `: peak ÷ off-peak = ${amplification.peakOverOffPeak.toFixed(2)}.`
            : '.'),
        `The peak is the ${Math.round(peak.seconds)} s whose ${amplification.peakBy === 'planned-arrivals' ? 'planned arrivals' : 'new applicants'} reach half the busiest second’s; a stage’s own peak is where the applicants entering it do.`,
      ]
    : [
        `Requests per applicant over the run: ${ratio(overall.requestsPerApplicant)} (all stages, per new applicant).`,
        `The peak lasted ${Math.round(peak.seconds)} s, under ${Math.round(amplification.peakMinSeconds)} s (${amplification.meanJourneySeconds !== undefined && PEAK_JOURNEYS * amplification.meanJourneySeconds > PEAK_MIN_SECONDS ? `${PEAK_JOURNEYS} × the ${amplification.meanJourneySeconds.toFixed(1)} s a journey took on average` : `at least ${PEAK_MIN_SECONDS} s`}), so it is not split from the rest: a request counts when it is answered, so the requests of applicants still at it after the peak would count after it. Run at a smaller TIME_SCALE for peak against off-peak.`,
      ];
  notes.push(
    'An applicant is a journey that entered the stage (funnel_stage entered, once per applicant however often it tries); requests beyond one per applicant are retries (beyond two at join_batch, whose attempt lists the batches, then joins one) — exact when every attempt makes just those.',
  );
  if (impact) {
    const who =
      impact.why === 'limiting-stage'
        ? 'the limiting stage'
        : `the stage that refused or failed most${split ? ' at the peak' : ''}`;
    const when = split ? 'at the peak' : 'over the run';
    notes.push(
      `At ${impact.stage} (${who}): ${formatRate(impact.requestsPerSecond)} requests/s ${when} for ${formatRate(impact.applicantsPerSecond)} applicants/s, ${pct(impact.retryShare)} of them retries. ` +
        `Its ${formatRate(impact.throughputPerSecond)} successful requests/s${impact.why === 'limiting-stage' ? ' at saturation' : ` ${when}`} serve ${formatRate(impact.applicantsPerSecondAtPeak)} applicants/s at ${split ? 'the peak’s' : 'the run’s'} requests per applicant` +
        (impact.applicantsPerSecondOffPeak !== undefined
          ? ` against ${formatRate(impact.applicantsPerSecondOffPeak)} at ${split ? 'the off-peak’s' : 'one request each'}: the retries took ${pct(Math.max(0, impact.capacityLostShare ?? 0))} of its capacity in applicants.`
          : '.'),
    );
  }
  return notes;
}

/** Per stage: requests per applicant and retry share, at the peak and off it (or over the run when the peak is too short to split). */
export function amplificationTable(analysis: Pick<Analysis, 'amplification'>): Table | undefined {
  const amplification = analysis.amplification;
  if (!amplification) return undefined;
  const stages = FUNNEL_STAGES.filter((stage) => amplification.overall.stages[stage]);
  const perSecond = (figures: { requests: number; seconds: number } | undefined): string =>
    figures ? `${formatRate(figures.requests / Math.max(1e-9, figures.seconds))}/s` : '—';
  if (!amplification.split) {
    return {
      header: ['stage', 'requests per applicant, run', 'retries, run', 'requests/s, run'],
      rows: stages.map((stage) => {
        const run = amplification.overall.stages[stage]!;
        return [stage, ratio(run.requestsPerApplicant), pct(run.retryShare), perSecond(run)];
      }),
    };
  }
  const rows = stages.map((stage) => {
    const peak = amplification.peak.stages[stage];
    const off = amplification.offPeak.stages[stage];
    return [
      stage,
      peak ? ratio(peak.requestsPerApplicant) : '—',
      peak ? pct(peak.retryShare) : '—',
      off ? ratio(off.requestsPerApplicant) : '—',
      off ? pct(off.retryShare) : '—',
      perSecond(peak),
    ];
  });
  return {
    header: [
      'stage',
      'requests per applicant, peak',
      'retries, peak',
      'requests per applicant, off-peak',
      'retries, off-peak',
      'requests/s, peak',
    ],
    rows,
  };
}

function ratio(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(2);
}

function pct(share: number): string {
  return `${(share * 100).toFixed(1)} %`;
}
