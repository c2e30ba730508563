import { describe, expect, test } from 'vitest';
import { LATENCY_BUCKETS_SECONDS } from '../../contracts/metrics.ts';
import {
  buildRun,
  expectedTotals,
  jsonLines,
  restartAboveLastPush,
  runFromSamples,
  summaryInputOf,
  twoPlainRunners,
  type K6Sample,
} from './index.ts';

// A second, deliberately naive recount over the JSON lines (not the sample objects), so the
// expectations are checked against what the kit actually writes.
function recountFromJsonLines(lines: readonly string[]): {
  requests: number;
  byStageStatus: Map<string, number>;
  durationCount: number;
  le1s: number;
} {
  let requests = 0;
  let durationCount = 0;
  let le1s = 0;
  const byStageStatus = new Map<string, number>();
  for (const line of lines) {
    const o = JSON.parse(line) as {
      type: string;
      metric: string;
      data: { value: number; tags: Record<string, string> };
    };
    if (o.type !== 'Point') continue;
    if (o.metric === 'http_reqs') {
      requests += o.data.value;
      const k = `${o.data.tags.stage}/${o.data.tags.status}`;
      byStageStatus.set(k, (byStageStatus.get(k) ?? 0) + o.data.value);
    }
    if (o.metric === 'http_req_duration') {
      durationCount++;
      if (o.data.value <= 1000) le1s++;
    }
  }
  return { requests, byStageStatus, durationCount, le1s };
}

describe('the expected totals equal a straightforward recount of the samples', () => {
  const run = buildRun();
  const recount = recountFromJsonLines(jsonLines(run));

  test('requests, by stage and status', () => {
    expect(run.expected.httpRequestsTotal).toBe(recount.requests);
    const mine = new Map<string, number>();
    for (const r of run.expected.httpRequests)
      mine.set(`${r.stage}/${r.status}`, (mine.get(`${r.stage}/${r.status}`) ?? 0) + r.count);
    expect(mine).toEqual(recount.byStageStatus);
  });

  test('duration counts and the 1 s bucket', () => {
    const i = run.expected.bounds.indexOf(1);
    expect(i).toBeGreaterThanOrEqual(0);
    expect(run.expected.httpDurations.reduce((a, d) => a + d.count, 0)).toBe(recount.durationCount);
    expect(run.expected.httpDurations.reduce((a, d) => a + d.buckets[i]!, 0)).toBe(recount.le1s);
  });

  test("buckets are cumulative and use the catalog's bounds by default", () => {
    expect(run.expected.bounds).toEqual(LATENCY_BUCKETS_SECONDS);
    for (const d of run.expected.httpDurations) {
      d.buckets.forEach((b, i) => i > 0 && expect(b).toBeGreaterThanOrEqual(d.buckets[i - 1]!));
      expect(d.buckets[d.buckets.length - 1]).toBeLessThanOrEqual(d.count);
    }
  });

  test('every request has one http_req_duration and one http_req_failed sample; funnel entered = completed + failed + throttled', () => {
    expect(run.expected.perMetric.http_req_duration!.samples).toBe(run.expected.httpRequestsTotal);
    expect(run.expected.perMetric.http_req_failed!.samples).toBe(run.expected.httpRequestsTotal);
    const sum = (result: string): number =>
      run.expected.funnel.filter((f) => f.result === result).reduce((a, f) => a + f.count, 0);
    expect(sum('entered')).toBe(sum('completed') + sum('failed') + sum('throttled'));
    expect(sum('entered')).toBe(run.expected.httpRequestsTotal);
  });

  test('custom bounds can be asked for', () => {
    const t = expectedTotals(run.samples, { bounds: [0.1, 10] });
    expect(t.httpDurations.every((d) => d.buckets.length === 2 && d.buckets[1] === d.count)).toBe(true);
  });

  test('the run has network errors (status 0, no proto), 4xx/5xx and abandoned journeys', () => {
    const statuses = new Set(run.expected.httpRequests.map((r) => r.status));
    expect(statuses).toContain('0');
    expect(statuses).toContain('503');
    expect(statuses).toContain('429');
    const netErr = run.samples.find((s: K6Sample) => s.metric === 'http_reqs' && s.tags.status === '0')!;
    expect(netErr.tags.proto).toBeUndefined();
    expect(netErr.tags.error_code).toBe('1212');
    expect(run.expected.funnel.some((f) => f.result === 'abandoned')).toBe(true);
  });
});

describe('fixtures are deterministic', () => {
  test('the same options give the same samples', () => {
    expect(jsonLines(buildRun({ seed: 5 }))).toEqual(jsonLines(buildRun({ seed: 5 })));
    expect(jsonLines(buildRun({ seed: 5 }))).not.toEqual(jsonLines(buildRun({ seed: 6 })));
  });
});

describe('thresholds k6 refuses before the run get no outcome', () => {
  test.each([
    ['http_req_duration', 'count>5'],
    ['http_req_duration', 'rate<0.1'],
    ['http_req_failed', 'count<3'],
    ['vus', 'max<10'],
    ['iterations', 'p(95)<1'],
  ])('%s: %s throws like k6 Thresholds.Validate', (metric, source) => {
    expect(() => buildRun({ iterationsPerRunner: 2, thresholds: { [metric]: [{ source }] } })).toThrow(
      /unsupported aggregation method/,
    );
  });

  test('every aggregation k6 supports for the type still gets an outcome', () => {
    const run = buildRun({
      iterationsPerRunner: 2,
      thresholds: {
        http_req_duration: [
          { source: 'avg<1e9' },
          { source: 'min>=0' },
          { source: 'max>0' },
          { source: 'med>0' },
          { source: 'p(99.9)<1e9' },
        ],
        http_reqs: [{ source: 'count>0' }, { source: 'rate>0' }],
        vus: [{ source: 'value>=0' }],
        http_req_failed: [{ source: 'rate<=1' }],
      },
    });
    expect(run.expected.thresholds).toHaveLength(9);
    expect(run.expected.thresholds.every((t) => t.ok)).toBe(true);
  });
});

test('a hand run built like k6 unit tests (unvalidatedThresholds) leaves refused thresholds without an outcome', () => {
  const run = runFromSamples({
    metrics: [{ name: 'g', type: 'gauge', contains: 'default' }],
    thresholds: { g: [{ source: 'rate<0.01' }, { source: 'value<5' }] },
    samples: [{ metric: 'g', unixNano: 1n, value: 3, tags: {} }],
    unvalidatedThresholds: true,
  });
  expect(run.expected.thresholds.map((t) => t.source)).toEqual(['value<5']);
});

describe('multi-runner threshold outcomes are per k6 process, as each k6 process evaluates only its own samples', () => {
  test('thresholdsPerProcess agrees with every runner and process summary; pooledThresholds is the cross-runner verdict', () => {
    for (const c of [twoPlainRunners(), restartAboveLastPush()]) {
      const per = c.run.expected.thresholdsPerProcess!;
      const processes = new Set(c.run.samples.map((s) => `${s.runner}/${s.process}`));
      expect(per.map((p) => `${p.runner}/${p.process}`).sort()).toEqual([...processes].sort());
      expect(per.length).toBeGreaterThan(1);
      for (const p of per)
        expect(p.thresholds).toEqual(summaryInputOf(c.run, { runner: p.runner, process: p.process }).thresholdOutcomes);
      expect(c.run.expected.pooledThresholds).toEqual(c.run.expected.thresholds);
      // the pooled p95 is not any single process's p95
      const p95 = (o: readonly { metric: string; source: string; observed: number }[]): number =>
        o.find((t) => t.metric === 'http_req_duration' && t.source === 'p(95)<3000')!.observed;
      expect(per.some((p) => p95(p.thresholds) !== p95(c.run.expected.pooledThresholds!))).toBe(true);
    }
  });

  test('a one-process run has one entry, equal to the pooled outcomes', () => {
    const run = buildRun({ iterationsPerRunner: 10 });
    expect(run.expected.thresholdsPerProcess).toEqual([
      { runner: run.runners[0]!.id, process: 1, thresholds: run.expected.thresholds },
    ]);
  });
});
