/**
 * The live page in the browser: reads the board model from the exporter (or from the snapshot
 * inlined in the page), draws every panel of the chosen board on Grafana's 24-column grid, and
 * refreshes every few seconds. Time series with uPlot; stats, bar gauges and tables as HTML.
 * Every request goes to the page's own origin (the exporter), never elsewhere.
 *
 * Over 400 lines on purpose: the browser bundle’s one entry: panel layout, uPlot series and the HTML panels share the board model and the refresh loop, and the bundle is built from this single file.
 */

import uPlot from 'uplot';
import type { LiveConfig } from '../index.ts';
import { legendOf, queryTiming, substitute, type LiveBoard, type LivePanel } from '../model.ts';
import type { LiveSnapshot } from '../page.ts';
import { formatValue } from '../units.ts';
import { applyTransformations, type Frame } from './table.ts';

interface PromSeries {
  metric: Record<string, string>;
  value?: [number, string];
  values?: Array<[number, string]>;
}
interface PromAnswer {
  status: 'success' | 'error';
  error?: string;
  data?: { resultType: string; result: PromSeries[] | [number, string] };
}

/** Grafana's classic palette, in its order. */
const PALETTE = [
  '#73bf69',
  '#f2cc0c',
  '#8ab8ff',
  '#ff780a',
  '#f2495c',
  '#5794f2',
  '#b877d9',
  '#705da0',
  '#37872d',
  '#fade2a',
  '#447ebc',
  '#c15c17',
  '#890f02',
  '#0a437c',
  '#6d1f62',
  '#584477',
];
const NAMED_COLORS: Record<string, string> = {
  green: '#73bf69',
  red: '#f2495c',
  orange: '#ff9830',
  yellow: '#fade2a',
  blue: '#5794f2',
  purple: '#b877d9',
  'dark-red': '#c4162a',
  text: '#ccccdc',
};
const color = (name: string): string => NAMED_COLORS[name] ?? name;

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

const snapshotElement = document.getElementById('floodgate-snapshot');
const snapshot = snapshotElement
  ? (JSON.parse(snapshotElement.textContent ?? '{}') as { config: LiveConfig; snapshot: LiveSnapshot })
  : undefined;

let config: LiveConfig;
let board: LiveBoard;
let timer: number | undefined;
let generation = 0;
/** A refresh is under way: the timer skips a tick rather than start a second one (a slow machine would otherwise never finish one). */
let refreshing = false;
const plots = new Map<string, uPlot>();

async function api(path: string, params: Record<string, string>): Promise<PromAnswer> {
  const response = await fetch(`/live/api/v1/${path}`, { method: 'POST', body: new URLSearchParams(params) });
  return (await response.json()) as PromAnswer;
}

function seriesOf(answer: PromAnswer): PromSeries[] {
  const result = answer.data?.result;
  if (answer.data?.resultType === 'scalar' && Array.isArray(result))
    return [{ metric: {}, value: result as [number, string] }];
  return Array.isArray(result) ? (result as PromSeries[]) : [];
}

async function start(): Promise<void> {
  config = snapshot ? snapshot.config : ((await (await fetch('/live/board.json')).json()) as LiveConfig);
  const mode = $('mode');
  if (snapshot) {
    mode.className = 'mode snapshot';
    mode.textContent = `snapshot · ${new Date(snapshot.snapshot.takenAt * 1000).toLocaleString()}`;
  } else {
    mode.className = `mode ${config.mode}`;
    mode.textContent = config.mode === 'prometheus' ? 'Prometheus' : 'exporter only';
    mode.title =
      config.mode === 'prometheus'
        ? `queries run on ${config.prometheus} (through this exporter)`
        : 'queries run on the exporter’s own snapshots of /metrics';
  }
  const unavailable = Object.keys(config.unavailable).length;
  $('notice').textContent = snapshot
    ? `A snapshot: data as it was when the run ended (${snapshot.snapshot.runs.join(', ') || 'all runs'}).`
    : config.mode === 'prometheus'
      ? `Every panel runs its dashboard query on Prometheus ${config.prometheus}, proxied by this exporter; refreshed every ${config.refreshSeconds} s.`
      : `No Prometheus given (floodgate exporter --prometheus <url>): panels are evaluated on the exporter's own snapshots of /metrics every ${config.scrapeIntervalSeconds} s, with the recording rules of deploy/prometheus/rules.` +
        (unavailable > 0 ? ` ${unavailable} panel(s) need series only Prometheus has and say so.` : '');
  const nav = $('boards');
  for (const candidate of config.boards) {
    const button = document.createElement('button');
    button.textContent = candidate.title.replace(/^floodgate \/ /, '');
    button.dataset.uid = candidate.uid;
    button.addEventListener('click', () => {
      if (board?.uid === candidate.uid) return;
      selectBoard(candidate.uid);
      void refresh();
    });
    nav.append(button);
  }
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('board');
  selectBoard(config.boards.some((candidate) => candidate.uid === fromHash) ? fromHash! : config.boards[0]!.uid);
  const stage = $<HTMLSelectElement>('stage');
  stage.append(new Option('All', ''), ...board.stages.map((value) => new Option(value, value)));
  for (const id of ['run', 'stage', 'range']) $(id).addEventListener('change', () => void refresh());
  if (snapshot) {
    for (const id of ['run', 'stage', 'range']) ($(id) as HTMLSelectElement).disabled = true;
    $<HTMLSelectElement>('run').append(new Option(snapshot.snapshot.runs.join(', ') || 'All', ''));
  }
  await refresh();
  if (!snapshot)
    timer = window.setInterval(() => void (refreshing ? undefined : refresh()), config.refreshSeconds * 1000);
}

function selectBoard(uid: string): void {
  board = config.boards.find((candidate) => candidate.uid === uid)!;
  history.replaceState(null, '', `#board=${uid}`);
  for (const button of document.querySelectorAll<HTMLButtonElement>('nav.boards button'))
    button.setAttribute('aria-pressed', String(button.dataset.uid === uid));
  for (const plot of plots.values()) plot.destroy();
  plots.clear();
  const grid = $('grid');
  grid.replaceChildren();
  for (const row of board.rows) {
    const title = document.createElement('div');
    title.className = 'row-title';
    title.textContent = row.title;
    title.style.gridRow = `${row.y + 1} / span 1`;
    grid.append(title);
  }
  for (const panel of board.panels) {
    const element = document.createElement('section');
    element.className = 'panel';
    element.dataset.key = panel.key;
    element.dataset.state = 'loading';
    element.style.gridColumn = `${panel.gridPos.x + 1} / span ${panel.gridPos.w}`;
    element.style.gridRow = `${panel.gridPos.y + 1} / span ${panel.gridPos.h}`;
    const heading = document.createElement('h2');
    heading.textContent = panel.title;
    heading.title = panel.description;
    const body = document.createElement('div');
    body.className = 'body';
    body.innerHTML = '<div class="state">loading…</div>';
    element.append(heading, body);
    grid.append(element);
  }
  $('footer').textContent =
    `${board.title}: ${board.panels.length} panels from dashboards/generated (${board.description})`;
}

async function runsAvailable(rangeSeconds: number): Promise<string[]> {
  const match = /label_values\((.+),\s*run\)/.exec(board.runQuery);
  if (!match) return [];
  const answer = await api('query', {
    query: `count by (run) (last_over_time(${match[1]}[${Math.max(60, Math.round(rangeSeconds))}s]))`,
  });
  return seriesOf(answer)
    .map((series) => series.metric.run ?? '')
    .filter(Boolean)
    .sort()
    .reverse();
}

/** The time range: a fixed window ending now, or from the picked runs' first sample. */
async function timeRange(runs: readonly string[]): Promise<{ start: number; end: number }> {
  const end = Date.now() / 1000;
  const choice = $<HTMLSelectElement>('range').value;
  if (choice !== 'run') return { start: end - Number(choice), end };
  const matcher =
    runs.length === 0 ? '' : `{run=~"${runs.map((run) => run.replace(/[\\^$*+?.()|[\]{}]/g, '\\\\$&')).join('|')}"}`;
  const answer = await api('query', {
    query: `min(last_over_time(floodgate_run_start_timestamp_seconds${matcher}[1h]))`,
  });
  const first = Number(seriesOf(answer)[0]?.value?.[1]);
  const start = Number.isFinite(first) ? Math.min(end - 60, first - 15) : end - 900;
  return { start: Math.max(start, end - 3600), end };
}

async function refresh(): Promise<void> {
  const current = ++generation;
  const status = $('status');
  refreshing = true;
  try {
    let runs: string[];
    let start: number;
    let end: number;
    let stepSeconds: number;
    let rateIntervalSeconds: number;
    if (snapshot) {
      ({ start, end, stepSeconds, rateIntervalSeconds } = snapshot.snapshot);
      runs = [...snapshot.snapshot.runs];
    } else {
      const runSelect = $<HTMLSelectElement>('run');
      const available = await runsAvailable(3600);
      const picked = runSelect.value;
      const options = ['', ...available];
      if (
        runSelect.options.length !== options.length ||
        [...runSelect.options].some((option, index) => option.value !== options[index])
      ) {
        runSelect.replaceChildren(new Option('All', ''), ...available.map((run) => new Option(run, run)));
        // Newest run first, as Grafana's sorted run variable; keep a choice once made.
        runSelect.value =
          picked !== '' && available.includes(picked) ? picked : runSelect.dataset.touched ? '' : (available[0] ?? '');
        runSelect.onchange = () => (runSelect.dataset.touched = '1');
      }
      runs = runSelect.value === '' ? [] : [runSelect.value];
      ({ start, end } = await timeRange(runs));
      ({ stepSeconds, rateIntervalSeconds } = queryTiming(end - start, config.scrapeIntervalSeconds));
    }
    const stage = $<HTMLSelectElement>('stage').value;
    const variables = {
      runs,
      stages: stage ? [stage] : [],
      rateIntervalSeconds,
      intervalSeconds: stepSeconds,
      rangeSeconds: end - start,
    };
    const boardAtStart = board;
    const drawable = board.panels.filter((panel) => !config.unavailable[panel.key]);
    for (const panel of board.panels) {
      const reason = config.unavailable[panel.key];
      const element = document.querySelector<HTMLElement>(`section.panel[data-key="${panel.key}"]`);
      if (reason && element) show(element, 'unavailable', reason);
    }
    // One request per row of the board (see /live/api/batch), sent together: a slow query holds
    // back its own row only. A snapshot has its answers inlined.
    const rows = [...new Set(drawable.map((panel) => panel.row))].map((row) =>
      drawable.filter((panel) => panel.row === row),
    );
    await Promise.all(
      rows.map(async (panels) => {
        const requests = panels.flatMap((panel) =>
          panel.targets.map((target) => {
            const query = substitute(target.expr, boardAtStart, variables);
            return target.instant ? { query, time: end } : { query, start, end, step: stepSeconds };
          }),
        );
        const answers: PromAnswer[] = snapshot
          ? panels.flatMap((panel) =>
              panel.targets.map(
                (target) =>
                  (snapshot.snapshot.results[`${panel.key}/${target.refId}`] ?? {
                    status: 'error',
                    error: 'not in the snapshot',
                  }) as PromAnswer,
              ),
            )
          : (
              (await (
                await fetch('/live/api/batch', {
                  method: 'POST',
                  headers: { 'content-type': 'application/json' },
                  body: JSON.stringify({ queries: requests }),
                })
              ).json()) as { results: PromAnswer[] }
            ).results;
        if (current !== generation || board !== boardAtStart) return;
        let at = 0;
        for (const panel of panels) {
          const element = document.querySelector<HTMLElement>(`section.panel[data-key="${panel.key}"]`);
          const mine = answers.slice(at, at + panel.targets.length);
          at += panel.targets.length;
          if (!element) continue;
          try {
            const failed = mine.find((answer) => answer?.status !== 'success');
            if (failed) show(element, 'error', failed?.error ?? 'query failed');
            else draw(panel, element, mine.map(seriesOf), { start, end });
          } catch (error) {
            show(element, 'error', (error as Error).message);
          }
        }
      }),
    );
    if (current === generation)
      status.textContent = snapshot
        ? `${board.panels.length} panels`
        : `updated ${new Date().toLocaleTimeString()} · every ${config.refreshSeconds} s`;
  } catch (error) {
    status.textContent = `cannot reach the exporter: ${(error as Error).message}`;
  } finally {
    if (current === generation) refreshing = false;
  }
}

function show(element: HTMLElement, state: 'empty' | 'error' | 'unavailable', text: string): void {
  plots.get(element.dataset.key!)?.destroy();
  plots.delete(element.dataset.key!);
  element.dataset.state = state;
  element.classList.toggle('unavailable', state === 'unavailable');
  element.classList.toggle('error', state === 'error');
  const body = element.querySelector('.body')!;
  body.innerHTML = '';
  const message = document.createElement('div');
  message.className = 'state';
  message.textContent = text;
  body.append(message);
}

function thresholdColor(panel: LivePanel, value: number): string {
  let chosen = panel.thresholds[0]?.color ?? 'green';
  for (const step of panel.thresholds) if (step.value === null || value >= step.value) chosen = step.color;
  return color(chosen);
}

function draw(
  panel: LivePanel,
  element: HTMLElement,
  results: PromSeries[][],
  range: { start: number; end: number },
): void {
  const count = results.reduce((sum, series) => sum + series.length, 0);
  if (count === 0) return show(element, 'empty', 'No data');
  element.classList.remove('unavailable', 'error');
  const body = element.querySelector<HTMLElement>('.body')!;
  if (panel.type === 'timeseries') drawTimeseries(panel, element, body, results, range);
  else {
    plots.get(panel.key)?.destroy();
    plots.delete(panel.key);
    if (panel.type === 'stat') drawStat(panel, body, results);
    else if (panel.type === 'bargauge') drawBars(panel, body, results);
    else drawTable(panel, body, results);
  }
  element.dataset.state = 'data';
  element.dataset.series = String(count);
}

function drawStat(panel: LivePanel, body: HTMLElement, results: PromSeries[][]): void {
  const box = document.createElement('div');
  box.className = 'stat';
  panel.targets.forEach((target, index) => {
    for (const series of results[index] ?? []) {
      const value = Number(series.value?.[1]);
      const cell = document.createElement('div');
      cell.className = 'value';
      cell.style.background = thresholdColor(panel, value);
      const number = document.createElement('b');
      number.textContent = formatValue(value, panel.unit, panel.decimals);
      const name = document.createElement('span');
      name.textContent = legendOf(target.legend, series.metric);
      cell.append(number, name);
      box.append(cell);
    }
  });
  body.replaceChildren(box);
}

function drawBars(panel: LivePanel, body: HTMLElement, results: PromSeries[][]): void {
  const rows = panel.targets.flatMap((target, index) =>
    (results[index] ?? []).map((series) => ({
      name: legendOf(target.legend, series.metric),
      value: Number(series.value?.[1]),
    })),
  );
  const max = panel.max ?? Math.max(...rows.map((row) => row.value).filter(Number.isFinite), 0);
  const min = panel.min ?? 0;
  const box = document.createElement('div');
  box.className = 'bars';
  for (const row of rows) {
    const line = document.createElement('div');
    line.className = 'bar';
    const name = document.createElement('span');
    name.textContent = row.name;
    const track = document.createElement('div');
    track.className = 'track';
    const fill = document.createElement('div');
    fill.className = 'fill';
    const share = max > min ? Math.max(0, Math.min(1, (row.value - min) / (max - min))) : 0;
    fill.style.width = `${(share * 100).toFixed(1)}%`;
    fill.style.background = thresholdColor(panel, row.value);
    track.append(fill);
    const number = document.createElement('span');
    number.className = 'num';
    number.textContent = formatValue(row.value, panel.unit, panel.decimals);
    line.append(name, track, number);
    box.append(line);
  }
  body.replaceChildren(box);
}

function drawTable(panel: LivePanel, body: HTMLElement, results: PromSeries[][]): void {
  const frames: Frame[] = panel.targets.map((target, index) => ({
    refId: target.refId,
    rows: (results[index] ?? []).map((series) => ({ labels: series.metric, value: Number(series.value?.[1]) })),
  }));
  const table = applyTransformations(frames, panel.transformations);
  const element = document.createElement('table');
  const head = element.createTHead().insertRow();
  for (const column of table.columns) {
    const cell = document.createElement('th');
    cell.textContent = column.name;
    head.append(cell);
  }
  const tbody = element.createTBody();
  for (const row of table.rows) {
    const line = tbody.insertRow();
    table.columns.forEach((column, index) => {
      const value = row[index];
      line.insertCell().textContent =
        typeof value === 'number' ? formatValue(value, panel.unit, panel.decimals) : (value ?? '');
    });
  }
  const wrap = document.createElement('div');
  wrap.className = 'table-wrap';
  wrap.append(element);
  body.replaceChildren(wrap);
}

function drawTimeseries(
  panel: LivePanel,
  element: HTMLElement,
  body: HTMLElement,
  results: PromSeries[][],
  range: { start: number; end: number },
): void {
  const lines: Array<{ name: string; points: Map<number, number>; dashed: boolean; right: boolean; unit: string }> = [];
  panel.targets.forEach((target, index) => {
    for (const series of results[index] ?? []) {
      const name = legendOf(target.legend, series.metric);
      const override = panel.overrides.filter((candidate) => new RegExp(`^(?:${candidate.match})$`).test(name));
      const right = override.some((candidate) => candidate.rightAxis);
      lines.push({
        name,
        points: new Map((series.values ?? []).map(([t, v]) => [Math.round(t * 1000) / 1000, Number(v)])),
        dashed: override.some((candidate) => candidate.dashed),
        right,
        unit: override.find((candidate) => candidate.unit)?.unit ?? panel.unit,
      });
    }
  });
  const times = [...new Set(lines.flatMap((line) => [...line.points.keys()]))].sort((a, b) => a - b);
  const data: uPlot.AlignedData = [
    times,
    ...lines.map((line) =>
      times.map((t) => (line.points.has(t) && Number.isFinite(line.points.get(t)!) ? line.points.get(t)! : null)),
    ),
  ];
  if (panel.stacked) {
    for (let index = 2; index < data.length; index += 1) {
      const below = data[index - 1] as Array<number | null>;
      data[index] = (data[index] as Array<number | null>).map((value, at) =>
        value === null ? null : value + (below[at] ?? 0),
      );
    }
  }
  const rightUnit = lines.find((line) => line.right)?.unit;
  const key = panel.key;
  const width = Math.max(120, body.clientWidth - 4);
  const height = Math.max(60, body.clientHeight - 48);
  const signature = lines.map((line) => line.name).join('\u0000');
  const existing = plots.get(key);
  if (existing && existing.root.dataset.signature === signature && existing.root.isConnected) {
    existing.setData(data, false);
    existing.setScale('x', { min: range.start, max: range.end });
    fit(existing, body);
    return;
  }
  existing?.destroy();
  const axis = (unit: string, side: 1 | 3, scale: string): uPlot.Axis => ({
    scale,
    side,
    stroke: '#8e8e9e',
    grid: { show: side === 3, stroke: '#2c3235', width: 1 },
    ticks: { show: false },
    // Wide enough for the longest tick label ("12.5 applicants/s"), as Grafana sizes its axes.
    size: (_plot: uPlot, values: string[] | null) =>
      Math.max(40, Math.round(Math.max(0, ...(values ?? []).map((value) => value.length)) * 6.6) + 16),
    values: (_plot, splits) => splits.map((value) => formatValue(value, unit)),
  });
  const options: uPlot.Options = {
    width,
    height,
    legend: { show: true, live: false },
    cursor: { drag: { x: false, y: false } },
    scales: {
      x: { time: true, min: range.start, max: range.end },
      y: {
        range: (_plot, dataMin, dataMax) => [
          panel.min ?? Math.min(0, dataMin ?? 0),
          panel.max ?? (dataMax && dataMax > 0 ? dataMax * 1.1 : 1),
        ],
      },
      ...(rightUnit
        ? {
            y2: {
              range: (_plot: uPlot, dataMin: number | null, dataMax: number | null) =>
                [Math.min(0, dataMin ?? 0), dataMax && dataMax > 0 ? dataMax * 1.1 : 1] as uPlot.Range.MinMax,
            },
          }
        : {}),
    },
    axes: [
      // Clock time only (uPlot's default adds the date to the first tick, which collides in narrow panels).
      {
        stroke: '#8e8e9e',
        grid: { stroke: '#2c3235', width: 1 },
        ticks: { show: false },
        space: 64,
        values: (_plot, splits) => splits.map(clockTime),
      },
      axis(panel.unit, 3, 'y'),
      ...(rightUnit ? [axis(rightUnit, 1, 'y2')] : []),
    ],
    series: [
      {},
      ...lines.map((line, index) => {
        const stroke = PALETTE[index % PALETTE.length]!;
        return {
          label: line.name,
          scale: line.right ? 'y2' : 'y',
          stroke,
          width: line.dashed ? 2 : 1.5,
          ...(line.dashed ? { dash: [10, 10] } : { fill: `${stroke}${panel.stacked ? '4d' : '14'}` }),
          points: { show: false },
          spanGaps: false,
          value: (_plot: uPlot, value: number | null) => (value === null ? '–' : formatValue(value, line.unit)),
        } satisfies uPlot.Series;
      }),
    ],
  };
  body.replaceChildren();
  const plot = new uPlot(options, data, body);
  plot.root.dataset.signature = signature;
  fit(plot, body);
  plots.set(key, plot);
}

/** The legend takes what it needs (several lines for many series); the plot gets the rest of the panel. */
function fit(plot: uPlot, body: HTMLElement): void {
  const legend = plot.root.querySelector<HTMLElement>('.u-legend')?.offsetHeight ?? 0;
  const height = Math.max(60, body.clientHeight - legend - 8);
  const width = Math.max(120, body.clientWidth - 4);
  if (Math.abs(height - plot.height) > 2 || Math.abs(width - plot.width) > 2) plot.setSize({ width, height });
}

function clockTime(seconds: number): string {
  const date = new Date(seconds * 1000);
  const two = (value: number): string => String(value).padStart(2, '0');
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}

window.addEventListener('resize', () => {
  for (const plot of plots.values()) {
    const body = plot.root.parentElement;
    if (body) plot.setSize({ width: Math.max(120, body.clientWidth - 4), height: plot.height });
  }
});

start().catch((error: Error) => {
  $('status').textContent = `cannot load the live page: ${error.message}`;
  if (timer !== undefined) window.clearInterval(timer);
});
