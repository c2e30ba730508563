import { describe, expect, test } from 'vitest';
import { planScenario } from '../contracts/plan.ts';
import { runTags, webDashboardNote } from './index.ts';
import { plannedStartsBy } from './planned-starts.ts';
import { summaryExport } from './summary-export.ts';
import { checkScenarioVariables } from './variables.ts';

describe('scenario variables', () => {
  test('a variable only another scenario reads is refused, naming that scenario', () => {
    expect(() => checkScenarioVariables('opening', ['SOAK_DURATION'])).toThrow(
      /-e SOAK_DURATION is read by the soak scenario, not by opening.*--scenario soak/,
    );
    expect(() => checkScenarioVariables('smoke', ['RATE_SCALE'])).toThrow(
      /read by the opening and breakpoint and soak scenarios/,
    );
  });

  test('a name no scenario reads is a warning with the closest name this scenario reads', () => {
    expect(checkScenarioVariables('opening', ['WINDOWS', 'ACME_KEY', 'SEED'])).toEqual([
      { name: 'WINDOWS', closest: 'WINDOW' },
      { name: 'ACME_KEY' },
    ]);
  });
});

describe('--tag', () => {
  test('adds run tags beside run, and refuses run= and a pair without =', () => {
    expect(runTags(['team=qa', 'env=ci'], 'r1')).toEqual({ run: 'r1', team: 'qa', env: 'ci' });
    expect(() => runTags(['run=x'], 'r1')).toThrow(/--run-id/);
    expect(() => runTags(['team'], 'r1')).toThrow(/NAME=VALUE/);
  });
});

describe('K6_WEB_DASHBOARD', () => {
  test('with k6 it is passed on, with the dashboard address; on the local engine the live page is offered', () => {
    expect(webDashboardNote({ K6_WEB_DASHBOARD: 'true' }, 'k6')).toContain('http://127.0.0.1:5665');
    expect(webDashboardNote({ K6_WEB_DASHBOARD: 'true', K6_WEB_DASHBOARD_PORT: '-1' }, 'k6')).toContain(
      'server is off',
    );
    expect(webDashboardNote({ K6_WEB_DASHBOARD: 'true' }, 'local')).toMatch(
      /needs k6.*floodgate exporter --follow.*\/live/,
    );
    expect(webDashboardNote({}, 'local')).toBeUndefined();
    expect(webDashboardNote({ K6_WEB_DASHBOARD: 'false' }, 'local')).toBeUndefined();
  });
});

describe('--summary-export', () => {
  test("has k6's old export shape: values flattened, rate as value, thresholds true when failed, groups and checks by name", () => {
    const data = {
      root_group: {
        name: '',
        path: '',
        id: 'a',
        groups: [
          {
            name: 'child',
            path: '::child',
            id: 'b',
            groups: [],
            checks: [{ name: 'check1', path: '::child::check1', id: 'c', passes: 30, fails: 0 }],
          },
        ],
        checks: [],
      },
      options: { summaryTrendStats: ['avg'], summaryTimeUnit: '', noColor: false },
      state: { isStdOutTTY: false, isStdErrTTY: false, testRunDurationMs: 1000 },
      metrics: {
        checks: {
          type: 'rate',
          contains: 'default',
          values: { rate: 0.75, passes: 45, fails: 15 },
          thresholds: { 'rate>70': { ok: true } },
        },
        http_reqs: {
          type: 'counter',
          contains: 'default',
          values: { count: 3, rate: 3 },
          thresholds: { 'rate<100': { ok: false } },
        },
      },
    };
    expect(JSON.parse(summaryExport(data))).toEqual({
      root_group: {
        name: '',
        path: '',
        id: 'a',
        groups: {
          child: {
            name: 'child',
            path: '::child',
            id: 'b',
            groups: {},
            checks: { check1: { name: 'check1', path: '::child::check1', id: 'c', passes: 30, fails: 0 } },
          },
        },
        checks: {},
      },
      metrics: {
        checks: { value: 0.75, passes: 45, fails: 15, thresholds: { 'rate>70': false } },
        http_reqs: { count: 3, rate: 3, thresholds: { 'rate<100': true } },
      },
    });
    expect(summaryExport(data)).toContain('\n    "root_group"');
  });
});

describe('planned starts, where k6 puts them', () => {
  test('a ramping-arrival-rate plan starts floor(integral) by a time: no 60 of 59 at the end', () => {
    const plan = planScenario(
      'opening',
      { RUN_ID: 'r', RATE_SCALE: '0.001', TIME_SCALE: '60', WINDOW: '0-10' },
      () => '',
    );
    const end = plannedStartsBy(plan, plan.durationSeconds);
    expect(end).toBe(Math.floor(plan.plannedArrivals + 1e-9));
    expect(plannedStartsBy(plan, plan.durationSeconds + 30)).toBe(end);
    expect(plannedStartsBy(plan, 0)).toBe(0);
  });

  test('a constant-arrival-rate plan starts one at 0 and one per period', () => {
    const plan = planScenario('soak', { RUN_ID: 'r', SOAK_RATE: '2', SOAK_DURATION: '10s' }, () => '');
    expect(plannedStartsBy(plan, 0)).toBe(1);
    expect(plannedStartsBy(plan, 1)).toBe(3);
    expect(plannedStartsBy(plan, 10)).toBe(20);
  });
});
