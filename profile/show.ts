/**
 * A profile file in the terminal: the logged arrivals per minute as a bar chart with the fitted
 * curve over it, the fit and its rival, the stage mix, the retry behaviour, and the k6
 * `ramping-arrival-rate` stages the opening scenario would run. Pure: profile in, text out.
 */

import { fittedArrivalsInMinute, profileFromFile, type ProfileFile } from '../contracts/profile-file.ts';
import { toRampingArrivalRate } from '../contracts/k6-stages.ts';
import type { EventScaling } from '../contracts/profiles.ts';

const BLOCKS = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/** Options of {@link renderProfile}. */
export interface RenderProfileOptions {
  /** Columns of the chart (minutes are grouped to fit). Default 72. */
  readonly width?: number;
  /** Rows of the chart. Default 10. */
  readonly height?: number;
  readonly scaling?: EventScaling;
  /** How many k6 stages to list before "… N more". Default 12. */
  readonly stages?: number;
}

const number = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const share = (x: number): string => `${(x * 100).toFixed(1)} %`;

/** The text `floodgate profile show` prints. */
export function renderProfile(file: ProfileFile, options: RenderProfileOptions = {}): string {
  const width = options.width ?? 72;
  const height = options.height ?? 10;
  const minutes = file.perMinute.length;
  const perColumn = Math.max(1, Math.ceil(minutes / width));
  const columns = Math.ceil(minutes / perColumn);
  const fit = file.fits.find((candidate) => candidate.model === file.chosen)!;
  const logged: number[] = [];
  const fitted: number[] = [];
  for (let c = 0; c < columns; c += 1) {
    let sum = 0;
    let expected = 0;
    for (let m = c * perColumn; m < Math.min(minutes, (c + 1) * perColumn); m += 1) {
      sum += file.perMinute[m]!;
      expected += fittedArrivalsInMinute(fit, m);
    }
    logged.push(sum / perColumn);
    fitted.push(expected / perColumn);
  }
  const top = Math.max(...logged, ...fitted, 1);
  const rows: string[] = [];
  for (let row = height - 1; row >= 0; row -= 1) {
    let line = '';
    for (let c = 0; c < columns; c += 1) {
      const level = (logged[c]! / top) * height - row;
      const curveRow = Math.min(height - 1, Math.floor((fitted[c]! / top) * height - 1e-9));
      line += curveRow === row ? '•' : BLOCKS[Math.max(0, Math.min(8, Math.round(level * 8)))]!;
    }
    const label =
      row === height - 1
        ? `${number.format(top)}/min ┤`
        : row === 0
          ? `${'0'.padStart(number.format(top).length)}/min ┤`
          : `${' '.repeat(number.format(top).length + 4)} │`;
    rows.push(`${label}${line}`);
  }
  const axis = `${' '.repeat(number.format(top).length + 5)}└${'─'.repeat(columns)}`;
  const ticks = `${' '.repeat(number.format(top).length + 6)}0${`${minutes} min`.padStart(columns - 1)}`;

  const fits = file.fits
    .map((candidate) => {
      const shape =
        candidate.model === 'opening-exp'
          ? `τ = ${candidate.tauMinutes.toFixed(2)} min`
          : `c = ${candidate.cMinutes.toFixed(3)} min`;
      const best =
        candidate.model === file.chosen ? '  ← chosen (lowest AIC)' : `  ΔAIC ${(candidate.aic - fit.aic).toFixed(1)}`;
      return `  ${candidate.model.padEnd(19)} A = ${number.format(candidate.amplitudePerMinute)}/min, ${shape}${best}`;
    })
    .join('\n');
  const stageLines = Object.entries(file.stages)
    .map(([stage, figures]) => {
      const delay = figures.delay ? `, think time median ${figures.delay.medianSeconds.toFixed(1)} s` : '';
      return `  ${stage.padEnd(13)} reached ${share(figures.reachedShare).padStart(7)}  ${figures.requestsPerApplicant.toFixed(2)} requests/applicant${delay}`;
    })
    .join('\n');
  const retryLines = Object.entries(file.retries)
    .map(([kind, behaviour]) => {
      const delay = behaviour.delay ? `, after a median ${behaviour.delay.medianSeconds.toFixed(1)} s` : '';
      return `  after ${kind.padEnd(11)} ${share(behaviour.retryShare).padStart(7)} try again${delay} (${number.format(behaviour.events)} answers)`;
    })
    .join('\n');

  const scaling = options.scaling ?? {};
  const plan = toRampingArrivalRate(profileFromFile(file, scaling));
  const shown = options.stages ?? 12;
  const stageRows = plan.stages
    .slice(0, shown)
    .map((stage) => `  ${stage.duration.padStart(8)} → ${stage.target}/${plan.timeUnit}`);
  if (plan.stages.length > shown) stageRows.push(`  … ${plan.stages.length - shown} more stages`);
  const scaleText = `rate × ${scaling.rateScale ?? 1}, time ÷ ${scaling.timeScale ?? 1}`;

  return [
    `${file.name}: ${number.format(file.perMinute.reduce((a, b) => a + b, 0))} applicants over ${minutes} minutes from ${file.source.openingAt} (${file.source.format}, ${number.format(file.source.lines)} lines)`,
    `plays: ${file.use === 'fit' ? `the fitted ${file.chosen} curve` : 'the logged minutes (replay)'}`,
    '',
    ...rows,
    axis,
    ticks,
    `  █ logged arrivals per minute   • fitted ${file.chosen}${file.censoredMinutes.length > 0 ? `   (${file.censoredMinutes.length} saturated minutes censored)` : ''}`,
    '',
    'fits (Poisson maximum likelihood):',
    fits,
    '',
    'stages:',
    stageLines,
    '',
    'retries:',
    retryLines || '  no error answers in the logs',
    `  requests per applicant: ${file.amplification.overall.toFixed(2)} overall, ${file.amplification.peak.toFixed(2)} at the peak, ${file.amplification.offPeak.toFixed(2)} off the peak`,
    '',
    `k6 ramping-arrival-rate (${scaleText}): startRate ${plan.startRate}/${plan.timeUnit}, ${plan.stages.length} stages`,
    ...stageRows,
    '',
  ].join('\n');
}
