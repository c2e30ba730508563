/**
 * What every floodgate board shares: the provisioned datasource, the `datasource` / `run` /
 * `stage` variables, run start and end annotations, and one small declarative panel shape turned
 * into grafana-foundation-sdk builders. A board file lists rows of panels; layout (gridPos) and
 * stable panel ids come from here.
 */

import {
  AnnotationQueryBuilder,
  CustomVariableBuilder,
  DashboardBuilder,
  DashboardCursorSync,
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  RowBuilder,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  VariableRefresh,
  VariableSort,
  type Dashboard,
  type DynamicConfigValue,
} from '@grafana/grafana-foundation-sdk/dashboard';
import * as bargauge from '@grafana/grafana-foundation-sdk/bargauge';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { FUNNEL_STAGES } from '../contracts/funnel.ts';
import { RUN_METRICS } from '../contracts/metrics.ts';
import { oneOf, RUN_VARIABLE, series } from '../contracts/promql.ts';

/** uid of the Prometheus datasource that deploy/grafana/provisioning/datasources provisions. */
export const DATASOURCE_UID = 'floodgate-prometheus';
/** Name of the dashboards' datasource variable; it defaults to {@link DATASOURCE_UID}. */
export const DATASOURCE_VARIABLE = 'datasource';
/** The datasource every panel, target, variable and annotation points at. */
export const DATASOURCE = { type: 'prometheus', uid: `\${${DATASOURCE_VARIABLE}}` } as const;

/** Grafana's grid is 24 columns wide. */
export const GRID_COLUMNS = 24;

/** One PromQL query of a panel. */
export interface QuerySpec {
  readonly expr: string;
  /** Legend template, e.g. `{{stage}}`. */
  readonly legend: string;
  /** Evaluate once at the end of the range (stat, bar gauge and table panels). */
  readonly instant?: boolean;
}

/** A colour step: from `value` upwards (null = from −∞). */
export interface ThresholdStep {
  readonly value: number | null;
  readonly color: string;
}

/** One panel, declared as data. */
export interface PanelSpec {
  readonly kind: 'timeseries' | 'stat' | 'bargauge' | 'table';
  readonly title: string;
  /** Plain words: what the panel shows, and what a bad value means. */
  readonly description: string;
  /** Grafana unit id (`s`, `reqps`, `percentunit`, `short`, `suffix: applicants/s`, …). */
  readonly unit: string;
  readonly queries: readonly QuerySpec[];
  /** Width in grid columns (of 24). */
  readonly width: number;
  /** Height in grid rows (30 px each). */
  readonly height: number;
  readonly min?: number;
  readonly max?: number;
  readonly decimals?: number;
  readonly thresholds?: readonly ThresholdStep[];
  /** Regex on series names drawn as dashed reference lines (SLOs, plans, expectations). */
  readonly referenceSeries?: string;
  /** Regex on series names drawn on a right-hand axis with their own unit. */
  readonly rightAxis?: { readonly match: string; readonly unit: string };
  /** Table transformations; tables default to merging their queries and hiding the time column. */
  readonly transformations?: ReadonlyArray<{ readonly id: string; readonly options: Record<string, unknown> }>;
  /** Stack the series (areas that add up). */
  readonly stacked?: boolean;
  /**
   * Set when the panel may rightly stay empty during a healthy run, saying when; the full-chain
   * test expects data from every other panel.
   */
  readonly emptyWhenHealthy?: string;
}

/** A row of panels. */
export interface RowSpec {
  readonly title: string;
  readonly panels: readonly PanelSpec[];
}

/** One dashboard, declared as data. */
export interface DashboardSpec {
  /** File name under dashboards/generated/. */
  readonly file: string;
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly rows: readonly RowSpec[];
}

/** A panel with the id and position it gets on its board. */
export interface PlacedPanel {
  readonly id: number;
  readonly row: string;
  readonly spec: PanelSpec;
  readonly gridPos: { x: number; y: number; w: number; h: number };
}

/**
 * Ids and positions: row n (from 1) gets id n·100 and its panels n·100+1, n·100+2, …, so adding a
 * panel to one row never renumbers another row (Grafana links to panels by id). Panels flow left
 * to right and wrap at 24 columns.
 */
export function placePanels(spec: DashboardSpec): {
  rows: Array<{ id: number; title: string; y: number }>;
  panels: PlacedPanel[];
} {
  const rows: Array<{ id: number; title: string; y: number }> = [];
  const panels: PlacedPanel[] = [];
  let y = 0;
  spec.rows.forEach((row, rowIndex) => {
    const rowId = (rowIndex + 1) * 100;
    if (row.panels.length >= 100)
      throw new RangeError(`row "${row.title}" has ${row.panels.length} panels; at most 99 fit its id range`);
    rows.push({ id: rowId, title: row.title, y });
    y += 1;
    let x = 0;
    let lineHeight = 0;
    row.panels.forEach((panel, panelIndex) => {
      if (panel.width < 1 || panel.width > GRID_COLUMNS)
        throw new RangeError(`panel "${panel.title}" is ${panel.width} columns wide`);
      if (x + panel.width > GRID_COLUMNS) {
        y += lineHeight;
        x = 0;
        lineHeight = 0;
      }
      panels.push({
        id: rowId + panelIndex + 1,
        row: row.title,
        spec: panel,
        gridPos: { x, y, w: panel.width, h: panel.height },
      });
      x += panel.width;
      lineHeight = Math.max(lineHeight, panel.height);
    });
    y += lineHeight;
  });
  return { rows, panels };
}

/** Builds the classic dashboard JSON model (not v2beta1) for one spec. */
export function buildDashboard(spec: DashboardSpec): Dashboard {
  const builder = new DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags([...spec.tags])
    .time({ from: 'now-30m', to: 'now' })
    .refresh('10s')
    .timezone('browser')
    .tooltip(DashboardCursorSync.Crosshair)
    .readonly()
    .withVariable(datasourceVariable())
    .withVariable(runVariable())
    .withVariable(stageVariable());
  for (const annotation of runAnnotations()) builder.annotation(annotation);

  const { rows, panels } = placePanels(spec);
  for (const row of rows) {
    builder.withRow(new RowBuilder(row.title).id(row.id).gridPos({ x: 0, y: row.y, w: GRID_COLUMNS, h: 1 }));
    for (const panel of panels.filter((candidate) => candidate.row === row.title))
      builder.withPanel(panelBuilder(panel));
  }
  return forGrafana(builder.build());
}

/**
 * What the SDK (v0.0.21) still emits but Grafana 12.2, the version docker-compose.yml pins, no
 * longer reads, brought to 12.2's model:
 * - table `options.footer`: 12.2's table moved footers to `fieldConfig.defaults.custom.footer`
 *   (grafana/grafana#102948) and drops the panel option; ours are off, so it goes.
 * - annotations: the Prometheus datasource reads the query from `target` (`expr`, `interval`,
 *   `refId`) and migrates the old top-level `expr`/`step` on load; the SDK's
 *   `placement: inControlsMenu` would hide the run markers' toggles in the controls menu.
 */
export function forGrafana(dashboard: Dashboard): Dashboard {
  for (const panel of dashboard.panels ?? []) {
    const options = (panel as { type?: string; options?: Record<string, unknown> }).options;
    if ((panel as { type?: string }).type === 'table' && options) delete options.footer;
  }
  for (const annotation of dashboard.annotations?.list ?? []) {
    const legacy = annotation as unknown as Record<string, unknown>;
    if (typeof legacy.expr === 'string') {
      legacy.target = { refId: 'Anno', expr: legacy.expr, interval: legacy.step ?? '', range: true, instant: false };
      delete legacy.expr;
      delete legacy.step;
    }
    delete legacy.placement;
  }
  return dashboard;
}

function datasourceVariable(): DatasourceVariableBuilder {
  return new DatasourceVariableBuilder(DATASOURCE_VARIABLE)
    .label('Prometheus')
    .type('prometheus')
    .current({ selected: true, text: 'Prometheus', value: DATASOURCE_UID });
}

function runVariable(): QueryVariableBuilder {
  const query = `label_values(${series(RUN_METRICS.runInfo)}, run)`;
  return new QueryVariableBuilder('run')
    .label('Run')
    .description('Load-test runs the exporter has seen, newest first (run ids start with their date).')
    .datasource(DATASOURCE)
    .query(query)
    .definition(query)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalDesc)
    .multi(true)
    .includeAll(true)
    .allValue('.+');
}

function stageVariable(): CustomVariableBuilder {
  return (
    new CustomVariableBuilder('stage')
      .label('Stage')
      .description('Funnel stages, in the order an applicant walks them.')
      .values(FUNNEL_STAGES.join(','))
      .multi(true)
      .includeAll(true)
      // "All" is the funnel's stages, not `.+`: requests of helpers outside the funnel (the test
      // mailbox, tagged stage="none") stay out of every stage panel.
      .allValue(oneOf(FUNNEL_STAGES))
      .current({ selected: true, text: ['All'], value: ['$__all'] })
  );
}

/** An annotation query every board carries. */
export interface AnnotationSpec {
  readonly name: string;
  readonly expr: string;
  readonly color: string;
  readonly title: string;
  /** When the query rightly returns nothing. */
  readonly emptyWhenHealthy?: string;
}

const runStart = series(RUN_METRICS.runStart, RUN_VARIABLE);
const runLastSample = series(RUN_METRICS.runLastSample, RUN_VARIABLE);

/**
 * Run start (time of the first sample) and run end (time of the newest sample, once none newer
 * came for a minute). The series value is the time (Grafana's "series value as timestamp").
 */
export const RUN_ANNOTATIONS: readonly AnnotationSpec[] = [
  { name: 'Run start', expr: `${runStart} * 1000`, color: 'green', title: 'run {{run}} started' },
  {
    name: 'Run end',
    expr: `(${runLastSample} * 1000) unless on (run) changes(${runLastSample}[1m]) > 0`,
    color: 'red',
    title: 'run {{run}} ended',
    emptyWhenHealthy: 'until the run has been quiet for a minute',
  },
];

function runAnnotations(): AnnotationQueryBuilder[] {
  return RUN_ANNOTATIONS.map((annotation) =>
    new AnnotationQueryBuilder()
      .name(annotation.name)
      .datasource(DATASOURCE)
      .enable(true)
      .iconColor(annotation.color)
      .expr(annotation.expr)
      .step('10s')
      .titleFormat(annotation.title)
      .tagKeys('run')
      .useValueForTime(true),
  );
}

const DEFAULT_TABLE_TRANSFORMATIONS = [
  { id: 'merge', options: {} },
  { id: 'organize', options: { excludeByName: { Time: true, __name__: true } } },
] as const;

type AnyPanelBuilder = timeseries.PanelBuilder | stat.PanelBuilder | bargauge.PanelBuilder | table.PanelBuilder;

function panelBuilder(placed: PlacedPanel): AnyPanelBuilder {
  const { spec } = placed;
  const builder = kindBuilder(spec);
  builder
    .id(placed.id)
    .title(spec.title)
    .description(spec.description)
    .datasource(DATASOURCE)
    .gridPos(placed.gridPos)
    .unit(spec.unit);
  if (spec.min !== undefined) builder.min(spec.min);
  if (spec.max !== undefined) builder.max(spec.max);
  if (spec.decimals !== undefined) builder.decimals(spec.decimals);
  if (spec.thresholds) {
    builder.thresholds(
      new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps(
        // Grafana encodes the first step (−∞) as null; the SDK's type says number.
        spec.thresholds.map((step) => ({ value: step.value as number, color: step.color })),
      ),
    );
  }
  spec.queries.forEach((query, index) => {
    const target = new prometheus.DataqueryBuilder()
      .datasource(DATASOURCE)
      .refId(String.fromCharCode(65 + index))
      .expr(query.expr)
      .legendFormat(query.legend);
    if (query.instant)
      target
        .instant()
        .format(spec.kind === 'table' ? prometheus.PromQueryFormat.Table : prometheus.PromQueryFormat.TimeSeries);
    else target.range();
    builder.withTarget(target);
  });
  if (spec.referenceSeries) builder.overrideByRegexp(spec.referenceSeries, referenceStyle());
  if (spec.rightAxis) {
    builder.overrideByRegexp(spec.rightAxis.match, [
      { id: 'custom.axisPlacement', value: common.AxisPlacement.Right },
      { id: 'unit', value: spec.rightAxis.unit },
    ]);
  }
  return builder;
}

function referenceStyle(): DynamicConfigValue[] {
  return [
    { id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } },
    { id: 'custom.fillOpacity', value: 0 },
    { id: 'custom.lineWidth', value: 2 },
  ];
}

function lastValue(): common.ReduceDataOptionsBuilder {
  return new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false);
}

function kindBuilder(spec: PanelSpec): AnyPanelBuilder {
  switch (spec.kind) {
    case 'timeseries': {
      const panel = new timeseries.PanelBuilder()
        .legend(
          new common.VizLegendOptionsBuilder()
            .showLegend(true)
            .displayMode(common.LegendDisplayMode.List)
            .placement(common.LegendPlacement.Bottom),
        )
        .tooltip(
          new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending),
        )
        .lineWidth(1)
        .fillOpacity(spec.stacked ? 30 : 8)
        .showPoints(common.VisibilityMode.Never)
        .spanNulls(false);
      if (spec.stacked) panel.stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal));
      return panel;
    }
    case 'stat':
      return new stat.PanelBuilder()
        .reduceOptions(lastValue())
        .graphMode(common.BigValueGraphMode.None)
        .colorMode(common.BigValueColorMode.Background)
        .textMode(common.BigValueTextMode.ValueAndName);
    case 'bargauge':
      return new bargauge.PanelBuilder()
        .reduceOptions(lastValue())
        .displayMode(common.BarGaugeDisplayMode.Gradient)
        .orientation(common.VizOrientation.Horizontal)
        .showUnfilled(true);
    case 'table': {
      const panel = new table.PanelBuilder();
      for (const transformation of spec.transformations ?? DEFAULT_TABLE_TRANSFORMATIONS) {
        panel.withTransformation({ id: transformation.id, options: { ...transformation.options } });
      }
      return panel;
    }
  }
}
