/**
 * The generated boards and provisioning read as Grafana 12.2 (the version docker-compose.yml
 * pins) reads them, where the foundation SDK (v0.0.21) still emits older shapes: table panels
 * without `options.footer` (12.2 dropped it for the field config's footer, grafana/grafana#102948),
 * annotation queries under `target` without the SDK's `placement`, and a datasource that names
 * its Prometheus type and version.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, test } from 'vitest';
import { DASHBOARDS, renderDashboard } from './index.ts';
import { datasourceProvisioning, PROMETHEUS_VERSION } from './provisioning.ts';

const ROOT = join(import.meta.dirname, '..');
const boards = DASHBOARDS.map(
  (spec) =>
    [
      spec.title,
      JSON.parse(renderDashboard(spec)) as {
        panels: Array<Record<string, unknown>>;
        annotations: { list: Array<Record<string, unknown>> };
      },
    ] as const,
);

describe('the boards, read as Grafana 12.2 reads them', () => {
  test.each(boards)('%s: table panels carry no options.footer', (_title, board) => {
    const tables = board.panels.filter((panel) => panel.type === 'table');
    for (const table of tables) expect(Object.keys((table.options ?? {}) as object)).not.toContain('footer');
  });

  test.each(boards)(
    '%s: annotations query through target, with no top-level expr, step or placement',
    (_title, board) => {
      expect(board.annotations.list.length).toBeGreaterThan(0);
      for (const annotation of board.annotations.list) {
        expect(annotation).not.toHaveProperty('expr');
        expect(annotation).not.toHaveProperty('step');
        expect(annotation).not.toHaveProperty('placement');
        expect((annotation.target as { expr?: string }).expr).toMatch(/floodgate_run_/);
        expect(annotation.titleFormat).toMatch(/\{\{run\}\}/);
      }
    },
  );

  test('Grafana is pinned to 12.2 and Prometheus to the version the datasource names', () => {
    const compose = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
    expect(compose).toMatch(/image: grafana\/grafana:12\.2\./);
    expect(compose).toContain(`image: prom/prometheus:v${PROMETHEUS_VERSION}`);
  });

  test('the datasource names its Prometheus type and version', () => {
    const provisioned = parse(
      readFileSync(join(ROOT, 'deploy', 'grafana', 'provisioning', 'datasources', 'floodgate.yml'), 'utf8'),
    ) as { datasources: Array<{ jsonData: Record<string, unknown> }> };
    expect(provisioned).toEqual(datasourceProvisioning());
    expect(provisioned.datasources[0]!.jsonData).toMatchObject({
      prometheusType: 'Prometheus',
      prometheusVersion: PROMETHEUS_VERSION,
    });
  });
});
