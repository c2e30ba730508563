/**
 * Every panel's unit matches what its queries measure: a duration in seconds, a share of 0–1 in
 * percent, a multiple of an objective in ×, a per-second rate in a per-second unit, a count in
 * `short`. A query's kind is read from the query itself (what it divides by, which functions and
 * series it reads), so a unit that does not fit (percent on "share ÷ allowed", which reads 32.6
 * for a stage failing 32.6 times its budget and Grafana would print as 3260 %) fails here.
 * Series on a right axis are held to that axis's unit. Units are Grafana unit ids from
 * grafana-foundation-sdk's units list, or `suffix:<text>` with no space (Grafana adds one).
 */

import { describe, expect, test } from 'vitest';
import * as units from '@grafana/grafana-foundation-sdk/units';
import { RUN_METRICS } from '../contracts/metrics.ts';
import { DASHBOARDS } from './index.ts';
import { placePanels } from './panels.ts';

type Kind = 'constant' | 'multiple' | 'per-applicant' | 'duration' | 'share' | 'rate' | 'count';

/** What a query measures, from its text. */
export function kindOf(expr: string): Kind {
  if (/^vector\([\d.]+\)$/.test(expr)) return 'constant';
  if (/\/ on \([^)]*\)(?: group_left \(\))? (?:max by \(stage\) \()?[\w:]+:objective/.test(expr)) return 'multiple';
  if (
    new RegExp(
      `^sum[^/]*${RUN_METRICS.httpRequests.name}[^/]* / sum[^/]*${RUN_METRICS.funnelStage.name}\\{[^}]*result="entered"`,
    ).test(expr)
  )
    return 'per-applicant';
  if (/histogram_quantile|_seconds(?::objective)?\b(?!_)/.test(expr.replace(/_seconds_bucket/g, ''))) return 'duration';
  if (/ \/ |[_:]ratio/.test(expr)) return 'share';
  if (/\brate\(|_rate\{|_rate\)|_per_second/.test(expr)) return 'rate';
  return 'count';
}

const PER_SECOND = (unit: string): boolean => unit === 'reqps' || unit === 'cps' || /^suffix:\S+\/s$/.test(unit);
const FITS: Record<Kind, (unit: string) => boolean> = {
  constant: () => true,
  multiple: (unit) => unit === 'suffix:×',
  'per-applicant': (unit) => unit === 'suffix:requests/applicant',
  duration: (unit) => unit === 's',
  share: (unit) => unit === 'percentunit',
  rate: PER_SECOND,
  count: (unit) => unit === 'short',
};

/** Unit ids the SDK knows (its `units` module mirrors Grafana's unit list). */
const SDK_UNITS = new Set(
  Object.values(units as Record<string, unknown>).filter((value): value is string => typeof value === 'string'),
);

const panels = DASHBOARDS.flatMap((spec) =>
  placePanels(spec).panels.map((placed) => ({ board: spec.title, ...placed.spec })),
);

describe('panel units', () => {
  test.each(panels.map((panel) => [`${panel.board}: ${panel.title}`, panel] as const))(
    '%s has the unit of what it measures',
    (_name, panel) => {
      for (const query of panel.queries) {
        const legend = query.legend.replace(/\{\{\s*(\w+)\s*\}\}/g, '$1');
        const right = panel.rightAxis && new RegExp(`^(?:${panel.rightAxis.match})$`).test(legend);
        const unit = right ? panel.rightAxis!.unit : panel.unit;
        const kind = kindOf(query.expr);
        expect(FITS[kind](unit), `${query.legend}: a ${kind} in ${unit} (${query.expr})`).toBe(true);
      }
    },
  );

  test('every unit is a Grafana unit id or a suffix without a leading space', () => {
    const all = panels.flatMap((panel) => [panel.unit, ...(panel.rightAxis ? [panel.rightAxis.unit] : [])]);
    expect(SDK_UNITS.size).toBeGreaterThan(50);
    expect(all.filter((unit) => !(SDK_UNITS.has(unit) || /^suffix:\S/.test(unit)))).toEqual([]);
  });

  test('the kind reader tells the shapes apart', () => {
    expect(
      kindOf(
        '(sum by (stage) (rate(a[1m])) or (sum by (stage) (rate(b[1m]))) * 0) / (sum by (stage) (rate(b[1m]))) / on (stage) max by (stage) (stage:x_ratio:objective)',
      ),
    ).toBe('multiple');
    expect(kindOf('histogram_quantile(0.95, sum by (le) (rate(x_seconds_bucket[1m])))')).toBe('duration');
    expect(kindOf('sum by (stage) (rate(x_total[1m]))')).toBe('rate');
    expect(kindOf('sum (last_over_time(a_total[1h])) / sum (last_over_time(b_total[1h]))')).toBe('share');
    expect(kindOf('sum by (stage) (x_records)')).toBe('count');
    expect(
      kindOf(
        `sum (rate(${RUN_METRICS.httpRequests.name}{run=~"$run"}[1m])) / sum (rate(${RUN_METRICS.funnelStage.name}{stage="landing", result="entered"}[1m]))`,
      ),
    ).toBe('per-applicant');
    expect(
      kindOf(
        `clamp_min(1 - sum (rate(${RUN_METRICS.funnelStage.name}{result="entered"}[1m])) / sum (rate(${RUN_METRICS.httpRequests.name}[1m])), 0)`,
      ),
    ).toBe('share');
  });
});
