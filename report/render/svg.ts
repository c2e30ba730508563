/**
 * Small inline-SVG charts for the HTML report: line charts, grouped bars and a heat grid. No
 * scripts, no external fonts or images: the report works offline and prints. Every text is
 * escaped; every chart has a <title> and a <desc> for screen readers.
 *
 * Over 400 lines on purpose: the three chart kinds share the frame, legend, domains and number
 * formats at the end of the file; each chart alone would import all of them back.
 */

/** Escapes text for HTML and SVG (elements and attribute values). */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** One line of a line chart. */
export interface LineSeries {
  readonly name: string;
  readonly points: ReadonlyArray<readonly [number, number]>;
  readonly color: string;
  readonly dashed?: boolean;
  /** Draw a dot on each point (for few points, e.g. steps). */
  readonly dots?: boolean;
}

/** A line chart. */
export interface LineChart {
  readonly title: string;
  /** One sentence describing what the chart shows (the <desc>). */
  readonly description: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly LineSeries[];
  readonly formatX?: (value: number) => string;
  /** Formats a y tick; `step` is the distance between ticks (to choose the decimals). */
  readonly formatY?: (value: number, step: number) => string;
  /** Lowest x shown, e.g. 0 for time since the start (points below it are dropped). */
  readonly xMin?: number;
  /** `log`: a logarithmic y axis (powers of ten), for figures orders of magnitude apart. */
  readonly yScale?: 'linear' | 'log';
  /** Lowest y shown (points below it are dropped), e.g. the floor of a log axis. */
  readonly yMin?: number;
  /** A shaded vertical band, e.g. the capacity range. */
  readonly xBand?: { readonly from: number; readonly to: number; readonly label: string; readonly color: string };
  /** Horizontal reference lines, e.g. an objective. */
  readonly yLines?: ReadonlyArray<{ readonly y: number; readonly label: string; readonly color: string }>;
  /** Force the y axis to start at 0 (default true). */
  readonly yFromZero?: boolean;
  readonly width?: number;
  readonly height?: number;
}

const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif"';
const MARGIN = { left: 64, right: 16, top: 28, bottom: 44 };

/** Renders a line chart as an <svg> element. */
export function lineChart(chart: LineChart): string {
  const width = chart.width ?? 720;
  const height = chart.height ?? 280;
  const top = MARGIN.top + Math.max(0, legendLayout(chart.series, width).rows - 1) * 16;
  const plotWidth = width - MARGIN.left - MARGIN.right;
  const plotHeight = height - top - MARGIN.bottom;
  const log = chart.yScale === 'log';
  const visible = (point: readonly [number, number]): boolean =>
    (chart.xMin === undefined || point[0] >= chart.xMin) &&
    Number.isFinite(point[0]) &&
    Number.isFinite(point[1]) &&
    (!log || point[1] > 0) &&
    (chart.yMin === undefined || point[1] >= chart.yMin);
  const series = chart.series.map((item) => ({ ...item, points: item.points.filter(visible) }));
  const xs = series.flatMap((item) => item.points.map((point) => point[0]));
  const ys = series
    .flatMap((item) => item.points.map((point) => point[1]))
    .concat((chart.yLines ?? []).map((line) => line.y));
  if (chart.xBand) xs.push(chart.xBand.from, chart.xBand.to);
  if (chart.xMin !== undefined) xs.push(chart.xMin);
  const xDomain = niceDomain(Math.min(...xs, Infinity), Math.max(...xs, -Infinity), false);
  const yDomain = log
    ? logDomain(Math.min(...ys.filter((value) => value > 0), chart.yMin ?? Infinity), Math.max(...ys, -Infinity))
    : niceDomain(
        chart.yFromZero === false ? Math.min(...ys, Infinity) : 0,
        Math.max(...ys, -Infinity),
        chart.yFromZero !== false,
      );
  const x = (value: number): number => MARGIN.left + ((value - xDomain.min) / (xDomain.max - xDomain.min)) * plotWidth;
  const y = log
    ? (value: number): number =>
        top +
        plotHeight -
        ((Math.log10(Math.max(value, yDomain.min)) - Math.log10(yDomain.min)) /
          (Math.log10(yDomain.max) - Math.log10(yDomain.min))) *
          plotHeight
    : (value: number): number => top + plotHeight - ((value - yDomain.min) / (yDomain.max - yDomain.min)) * plotHeight;
  const formatX = chart.formatX ?? formatNumber;
  const formatY = chart.formatY ?? ((value: number) => formatNumber(value));
  const parts: string[] = [];
  parts.push(
    `<rect x="${MARGIN.left}" y="${top}" width="${plotWidth}" height="${plotHeight}" fill="#fff" stroke="#d0d7de"/>`,
  );
  if (chart.xBand) {
    const from = x(chart.xBand.from);
    const to = x(chart.xBand.to);
    parts.push(
      `<rect x="${f(Math.min(from, to))}" y="${top}" width="${f(Math.max(1, Math.abs(to - from)))}" height="${plotHeight}" fill="${chart.xBand.color}" opacity="0.18"><title>${escapeHtml(chart.xBand.label)}</title></rect>`,
      `<text x="${f((from + to) / 2)}" y="${top + 12}" text-anchor="middle" font-size="10" fill="#57606a" ${FONT}>${escapeHtml(chart.xBand.label)}</text>`,
    );
  }
  for (const tick of yDomain.ticks) {
    parts.push(
      `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${f(y(tick))}" y2="${f(y(tick))}" stroke="#eaeef2"/>`,
      `<text x="${MARGIN.left - 6}" y="${f(y(tick) + 4)}" text-anchor="end" font-size="11" fill="#57606a" ${FONT}>${escapeHtml(formatY(tick, yDomain.step))}</text>`,
    );
  }
  for (const tick of xDomain.ticks) {
    parts.push(
      `<line x1="${f(x(tick))}" x2="${f(x(tick))}" y1="${top + plotHeight}" y2="${top + plotHeight + 4}" stroke="#8c959f"/>`,
      `<text x="${f(x(tick))}" y="${top + plotHeight + 16}" text-anchor="middle" font-size="11" fill="#57606a" ${FONT}>${escapeHtml(formatX(tick))}</text>`,
    );
  }
  for (const line of chart.yLines ?? []) {
    parts.push(
      `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${f(y(line.y))}" y2="${f(y(line.y))}" stroke="${line.color}" stroke-width="1.5" stroke-dasharray="6 4"/>`,
      `<text x="${MARGIN.left + plotWidth - 4}" y="${f(y(line.y) - 4)}" text-anchor="end" font-size="11" fill="${line.color}" ${FONT}>${escapeHtml(line.label)}</text>`,
    );
  }
  for (const item of series) {
    if (item.points.length === 0) continue;
    const path = item.points
      .map((point, index) => `${index === 0 ? 'M' : 'L'}${f(x(point[0]))} ${f(y(point[1]))}`)
      .join(' ');
    parts.push(
      `<path d="${path}" fill="none" stroke="${item.color}" stroke-width="2"${item.dashed ? ' stroke-dasharray="5 4"' : ''}><title>${escapeHtml(item.name)}</title></path>`,
    );
    if (item.dots || item.points.length === 1) {
      for (const point of item.points) {
        parts.push(
          `<circle cx="${f(x(point[0]))}" cy="${f(y(point[1]))}" r="3" fill="${item.color}"><title>${escapeHtml(`${item.name}: ${formatX(point[0])} → ${formatY(point[1], yDomain.step)}`)}</title></circle>`,
        );
      }
    }
  }
  parts.push(
    `<text x="${MARGIN.left + plotWidth / 2}" y="${height - 6}" text-anchor="middle" font-size="12" fill="#24292f" ${FONT}>${escapeHtml(chart.xLabel)}</text>`,
    `<text x="14" y="${top + plotHeight / 2}" text-anchor="middle" font-size="12" fill="#24292f" transform="rotate(-90 14 ${top + plotHeight / 2})" ${FONT}>${escapeHtml(chart.yLabel)}</text>`,
  );
  parts.push(legend(chart.series, width));
  return svg(width, height, chart.title, chart.description, parts);
}

/** Grouped bars: one group per category, one bar per series; optional whiskers per bar. */
export interface BarChart {
  readonly title: string;
  readonly description: string;
  readonly categories: readonly string[];
  readonly series: ReadonlyArray<{
    readonly name: string;
    readonly color: string;
    readonly values: readonly number[];
    /** [low, high] per category, drawn as a whisker. */
    readonly ranges?: ReadonlyArray<readonly [number, number] | undefined>;
  }>;
  readonly yLabel: string;
  readonly formatY?: (value: number) => string;
  readonly width?: number;
  readonly height?: number;
}

/** Renders grouped bars as an <svg> element. */
export function barChart(chart: BarChart): string {
  const width = chart.width ?? 720;
  const height = chart.height ?? 280;
  const top = MARGIN.top + Math.max(0, legendLayout(chart.series, width).rows - 1) * 16;
  const plotWidth = width - MARGIN.left - MARGIN.right;
  const plotHeight = height - top - MARGIN.bottom;
  const values = chart.series.flatMap((series) => [
    ...series.values,
    ...(series.ranges ?? []).flatMap((range) => (range ? [range[1]] : [])),
  ]);
  const domain = niceDomain(0, Math.max(...values, 1), true);
  const y = (value: number): number =>
    top + plotHeight - ((value - domain.min) / (domain.max - domain.min)) * plotHeight;
  const formatY = chart.formatY ?? formatNumber;
  const group = plotWidth / Math.max(1, chart.categories.length);
  const barWidth = (group * 0.8) / Math.max(1, chart.series.length);
  const parts: string[] = [
    `<rect x="${MARGIN.left}" y="${top}" width="${plotWidth}" height="${plotHeight}" fill="#fff" stroke="#d0d7de"/>`,
  ];
  for (const tick of domain.ticks) {
    parts.push(
      `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${f(y(tick))}" y2="${f(y(tick))}" stroke="#eaeef2"/>`,
      `<text x="${MARGIN.left - 6}" y="${f(y(tick) + 4)}" text-anchor="end" font-size="11" fill="#57606a" ${FONT}>${escapeHtml(formatY(tick))}</text>`,
    );
  }
  chart.categories.forEach((category, index) => {
    const groupX = MARGIN.left + index * group + group * 0.1;
    chart.series.forEach((series, seriesIndex) => {
      const value = series.values[index] ?? 0;
      const barX = groupX + seriesIndex * barWidth;
      parts.push(
        `<rect x="${f(barX)}" y="${f(y(value))}" width="${f(Math.max(1, barWidth - 2))}" height="${f(Math.max(0, y(0) - y(value)))}" fill="${series.color}"><title>${escapeHtml(`${category} — ${series.name}: ${formatY(value)}`)}</title></rect>`,
      );
      const range = series.ranges?.[index];
      if (range) {
        const centre = barX + (barWidth - 2) / 2;
        parts.push(
          `<path d="M${f(centre)} ${f(y(range[0]))} L${f(centre)} ${f(y(range[1]))} M${f(centre - 4)} ${f(y(range[0]))} L${f(centre + 4)} ${f(y(range[0]))} M${f(centre - 4)} ${f(y(range[1]))} L${f(centre + 4)} ${f(y(range[1]))}" stroke="#24292f" stroke-width="1.2" fill="none"><title>${escapeHtml(`${category}: expected ${formatY(range[0])}–${formatY(range[1])}`)}</title></path>`,
        );
      }
    });
    parts.push(
      `<text x="${f(MARGIN.left + index * group + group / 2)}" y="${top + plotHeight + 16}" text-anchor="middle" font-size="11" fill="#24292f" ${FONT}>${escapeHtml(category)}</text>`,
    );
  });
  parts.push(
    `<text x="14" y="${top + plotHeight / 2}" text-anchor="middle" font-size="12" fill="#24292f" transform="rotate(-90 14 ${top + plotHeight / 2})" ${FONT}>${escapeHtml(chart.yLabel)}</text>`,
  );
  parts.push(
    legend(
      chart.series.map((series) => ({ name: series.name, color: series.color })),
      width,
    ),
  );
  return svg(width, height, chart.title, chart.description, parts);
}

/** One cell of a heat grid. */
export interface HeatCell {
  /** `pass` green, `warn` amber, `fail` red, `none` grey. */
  readonly status: 'pass' | 'warn' | 'fail' | 'none';
  /** Short text in the cell (may be empty). */
  readonly text: string;
  /** Tooltip. */
  readonly detail: string;
}

/** A grid of rows × columns coloured by status (LoadRunner's SLA grid). */
export interface HeatGrid {
  readonly title: string;
  readonly description: string;
  readonly rows: readonly string[];
  readonly columns: readonly string[];
  readonly cells: ReadonlyArray<ReadonlyArray<HeatCell>>;
  readonly columnLabel: string;
  /** What each colour means, in the order pass, warn, fail, none. */
  readonly legend?: Readonly<Record<HeatCell['status'], string>>;
}

const HEAT_LEGEND: Readonly<Record<HeatCell['status'], string>> = {
  pass: 'met its objectives',
  warn: 'close: over 80 % of an objective',
  fail: 'broke an objective',
  none: 'too few requests to judge',
};

const HEAT_COLORS: Record<HeatCell['status'], string> = {
  pass: '#2da44e',
  warn: '#d4a72c',
  fail: '#cf222e',
  none: '#d0d7de',
};

/** Renders a heat grid as an <svg> element. */
export function heatGrid(grid: HeatGrid): string {
  const labelWidth = 110;
  const cellWidth = Math.max(18, Math.min(72, Math.floor(600 / Math.max(1, grid.columns.length))));
  const cellHeight = 26;
  const top = 28;
  const width = Math.max(560, labelWidth + cellWidth * grid.columns.length + 16);
  const height = top + cellHeight * grid.rows.length + 40;
  const every = Math.max(1, Math.ceil(grid.columns.length / Math.floor((width - labelWidth) / 48)));
  const parts: string[] = [];
  grid.rows.forEach((row, rowIndex) => {
    const rowY = top + rowIndex * cellHeight;
    parts.push(
      `<text x="${labelWidth - 8}" y="${rowY + 17}" text-anchor="end" font-size="12" fill="#24292f" ${FONT}>${escapeHtml(row)}</text>`,
    );
    grid.columns.forEach((_column, columnIndex) => {
      const cell = grid.cells[rowIndex]?.[columnIndex] ?? { status: 'none', text: '', detail: '' };
      const cellX = labelWidth + columnIndex * cellWidth;
      parts.push(
        `<rect x="${cellX}" y="${rowY}" width="${cellWidth - 2}" height="${cellHeight - 2}" rx="2" fill="${HEAT_COLORS[cell.status]}"><title>${escapeHtml(cell.detail)}</title></rect>`,
      );
      if (cell.text && cellWidth >= 36) {
        parts.push(
          `<text x="${cellX + (cellWidth - 2) / 2}" y="${rowY + 17}" text-anchor="middle" font-size="10" fill="#fff" ${FONT}>${escapeHtml(cell.text)}</text>`,
        );
      }
    });
  });
  grid.columns.forEach((column, columnIndex) => {
    if (columnIndex % every !== 0) return;
    parts.push(
      `<text x="${labelWidth + columnIndex * cellWidth + (cellWidth - 2) / 2}" y="${top + grid.rows.length * cellHeight + 14}" text-anchor="middle" font-size="11" fill="#57606a" ${FONT}>${escapeHtml(column)}</text>`,
    );
  });
  parts.push(
    `<text x="${labelWidth + (cellWidth * grid.columns.length) / 2}" y="${height - 6}" text-anchor="middle" font-size="12" fill="#24292f" ${FONT}>${escapeHtml(grid.columnLabel)}</text>`,
  );
  const meanings = grid.legend ?? HEAT_LEGEND;
  const statuses: Array<HeatCell['status']> = ['pass', 'warn', 'fail', 'none'];
  let legendX = 8;
  for (const status of statuses) {
    parts.push(
      `<rect x="${legendX}" y="6" width="14" height="12" rx="2" fill="${HEAT_COLORS[status]}"/>`,
      `<text x="${legendX + 18}" y="16" font-size="11" fill="#24292f" ${FONT}>${escapeHtml(meanings[status])}</text>`,
    );
    legendX += 30 + meanings[status].length * 6.2;
  }
  return svg(Math.max(width, legendX), height, grid.title, grid.description, parts);
}

/** Colours for the funnel stages, in stage order. */
export const STAGE_COLORS = ['#8250df', '#0969da', '#1a7f37', '#cf222e', '#bc4c00', '#6e7781'] as const;

/** Legend items flowed left to right, wrapping at the chart's width; text width estimated. */
function legendLayout(
  series: ReadonlyArray<{ name: string }>,
  width: number,
): { rows: number; positions: Array<{ x: number; y: number }> } {
  const positions: Array<{ x: number; y: number }> = [];
  let x = MARGIN.left;
  let row = 0;
  for (const item of series) {
    const itemWidth = 22 + item.name.length * 6.4;
    if (x + itemWidth > width - MARGIN.right && x > MARGIN.left) {
      row += 1;
      x = MARGIN.left;
    }
    positions.push({ x, y: 14 + row * 16 });
    x += itemWidth + 12;
  }
  return { rows: series.length === 0 ? 0 : row + 1, positions };
}

function legend(series: ReadonlyArray<{ name: string; color: string }>, width: number): string {
  const { positions } = legendLayout(series, width);
  return series
    .map((item, index) => {
      const { x: itemX, y: itemY } = positions[index]!;
      return (
        `<rect x="${f(itemX)}" y="${itemY - 8}" width="12" height="4" fill="${item.color}"/>` +
        `<text x="${f(itemX + 16)}" y="${itemY - 3}" font-size="11" fill="#24292f" ${FONT}>${escapeHtml(item.name)}</text>`
      );
    })
    .join('');
}

function svg(width: number, height: number, title: string, description: string, parts: string[]): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="100%" role="img" class="chart">` +
    `<title>${escapeHtml(title)}</title><desc>${escapeHtml(description)}</desc>${parts.join('')}</svg>`
  );
}

/** An axis domain: its ends, its ticks and the distance between ticks (for log axes, 10). */
export interface Domain {
  readonly min: number;
  readonly max: number;
  readonly ticks: number[];
  readonly step: number;
}

/** A log domain from the power of ten at or below `min` to the one at or above `max`, a tick per power. */
export function logDomain(min: number, max: number): Domain {
  const high = Number.isFinite(max) && max > 0 ? max : 10;
  const low = Number.isFinite(min) && min > 0 ? Math.min(min, high) : high / 10;
  const from = Math.floor(Math.log10(low));
  const to = Math.max(from + 1, Math.ceil(Math.log10(high)));
  const ticks: number[] = [];
  for (let power = from; power <= to; power += 1) ticks.push(10 ** power);
  return { min: 10 ** from, max: 10 ** to, ticks, step: 10 };
}

/** A percentage tick with as many decimals as the tick distance needs: 0 %, 0.5 %, 1 % — never 1 %, 1 %, 1 %. */
export function formatPercentTick(share: number, step: number): string {
  const stepPercent = step * 100;
  const decimals = stepPercent >= 1 ? 0 : Math.min(4, Math.ceil(-Math.log10(stepPercent) - 1e-9));
  const rounded = Number((share * 100).toFixed(decimals));
  return `${rounded.toFixed(decimals)} %`;
}

/** A domain with round ends and 4–6 round ticks. */
export function niceDomain(min: number, max: number, fromZero: boolean): Domain {
  let low = Number.isFinite(min) ? min : 0;
  let high = Number.isFinite(max) ? max : 1;
  if (fromZero) low = Math.min(0, low);
  if (high <= low) high = low + (low === 0 ? 1 : Math.abs(low) * 0.1);
  const rough = (high - low) / 5;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step =
    [1, 2, 2.5, 5, 10].map((factor) => factor * magnitude).find((candidate) => candidate >= rough) ?? 10 * magnitude;
  const start = Math.floor(low / step) * step;
  const end = Math.ceil(high / step) * step;
  const ticks: number[] = [];
  for (let tick = start; tick <= end + step / 2; tick += step) ticks.push(Number(tick.toPrecision(12)));
  return { min: start, max: end, ticks, step };
}

/** 1,234 · 12.5 · 0.25 — short numbers for axes. */
export function formatNumber(value: number): string {
  const magnitude = Math.abs(value);
  if (magnitude >= 1e6) return `${Number((value / 1e6).toPrecision(3))}M`;
  if (magnitude >= 1e4) return `${Number((value / 1e3).toPrecision(3))}k`;
  if (magnitude >= 100 || value === 0) return Math.round(value).toLocaleString('en-US');
  return String(Number(value.toPrecision(3)));
}

function f(value: number): string {
  return Number.isFinite(value) ? value.toFixed(1) : '0';
}
