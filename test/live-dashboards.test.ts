/**
 * The live page holds every panel of the generated dashboards, read from their JSON: the same
 * boards, panels, titles, units, thresholds and queries as the dashboard specs in dashboards/,
 * so what the page draws is what Grafana draws. Every panel query, with the variables
 * substituted as the page does, parses in the page's own PromQL evaluator (or is named as one
 * only Prometheus can answer), and every unit is one the page prints as Grafana does.
 */

import { describe, expect, test } from 'vitest';
import { DASHBOARDS } from '../dashboards/index.ts';
import { placePanels } from '../dashboards/panels.ts';
import { loadBoards, loadRecordingRules } from '../exporter/live/index.ts';
import { substitute } from '../exporter/live/model.ts';
import { parsePromql } from '../exporter/live/promql.ts';
import { isKnownUnit } from '../exporter/live/units.ts';

const boards = loadBoards();

describe('the live page and the dashboard JSON', () => {
  test('has the same boards as dashboards/, the launch overview first', () => {
    expect(boards.map((board) => board.uid).sort()).toEqual(DASHBOARDS.map((spec) => spec.uid).sort());
    expect(boards[0]!.uid).toBe('floodgate-launch-overview');
  });

  test.each(DASHBOARDS.map((spec) => [spec.title, spec] as const))(
    '%s: every panel with its title, unit, thresholds and queries',
    (_title, spec) => {
      const board = boards.find((candidate) => candidate.uid === spec.uid)!;
      const expected = placePanels(spec).panels.map((placed) => ({
        key: `${spec.uid}/${placed.id}`,
        title: placed.spec.title,
        type: placed.spec.kind,
        unit: placed.spec.unit,
        decimals: placed.spec.decimals,
        thresholds: placed.spec.thresholds?.map((step) => ({ value: step.value, color: step.color })) ?? [],
        queries: placed.spec.queries.map((query) => ({
          expr: query.expr,
          legend: query.legend,
          instant: query.instant === true,
        })),
      }));
      const actual = board.panels.map((panel) => ({
        key: panel.key,
        title: panel.title,
        type: panel.type,
        unit: panel.unit,
        decimals: panel.decimals,
        thresholds: panel.thresholds,
        queries: panel.targets.map((target) => ({ expr: target.expr, legend: target.legend, instant: target.instant })),
      }));
      expect(actual).toEqual(expected);
    },
  );

  test('the run variable lists runs and "All" stages means the funnel stages only', () => {
    for (const board of boards) {
      expect(board.runQuery).toBe('label_values(floodgate_run_info, run)');
      expect(board.allValues.stage).toBe('landing|register|verify_email|verify_nik|upload_photo|join_batch');
      expect(board.stages).toHaveLength(6);
    }
  });

  test('every panel query, substituted as the page does, parses in the page evaluator', () => {
    const variables = { runs: ['demo-1'], stages: [], rateIntervalSeconds: 20, intervalSeconds: 5, rangeSeconds: 900 };
    const failures: string[] = [];
    for (const board of boards) {
      for (const panel of board.panels) {
        for (const target of panel.targets) {
          try {
            parsePromql(substitute(target.expr, board, variables));
          } catch (error) {
            failures.push(`${panel.title} [${target.refId}]: ${(error as Error).message}`);
          }
        }
      }
    }
    expect(failures).toEqual([]);
  });

  test('every recording rule parses in the page evaluator', () => {
    const rules = loadRecordingRules();
    expect(rules.length).toBeGreaterThan(20);
    for (const rule of rules) expect(() => parsePromql(rule.expr), rule.record).not.toThrow();
  });

  test('every unit, and every override unit, is one the page prints as Grafana does', () => {
    const units = boards.flatMap((board) =>
      board.panels.flatMap((panel) => [
        panel.unit,
        ...panel.overrides.flatMap((override) => (override.unit ? [override.unit] : [])),
      ]),
    );
    expect(units.filter((unit) => !isKnownUnit(unit))).toEqual([]);
  });
});
