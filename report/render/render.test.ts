import { describe, expect, test } from 'vitest';
import { analyseRun, type Analysis } from '../analysis/index.ts';
import { linearSteps, simulateRun, simulatedRunResult } from '../fixtures/simulated-run.ts';
import { formatClock } from './format.ts';
import { RENDERERS } from './index.ts';
import { renderJson } from './json.ts';
import { renderJunit } from './junit.ts';
import { renderMarkdown } from './markdown.ts';

function breakpointAnalysis(): Analysis {
  const simulation = simulateRun({ steps: linearSteps(6, 4, 8, 30), stages: { verify_nik: { baseMs: 50, servers: 2, serviceMs: 200 } }, seed: 1, lostWriteShare: 0.02 });
  const result = simulatedRunResult(simulation);
  return analyseRun({
    ...result,
    thresholds: [
      { metric: 'http_req_duration{stage:verify_nik}', expression: 'p(95)<3000', ok: false },
      { metric: 'http_req_failed', expression: 'rate<0.5', ok: true },
      { metric: 'iteration_duration', expression: 'p(99)<3000' },
    ],
  });
}

const analysis = breakpointAnalysis();

describe('report.json', () => {
  const document = JSON.parse(renderJson(analysis)) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- reading arbitrary JSON paths

  test('holds the keys machines read', () => {
    expect(document.valid).toBe(true);
    expect(document.capacity.sustainedPerMinute).toBe(analysis.capacity.sustainedPerMinute);
    expect(document.capacity.range).toEqual([...analysis.capacity.range]);
    expect(document.capacity.limitingStage).toBe('verify_nik');
    expect(document.capacity.limitingStageThroughputPerSecond).toBeGreaterThan(0);
    expect(document.funnel.register.completed).toBe(analysis.funnel.stages.register.completed);
    expect(document.reconciliation.lost).toBe(analysis.reconciliation.lost);
    expect(document.reconciliation.lost).toBeGreaterThan(0);
    expect(document.verdict.status).toBe('not-ready');
    expect(document.steps).toHaveLength(8);
  });

  test('keeps numbers to six significant digits', () => {
    const numbers: number[] = [];
    JSON.parse(renderJson(analysis), (_key, value: unknown) => {
      if (typeof value === 'number') numbers.push(value);
      return value;
    });
    expect(numbers.length).toBeGreaterThan(1000);
    for (const value of numbers) expect(Number(value.toPrecision(6))).toBe(value);
  });
});

describe('junit.xml', () => {
  const xml = renderJunit(analysis);
  test('has a case per threshold plus the report checks, failures where they failed', () => {
    expect(xml.match(/<testcase /g)).toHaveLength(5);
    expect(xml).toContain('<failure message="threshold p(95)&lt;3000 on http_req_duration{stage:verify_nik} failed"/>');
    expect(xml).toContain('<skipped message="no summary.json result for this threshold"/>');
    expect(xml).toMatch(/every acknowledged record was stored.*<failure message="\d+ acknowledged records were not stored"\/>/);
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="floodgate" tests="5" failures="2">/);
  });
});

describe('report.md', () => {
  test('opens with the verdict and carries the tables', () => {
    const markdown = renderMarkdown(analysis);
    expect(markdown.split('\n')[2]).toBe(`**${analysis.verdict.headline}.** ${analysis.verdict.text}`);
    expect(markdown).toContain('| step | offered | achieved |');
    expect(markdown).toContain('## Reconciliation');
  });
});

describe('the renderer list', () => {
  test('writes the four formats', () => {
    expect(RENDERERS.map((renderer) => renderer.file)).toEqual(['report.html', 'report.md', 'report.json', 'junit.xml']);
    for (const renderer of RENDERERS) expect(renderer.render(analysis).length).toBeGreaterThan(500);
  });
});

describe('clock labels', () => {
  test.each([
    [0, '0:00'],
    [75, '1:15'],
    [-30, '-0:30'],
    [-0.2, '0:00'],
  ])('%d seconds reads %s', (seconds, text) => {
    expect(formatClock(seconds)).toBe(text);
  });
});
