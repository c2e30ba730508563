import { describe, expect, test } from 'vitest';
import { analyseRun, type Analysis } from '../analysis/index.ts';
import { REPORT_FIXTURES } from '../fixtures/report-fixtures.ts';
import { linearSteps, simulateRun, simulatedRunResult } from '../fixtures/simulated-run.ts';
import { formatClock } from './format.ts';
import { RENDERERS } from './index.ts';
import { renderJson } from './json.ts';
import { renderJunit } from './junit.ts';
import { renderMarkdown } from './markdown.ts';

function breakpointAnalysis(): Analysis {
  const simulation = simulateRun({
    steps: linearSteps(6, 4, 8, 30),
    stages: { verify_nik: { baseMs: 50, servers: 2, serviceMs: 200 } },
    seed: 1,
    lostWriteShare: 0.02,
  });
  const result = simulatedRunResult(simulation);
  return analyseRun({
    ...result,
    thresholds: [
      { metric: 'http_req_duration{stage:verify_nik}', expression: 'p(95)<3000', ok: false },
      { metric: 'http_req_failed', expression: 'rate<0.5', ok: true },
      { metric: 'iteration_duration', expression: 'p(99)<3000' },
      // bookkeeping: declared only so handleSummary gets the counts; they can never fail
      { metric: 'funnel_stage{stage:landing,result:entered}', expression: 'count>=0', ok: true },
      { metric: 'iterations{scenario:breakpoint}', expression: 'count>=0', ok: true },
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
    expect(xml.match(/<testcase /g)).toHaveLength(6);
    expect(xml).toContain('<failure message="threshold p(95)&lt;3000 on http_req_duration{stage:verify_nik} failed"/>');
    expect(xml).toContain('<skipped message="no summary.json result for this threshold"/>');
    expect(xml).toMatch(
      /every acknowledged record was stored.*<failure message="\d+ acknowledged records were not stored"\/>/,
    );
    expect(xml).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="floodgate" tests="6" failures="3">/,
    );
  });

  test('leaves out the count>=0 bookkeeping thresholds, which can never fail', () => {
    expect(xml).not.toContain('count&gt;=0');
    expect(analysis.thresholds.map((threshold) => threshold.expression)).not.toContain('count>=0');
  });

  test("carries the report's own verdict as a test case", () => {
    expect(analysis.verdict.status).toBe('not-ready');
    expect(xml).toMatch(
      /<testcase name="capacity covers an 80,000\/min opening \(report verdict\)" classname="floodgate.report"><failure message="Not ready for an 80,000\/min opening: Capacity ≈ /,
    );
  });

  test.each([
    [
      {
        metric: 'http_req_duration{stage:verify_nik}',
        expression: 'p(95)<3000',
        ok: false,
        measured: 3120.4,
        unit: 'ms',
      },
      'http_req_duration{stage:verify_nik}: p(95)=3,120 ms ≥ 3,000 ms (threshold p(95)&lt;3000)',
    ],
    [
      { metric: 'http_req_failed', expression: 'rate==0', ok: false, measured: 0.0125 },
      'http_req_failed: rate=0.0125 ≠ 0 (threshold rate==0)',
    ],
    [
      { metric: 'checks', expression: 'rate>0.99', ok: false, measured: 0.95 },
      'checks: rate=0.95 ≤ 0.99 (threshold rate&gt;0.99)',
    ],
    [{ metric: 'iterations', expression: 'count==1', ok: false }, 'threshold count==1 on iterations failed'],
  ] as const)('a failed threshold %j says what was measured', (threshold, message) => {
    expect(renderJunit({ ...analysis, thresholds: [threshold] })).toContain(`<failure message="${message}"/>`);
  });

  test.each([
    ['pass', undefined],
    ['ready', undefined],
    ['fail', 'failure'],
    ['not-ready', 'failure'],
    ['invalid', 'skipped'],
    ['limit-not-reached', 'skipped'],
    ['unknown', 'skipped'],
  ] as const)('a %s verdict makes the verdict case %s', (status, kind) => {
    const xml = renderJunit({ ...analysis, verdict: { ...analysis.verdict, status } });
    const verdictCase = /<testcase name="[^"]*\(report verdict\)"[^>]*>(.*?)<\/testcase>/.exec(xml)![1]!;
    if (kind === undefined) expect(verdictCase).toBe('');
    else expect(verdictCase).toMatch(new RegExp(`^<${kind} message="`));
  });
});

describe('report.md', () => {
  test('opens with the answer and carries the same sections as report.html, forecast included', () => {
    const markdown = renderMarkdown(analysis);
    const lines = markdown.split('\n');
    expect(lines[2]).toBe(`## ${analysis.answer.headline}`);
    expect(lines[4]).toBe(`**Can we take the 80,000-a-minute opening?** ${analysis.answer.questions[0].answer}`);
    for (const heading of [
      '## Validity',
      '## Key figures',
      '## Forecast for an 80,000/min opening',
      '## Load steps',
      '### p95 latency per step',
      '## Stages over the whole run',
      '## Funnel',
      '## Reconciliation',
      '## Universal Scalability Law',
      '## k6 thresholds',
    ]) {
      expect(markdown).toContain(heading);
    }
    expect(markdown).toContain('| step | offered (new applicants/min) | started (/min) |');
    expect(markdown).toContain('| surge shape | largest queue (applicants) | longest wait |');
  });

  test('escapes untrusted text: no link, image, HTML or entity from run.json or summary.json survives, and count<=10 reads as written', () => {
    const hostile = REPORT_FIXTURES.find((fixture) => fixture.name === 'hostile-text')!;
    const markdown = renderMarkdown(analyseRun(hostile.run()));
    // outside code spans, every [ and < is backslash-escaped, and no & starts an entity
    const prose = markdown.replace(/(?<!`)(`+)(?!`)[\s\S]*?(?<!`)\1(?!`)/g, '');
    expect(prose).not.toMatch(/(?<!\\)[[<]/);
    expect(prose).not.toMatch(/(?<!\\)&[a-z#]/i);
    expect(markdown).toContain('this !\\[x\\](http://evil.example/x.png) \\<img src=x onerror=alert(1)> run');
    expect(markdown).toContain('| `iterations{scenario:[x](javascript:alert(1))}` | `count<=10` | 150 | FAIL |');
    expect(markdown).toContain('| `http_req_failed` | `` rate<0.01 \\| `tick` `` | 0 | pass |');
    expect(markdown).not.toContain('&lt;');
  });
});

describe('the renderer list', () => {
  test('writes the four formats', () => {
    expect(RENDERERS.map((renderer) => renderer.file)).toEqual([
      'report.html',
      'report.md',
      'report.json',
      'junit.xml',
    ]);
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
