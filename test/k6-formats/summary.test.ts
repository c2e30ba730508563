import { describe, expect, test } from 'vitest';
import {
  buildRun,
  handleSummaryData,
  legacySummaryData,
  machineReadableSummary,
  machineReadableSummaryFile,
  oldJsonSummary,
  summaryExport,
  summaryInputOf,
  withoutChecks,
  type SummaryInput,
} from './index.ts';

// k6 internal/js/summary_test.go createTestMetrics + createTestLegacySummary, as a SummaryInput.
const k6Fixture: SummaryInput = {
  metrics: [
    { name: 'vus', type: 'gauge', contains: 'default', values: [1] },
    {
      name: 'http_reqs',
      type: 'counter',
      contains: 'default',
      values: [1, 1, 1],
      thresholds: [{ source: 'rate<100', ok: false }],
    },
    {
      name: 'checks',
      type: 'rate',
      contains: 'default',
      values: [...Array(45).fill(1), ...Array(15).fill(0)],
      thresholds: [{ source: 'rate>70', ok: true }],
    },
    {
      name: 'my_trend',
      type: 'trend',
      contains: 'time',
      values: [10, 15, 20],
      thresholds: [{ source: 'my_trend<1000', ok: false }],
    },
  ],
  rootGroup: {
    name: '',
    checks: [],
    groups: [
      {
        name: 'child',
        groups: [],
        checks: [
          { name: 'check1', passes: 30, fails: 0 },
          { name: 'check3', passes: 10, fails: 5 },
          { name: 'check2', passes: 5, fails: 10 },
        ],
      },
    ],
  },
  testRunDurationMs: 1000,
  summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)', 'count'],
  thresholdOutcomes: [],
};

// summary_test.go expectedHandleSummaryRawData, verbatim (k6 compares with JSONEq)
const expectedHandleSummaryRawData = {
  root_group: {
    groups: [
      {
        name: 'child',
        path: '::child',
        id: 'f41cbb53a398ec1c9fb3d33e20c9b040',
        groups: [],
        checks: [
          { id: '6289a7a06253a1c3f6137dfb25695563', passes: 30, fails: 0, name: 'check1', path: '::child::check1' },
          { fails: 5, name: 'check3', path: '::child::check3', id: 'c7553eca92d3e034b5808332296d304a', passes: 10 },
          { name: 'check2', path: '::child::check2', id: '06f5922794bef0d4584ba76a49893e1f', passes: 5, fails: 10 },
        ],
      },
    ],
    checks: [],
    name: '',
    path: '',
    id: 'd41d8cd98f00b204e9800998ecf8427e',
  },
  options: {
    summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)', 'count'],
    summaryTimeUnit: '',
    noColor: false,
  },
  state: { isStdErrTTY: false, isStdOutTTY: false, testRunDurationMs: 1000 },
  metrics: {
    checks: {
      contains: 'default',
      values: { passes: 45, fails: 15, rate: 0.75 },
      type: 'rate',
      thresholds: { 'rate>70': { ok: true } },
    },
    my_trend: {
      thresholds: { 'my_trend<1000': { ok: false } },
      type: 'trend',
      contains: 'time',
      values: { max: 20, 'p(90)': 19, 'p(95)': 19.5, 'p(99)': 19.9, count: 3, avg: 15, min: 10, med: 15 },
    },
    vus: { contains: 'default', values: { value: 1, min: 1, max: 1 }, type: 'gauge' },
    http_reqs: {
      type: 'counter',
      contains: 'default',
      values: { count: 3, rate: 3 },
      thresholds: { 'rate<100': { ok: false } },
    },
  },
};

// summary_test.go expectedOldJSONExportResult, verbatim
const expectedOldJSONExportResult = {
  root_group: {
    name: '',
    path: '',
    id: 'd41d8cd98f00b204e9800998ecf8427e',
    groups: {
      child: {
        name: 'child',
        path: '::child',
        id: 'f41cbb53a398ec1c9fb3d33e20c9b040',
        groups: {},
        checks: {
          check1: {
            name: 'check1',
            path: '::child::check1',
            id: '6289a7a06253a1c3f6137dfb25695563',
            passes: 30,
            fails: 0,
          },
          check2: {
            name: 'check2',
            path: '::child::check2',
            id: '06f5922794bef0d4584ba76a49893e1f',
            passes: 5,
            fails: 10,
          },
          check3: {
            name: 'check3',
            path: '::child::check3',
            id: 'c7553eca92d3e034b5808332296d304a',
            passes: 10,
            fails: 5,
          },
        },
      },
    },
    checks: {},
  },
  metrics: {
    checks: { value: 0.75, passes: 45, fails: 15, thresholds: { 'rate>70': false } },
    http_reqs: { count: 3, rate: 3, thresholds: { 'rate<100': true } },
    my_trend: {
      avg: 15,
      max: 20,
      med: 15,
      min: 10,
      'p(90)': 19,
      'p(95)': 19.5,
      'p(99)': 19.9,
      count: 3,
      thresholds: { 'my_trend<1000': true },
    },
    vus: { value: 1, min: 1, max: 1 },
  },
};

describe("the summaries match k6's summary_test.go fixtures", () => {
  test('handleSummary data equals expectedHandleSummaryRawData', () => {
    expect(legacySummaryData(k6Fixture)).toEqual(expectedHandleSummaryRawData);
  });

  test('the --summary-export text equals expectedOldJSONExportResult and is indented with 4 spaces', () => {
    const text = oldJsonSummary(legacySummaryData(k6Fixture));
    expect(JSON.parse(text)).toEqual(expectedOldJSONExportResult);
    expect(text.split('\n')[1]).toMatch(/^ {4}"root_group"/);
  });
});

describe('a run whose http_req_duration p(95)<3000 FAILED', () => {
  const run = buildRun();
  const p95 = run.expected.thresholds.find((t) => t.metric === 'http_req_duration' && t.source === 'p(95)<3000')!;

  test('the expectations say FAILED, recomputed from the samples', () => {
    expect(p95.ok).toBe(false);
    expect(p95.observed).toBeGreaterThan(3000);
    expect(summaryInputOf(run).thresholdOutcomes).toEqual(run.expected.thresholds);
  });

  test('handleSummary data says ok:false', () => {
    const data = handleSummaryData(run) as {
      metrics: Record<string, { thresholds?: Record<string, { ok: boolean }> }>;
    };
    expect(data.metrics.http_req_duration!.thresholds).toEqual({ 'p(95)<3000': { ok: false } });
    expect(data.metrics['http_req_duration{stage:register}']!.thresholds).toEqual({ 'p(95)<800': { ok: true } });
  });

  test('the --summary-export file says true (true means FAILED there), so a reader that inverts the map is caught', () => {
    const exp = JSON.parse(summaryExport(run)) as { metrics: Record<string, Record<string, unknown>> };
    expect(exp.metrics.http_req_duration!.thresholds).toEqual({ 'p(95)<3000': true });
    expect(exp.metrics['http_req_duration{stage:register}']!.thresholds).toEqual({ 'p(95)<800': false });
    expect(exp.metrics.http_req_failed!.thresholds).toEqual({ 'rate<0.2': false });
  });

  test('in --summary-export rates carry value (not rate) and values sit at the top of each metric', () => {
    const exp = JSON.parse(summaryExport(run)) as { metrics: Record<string, Record<string, unknown>> };
    const failed = exp.metrics.http_req_failed!;
    expect(failed.rate).toBeUndefined();
    expect(failed.value).toBeCloseTo(
      run.expected.perMetric.http_req_failed!.nonZero / run.expected.perMetric.http_req_failed!.samples,
      12,
    );
    expect(failed.passes).toBe(run.expected.perMetric.http_req_failed!.nonZero); // passes = FAILED requests
    expect(exp.metrics.http_reqs!.count).toBe(run.expected.httpRequestsTotal);
    expect(exp.metrics.http_reqs!.values).toBeUndefined();
  });

  test('handleSummary data counts match the raw samples', () => {
    const data = handleSummaryData(run) as {
      metrics: Record<string, { values: Record<string, number> }>;
      root_group: { checks: { passes: number; fails: number }[] };
    };
    expect(data.metrics.http_reqs!.values.count).toBe(run.expected.httpRequestsTotal);
    expect(data.metrics.iterations!.values.count).toBe(run.expected.iterationsTotal);
    expect(data.metrics.funnel_stage!.values.count).toBe(run.expected.funnel.reduce((a, f) => a + f.count, 0));
    expect(data.root_group.checks[0]).toMatchObject({
      passes: run.expected.checks[0]!.passes,
      fails: run.expected.checks[0]!.fails,
    });
    expect(Object.keys(data.metrics)).toContain('http_req_duration{expected_response:true}');
  });
});

describe('submetric names in the summary are k6 names', () => {
  test("a threshold key with spaces inside the braces is shown under k6's trimmed name, and expected_response is not registered twice", () => {
    const run = buildRun({
      iterationsPerRunner: 5,
      thresholds: {
        'http_req_duration{ stage:register }': [{ source: 'p(95)<800' }],
        'http_req_duration{expected_response: true}': [{ source: 'p(95)<900' }],
      },
    });
    const names = summaryInputOf(run).metrics.map((m) => m.name);
    expect(names).toContain('http_req_duration{stage:register}');
    expect(names).not.toContain('http_req_duration{ stage:register }');
    expect(names.filter((n) => n.startsWith('http_req_duration{expected_response'))).toEqual([
      'http_req_duration{expected_response: true}',
    ]);
    const sub = summaryInputOf(run).metrics.find((m) => m.name === 'http_req_duration{stage:register}')!;
    expect(sub.thresholds?.map((t) => t.source)).toEqual(['p(95)<800']);
  });
});

describe('the new machine-readable summary (schema 1.0.0)', () => {
  const run = buildRun();
  const mrs = machineReadableSummary(run) as {
    version: string;
    metadata: Record<string, string>;
    config: Record<string, unknown>;
    results: {
      checks?: { metrics: { name: string; values: Record<string, number> }[] };
      metrics: { name: string; type: string; values: Record<string, unknown> }[];
    };
  };

  test('carries no thresholds anywhere', () => {
    expect(machineReadableSummaryFile(run)).not.toMatch(/threshold|p\(95\)<3000/);
  });

  test("uses k6's JS field names (snake_case), as TestMachineReadableSummary in k6 shows", () => {
    expect(mrs.version).toBe('1.0.0');
    expect(Object.keys(mrs)).toEqual(['config', 'metadata', 'results', 'version']);
    expect(Object.keys(mrs.metadata)).toEqual(['generated_at', 'k6_version']);
    const trend = mrs.results.metrics.find((m) => m.name === 'http_req_duration')!;
    expect(Object.keys(trend.values)).toEqual(['avg', 'max', 'med', 'min', 'p90', 'p95']);
  });

  test('checks: total, failed, succeeded in that order; checks_failed matches = failed checks', () => {
    const m = mrs.results.checks!.metrics;
    expect(m.map((x) => x.name)).toEqual(['checks_total', 'checks_failed', 'checks_succeeded']);
    expect(m[0]!.values.count).toBe(run.expected.perMetric.checks!.samples);
    expect(m[1]!.values.matches).toBe(run.expected.checks[0]!.fails);
    expect(m[2]!.values.matches).toBe(run.expected.checks[0]!.passes);
  });

  test('a run without checks still has results.checks, empty: {metrics: [], results: []}, before metrics', () => {
    const unchecked = machineReadableSummary(withoutChecks(run)) as { results: Record<string, unknown> };
    expect(Object.keys(unchecked.results)).toEqual(['checks', 'metrics']);
    expect(unchecked.results.checks).toEqual({ metrics: [], results: [] });
    expect(machineReadableSummaryFile(withoutChecks(run))).toContain(
      '"checks": {\n            "metrics": [],\n            "results": []\n        }',
    );
  });

  test('leaves out checks, and the six http phase trends in the default compact mode', () => {
    const names = mrs.results.metrics.map((m) => m.name);
    expect(names).not.toContain('checks');
    expect(names).not.toContain('http_req_waiting');
    expect(names).toContain('http_reqs');
    const reqs = mrs.results.metrics.find((m) => m.name === 'http_reqs')!;
    expect(reqs.values).toEqual({ count: run.expected.httpRequestsTotal });
  });
});
