/**
 * k6's end-of-test summary as text, from k6's handleSummary data (the "legacy" shape,
 * reference/k6-contract.md §3): the `█ THRESHOLDS` and `█ TOTAL RESULTS` blocks k6 ≥ 1.0 prints in
 * its default `compact` summary mode. Layout, units and rounding follow k6's
 * `internal/js/summary.js` (renderer, humanizeValue, humanizeBytes, humanizeGenericDuration) and
 * the sectioning of `internal/output/summary/data.go` (HTTP, EXECUTION, NETWORK, … CUSTOM; the
 * metrics compact mode skips; checks_total / checks_succeeded / checks_failed). Our own code,
 * ported from that behaviour. Pure: no Node or k6 imports, so k6 scripts (handleSummary) and the
 * local engine (its own summary when a script has none) print the same text.
 *
 * Not ported: the `full` summary mode's GROUP and SCENARIO sections.
 *
 * Over 400 lines on purpose: one port of one k6 renderer (summary.js) and its humanize helpers,
 * which are only its units and are tested through its output lines; split, one k6 file's
 * behaviour would be spread over several of ours.
 */

/** One metric of k6's handleSummary data. */
export interface EndOfTestMetric {
  readonly type: 'counter' | 'gauge' | 'rate' | 'trend' | string;
  readonly contains: 'time' | 'data' | 'default' | string;
  readonly values: Readonly<Record<string, number>>;
  readonly thresholds?: Readonly<Record<string, { readonly ok: boolean }>>;
}

/** One group of k6's handleSummary data (checks and nested groups as arrays, in definition order). */
export interface EndOfTestGroup {
  readonly name: string;
  readonly groups: readonly EndOfTestGroup[];
  readonly checks: ReadonlyArray<{ readonly name: string; readonly passes: number; readonly fails: number }>;
}

/** The part of k6's handleSummary data the summary reads. */
export interface EndOfTestData {
  readonly metrics: Readonly<Record<string, EndOfTestMetric>>;
  readonly root_group: EndOfTestGroup;
  /** The test's duration: checks_total's rate is per second of it. */
  readonly state?: { readonly testRunDurationMs: number };
  readonly options?: {
    readonly summaryTrendStats?: readonly string[];
    readonly summaryTimeUnit?: string;
    readonly noColor?: boolean;
  };
}

/** How to render. */
export interface EndOfTestOptions {
  /** ANSI colours, as k6 uses on a terminal; default false (files, pipes). */
  readonly enableColors?: boolean;
  /** Default `data.options.summaryTrendStats`, else k6's `avg, min, med, max, p(90), p(95)`. */
  readonly summaryTrendStats?: readonly string[];
  /** `s`, `ms`, `us` or '' (k6 picks per value); default `data.options.summaryTimeUnit`. */
  readonly summaryTimeUnit?: string;
  /**
   * Metrics (or submetrics) to leave out of TOTAL RESULTS, e.g. bookkeeping submetrics another
   * table shows. k6 itself leaves nothing out beyond its compact-mode list.
   */
  readonly hideMetric?: (name: string) => boolean;
  /** Thresholds to leave out of THRESHOLDS, e.g. bookkeeping expressions that always hold. */
  readonly hideThreshold?: (metric: string, expression: string) => boolean;
}

/** k6's default summaryTrendStats. */
export const K6_DEFAULT_TREND_STATS: readonly string[] = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)'];

/**
 * The summary text exactly as `k6 run` writes it to stdout without a handleSummary (the wrapper's
 * leading newline and two trailing ones included).
 */
export function renderEndOfTestSummary(data: EndOfTestData, options: EndOfTestOptions = {}): string {
  return `\n${renderSummaryBlocks(data, options)}\n\n`;
}

/** The THRESHOLDS and TOTAL RESULTS blocks (what k6's `textSummary` returns). */
export function renderSummaryBlocks(data: EndOfTestData, options: EndOfTestOptions = {}): string {
  const settings: Settings = {
    colors: new Colors(options.enableColors === true),
    trendStats: options.summaryTrendStats ?? data.options?.summaryTrendStats ?? K6_DEFAULT_TREND_STATS,
    timeUnit: options.summaryTimeUnit ?? data.options?.summaryTimeUnit ?? '',
  };
  const hideMetric = options.hideMetric ?? (() => false);
  const hideThreshold = options.hideThreshold ?? (() => false);

  const sections: Array<{ title: string; content: string[] }> = [];
  const withThresholds: Record<string, NamedMetric> = {};
  for (const name of Object.keys(data.metrics)) {
    const metric = data.metrics[name]!;
    const kept = Object.entries(metric.thresholds ?? {}).filter(([expression]) => !hideThreshold(name, expression));
    if (kept.length > 0)
      withThresholds[name] = {
        ...metric,
        name,
        thresholdList: kept.map(([source, result]) => ({ source, ok: result.ok })),
      };
  }
  if (Object.keys(withThresholds).length > 0)
    sections.push({ title: 'THRESHOLDS', content: renderThresholds(withThresholds, settings, 1) });

  const content: string[] = [];
  const checksMetric = data.metrics.checks;
  if (checksMetric)
    content.push(
      ...renderChecks(checksMetric, allChecks(data.root_group), data.state?.testRunDurationMs ?? 0, settings),
      '\n',
    );
  content.push(...renderMetricSections(sectioned(data.metrics, hideMetric), settings));
  sections.push({ title: 'TOTAL RESULTS', content });

  // k6's ReportBuilder.build(): a section is its title, its lines and a blank line; lines join with '\n'
  let text = '';
  for (const section of sections) {
    for (const item of [
      indent(0, `${TITLE_PREFIX} ${settings.colors.bold(section.title)} \n`),
      ...section.content,
      '\n',
    ]) {
      text += item === '\n' ? '\n' : `\n${item}`;
    }
  }
  return text;
}

// --- k6's humanizing (internal/js/summary.js) ----------------------------------------------

/** A value as k6 prints it for a metric: rates as truncated percent, time and data with units. */
export function humanizeValue(
  value: number,
  metric: Pick<EndOfTestMetric, 'type' | 'contains'>,
  timeUnit = '',
): string {
  if (metric.type === 'rate') return `${(Math.trunc(value * 100 * 100) / 100).toFixed(2)}%`;
  if (metric.contains === 'data') return humanizeBytes(value);
  if (metric.contains === 'time') return humanizeDuration(value, timeUnit);
  return toFixedNoTrailingZeros(value, 6);
}

/** Bytes with decimal units as k6 prints them: `9 B`, `669 B`, `1.2 kB`, `34 MB`. */
export function humanizeBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
  if (bytes < 10) return `${bytes} B`;
  const exponent = Math.floor(Math.log(bytes) / Math.log(1000));
  const value = Math.floor((bytes / 1000 ** exponent) * 10 + 0.5) / 10;
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[exponent | 0]}`;
}

/** Milliseconds as k6 prints them: `812µs`, `52.13ms`, `1.2s`, `1m3s`, `2h0m5s`; fixed unit when `timeUnit` is s, ms or us. */
export function humanizeDuration(ms: number, timeUnit = ''): string {
  const fixed = TIME_UNITS[timeUnit];
  if (fixed) return `${(ms * fixed.coefficient).toFixed(2)}${fixed.unit}`;
  if (ms === 0) return '0s';
  if (ms < 0.001) return `${Math.trunc(ms * 1_000_000)}ns`;
  if (ms < 1) return `${toFixedNoTrailingZerosTrunc(ms * 1000, 2)}µs`;
  if (ms < 1000) return `${toFixedNoTrailingZerosTrunc(ms, 2)}ms`;
  let text = `${toFixedNoTrailingZerosTrunc((ms % 60_000) / 1000, ms > 60_000 ? 0 : 2)}s`;
  let rest = Math.trunc(ms / 60_000);
  if (rest < 1) return text;
  text = `${rest % 60}m${text}`;
  rest = Math.trunc(rest / 60);
  return rest < 1 ? text : `${rest}h${text}`;
}

const TIME_UNITS: Readonly<Record<string, { unit: string; coefficient: number }>> = {
  s: { unit: 's', coefficient: 0.001 },
  ms: { unit: 'ms', coefficient: 1 },
  us: { unit: 'µs', coefficient: 1000 },
};

function toFixedNoTrailingZeros(value: number, precision: number): string {
  return String(parseFloat(value.toFixed(precision)));
}

function toFixedNoTrailingZerosTrunc(value: number, precision: number): string {
  const factor = 10 ** precision;
  return toFixedNoTrailingZeros(Math.trunc(factor * value) / factor, precision);
}

// --- rendering ------------------------------------------------------------------------------

const TITLE_PREFIX = '█';
const SUBTITLE_PREFIX = '↳';
const PASS = '✓';
const FAIL = '✗';

interface Settings {
  readonly colors: Colors;
  readonly trendStats: readonly string[];
  readonly timeUnit: string;
}

interface NamedMetric extends EndOfTestMetric {
  readonly name: string;
  readonly thresholdList?: ReadonlyArray<{ readonly source: string; readonly ok: boolean }>;
}

/** k6's ANSIFormatter: colour codes only when enabled. */
class Colors {
  constructor(private readonly enabled: boolean) {}
  decorate(text: string, color: 'green' | 'red' | 'cyan' | 'white', ...styles: Array<'faint'>): string {
    if (!this.enabled) return text;
    const codes = [...styles.map(() => '2'), { green: '32', red: '31', cyan: '36', white: '37' }[color]].join(';');
    return `\x1b[${codes}m${text}\x1b[0m`;
  }
  bold(text: string): string {
    return this.enabled ? `\x1b[1m${text}\x1b[0m` : text;
  }
}

/** Two spaces per level, as k6's RenderContext. */
function indent(level: number, text: string): string {
  return `${'  '.repeat(level + 1)}${text}`;
}

/** Width on a terminal: code points, ANSI escapes not counted. */
function width(text: string): number {
  // eslint-disable-next-line no-control-regex -- ANSI colour codes are what is stripped
  return [...text.replace(/\x1b\[[0-9;]*m/g, '')].length;
}

function displayName(name: string): string {
  const brace = name.indexOf('{');
  return brace < 0 ? name : `  { ${name.slice(brace + 1, -1)} }`;
}

/** k6's sortMetricsByName: by parent metric, then by submetric. */
function sortByName(names: string[]): string[] {
  return names.sort((a, b) => {
    const parentA = a.split('{', 1)[0]!;
    const parentB = b.split('{', 1)[0]!;
    if (parentA !== parentB) return parentA < parentB ? -1 : 1;
    const subA = a.slice(parentA.length);
    const subB = b.slice(parentB.length);
    return subA === subB ? 0 : subA < subB ? -1 : 1;
  });
}

const HTTP_METRICS = [
  'http_reqs',
  'http_req_failed',
  'http_req_duration',
  'http_req_blocked',
  'http_req_connecting',
  'http_req_tls_handshaking',
  'http_req_sending',
  'http_req_waiting',
  'http_req_receiving',
];
const EXECUTION_METRICS = ['vus', 'vus_max', 'iterations', 'iteration_duration', 'dropped_iterations'];
const NETWORK_METRICS = ['data_sent', 'data_received'];
/** What compact mode leaves out (k6 matches these as name prefixes). */
const COMPACT_SKIPPED = [
  'checks',
  'group_duration',
  'http_req_blocked',
  'http_req_connecting',
  'http_req_receiving',
  'http_req_sending',
  'http_req_tls_handshaking',
  'http_req_waiting',
];

const startsWithOneOf = (name: string, prefixes: readonly string[]): boolean =>
  prefixes.some((prefix) => name.startsWith(prefix));

/** The TOTAL RESULTS sections in k6's order (custom first), each metric named. */
function sectioned(
  metrics: Readonly<Record<string, EndOfTestMetric>>,
  hide: (name: string) => boolean,
): Array<[string, Record<string, NamedMetric>]> {
  const sections: Record<string, Record<string, NamedMetric>> = {
    http: {},
    execution: {},
    network: {},
    browser: {},
    webvitals: {},
    grpc: {},
    websocket: {},
    custom: {},
  };
  for (const name of Object.keys(metrics)) {
    if (startsWithOneOf(name, COMPACT_SKIPPED) || hide(name)) continue;
    const metric: NamedMetric = { ...metrics[name]!, name };
    const section = startsWithOneOf(name, HTTP_METRICS)
      ? 'http'
      : startsWithOneOf(name, EXECUTION_METRICS)
        ? 'execution'
        : startsWithOneOf(name, NETWORK_METRICS)
          ? 'network'
          : name.startsWith('browser_web_vital_')
            ? 'webvitals'
            : name.startsWith('browser_')
              ? 'browser'
              : name.startsWith('grpc_')
                ? 'grpc'
                : name.startsWith('ws_')
                  ? 'websocket'
                  : 'custom';
    sections[section]![name] = metric;
  }
  const entries = Object.entries(sections).filter(([, members]) => Object.keys(members).length > 0);
  return [...entries.filter(([name]) => name === 'custom'), ...entries.filter(([name]) => name !== 'custom')];
}

/** Precomputed columns of a set of metrics (k6's computeSummaryInfo). */
interface Columns {
  readonly maxNameWidth: number;
  readonly trendCols: Record<string, string[]>;
  readonly trendKeys: Record<string, Record<string, string>>;
  readonly trendColWidths: number[];
  readonly mainValues: Record<string, string>;
  readonly extras: Record<string, string[]>;
  readonly mainValueWidth: number;
  readonly extraWidths: number[];
}

function columns(metrics: Readonly<Record<string, NamedMetric>>, level: number, settings: Settings): Columns {
  const result: Columns = {
    maxNameWidth: 0,
    trendCols: {},
    trendKeys: {},
    trendColWidths: settings.trendStats.map(() => 0),
    mainValues: {},
    extras: {},
    mainValueWidth: 0,
    extraWidths: [],
  };
  let maxNameWidth = 0;
  let mainValueWidth = 0;
  for (const name of sortByName(Object.keys(metrics))) {
    const metric = metrics[name]!;
    maxNameWidth = Math.max(maxNameWidth, width(indent(level, displayName(name))));
    if (metric.type === 'trend') {
      const trendValue = (stat: string, value: number | undefined): string =>
        value === undefined
          ? 'n/a'
          : stat === 'count'
            ? String(value)
            : humanizeValue(value, metric, settings.timeUnit);
      const cols = settings.trendStats.map((stat) => trendValue(stat, metric.values[stat]));
      cols.forEach(
        (col, index) => (result.trendColWidths[index] = Math.max(result.trendColWidths[index]!, width(col))),
      );
      result.trendCols[name] = cols;
      result.trendKeys[name] = Object.fromEntries(
        Object.entries(metric.values)
          .filter(([stat]) => !settings.trendStats.includes(stat))
          .map(([stat, value]) => [stat, trendValue(stat, value)]),
      );
    } else {
      const [main, ...extras] = nonTrendValues(metric, settings.timeUnit);
      result.mainValues[name] = main!;
      mainValueWidth = Math.max(mainValueWidth, width(main!));
      result.extras[name] = extras;
      extras.forEach(
        (extra, index) => (result.extraWidths[index] = Math.max(result.extraWidths[index] ?? 0, width(extra))),
      );
    }
  }
  return { ...result, maxNameWidth, mainValueWidth };
}

function nonTrendValues(metric: EndOfTestMetric, timeUnit: string): string[] {
  const value = (key: string): number => metric.values[key] ?? 0;
  switch (metric.type) {
    case 'counter':
      return [humanizeValue(value('count'), metric, timeUnit), `${humanizeValue(value('rate'), metric, timeUnit)}/s`];
    case 'gauge':
      return [
        humanizeValue(value('value'), metric, timeUnit),
        `min=${humanizeValue(value('min'), metric, timeUnit)}`,
        `max=${humanizeValue(value('max'), metric, timeUnit)}`,
      ];
    case 'rate':
      return [
        humanizeValue(value('rate'), metric, timeUnit),
        `${value('passes')} out of ${value('passes') + value('fails')}`,
      ];
    default:
      return ['[no data]'];
  }
}

function metricLine(name: string, metric: NamedMetric, info: Columns, level: number, settings: Settings): string {
  const { colors } = settings;
  const shown = displayName(name);
  const dots = Math.max(3, info.maxNameWidth - (width(shown) + width(indent(level, ''))) + 3);
  const dotted = shown + colors.decorate(`${'.'.repeat(dots)}:`, 'white', 'faint');
  let data: string;
  if (metric.type === 'trend') {
    data = info.trendCols[name]!.map(
      (col, index) =>
        `${settings.trendStats[index]}=${colors.decorate(col, 'cyan')}${' '.repeat(info.trendColWidths[index]! - width(col))}`,
    ).join(' ');
  } else {
    const main = info.mainValues[name]!;
    const extras = info.extras[name] ?? [];
    data = colors.decorate(main, 'cyan') + ' '.repeat(info.mainValueWidth - width(main));
    if (extras.length === 1) data += ` ${colors.decorate(extras[0]!, 'cyan', 'faint')}`;
    else if (extras.length > 1)
      data += ` ${extras.map((extra, index) => colors.decorate(extra, 'cyan', 'faint') + ' '.repeat(info.extraWidths[index]! - width(extra))).join(' ')}`;
  }
  return indent(level, `${dotted} ${data}`);
}

function renderMetricSections(sections: Array<[string, Record<string, NamedMetric>]>, settings: Settings): string[] {
  const all: Record<string, NamedMetric> = Object.assign({}, ...sections.map(([, members]) => members));
  const info = columns(all, 1, settings);
  return sections.flatMap(([section, members]) => [
    indent(1, settings.colors.bold(section.toUpperCase())),
    ...sortByName(Object.keys(members)).map((name) => metricLine(name, members[name]!, info, 1, settings)),
    '\n',
  ]);
}

function allChecks(group: EndOfTestGroup): Array<{ name: string; passes: number; fails: number }> {
  return [...group.checks, ...group.groups.flatMap(allChecks)];
}

/** checks_total, checks_succeeded, checks_failed, a blank line, then each check (k6's renderChecks). */
function renderChecks(
  checks: EndOfTestMetric,
  list: ReadonlyArray<{ name: string; passes: number; fails: number }>,
  durationMs: number,
  settings: Settings,
): string[] {
  const total = (checks.values.passes ?? 0) + (checks.values.fails ?? 0);
  const succeeded = checks.values.passes ?? 0;
  const metrics: Record<string, NamedMetric> = {
    checks_total: {
      name: 'checks_total',
      type: 'counter',
      contains: 'default',
      values: { count: total, rate: durationMs > 0 ? total / (durationMs / 1000) : 0 },
    },
    checks_succeeded: {
      name: 'checks_succeeded',
      type: 'rate',
      contains: 'default',
      values: { rate: total > 0 ? succeeded / total : 0, passes: succeeded, fails: total - succeeded },
    },
    // k6 fills checks_failed's passes with the failed checks (data.go populateSummaryChecks)
    checks_failed: {
      name: 'checks_failed',
      type: 'rate',
      contains: 'default',
      values: { rate: total > 0 ? (total - succeeded) / total : 0, passes: total - succeeded, fails: succeeded },
    },
  };
  const info = columns(metrics, 1, settings);
  const lines = Object.keys(metrics).map((name) => metricLine(name, metrics[name]!, info, 1, settings));
  const { colors } = settings;
  const checkLines = list.map((check) => {
    if (check.fails === 0) return indent(1, colors.decorate(`${PASS} ${check.name}`, 'green'));
    const share = Math.floor((100 * check.passes) / (check.passes + check.fails));
    return `${indent(1, colors.decorate(`${FAIL} ${check.name}`, 'red'))}\n${indent(2, colors.decorate(`${SUBTITLE_PREFIX}  ${share}% — ${PASS} ${check.passes} / ${FAIL} ${check.fails}`, 'red'))}`;
  });
  return [...lines, '\n', ...checkLines];
}

function renderThresholds(metrics: Record<string, NamedMetric>, settings: Settings, level: number): string[] {
  const info = columns(metrics, level, settings);
  const lines: string[] = [];
  for (const name of sortByName(Object.keys(metrics))) {
    const parent = name.split('{', 1)[0]!;
    const nested = name.length > parent.length && metrics[parent] !== undefined;
    const inner = nested ? level + 1 : level;
    lines.push(indent(inner, nested ? name.slice(parent.length) : name));
    const metric = metrics[name]!;
    for (const threshold of metric.thresholdList ?? []) {
      const status = threshold.ok ? settings.colors.decorate(PASS, 'green') : settings.colors.decorate(FAIL, 'red');
      const aggregation = threshold.source.split(/[=><]/)[0]!.trim();
      let value: string | undefined;
      if (metric.type === 'trend') {
        const index = settings.trendStats.indexOf(aggregation);
        value = index >= 0 ? info.trendCols[name]?.[index] : info.trendKeys[name]?.[aggregation];
      } else if (metric.type === 'counter') {
        value = aggregation === 'count' ? info.mainValues[name] : info.extras[name]?.[0];
      } else {
        value = info.mainValues[name];
      }
      const source = settings.colors.decorate(`'${threshold.source.trim()}'`, 'white');
      lines.push(
        indent(
          inner,
          `${status} ${source} ${settings.colors.decorate(aggregation, 'white')}=${settings.colors.decorate(value ?? 'n/a', 'cyan')}`,
        ),
      );
    }
    lines.push('\n');
  }
  return lines;
}
