import { describe, expect, test } from 'vitest';
import { analyseRun } from '../analysis/index.ts';
import { linearSteps, simulateRun, simulatedRunResult } from '../fixtures/simulated-run.ts';
import { chartMinutes, plannedChart } from './charts.ts';

const analysis = analyseRun(
  simulatedRunResult(simulateRun({ steps: linearSteps(4, 4, 8, 30), stages: {}, seed: 2, lostWriteShare: 0 })),
);

/** The points of one named series of an SVG line chart, as [x, y] pixels. */
function seriesPoints(svg: string, name: string): number[][] {
  const match = new RegExp(`<path d="([^"]*)"[^>]*><title>${name}</title>`).exec(svg);
  if (!match) throw new Error(`no series "${name}" in the chart`);
  return [...match[1]!.matchAll(/[ML]([-\d.]+) ([-\d.]+)/g)].map((point) => [Number(point[1]), Number(point[2])]);
}

describe('time-series charts', () => {
  test('a window that opens before the scenario starts sits at 0:00, not before it', () => {
    expect(chartMinutes({ scenarioStartSeconds: 100.75 }, 100)).toBe(0);
    expect(chartMinutes({ scenarioStartSeconds: 100.75 }, 110)).toBeCloseTo(9.25 / 60, 12);
  });

  test('draw every window, the first one included, when the scenario starts inside it', () => {
    const { rows } = analysis.windows;
    expect(rows.length).toBeGreaterThan(3);
    const late = { ...analysis, scenarioStartSeconds: rows[0]!.startSeconds + 0.75 };
    const points = seriesPoints(plannedChart(late), 'journeys started');
    expect(points).toHaveLength(rows.length);
    expect(points[0]![0]).toBeLessThan(points[1]![0]!);
  });
});
