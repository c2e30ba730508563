/**
 * The report's charts, as inline SVG (drawn by svg.ts): the opening's demand against our capacity
 * (the first screen's picture), planned against started arrivals, throughput against offered load,
 * p95 and error rate over time, the funnel, and the objectives heat grid. Rates of applicants are
 * per minute everywhere; time axes start at the run's start; every chart says its span.
 */

import { FUNNEL_STAGES, SEED_FIGURES, type FunnelStage } from '../../contracts/funnel.ts';
import { describeBreach } from '../analysis/capacity.ts';
import { seedSurges } from '../analysis/forecast.ts';
import type { Analysis } from '../analysis/index.ts';
import type { StageRow } from '../analysis/windows.ts';
import { count, formatClock, formatMinutes, formatRate, ms, pct } from './format.ts';
import {
  STAGE_COLORS,
  barChart,
  escapeHtml,
  formatNumber,
  formatPercentTick,
  heatGrid,
  lineChart,
  type HeatCell,
  type LineSeries,
} from './svg.ts';

const surgeProfiles = seedSurges();

/** Chart size overrides. */
export interface ChartSize {
  readonly width?: number;
  readonly height?: number;
}

const perMinuteTick = (value: number): string => formatNumber(value);
const percentTick = (value: number, step: number): string => formatPercentTick(value, step);

/**
 * The seed's two surges, new applicants arriving in each minute after the opening (the first
 * minute holds the 80,000 peak), against our capacity and the capacity the opening needs; log scale.
 */
export function demandChart(analysis: Analysis, size: ChartSize = {}): string {
  const { forecast } = analysis;
  const capacity = forecast.capacityPerMinute!;
  const longest = Math.max(0, ...forecast.surges.map((surge) => surge.minutesOverCapacity));
  const horizon = Math.min(360, Math.max(60, Math.ceil((longest * 1.25) / 10) * 10));
  const every = Math.max(1, Math.round(horizon / 120));
  const curve = (shape: string): Array<readonly [number, number]> => {
    const profile = surgeProfiles.find((candidate) => candidate.name === shape)!;
    const points: Array<readonly [number, number]> = [];
    for (let minute = 0; minute < horizon; minute += every)
      points.push([minute + 0.5, profile.arrivalsBetween(minute * 60, minute * 60 + 60)]);
    return points;
  };
  return lineChart({
    title: 'The opening’s demand against our capacity',
    description:
      `New applicants arriving in each minute after the opening (both of the seed’s surge shapes: ${SEED_FIGURES.peakPerMinute.toLocaleString('en-US')} in the first minute) ` +
      'against the capacity measured here and the capacity the opening needs, on a logarithmic scale.',
    xLabel: 'minutes after the opening',
    yLabel: 'new applicants per minute',
    yScale: 'log',
    // a decade under the lower of capacity and need: the tail below that is noise at this scale
    yMin: 10 ** (Math.floor(Math.log10(Math.min(capacity, forecast.requiredCapacityPerMinute))) - 1),
    xMin: 0,
    formatY: perMinuteTick,
    series: [
      { name: 'demand, exponential surge', points: curve('opening-exp'), color: '#0969da' },
      { name: 'demand, heavy-tailed surge', points: curve('opening-hyperbolic'), color: '#8250df' },
    ],
    yLines: [
      {
        y: capacity,
        label: `our capacity: ${formatRate(capacity)}/min${forecast.capacityIsLowerBound ? ' or more' : ''}`,
        color: '#cf222e',
      },
      {
        y: forecast.requiredCapacityPerMinute,
        label: `needed: ${formatRate(forecast.requiredCapacityPerMinute)}/min (peak at ${pct(forecast.targetUtilisation, 0)} use)`,
        color: '#1a7f37',
      },
    ],
    ...size,
  });
}

/** The demand chart's caption: what waits, and how to read the scale. */
export function demandCaption(analysis: Analysis): string {
  const { forecast } = analysis;
  const over = forecast.surges.filter((surge) => surge.overCapacity);
  const bound = forecast.capacityIsLowerBound ? ' (a lower bound: the test stopped before the limit)' : '';
  const scale = 'Logarithmic scale: each grid line is ten times the one below.';
  if (over.length === 0) return `The opening’s demand stays under our capacity${bound}. ${scale}`;
  const wait = Math.max(...over.map((surge) => surge.maxWaitMinutes));
  return `Every applicant above our capacity line${bound} has to wait: the last of the surge ${forecast.capacityIsLowerBound ? 'at most' : 'about'} ${formatMinutes(wait)}. ${scale}`;
}

/**
 * Where a window starting at `seconds` sits on a chart's time axis, in minutes since the run's
 * start. The first window opens on a whole second before the scenario starts, so it is placed at
 * 0 (as the heat grid labels it), never left off the chart: in an opening it is the peak.
 */
export function chartMinutes(analysis: Pick<Analysis, 'scenarioStartSeconds'>, seconds: number): number {
  return Math.max(0, seconds - analysis.scenarioStartSeconds) / 60;
}

/** Planned against started new applicants per minute over the run (from its start, m:ss). */
export function plannedChart(analysis: Analysis, size: ChartSize = {}): string {
  const { rows } = analysis.windows;
  const minutes = (seconds: number): number => chartMinutes(analysis, seconds);
  return lineChart({
    title: 'Planned and started new applicants over time',
    description: `Planned new applicants per minute against journeys started, the register step completed and whole journeys completed (join_batch, the last step) per minute, per ${analysis.windows.seconds}-second window.`,
    xLabel: 'time since the start of the run (m:ss)',
    yLabel: 'new applicants per minute',
    formatX: (value) => formatClock(value * 60),
    formatY: perMinuteTick,
    xMin: 0,
    series: [
      {
        name: 'planned',
        points: rows
          .filter((row) => row.plannedPerSecond !== undefined)
          .map((row) => [minutes(row.startSeconds), row.plannedPerSecond! * 60]),
        color: '#8c959f',
        dashed: true,
      },
      {
        name: 'journeys started',
        points: rows.map((row) => [minutes(row.startSeconds), row.arrivalsPerSecond * 60]),
        color: '#0969da',
      },
      {
        // register is the 2nd of six steps: a sign-up is complete only after join_batch
        name: 'register step completed',
        points: rows.map((row) => [minutes(row.startSeconds), row.stages.register.completedPerSecond * 60]),
        color: '#1a7f37',
      },
      {
        name: 'journeys completed (join_batch)',
        points: rows.map((row) => [minutes(row.startSeconds), row.stages.join_batch.completedPerSecond * 60]),
        color: '#8250df',
      },
    ],
    ...size,
  });
}

/** Every chart of the Charts section, each a <figure> with its caption. */
export function charts(analysis: Analysis): string[] {
  const figures: string[] = [];
  const figure = (svg: string, caption: string, screenOnly = ''): void => {
    figures.push(
      `<figure>${svg}<figcaption>${escapeHtml(caption)}${screenOnly ? ` <span class="screen-only">${escapeHtml(screenOnly)}</span>` : ''}</figcaption></figure>`,
    );
  };
  const { rows } = analysis.windows;
  const minutes = (seconds: number): number => chartMinutes(analysis, seconds);
  const clock = (value: number): string => formatClock(value * 60);
  const stageColor = (stage: FunnelStage): string => STAGE_COLORS[FUNNEL_STAGES.indexOf(stage)]!;
  const activeStages = FUNNEL_STAGES.filter((stage) => analysis.overall[stage].requests > 0);
  const windowWords = `per ${analysis.windows.seconds}-second window`;

  // 1. Throughput against offered load (per minute throughout), or planned against started.
  if (analysis.steps.length > 0) {
    const steps = analysis.steps;
    const limiting = analysis.capacity.limitingStage;
    const series: LineSeries[] = [
      {
        name: 'offered',
        points: steps.map((step) => [step.rate * 60, step.rate * 60]),
        color: '#8c959f',
        dashed: true,
      },
      {
        name: 'journeys started',
        points: steps.map((step) => [step.rate * 60, step.arrivalsPerSecond * 60]),
        color: '#0969da',
        dots: true,
      },
      {
        // register is the 2nd of six steps: a sign-up is complete only after join_batch
        name: 'register step completed',
        points: steps.map((step) => [step.rate * 60, step.stages.register.completedPerSecond * 60]),
        color: '#1a7f37',
        dots: true,
      },
      {
        name: 'journeys completed (join_batch)',
        points: steps.map((step) => [step.rate * 60, step.stages.join_batch.completedPerSecond * 60]),
        color: '#8250df',
        dots: true,
      },
    ];
    if (limiting && limiting !== 'register') {
      series.push({
        name: `${limiting} successful requests`,
        points: steps.map((step) => [step.rate * 60, step.stages[limiting].okPerSecond * 60]),
        color: '#cf222e',
        dots: true,
      });
    }
    const [low, high] = analysis.capacity.rangePerSecond;
    figure(
      lineChart({
        title: 'Throughput against offered load, per load step',
        description:
          'For each load step, the offered arrival rate against what the system started and completed, all per minute; the shaded band is the capacity range.',
        xLabel: 'offered load (new applicants per minute)',
        yLabel: 'per minute',
        formatY: perMinuteTick,
        series,
        ...(low !== null && high !== null
          ? { xBand: { from: low * 60, to: high * 60, label: 'capacity range', color: '#cf222e' } }
          : {}),
      }),
      'Per load step (its steady part). Where the completed lines stop following the offered line, the system has stopped keeping up.',
    );
  } else {
    figure(
      plannedChart(analysis),
      `Per ${analysis.windows.seconds}-second window. The started line should follow the planned one; a gap means the target or the generator fell behind.`,
    );
  }

  // 2. Latency quantiles over time, by stage.
  const limiting = analysis.capacity.limitingStage;
  figure(
    lineChart({
      title: 'p95 latency over time by stage',
      description: `95th percentile of successful request durations ${windowWords} and stage, read from merged histograms.`,
      xLabel: 'time since the start of the run (m:ss)',
      yLabel: 'p95 (ms)',
      formatX: clock,
      xMin: 0,
      series: activeStages.map((stage) => ({
        name: stage,
        points: rows
          .filter((row) => row.stages[stage].p95Ms !== undefined)
          .map((row) => [minutes(row.startSeconds), row.stages[stage].p95Ms!]),
        color: stageColor(stage),
      })),
      yLines: limiting
        ? [{ y: analysis.objectives.stages[limiting].p95Ms, label: `${limiting} objective`, color: '#cf222e' }]
        : [],
    }),
    `p95 ${windowWords}, successful requests only: read it with the error-rate chart below.`,
  );

  // 3. Error rate over time, by stage.
  const errorObjectives = [...new Set(activeStages.map((stage) => analysis.objectives.stages[stage].maxErrorRate))];
  figure(
    lineChart({
      title: 'Error rate over time by stage',
      description: `Share of each stage's requests that failed (5xx, timeouts, network errors; throttling apart), ${windowWords}.`,
      xLabel: 'time since the start of the run (m:ss)',
      yLabel: 'error rate',
      formatX: clock,
      formatY: percentTick,
      xMin: 0,
      series: activeStages.map((stage) => ({
        name: stage,
        points: rows
          .filter((row) => row.stages[stage].errorRate !== undefined)
          .map((row) => [minutes(row.startSeconds), row.stages[stage].errorRate!]),
        color: stageColor(stage),
      })),
      yLines: errorObjectives.map((objective) => ({
        y: objective,
        label: `objective: under ${pct(objective, objective < 0.01 ? 1 : 0)}`,
        color: '#cf222e',
      })),
    }),
    `Error rate ${windowWords}: failed requests ÷ the stage’s requests. Errors end journeys: every failed request here is an applicant lost at that stage.`,
  );

  // 4. Funnel.
  const funnel = analysis.funnel;
  figure(
    barChart({
      title: 'Funnel: completed against expected, whole run',
      description:
        'Applicants completing each stage over the whole run, against what the run’s expected continuation (see the funnel table) gives for this many arrivals (whisker: 95 % band).',
      categories: [...FUNNEL_STAGES],
      yLabel: 'applicants (whole run)',
      series: [
        {
          name: 'expected',
          color: '#afb8c1',
          values: FUNNEL_STAGES.map((stage) => funnel.stages[stage].expectedCompleted),
          ranges: FUNNEL_STAGES.map((stage) => funnel.stages[stage].expectedCompletedBand),
        },
        { name: 'completed', color: '#1a7f37', values: FUNNEL_STAGES.map((stage) => funnel.stages[stage].completed) },
        {
          name: 'failed or throttled',
          color: '#cf222e',
          values: FUNNEL_STAGES.map((stage) => funnel.stages[stage].errorDrops),
        },
      ],
    }),
    'Whole run. A completed bar below the expected band with red beside it is load-caused loss; abandonment is behavioural and expected.',
  );

  // 5. Heat grid: steps × stages, or windows × stages (windows from the start of the run).
  const useSteps = analysis.steps.length > 0;
  const windows = rows.filter((row) => row.startSeconds + row.seconds > analysis.scenarioStartSeconds);
  const columns = useSteps
    ? analysis.steps.map((step) => formatRate(step.rate * 60))
    : windows.map((row) => formatClock(Math.max(0, row.startSeconds - analysis.scenarioStartSeconds)));
  const cellsFor = (stage: FunnelStage): HeatCell[] =>
    (useSteps ? analysis.steps.map((step) => step.stages[stage]) : windows.map((row) => row.stages[stage])).map(
      (row, index) => heatCell(stage, row, columns[index]!),
    );
  figure(
    heatGrid({
      title: useSteps ? 'Objectives by load step and stage' : 'Objectives by window and stage',
      description:
        'Green: the stage met its objectives; amber: close (over 80 % of an objective); red: it broke one; grey: too few requests to judge.',
      rows: [...FUNNEL_STAGES],
      columns,
      cells: FUNNEL_STAGES.map((stage) => cellsFor(stage)),
      columnLabel: useSteps ? 'offered load (new applicants per minute)' : 'time since the start of the run (m:ss)',
    }),
    useSteps ? 'When each journey step broke, per load step.' : `When each journey step broke, ${windowWords}.`,
    'Point at a cell for its numbers.',
  );

  // 6. Demand against capacity.
  if (analysis.forecast.available) figure(demandChart(analysis), demandCaption(analysis));
  return figures;
}

function heatCell(stage: FunnelStage, row: StageRow, column: string): HeatCell {
  const judgement = row.judgement;
  const numbers = `${stage} at ${column}: ${count(row.requests)} requests, p95 ${ms(row.p95Ms)}, error rate ${pct(row.errorRate)}, throttled ${pct(row.throttleRate)}`;
  if (judgement.status === 'insufficient')
    return { status: 'none', text: '', detail: `${numbers} (too few requests to judge)` };
  if (judgement.status === 'fail')
    return {
      status: 'fail',
      text: 'fail',
      detail: `${numbers} — ${judgement.breaches.map(describeBreach).join(', ')}`,
    };
  if (judgement.worstRatio > 0.8) {
    return {
      status: 'warn',
      text: `${Math.round(judgement.worstRatio * 100)}%`,
      detail: `${numbers} — at ${Math.round(judgement.worstRatio * 100)} % of an objective`,
    };
  }
  return { status: 'pass', text: '', detail: numbers };
}
