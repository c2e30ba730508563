/**
 * The live page's model of a dashboard, read from the generated Grafana JSON
 * (dashboards/generated/*.json) and nothing else, so the page and Grafana cannot drift: panels
 * with their titles, units, thresholds, overrides and queries; the dashboard variables and how
 * Grafana substitutes them. Pure: shared by the exporter (server) and the page (browser).
 */

/** One query of a panel, as in the dashboard JSON. */
export interface LiveTarget {
  readonly refId: string;
  readonly expr: string;
  readonly legend: string;
  readonly instant: boolean;
}

/** A field override the page honours: series matched by regex drawn dashed or on a right axis. */
export interface LiveOverride {
  readonly match: string;
  readonly dashed: boolean;
  readonly rightAxis: boolean;
  readonly unit?: string;
}

/** One panel of a board. */
export interface LivePanel {
  /** `<board uid>/<panel id>`, unique over every board. */
  readonly key: string;
  readonly id: number;
  readonly row: string;
  readonly type: 'timeseries' | 'stat' | 'bargauge' | 'table';
  readonly title: string;
  readonly description: string;
  readonly unit: string;
  readonly decimals?: number;
  readonly min?: number;
  readonly max?: number;
  readonly thresholds: ReadonlyArray<{ readonly value: number | null; readonly color: string }>;
  readonly stacked: boolean;
  readonly gridPos: { readonly x: number; readonly y: number; readonly w: number; readonly h: number };
  readonly targets: readonly LiveTarget[];
  readonly overrides: readonly LiveOverride[];
  readonly transformations: ReadonlyArray<{ readonly id: string; readonly options: Record<string, unknown> }>;
}

/** One board. */
export interface LiveBoard {
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly rows: ReadonlyArray<{ readonly title: string; readonly y: number }>;
  readonly panels: readonly LivePanel[];
  /** The `run` variable's query, e.g. `label_values(floodgate_run_info, run)`. */
  readonly runQuery: string;
  /** Values "All" stands for, per variable (`allValue`, else the custom values joined). */
  readonly allValues: Readonly<Record<string, string>>;
  /** The custom `stage` variable's values. */
  readonly stages: readonly string[];
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown, fallback = ''): string => (typeof value === 'string' ? value : fallback);
const num = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);

/** Reads one generated dashboard JSON into the page's model. Throws on a shape it does not know. */
export function boardFromDashboard(dashboard: unknown): LiveBoard {
  if (!isObject(dashboard) || !Array.isArray(dashboard.panels))
    throw new TypeError('not a Grafana dashboard: no panels');
  const uid = text(dashboard.uid);
  const rows: Array<{ title: string; y: number }> = [];
  const panels: LivePanel[] = [];
  let row = '';
  for (const raw of dashboard.panels as unknown[]) {
    if (!isObject(raw)) continue;
    const gridPos = isObject(raw.gridPos) ? raw.gridPos : {};
    const position = {
      x: num(gridPos.x) ?? 0,
      y: num(gridPos.y) ?? 0,
      w: num(gridPos.w) ?? 24,
      h: num(gridPos.h) ?? 8,
    };
    if (raw.type === 'row') {
      row = text(raw.title);
      rows.push({ title: row, y: position.y });
      continue;
    }
    const type = raw.type;
    if (type !== 'timeseries' && type !== 'stat' && type !== 'bargauge' && type !== 'table')
      throw new TypeError(`panel "${text(raw.title)}" has type ${String(type)}, which the live page cannot draw`);
    const fieldConfig = isObject(raw.fieldConfig) ? raw.fieldConfig : {};
    const defaults = isObject(fieldConfig.defaults) ? fieldConfig.defaults : {};
    const custom = isObject(defaults.custom) ? defaults.custom : {};
    const thresholds =
      isObject(defaults.thresholds) && Array.isArray(defaults.thresholds.steps)
        ? (defaults.thresholds.steps as unknown[])
        : [];
    const stacking = isObject(custom.stacking) ? custom.stacking : {};
    const overrides: LiveOverride[] = [];
    for (const override of Array.isArray(fieldConfig.overrides) ? (fieldConfig.overrides as unknown[]) : []) {
      if (!isObject(override) || !isObject(override.matcher) || override.matcher.id !== 'byRegexp') continue;
      const properties = Array.isArray(override.properties) ? (override.properties as Json[]) : [];
      const property = (id: string): unknown => properties.find((candidate) => candidate.id === id)?.value;
      const lineStyle = property('custom.lineStyle');
      const unit = property('unit');
      overrides.push({
        match: text(override.matcher.options),
        dashed: isObject(lineStyle) && lineStyle.fill === 'dash',
        rightAxis: property('custom.axisPlacement') === 'right',
        ...(typeof unit === 'string' ? { unit } : {}),
      });
    }
    const decimals = num(defaults.decimals);
    const min = num(defaults.min);
    const max = num(defaults.max);
    panels.push({
      key: `${uid}/${num(raw.id) ?? panels.length}`,
      id: num(raw.id) ?? 0,
      row,
      type,
      title: text(raw.title),
      description: text(raw.description),
      unit: text(defaults.unit, 'short'),
      ...(decimals === undefined ? {} : { decimals }),
      ...(min === undefined ? {} : { min }),
      ...(max === undefined ? {} : { max }),
      thresholds: thresholds
        .filter(isObject)
        .map((step) => ({ value: num(step.value) ?? null, color: text(step.color, 'green') })),
      stacked: stacking.mode === 'normal',
      gridPos: position,
      targets: (Array.isArray(raw.targets) ? (raw.targets as unknown[]) : []).filter(isObject).map((target) => ({
        refId: text(target.refId),
        expr: text(target.expr),
        legend: text(target.legendFormat),
        instant: target.instant === true,
      })),
      overrides,
      transformations: (Array.isArray(raw.transformations) ? (raw.transformations as unknown[]) : [])
        .filter(isObject)
        .map((transformation) => ({
          id: text(transformation.id),
          options: isObject(transformation.options) ? transformation.options : {},
        })),
    });
  }
  const variables =
    isObject(dashboard.templating) && Array.isArray(dashboard.templating.list)
      ? (dashboard.templating.list as unknown[]).filter(isObject)
      : [];
  const runVariable = variables.find((variable) => variable.name === 'run');
  const stageVariable = variables.find((variable) => variable.name === 'stage');
  const stages = text(stageVariable?.query)
    .split(',')
    .map((value) => value.trim())
    .filter(Boolean);
  const allValues: Record<string, string> = {};
  for (const variable of variables) {
    const name = text(variable.name);
    if (variable.includeAll !== true) continue;
    allValues[name] =
      typeof variable.allValue === 'string' && variable.allValue !== ''
        ? variable.allValue
        : name === 'stage'
          ? stages.join('|')
          : '.+';
  }
  return {
    uid,
    title: text(dashboard.title),
    description: text(dashboard.description),
    rows,
    panels,
    runQuery: text(runVariable?.query),
    allValues,
    stages,
  };
}

/** What Grafana substitutes into a query. */
export interface QueryVariables {
  /** Runs picked; empty = All. */
  readonly runs: readonly string[];
  /** Stages picked; empty = All. */
  readonly stages: readonly string[];
  /** `$__rate_interval`, `$__interval`, `$__range` as durations, seconds. */
  readonly rateIntervalSeconds: number;
  readonly intervalSeconds: number;
  readonly rangeSeconds: number;
}

/** Escapes a value for a Prometheus regex matcher, as Grafana does for multi-value variables. */
export function regexEscape(value: string): string {
  return value.replace(/[\\^$*+?.()|[\]{}]/g, '\\\\$&');
}

/** `expr` with the dashboard and Grafana built-in variables replaced, as Grafana sends it. */
export function substitute(expr: string, board: Pick<LiveBoard, 'allValues'>, variables: QueryVariables): string {
  const multi = (values: readonly string[], name: string): string =>
    values.length === 0
      ? (board.allValues[name] ?? '.+')
      : values.length === 1
        ? regexEscape(values[0]!)
        : `(${values.map(regexEscape).join('|')})`;
  return expr
    .replace(/\$__rate_interval/g, `${Math.round(variables.rateIntervalSeconds)}s`)
    .replace(/\$__interval/g, `${Math.round(variables.intervalSeconds)}s`)
    .replace(/\$__range/g, `${Math.round(variables.rangeSeconds)}s`)
    .replace(/\$\{?run\}?/g, multi(variables.runs, 'run'))
    .replace(/\$\{?stage\}?/g, multi(variables.stages, 'stage'));
}

/**
 * The step of range queries and Grafana's `$__rate_interval` for a time range: about `points`
 * points across, never finer than the scrape interval; the rate window is
 * max(step + scrape interval, 4 × scrape interval), as Grafana computes it.
 */
export function queryTiming(
  rangeSeconds: number,
  scrapeIntervalSeconds: number,
  points = 240,
): { stepSeconds: number; rateIntervalSeconds: number } {
  const stepSeconds = Math.max(scrapeIntervalSeconds, Math.ceil(rangeSeconds / points));
  return { stepSeconds, rateIntervalSeconds: Math.max(stepSeconds + scrapeIntervalSeconds, 4 * scrapeIntervalSeconds) };
}

/** Grafana's legend template: `{{label}}` replaced by the series' label values. */
export function legendOf(template: string, labels: Readonly<Record<string, string>>): string {
  if (template === '') {
    const entries = Object.entries(labels).filter(([key]) => key !== '__name__');
    return `${labels.__name__ ?? ''}{${entries.map(([key, value]) => `${key}="${value}"`).join(', ')}}`;
  }
  return template.replace(/\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g, (_all, name: string) => labels[name] ?? '');
}
