import { describe, expect, test } from 'vitest';
import { type MetricDefinition, RUN_METRICS as M } from '../contracts/metrics.ts';
import { LabelGuard } from './labels.ts';
import type { K6Sample } from './parse.ts';
import { renderRuns, viewRuns } from './render.ts';
import { RunStore } from './store.ts';

const T0 = Date.UTC(2026, 7, 21, 9, 0, 0);
const sample = (metric: string, value: number, tags: Record<string, string>, seconds = 0): K6Sample => ({
  metric,
  value,
  tags,
  timeMs: T0 + seconds * 1000,
});
const http = {
  run: 'r1',
  scenario: 'opening',
  stage: 'register',
  method: 'POST',
  url: 'http://x/api/register',
  name: 'POST /api/register',
};

function newStore(maxRuns = 10, cap = 100): { store: RunStore; evicted: string[] } {
  const evicted: string[] = [];
  return { store: new RunStore({ guard: new LabelGuard(cap), maxRuns, onEvict: (run) => evicted.push(run) }), evicted };
}

/** Rendered values of one metric as `suffix{label values} => value`, for readable expectations (suffix: `_bucket`, `_sum`…). */
function rendered(store: RunStore, metric: MetricDefinition): Record<string, number> {
  const values = renderRuns(viewRuns(store)).values.get(metric.name) ?? [];
  return Object.fromEntries(
    values.map((entry) => [
      `${(entry.metricName ?? metric.name).slice(metric.name.length)}{${Object.values(entry.labels).join(',')}}`,
      entry.value,
    ]),
  );
}

describe('RunStore maps k6 samples onto the catalog', () => {
  test('http_reqs become requests by stage, method, status and outcome; url and name never appear', () => {
    const { store } = newStore();
    const layer = store.layer('file:a', 'file');
    store.addSample(layer, sample('http_reqs', 1, { ...http, status: '201', expected_response: 'true' }));
    store.addSample(layer, sample('http_reqs', 1, { ...http, status: '201', expected_response: 'true' }));
    store.addSample(layer, sample('http_reqs', 1, { ...http, status: '429', expected_response: 'true' }));
    store.addSample(layer, sample('http_reqs', 1, { ...http, status: '503', expected_response: 'false' }));
    expect(rendered(store, M.httpRequests)).toEqual({
      '{r1,opening,register,POST,201,ok}': 2,
      '{r1,opening,register,POST,429,throttled}': 1,
      '{r1,opening,register,POST,503,error}': 1,
    });
    expect(JSON.stringify(renderRuns(viewRuns(store)))).not.toMatch(/api\/register/);
  });

  test('http_req_duration (ms) fills the seconds histogram', () => {
    const { store } = newStore();
    const layer = store.layer('file:a', 'file');
    for (const ms of [4, 40, 400, 4000, 90_000])
      store.addSample(layer, sample('http_req_duration', ms, { ...http, status: '201', expected_response: 'true' }));
    const values = rendered(store, M.httpRequestDuration);
    const key = (suffix: string, le?: string): string => `_${suffix}{r1,opening,register,ok${le ? `,${le}` : ''}}`;
    expect(values[key('bucket', '0.005')]).toBe(1);
    expect(values[key('bucket', '0.05')]).toBe(2);
    expect(values[key('bucket', '0.5')]).toBe(3);
    expect(values[key('bucket', '5')]).toBe(4);
    expect(values[key('bucket', '60')]).toBe(4);
    expect(values[key('bucket', '+Inf')]).toBe(5);
    expect(values[key('count')]).toBe(5);
    expect(values[key('sum')]).toBeCloseTo(94.444, 9);
  });

  test('funnel_stage, iterations, dropped_iterations and checks are counted by their labels', () => {
    const { store } = newStore();
    const layer = store.layer('file:a', 'file');
    store.addSample(
      layer,
      sample('funnel_stage', 1, { run: 'r1', scenario: 'opening', stage: 'register', result: 'completed' }),
    );
    store.addSample(
      layer,
      sample('funnel_stage', 1, { run: 'r1', scenario: 'opening', stage: 'bogus', result: 'sideways' }),
    );
    store.addSample(layer, sample('iterations', 1, { run: 'r1', scenario: 'opening' }));
    store.addSample(layer, sample('dropped_iterations', 4, { run: 'r1', scenario: 'opening' }));
    store.addSample(layer, sample('checks', 1, { run: 'r1', check: 'answers 201' }));
    store.addSample(layer, sample('checks', 0, { run: 'r1', check: 'answers 201' }));
    expect(rendered(store, M.funnelStage)).toEqual({
      '{r1,opening,register,completed}': 1,
      '{r1,opening,other,other}': 1,
    });
    expect(rendered(store, M.iterations)).toEqual({ '{r1,opening}': 1 });
    expect(rendered(store, M.droppedIterations)).toEqual({ '{r1,opening}': 4 });
    expect(rendered(store, M.checks)).toEqual({
      '{r1,answers 201,pass}': 1,
      '{r1,answers 201,fail}': 1,
    });
  });

  test('the planned rate is a gauge, and planned arrivals its integral over sample times', () => {
    const { store } = newStore();
    const layer = store.layer('file:a', 'file');
    const tags = { run: 'r1', scenario: 'planned_rate', planned_scenario: 'opening' };
    store.addSample(layer, sample('planned_arrival_rate', 100, tags, 0));
    store.addSample(layer, sample('planned_arrival_rate', 50, tags, 1));
    store.addSample(layer, sample('planned_arrival_rate', 10, tags, 3));
    store.addSample(layer, sample('planned_arrival_rate', 999, tags, 2)); // late: ignored
    expect(rendered(store, M.plannedArrivalRate)).toEqual({ '{r1,opening}': 10 });
    expect(rendered(store, M.plannedArrivals)).toEqual({ '{r1,opening}': 200 });
  });

  test('planned arrivals integrate the rate only up to its last sample: 12/s at t = 0…4, then 0 at t = 5, is 60', () => {
    const { store } = newStore();
    const layer = store.layer('file:a', 'file');
    const tags = { run: 'r1', scenario: 'planned_rate', planned_scenario: 'opening' };
    for (const seconds of [0, 1, 2, 3, 4]) store.addSample(layer, sample('planned_arrival_rate', 12, tags, seconds));
    store.addSample(layer, sample('planned_arrival_rate', 0, tags, 5));
    expect(rendered(store, M.plannedArrivals)).toEqual({ '{r1,opening}': 60 });
    // later samples of other metrics (journeys finishing) and time passing add nothing
    store.addSample(layer, sample('iterations', 1, { run: 'r1', scenario: 'opening' }, 30));
    const later = renderRuns(viewRuns(store, { nowMs: Date.now() + 3600_000, staleMs: 15_000 })).values.get(
      M.plannedArrivals.name,
    );
    expect(later?.map((entry) => entry.value)).toEqual([60]);
  });

  test('vus keep the newest value; first and last sample times are tracked', () => {
    const { store } = newStore();
    const layer = store.layer('file:a', 'file');
    store.addSample(layer, sample('vus', 5, { run: 'r1' }, 2));
    store.addSample(layer, sample('vus', 3, { run: 'r1' }, 1));
    store.addSample(layer, sample('http_req_blocked', 0.1, { run: 'r1' }, 7));
    expect(rendered(store, M.vus)).toEqual({ '{r1}': 5 });
    expect(rendered(store, M.runStart)).toEqual({ '{r1}': T0 / 1000 + 1 });
    expect(rendered(store, M.runLastSample)).toEqual({ '{r1}': T0 / 1000 + 7 });
  });

  test.each([
    ['a newline in a check name', { run: 'r9', check: 'a\nb' }],
    ['a NUL in the run', { run: 'r9\u0000' }],
    ['a carriage return in the status', { run: 'r9', status: '200\r' }],
  ])('%s is rejected as bad_tags; a control character in an unused tag is not', (_what, tags) => {
    const { store } = newStore();
    expect(store.addSample(store.layer('x', 'ingest'), sample('checks', 1, tags))).toBe('bad_tags');
    expect(
      store.addSample(store.layer('x', 'ingest'), sample('checks', 1, { run: 'r9', error: 'dial tcp\nrefused' })),
    ).toBeUndefined();
  });

  test('a negative count is rejected and leaves no trace', () => {
    const { store } = newStore();
    expect(store.addSample(store.layer('x', 'ingest'), sample('http_reqs', -1, { run: 'r9' }))).toBe('bad_value');
    expect(store.runs.size).toBe(0);
  });
});

describe('layers', () => {
  test('counters of one run add up over layers, and so do gauges (parallel generators)', () => {
    const { store } = newStore();
    for (const id of ['remote_write:1', 'remote_write:2']) {
      const layer = store.layer(id, 'remote_write');
      store.addSample(layer, sample('iterations', 10, { run: 'r1', scenario: 'opening' }));
      store.addSample(layer, sample('vus', 4, { run: 'r1' }));
    }
    expect(rendered(store, M.iterations)).toEqual({ '{r1,opening}': 20 });
    expect(rendered(store, M.vus)).toEqual({ '{r1}': 8 });
    expect(rendered(store, M.runInfo)).toEqual({ '{r1,opening,remote_write}': 1 });
  });

  test('dropping a layer removes exactly what it contributed', () => {
    const { store } = newStore();
    store.addSample(store.layer('file:a', 'file'), sample('iterations', 1, { run: 'r1', scenario: 's' }));
    store.addSample(store.layer('file:b', 'file'), sample('iterations', 2, { run: 'r1', scenario: 's' }));
    store.addSample(store.layer('file:b', 'file'), sample('iterations', 2, { run: 'r2', scenario: 's' }));
    store.dropLayer('file:b');
    expect(rendered(store, M.iterations)).toEqual({ '{r1,s}': 1 });
    expect([...store.runs.keys()]).toEqual(['r1']);
  });

  test('a threshold holds for a run only if it holds in every layer', () => {
    const { store } = newStore();
    for (const [id, failed] of [
      ['file:a', 0],
      ['file:b', 1],
    ] as const) {
      const layer = store.layer(id, 'file');
      store.declare(layer, {
        name: 'http_req_failed',
        type: 'rate',
        contains: 'default',
        thresholds: ['rate<0.5', 'not a threshold'],
      });
      store.addSample(layer, sample('http_req_failed', failed, { run: 'r1' }));
    }
    expect(rendered(store, M.thresholdPassing)).toEqual({ '{r1,http_req_failed,rate<0.5}': 0 });
  });
});

describe('the end of a plan', () => {
  const tags = { run: 'r1', scenario: 'planned_rate', planned_scenario: 'opening' };
  function plannedAt(store: RunStore, nowMs: number): { rate: number; arrivals: number } {
    const views = viewRuns(store, { nowMs, staleMs: 15_000 });
    return { ...(views[0]?.planned.get('opening') ?? { rate: Number.NaN, arrivals: Number.NaN }) };
  }

  test('a run with no sample received for the stale period shows a planned rate of 0; its arrivals stay', () => {
    let now = T0;
    const store = new RunStore({ guard: new LabelGuard(100), maxRuns: 10, clock: { now: () => now } });
    const layer = store.layer('file:a', 'file');
    store.addSample(layer, sample('planned_arrival_rate', 12, tags, 0));
    now = T0 + 1000;
    store.addSample(layer, sample('planned_arrival_rate', 12, tags, 1));
    expect(plannedAt(store, now + 15_000)).toEqual({ rate: 12, arrivals: 12 });
    expect(plannedAt(store, now + 15_001)).toEqual({ rate: 0, arrivals: 12 });
  });

  test('staleness is per run: while one layer still sends, the plan of a silent layer still counts', () => {
    let now = T0;
    const store = new RunStore({ guard: new LabelGuard(100), maxRuns: 10, clock: { now: () => now } });
    store.addSample(store.layer('remote_write:1', 'remote_write'), sample('planned_arrival_rate', 12, tags, 0));
    now = T0 + 60_000;
    store.addSample(store.layer('remote_write:2', 'remote_write'), sample('vus', 3, { run: 'r1' }, 60));
    expect(plannedAt(store, now + 1000).rate).toBe(12);
    expect(plannedAt(store, now + 16_000).rate).toBe(0);
  });

  test('a stale marker ends the plan without integrating up to it; a later sample adds nothing for the gap', () => {
    const { store } = newStore();
    const layer = store.layer('remote_write:1', 'remote_write');
    store.addSample(layer, sample('planned_arrival_rate', 12, tags, 0));
    store.addSample(layer, sample('planned_arrival_rate', 12, tags, 2));
    store.endPlanned(layer, tags);
    expect(plannedAt(store, Date.now())).toEqual({ rate: 0, arrivals: 24 });
    store.addSample(layer, sample('planned_arrival_rate', 5, tags, 10));
    expect(plannedAt(store, Date.now())).toEqual({ rate: 5, arrivals: 24 });
  });
});

describe('runs are capped', () => {
  function clockedStore(maxRuns: number): { store: RunStore; evicted: string[]; advance(ms: number): void } {
    let now = T0;
    const evicted: string[] = [];
    const store = new RunStore({
      guard: new LabelGuard(100),
      maxRuns,
      runIdleMs: 60_000,
      clock: { now: () => now },
      onEvict: (run) => evicted.push(run),
    });
    return { store, evicted, advance: (ms) => (now += ms) };
  }

  test('a new run beyond the cap evicts the idle run with the oldest last sample', () => {
    const { store, evicted, advance } = clockedStore(2);
    const layer = store.layer('ingest:', 'ingest');
    store.addSample(layer, sample('iterations', 1, { run: 'old', scenario: 's' }, 10));
    store.addSample(layer, sample('iterations', 1, { run: 'older', scenario: 's' }, 5));
    advance(61_000);
    expect(store.addSample(layer, sample('iterations', 1, { run: 'new', scenario: 's' }, 20))).toBeUndefined();
    expect(evicted).toEqual(['older']);
    expect([...store.runs.keys()]).toEqual(['old', 'new']);
  });

  test('a run that still receives samples is not evicted: the new run is refused and counted (series_limit)', () => {
    const { store, evicted, advance } = clockedStore(2);
    const layer = store.layer('ingest:', 'ingest');
    store.addSample(layer, sample('iterations', 1, { run: 'a', scenario: 's' }, 10));
    store.addSample(layer, sample('iterations', 1, { run: 'b', scenario: 's' }, 5));
    advance(30_000);
    expect(store.addSample(layer, sample('iterations', 1, { run: 'c', scenario: 's' }, 20))).toBe('series_limit');
    expect(evicted).toEqual([]);
    expect([...store.runs.keys()]).toEqual(['a', 'b']);
  });

  test('a run of a file still followed is never evicted, however idle; once released it may be', () => {
    const { store, evicted, advance } = clockedStore(1);
    const file = store.layer('file:k6.ndjson', 'file');
    store.hold(file.id, true);
    store.addSample(file, sample('iterations', 1, { run: 'followed', scenario: 's' }, 1));
    advance(3_600_000);
    const ingest = store.layer('ingest:', 'ingest');
    expect(store.addSample(ingest, sample('iterations', 1, { run: 'intruder', scenario: 's' }, 2))).toBe(
      'series_limit',
    );
    expect(evicted).toEqual([]);
    store.hold(file.id, false);
    expect(store.addSample(ingest, sample('iterations', 1, { run: 'intruder', scenario: 's' }, 2))).toBeUndefined();
    expect(evicted).toEqual(['followed']);
  });
});

describe('the series budget', () => {
  test('beyond the budget new series fold scenario, method and status into other, each fold counted, totals exact', () => {
    const folds: string[] = [];
    const store = new RunStore({
      guard: new LabelGuard(1000),
      maxRuns: 10,
      maxSeries: 10,
      onBudgetFold: (label) => folds.push(label),
    });
    const layer = store.layer('ingest:', 'ingest');
    for (let i = 0; i < 100; i += 1)
      store.addSample(layer, sample('http_reqs', 1, { ...http, scenario: `s${i}`, status: '201' }));
    const requests = rendered(store, M.httpRequests);
    expect(Object.keys(requests)).toHaveLength(11);
    expect(requests['{r1,other,register,other,other,ok}']).toBe(90);
    expect(Object.values(requests).reduce((a, b) => a + b, 0)).toBe(100);
    expect(folds.filter((label) => label === 'scenario')).toHaveLength(90);
    expect(folds.filter((label) => label === 'status')).toHaveLength(90);
    expect(store.budgetedSeries).toBe(11);
  });

  test('a histogram counts its buckets, sum and count; a dropped layer gives its series back', () => {
    const store = new RunStore({ guard: new LabelGuard(1000), maxRuns: 10, maxSeries: 1000 });
    const a = store.layer('file:a', 'file');
    const b = store.layer('file:b', 'file');
    store.addSample(a, sample('http_req_duration', 12, { ...http, status: '201' }));
    store.addSample(b, sample('http_req_duration', 12, { ...http, status: '201' }));
    expect(store.budgetedSeries).toBe(M.httpRequestDuration.buckets.length + 3);
    store.addSample(b, sample('http_reqs', 1, { ...http, status: '201' }));
    store.dropLayer('file:b');
    expect(store.budgetedSeries).toBe(M.httpRequestDuration.buckets.length + 3);
    store.dropLayer('file:a');
    expect(store.budgetedSeries).toBe(0);
  });
});

describe('acknowledged completions', () => {
  test('sum funnel completions per stage over layers and scenarios', () => {
    const { store } = newStore();
    store.addSample(
      store.layer('a', 'file'),
      sample('funnel_stage', 3, { run: 'r1', scenario: 'x', stage: 'register', result: 'completed' }),
    );
    store.addSample(
      store.layer('b', 'file'),
      sample('funnel_stage', 2, { run: 'r1', scenario: 'y', stage: 'register', result: 'completed' }),
    );
    store.addSample(
      store.layer('b', 'file'),
      sample('funnel_stage', 9, { run: 'r1', scenario: 'y', stage: 'register', result: 'entered' }),
    );
    expect(store.acknowledged('r1')).toEqual({ register: 5 });
  });
});
