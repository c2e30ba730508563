import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, test } from 'vitest';
import { ALL_METRICS } from '../contracts/metrics.ts';
import { panelQueries, substituteVariables } from './check.ts';
import { DASHBOARDS, DEFAULT_OUTPUT, GENERATED_MARKER, generateFiles } from './index.ts';
import {
  buildDashboard,
  DATASOURCE_UID,
  DATASOURCE_VARIABLE,
  GRID_COLUMNS,
  placePanels,
  type DashboardSpec,
  type PanelSpec,
} from './panels.ts';
import { quantile, seriesNames, series, shareOf, sumRate, eq } from '../contracts/promql.ts';
import { RULE_FILES, type RecordingRule } from '../deploy/prometheus/rules/index.ts';

const REPO = join(import.meta.dirname, '..');

/** Series names Prometheus makes itself. */
const BUILT_IN = new Set(['up', 'ALERTS', 'ALERTS_FOR_STATE', 'scrape_duration_seconds', 'scrape_samples_scraped']);

const CATALOG_SERIES = new Set(
  ALL_METRICS.flatMap((metric) =>
    metric.type === 'histogram'
      ? [`${metric.name}_bucket`, `${metric.name}_sum`, `${metric.name}_count`]
      : [metric.name],
  ),
);
const RECORDED_SERIES = new Set(
  RULE_FILES.flatMap((file) =>
    file.groups.flatMap((group) => group.rules.flatMap((rule) => ('record' in rule ? [rule.record] : []))),
  ),
);

type JsonPanel = {
  id: number;
  type: string;
  title: string;
  description?: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type: string; uid: string };
  targets?: Array<{ expr: string; refId: string; datasource?: { uid: string }; legendFormat?: string }>;
  fieldConfig?: { defaults?: { unit?: string } };
};

function jsonPanels(spec: DashboardSpec): JsonPanel[] {
  return (buildDashboard(spec).panels ?? []) as unknown as JsonPanel[];
}

const boards = DASHBOARDS.map((spec) => [spec.title, spec] as const);

describe('the generated files', () => {
  test('are committed and up to date (else: run npx floodgate dashboards)', () => {
    const stale = generateFiles()
      .filter(
        (file) => !existsSync(join(REPO, file.path)) || readFileSync(join(REPO, file.path), 'utf8') !== file.content,
      )
      .map((file) => file.path);
    expect(stale, 'stale generated files: run npx floodgate dashboards').toEqual([]);
  });

  test('include no dashboard that is no longer generated', () => {
    const generated = new Set(DASHBOARDS.map((spec) => spec.file));
    const onDisk = readdirSync(join(REPO, DEFAULT_OUTPUT.dashboards)).filter((name) => name.endsWith('.json'));
    expect(onDisk.filter((name) => !generated.has(name))).toEqual([]);
  });

  test('carry a do-not-edit banner', () => {
    for (const file of generateFiles()) {
      if (file.path.endsWith('.json')) expect(JSON.parse(file.content)[GENERATED_MARKER]).toMatch(/do not edit/);
      else expect(file.content.split('\n')[0]).toMatch(/^# GENERATED .* do not edit/);
    }
  });
});

describe.each(boards)('the %s board', (_title, spec) => {
  const panels = jsonPanels(spec);
  const content = panels.filter((panel) => panel.type !== 'row');

  test('has unique panel ids, rows included', () => {
    const ids = panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => Number.isInteger(id) && id > 0)).toBe(true);
  });

  test('places panels inside the 24 columns without overlap', () => {
    for (const panel of panels) expect(panel.gridPos.x + panel.gridPos.w).toBeLessThanOrEqual(GRID_COLUMNS);
    for (const [index, a] of panels.entries()) {
      for (const b of panels.slice(index + 1)) {
        const overlap =
          a.gridPos.x < b.gridPos.x + b.gridPos.w &&
          b.gridPos.x < a.gridPos.x + a.gridPos.w &&
          a.gridPos.y < b.gridPos.y + b.gridPos.h &&
          b.gridPos.y < a.gridPos.y + a.gridPos.h;
        expect(overlap, `"${a.title}" overlaps "${b.title}"`).toBe(false);
      }
    }
  });

  test('points every panel and every target at the provisioned datasource', () => {
    const provisioned = parse(
      readFileSync(join(REPO, 'deploy/grafana/provisioning/datasources/floodgate.yml'), 'utf8'),
    ) as {
      datasources: Array<{ uid: string; type: string }>;
    };
    expect(provisioned.datasources.map((source) => source.uid)).toEqual([DATASOURCE_UID]);
    const dashboard = buildDashboard(spec);
    const variable = dashboard.templating?.list?.find((candidate) => candidate.name === DATASOURCE_VARIABLE);
    expect(variable?.current?.value).toBe(DATASOURCE_UID);
    const reference = `\${${DATASOURCE_VARIABLE}}`;
    for (const panel of content) {
      expect(panel.datasource?.uid, panel.title).toBe(reference);
      for (const target of panel.targets ?? []) expect(target.datasource?.uid, panel.title).toBe(reference);
    }
  });

  test('gives every panel a unit, a plain-words description and at least one query', () => {
    for (const panel of content) {
      expect(panel.fieldConfig?.defaults?.unit, panel.title).toMatch(/\S/);
      expect(panel.description?.length ?? 0, panel.title).toBeGreaterThan(60);
      expect(panel.targets?.length ?? 0, panel.title).toBeGreaterThan(0);
      const refIds = (panel.targets ?? []).map((target) => target.refId);
      expect(new Set(refIds).size, panel.title).toBe(refIds.length);
    }
  });

  test('never mentions a url label', () => {
    expect(JSON.stringify(buildDashboard(spec))).not.toMatch(/\burl\b/i);
  });

  test('offers the datasource, run (multi) and stage variables, and run start and end annotations', () => {
    const dashboard = buildDashboard(spec);
    const variables = dashboard.templating?.list ?? [];
    expect(variables.map((variable) => variable.name)).toEqual(['datasource', 'run', 'stage']);
    expect(variables.find((variable) => variable.name === 'run')?.multi).toBe(true);
    expect((dashboard.annotations?.list ?? []).map((annotation) => annotation.name)).toEqual(['Run start', 'Run end']);
  });
});

describe('panel queries', () => {
  const queries = panelQueries(DASHBOARDS);

  test('read only catalog metrics, recorded series or Prometheus built-ins', () => {
    const unknown = queries.flatMap((query) =>
      seriesNames(query.expr)
        .filter((name) => !CATALOG_SERIES.has(name) && !RECORDED_SERIES.has(name) && !BUILT_IN.has(name))
        .map((name) => `${query.board} "${query.title}": ${name}`),
    );
    expect(unknown).toEqual([]);
  });

  test('select runs with the run variable wherever they read per-run metrics', () => {
    const perRun = new Set(ALL_METRICS.filter((metric) => metric.labels.includes('run')).map((metric) => metric.name));
    for (const query of queries) {
      const readsRunMetric = seriesNames(query.expr).some((name) =>
        perRun.has(name.replace(/_(bucket|sum|count)$/, '')),
      );
      if (readsRunMetric) expect(query.expr, `${query.board} "${query.title}"`).toContain('run=~"$run"');
    }
  });

  test('take latency quantiles from histogram buckets by stage', () => {
    const latency = queries.filter((query) => query.expr.startsWith('histogram_quantile'));
    expect(latency.length).toBeGreaterThan(0);
    for (const query of latency) {
      expect(query.expr).toMatch(
        /^histogram_quantile\(0\.\d+, sum by \([^)]*\ble\) \(rate\([a-z_]+_bucket(\{[^}]*\})?\[\$__(rate_interval|range)\]\)\)\)/,
      );
    }
  });
});

describe('rules', () => {
  test('record every recorded series the dashboards read, and the dashboards read only recorded ones', () => {
    const read = new Set(
      panelQueries(DASHBOARDS)
        .flatMap((query) => seriesNames(query.expr))
        .filter((name) => name.includes(':')),
    );
    expect([...read].filter((name) => !RECORDED_SERIES.has(name))).toEqual([]);
  });

  test('read only catalog metrics, recorded series or built-ins', () => {
    const unknown = RULE_FILES.flatMap((file) =>
      file.groups.flatMap((group) =>
        group.rules.flatMap((rule) =>
          seriesNames(rule.expr).filter(
            (name) => !CATALOG_SERIES.has(name) && !RECORDED_SERIES.has(name) && !BUILT_IN.has(name),
          ),
        ),
      ),
    );
    expect(unknown).toEqual([]);
  });

  test('carry one constant per stage for each objective, equal to contracts/', () => {
    const objectives = RULE_FILES[0]?.groups[0]?.rules as RecordingRule[];
    const errorObjectives = objectives.filter((rule) => rule.record.includes('slo_error_ratio'));
    expect(errorObjectives.map((rule) => [rule.labels?.stage, rule.expr])).toEqual([
      ['landing', 'vector(0.01)'],
      ['register', 'vector(0.01)'],
      ['verify_email', 'vector(0.01)'],
      ['verify_nik', 'vector(0.01)'],
      ['upload_photo', 'vector(0.01)'],
      ['join_batch', 'vector(0.01)'],
    ]);
  });

  test('give every alert a severity, a summary, a description and a runbook line', () => {
    const alerts = RULE_FILES.flatMap((file) =>
      file.groups.flatMap((group) => group.rules.flatMap((rule) => ('alert' in rule ? [rule] : []))),
    );
    expect(alerts.length).toBeGreaterThanOrEqual(10);
    for (const alert of alerts) {
      expect(alert.labels.severity).toMatch(/^(page|ticket|warning)$/);
      expect(alert.annotations.runbook.length, alert.alert).toBeGreaterThan(40);
      expect(alert.annotations.summary.length, alert.alert).toBeGreaterThan(10);
    }
  });
});

describe('placePanels', () => {
  const panel = (width: number, height = 4): PanelSpec => ({
    kind: 'stat',
    title: `w${width}`,
    description: 'd',
    unit: 'short',
    queries: [{ expr: 'up', legend: '' }],
    width,
    height,
  });
  const layout = (widths: number[][]) =>
    placePanels({
      file: 'x.json',
      uid: 'x',
      title: 'x',
      description: '',
      tags: [],
      rows: widths.map((row, index) => ({ title: `r${index}`, panels: row.map((w) => panel(w)) })),
    });

  test.each([
    {
      widths: [[12, 12]],
      positions: [
        [0, 1],
        [12, 1],
      ],
      ids: [101, 102],
    },
    {
      widths: [[16, 12]],
      positions: [
        [0, 1],
        [0, 5],
      ],
      ids: [101, 102],
    },
    {
      widths: [[24], [8, 8]],
      positions: [
        [0, 1],
        [0, 6],
        [8, 6],
      ],
      ids: [101, 201, 202],
    },
  ])('lays out rows of widths $widths left to right, wrapping at 24 columns', ({ widths, positions, ids }) => {
    const { panels } = layout(widths);
    expect(panels.map((placed) => [placed.gridPos.x, placed.gridPos.y])).toEqual(positions);
    expect(panels.map((placed) => placed.id)).toEqual(ids);
  });

  test('refuses a panel wider than the grid', () => {
    expect(() => layout([[25]])).toThrow(/25 columns/);
  });
});

describe('PromQL helpers', () => {
  test.each([
    { expr: series({ name: 'm_total', type: 'counter', help: '', unit: '', labels: [] }), expected: 'm_total' },
    { expr: series('m', eq('a', 'b'), 'c=~"d"'), expected: 'm{a="b", c=~"d"}' },
    { expr: sumRate('m', ['stage'], '30s'), expected: 'sum by (stage) (rate(m[30s]))' },
    { expr: shareOf('a', 'b'), expected: '(a or (b) * 0) / (b)' },
  ])('render $expected', ({ expr, expected }) => {
    expect(expr).toBe(expected);
  });

  test('build quantiles over the bucket rates of a catalog histogram', () => {
    const histogram = ALL_METRICS.find((metric) => metric.type === 'histogram');
    if (!histogram) throw new Error('the catalog has no histogram');
    expect(quantile(0.95, histogram, ['run=~"$run"'], ['stage'])).toBe(
      `histogram_quantile(0.95, sum by (stage, le) (rate(${histogram.name}_bucket{run=~"$run"}[$__rate_interval])))`,
    );
  });

  test.each([
    { expr: 'sum by (stage) (rate(a_total{x="y"}[5m])) / on (stage) group_left () b:c:d', names: ['a_total', 'b:c:d'] },
    { expr: 'histogram_quantile(0.95, sum by (le) (rate(h_bucket[1m])))', names: ['h_bucket'] },
    { expr: '(x * 1000) unless on (run) changes(x[1m]) > 0 or vector(1e3)', names: ['x'] },
    { expr: 'ALERTS{alertstate="firing", run=~"$run|"}', names: ['ALERTS'] },
  ])('find the series an expression reads: $names', ({ expr, names }) => {
    expect(seriesNames(expr).sort()).toEqual([...names].sort());
  });

  test('substitute variables the way Grafana renders them', () => {
    const values = { runs: ['r1', 'r2'], rateInterval: '15s', interval: '2s', range: '5m' };
    expect(substituteVariables('m{run=~"$run", stage=~"$stage"}[$__rate_interval] [$__range]', values)).toBe(
      'm{run=~"(r1|r2)", stage=~".+"}[15s] [5m]',
    );
    expect(substituteVariables('m{run=~"$run"}', { ...values, runs: ['r1'] })).toBe('m{run=~"r1"}');
  });
});
