import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createGzip, gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { quantile } from './histogram.ts';
import { NdjsonAggregator, readNdjson, requestOutcome } from './read-ndjson.ts';

const point = (metric: string, time: string, value: number, tags: Record<string, string>): string =>
  JSON.stringify({ metric, type: 'Point', data: { time, value, tags } });

const http = (
  time: string,
  stage: string,
  status: string,
  ms: number,
  expected = status < '400' || status === '429',
): string[] => {
  const tags = {
    run: 'r1',
    scenario: 'breakpoint',
    stage,
    status,
    expected_response: String(expected),
    name: `POST /api/${stage}`,
    method: 'POST',
  };
  return [point('http_reqs', time, 1, tags), point('http_req_duration', time, ms, tags)];
};

function aggregate(lines: string[], options: ConstructorParameters<typeof NdjsonAggregator>[0] = {}) {
  const aggregator = new NdjsonAggregator(options);
  for (const line of lines) aggregator.addLine(line);
  return aggregator.finish();
}

describe('aggregating k6 NDJSON lines', () => {
  test('counts requests by stage and outcome, with latency histograms per outcome', () => {
    const result = aggregate([
      ...http('2026-08-21T09:00:00.100Z', 'register', '201', 40),
      ...http('2026-08-21T09:00:00.200Z', 'register', '503', 5, false),
      ...http('2026-08-21T09:00:00.300Z', 'register', '429', 2),
      ...http('2026-08-21T09:00:01.300Z', 'register', '201', 60),
    ]);
    expect(result.slots).toHaveLength(2);
    expect(result.slots[0]!.stages.register!.requests).toEqual({ ok: 1, error: 1, throttled: 1 });
    expect(result.slots[0]!.stages.register!.statuses).toEqual({ '201': 1, '503': 1, '429': 1 });
    expect(result.slots[1]!.stages.register!.latency.ok!.count).toBe(1);
    expect(quantile(result.slots[0]!.stages.register!.latency.ok, 0.5)).toBeCloseTo(40, 0);
    expect(result.scenario).toBe('breakpoint');
    expect(result.run).toBe('r1');
  });

  test.each([
    [{ status: '429', expected_response: 'true' }, 'throttled'],
    [{ status: '200', expected_response: 'true' }, 'ok'],
    [{ status: '409', expected_response: 'true' }, 'ok'],
    [{ status: '503', expected_response: 'false' }, 'error'],
    [{ status: '0', expected_response: 'false' }, 'error'],
    [{ status: '204' }, 'ok'],
    [{ status: '500' }, 'error'],
  ])('a request tagged %j is %s', (tags, outcome) => {
    expect(requestOutcome(tags)).toBe(outcome);
  });

  test('reads k6 times with nanoseconds and a local offset', () => {
    const result = aggregate([
      point('vus', '2026-08-21T16:00:00.000000001+07:00', 3, { run: 'r1' }),
      point('vus', '2026-08-21T09:00:02.999999999Z', 5, { run: 'r1' }),
    ]);
    expect(result.originMs).toBe(Date.UTC(2026, 7, 21, 9, 0, 0));
    expect(result.slots.map((slot) => slot.vus)).toEqual([3, undefined, 5]);
  });

  test('counts funnel results per stage, and rejects funnel samples with unknown tags', () => {
    const result = aggregate([
      point('funnel_stage', '2026-08-21T09:00:00Z', 1, { run: 'r1', stage: 'verify_nik', result: 'entered' }),
      point('funnel_stage', '2026-08-21T09:00:00Z', 1, { run: 'r1', stage: 'verify_nik', result: 'completed' }),
      point('funnel_stage', '2026-08-21T09:00:00Z', 1, { run: 'r1', stage: 'checkout', result: 'entered' }),
      point('funnel_stage', '2026-08-21T09:00:00Z', 1, { run: 'r1', stage: 'register', result: 'teleported' }),
    ]);
    expect(result.slots[0]!.stages.verify_nik!.funnel).toEqual({ entered: 1, completed: 1 });
    expect(result.rejected).toEqual({ bad_tags: 2 });
  });

  test('counts malformed lines by reason and keeps going', () => {
    const result = aggregate([
      '{not json',
      '42',
      JSON.stringify({ type: 'Mystery' }),
      JSON.stringify({ type: 'Point', metric: 'vus', data: { time: 'yesterday', value: 1, tags: {} } }),
      JSON.stringify({ type: 'Point', metric: 'vus', data: { time: '2026-08-21T09:00:00Z', value: 'one', tags: {} } }),
      JSON.stringify({ type: 'Point', data: {} }),
      point('vus', '2026-08-21T09:00:00Z', 2, { run: 'r1' }),
    ]);
    expect(result.rejected).toEqual({
      bad_json: 1,
      not_object: 1,
      unknown_type: 1,
      bad_time: 1,
      bad_value: 1,
      missing_field: 1,
    });
    expect(result.lines).toBe(7);
    expect(result.slots[0]!.vus).toBe(2);
  });

  test('keeps only the asked-for run and counts the others apart from rejections (the lines are fine)', () => {
    const result = aggregate(
      [point('vus', '2026-08-21T09:00:00Z', 2, { run: 'r2' }), point('vus', '2026-08-21T09:00:00Z', 4, { run: 'r1' })],
      { run: 'r1' },
    );
    expect(result.rejected).toEqual({});
    expect(result.otherRunPoints).toBe(1);
    expect(result.otherRuns).toEqual(['r2']);
    expect(result.slots[0]!.vus).toBe(4);
  });

  test('integrates the planned arrival rate over time, holding each sample until the next', () => {
    const planned = (time: string, rate: number): string =>
      point('planned_arrival_rate', time, rate, { run: 'r1', scenario: 'planned_rate', planned_scenario: 'opening' });
    const result = aggregate([
      planned('2026-08-21T09:00:00Z', 10),
      planned('2026-08-21T09:00:01Z', 10),
      planned('2026-08-21T09:00:02Z', 20),
      planned('2026-08-21T09:00:03Z', 0),
    ]);
    expect(result.slots.map((slot) => slot.planned ?? 0)).toEqual([10, 10, 20, 0]);
    expect(result.scenarioStartSeconds).toBe(0);
  });

  test('iterations of the planned-rate helper are not journeys', () => {
    const result = aggregate([
      point('iterations', '2026-08-21T09:00:00Z', 1, { run: 'r1', scenario: 'planned_rate' }),
      point('iterations', '2026-08-21T09:00:00Z', 1, { run: 'r1', scenario: 'opening' }),
      point('dropped_iterations', '2026-08-21T09:00:00Z', 2, { run: 'r1', scenario: 'opening' }),
    ]);
    expect(result.slots[0]).toMatchObject({ iterations: 1, dropped: 2 });
  });

  test('collects declared thresholds and check counts', () => {
    const result = aggregate([
      JSON.stringify({
        type: 'Metric',
        metric: 'http_req_duration',
        data: {
          name: 'http_req_duration',
          type: 'trend',
          contains: 'time',
          thresholds: ['p(95)<500', { threshold: 'p(99)<3000', abortOnFail: true, delayAbortEval: '10s' }],
          submetrics: null,
        },
      }),
      point('checks', '2026-08-21T09:00:00Z', 1, { run: 'r1', check: 'register completed' }),
      point('checks', '2026-08-21T09:00:00Z', 0, { run: 'r1', check: 'register completed' }),
    ]);
    expect(result.declaredThresholds).toEqual([
      { metric: 'http_req_duration', expression: 'p(95)<500' },
      { metric: 'http_req_duration', expression: 'p(99)<3000' },
    ]);
    expect(result.checks).toEqual([{ name: 'register completed', passes: 1, fails: 1 }]);
  });

  test('a long run doubles its slot length instead of growing without bound, and keeps every count', () => {
    const lines: string[] = [];
    for (let second = 0; second < 100; second += 1) {
      const time = new Date(Date.UTC(2026, 7, 21, 9, 0, second, 500)).toISOString();
      lines.push(...http(time, 'landing', '200', 5 + second));
    }
    const result = aggregate(lines, { maxSlots: 16 });
    expect(result.resolutionSeconds).toBe(8);
    expect(result.slots.length).toBeLessThanOrEqual(16);
    const total = result.slots.reduce((sum, slot) => sum + (slot.stages.landing?.requests.ok ?? 0), 0);
    expect(total).toBe(100);
    expect(result.slots.map((slot) => slot.t)).toEqual(result.slots.map((_slot, index) => index * 8));
  });
});

describe('reading an NDJSON file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'floodgate-ndjson-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('streams CRLF lines, skips blank ones, and counts a cut-off last line as truncated', async () => {
    const path = join(dir, 'k6.ndjson');
    const lines = [
      ...http('2026-08-21T09:00:00.1Z', 'landing', '200', 3),
      ...http('2026-08-21T09:00:00.2Z', 'landing', '200', 4),
    ];
    writeFileSync(path, `${lines.join('\r\n')}\r\n\r\n{"metric":"http_reqs","type":"Po`);
    const result = await readNdjson(path);
    expect(result.slots[0]!.stages.landing!.requests.ok).toBe(2);
    expect(result.rejected).toEqual({ truncated: 1 });
    expect(result.lines).toBe(5);
    expect(result.gzip).toBe(false);
  });

  test('reads the gzip output of k6 (--out json=FILE.gz) line for line like the plain file', async () => {
    const lines = [
      ...http('2026-08-21T09:00:00.1Z', 'landing', '200', 3),
      ...http('2026-08-21T09:00:00.2Z', 'landing', '503', 4),
      '{bad',
    ];
    const text = `${lines.join('\n')}\n`;
    writeFileSync(join(dir, 'plain.ndjson'), text);
    writeFileSync(join(dir, 'k6.ndjson.gz'), gzipSync(text));
    const plain = await readNdjson(join(dir, 'plain.ndjson'));
    const gzip = await readNdjson(join(dir, 'k6.ndjson.gz'));
    expect(gzip.gzip).toBe(true);
    expect({ ...gzip, gzip: false }).toEqual(plain);
    expect(gzip.rejected).toEqual({ bad_json: 1 });
  });

  test('reads what a gzip stream cut short holds, and calls the cut line truncated', async () => {
    const lines = http('2026-08-21T09:00:00.1Z', 'landing', '200', 3);
    // Flushed up to a point mid-stream, as a k6 still writing (or killed) leaves it.
    const deflate = createGzip({ level: 1 });
    const chunks: Buffer[] = [];
    deflate.on('data', (chunk: Buffer) => chunks.push(chunk));
    deflate.write(`${lines.join('\n')}\n${lines[0]!.slice(0, 30)}`);
    await new Promise<void>((resolve) => deflate.flush(() => resolve()));
    writeFileSync(join(dir, 'cut.ndjson.gz'), Buffer.concat(chunks));
    const result = await readNdjson(join(dir, 'cut.ndjson.gz'));
    expect(result.slots[0]!.stages.landing!.requests.ok).toBe(lines.length / 2);
    expect(result.rejected).toEqual({ truncated: 1 });
    deflate.destroy();
  });

  test('stops when aborted', async () => {
    const path = join(dir, 'abort.ndjson');
    writeFileSync(path, http('2026-08-21T09:00:00Z', 'landing', '200', 3).join('\n'));
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(readNdjson(path, { signal: controller.signal })).rejects.toThrow('stop');
  });
});
