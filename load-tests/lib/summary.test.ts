/**
 * The end-of-test text summary (load-tests/lib/summary.ts).
 * The code imports nothing from k6, so Node runs it as it is; split from test/loadtests-lib.test.ts.
 */

import { describe, expect, test } from 'vitest';
import { renderTextSummary, summaryOutputs, type SummaryData } from './summary.ts';

describe('the text summary', () => {
  const data: SummaryData = {
    state: { testRunDurationMs: 12_345 },
    root_group: { name: '', path: '', groups: [], checks: [{ name: 'verify_nik completed', passes: 3, fails: 1 }] },
    metrics: {
      iterations: { type: 'counter', contains: 'default', values: { count: 5, rate: 0.4 } },
      'iterations{scenario:opening}': {
        type: 'counter',
        contains: 'default',
        values: { count: 4, rate: 0.3 },
        thresholds: { 'count>=0': { ok: true } },
      },
      http_reqs: { type: 'counter', contains: 'default', values: { count: 30, rate: 2.4 } },
      http_req_failed: { type: 'rate', contains: 'default', values: { rate: 0.0333, passes: 1, fails: 29 } },
      checks: { type: 'rate', contains: 'default', values: { rate: 0.95, passes: 19, fails: 1 } },
      'funnel_stage{stage:landing,result:entered}': {
        type: 'counter',
        contains: 'default',
        values: { count: 4, rate: 0.3 },
        thresholds: { 'count>=0': { ok: true } },
      },
      'funnel_stage{stage:verify_nik,result:failed}': {
        type: 'counter',
        contains: 'default',
        values: { count: 1, rate: 0.1 },
        thresholds: { 'count>=0': { ok: true } },
      },
      'http_req_duration{stage:verify_nik}': {
        type: 'trend',
        contains: 'time',
        values: { 'p(95)': 3500.5, count: 4 },
        thresholds: { 'p(95)<3000': { ok: false } },
      },
    },
  };

  test("shows k6's own summary, then the funnel with each verdict as the thresholds judged it, failed checks and failed thresholds", () => {
    const text = renderTextSummary(data, { runId: 'unit-1', scenario: 'opening', resultsDir: 'results/unit-1' });
    expect(text).toMatch(/^floodgate · run unit-1 · scenario opening · 12\.3 s/);
    expect(text).toMatch(/applicants 4 finished, 0 dropped · http requests 30, failed 3\.33% · checks 95\.00% passed/);
    expect(text).toContain('  █ THRESHOLDS \n');
    expect(text).toContain("    http_req_duration{stage:verify_nik}\n    ✗ 'p(95)<3000' p(95)=3.5s");
    expect(text).toMatch(/ {4}http_reqs\.+: 30 +2\.4\/s/);
    expect(text).toMatch(/^ {4}landing\s+4\s/m);
    expect(text).toMatch(/^ {4}verify_nik\s+-\s+-\s+1\s.*3\.5s\s+<3s FAILED\s+-\s+-$/m);
    expect(text).toMatch(/verify_nik completed: 1 of 4 failed/);
    expect(text).toMatch(/thresholds: 0 of 1 hold\n {6}✗ http_req_duration\{stage:verify_nik\} p\(95\)<3000/);
    expect(text).not.toMatch(/count>=0/);
    expect(text).not.toContain('result:entered');
  });

  test('a stage whose latency holds but whose errors do not reads so on its one line, as in THRESHOLDS', () => {
    const mixed: SummaryData = {
      ...data,
      metrics: {
        ...data.metrics,
        'http_req_duration{stage:verify_nik}': {
          type: 'trend',
          contains: 'time',
          values: { 'p(95)': 2100, count: 4 },
          thresholds: { 'p(95)<3000': { ok: true } },
        },
        'http_req_failed{stage:verify_nik}': {
          type: 'rate',
          contains: 'default',
          values: { rate: 0.013, passes: 1, fails: 76 },
          thresholds: { 'rate<0.01': { ok: false } },
        },
      },
    };
    const text = renderTextSummary(mixed, { runId: 'unit-1', scenario: 'opening', resultsDir: 'results/unit-1' });
    expect(text).toMatch(/^ {4}verify_nik\s.*2\.1s\s+<3s ok\s+1\.30%\s+<1\.00% FAILED$/m);
    expect(text).toContain("    http_req_failed{stage:verify_nik}\n    ✗ 'rate<0.01' rate=1.30%");
  });

  test('is written next to the untouched summary data, and to stdout', () => {
    const outputs = summaryOutputs(data, { runId: 'unit-1', scenario: 'opening', resultsDir: 'results/unit-1' });
    expect(Object.keys(outputs).sort()).toEqual([
      'results/unit-1/summary.json',
      'results/unit-1/summary.txt',
      'stdout',
    ]);
    expect(JSON.parse(outputs['results/unit-1/summary.json']!)).toEqual(data);
    expect(outputs.stdout).toBe(outputs['results/unit-1/summary.txt']);
  });
});
