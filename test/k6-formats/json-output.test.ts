import { gunzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import {
  buildRun,
  jsonFile,
  jsonLines,
  runFromSamples,
  goJsonString,
  goRfc3339Nano,
  goJsonNumber,
  hostileJsonFile,
  metricLine,
  goDurationString,
  goParseDuration,
} from './index.ts';

// k6 internal/output/json/json_test.go generateTestMetricSamples + setThresholds, as a kit run.
const T1 = 1_614_173_830_000_000_000n; // time.Date(2021, 2, 24, 13, 37, 10, 0, time.UTC)
const S = 10_000_000_000n;
const k6TestRun = runFromSamples({
  metrics: [
    { name: 'my_metric1', type: 'gauge', contains: 'default' },
    { name: 'my_metric2', type: 'counter', contains: 'data' },
  ],
  thresholds: { my_metric1: [{ source: 'rate<0.01' }, { source: 'p(99)<250' }], 'my_metric1{a:1,b:2}': [] },
  unvalidatedThresholds: true, // json_test.go builds them without Validate (rate and p(99) on a gauge)
  samples: [
    { metric: 'my_metric1', unixNano: T1, value: 1, tags: { tag1: 'val1' }, metadata: { meta1: 'foo', meta2: 'bar' } },
    { metric: 'my_metric1', unixNano: T1, value: 2, tags: { tag2: 'val2' } },
    { metric: 'my_metric2', unixNano: T1 + S, value: 3, tags: { key: 'val' }, metadata: {} },
    { metric: 'my_metric1', unixNano: T1 + S, value: 4, tags: { key: 'val' } },
    {
      metric: 'my_metric2',
      unixNano: T1 + 2n * S,
      value: 5,
      tags: { tag3: 'val3', tag4: 'val4' },
      metadata: { meta3: 'metaval3' },
    },
  ],
});

// The `expected` lines of json_test.go, verbatim.
const K6_EXPECTED = [
  `{"type":"Metric","data":{"name":"my_metric1","type":"gauge","contains":"default","thresholds":["rate<0.01","p(99)<250"],"submetrics":[{"name":"my_metric1{a:1,b:2}","suffix":"a:1,b:2","tags":{"a":"1","b":"2"}}]},"metric":"my_metric1"}`,
  `{"type":"Point","data":{"time":"2021-02-24T13:37:10Z","value":1,"tags":{"tag1":"val1"},"metadata":{"meta1":"foo","meta2":"bar"}},"metric":"my_metric1"}`,
  `{"type":"Point","data":{"time":"2021-02-24T13:37:10Z","value":2,"tags":{"tag2":"val2"}},"metric":"my_metric1"}`,
  `{"type":"Metric","data":{"name":"my_metric2","type":"counter","contains":"data","thresholds":[],"submetrics":null},"metric":"my_metric2"}`,
  `{"type":"Point","data":{"time":"2021-02-24T13:37:20Z","value":3,"tags":{"key":"val"}},"metric":"my_metric2"}`,
  `{"type":"Point","data":{"time":"2021-02-24T13:37:20Z","value":4,"tags":{"key":"val"}},"metric":"my_metric1"}`,
  `{"type":"Point","data":{"time":"2021-02-24T13:37:30Z","value":5,"tags":{"tag3":"val3","tag4":"val4"},"metadata":{"meta3":"metaval3"}},"metric":"my_metric2"}`,
];

describe("the JSON output matches k6's json_test.go", () => {
  const lines = jsonLines(k6TestRun);

  test('it writes the same number of lines as k6 expects', () => {
    expect(lines).toHaveLength(K6_EXPECTED.length);
  });

  test('Metric lines are byte-for-byte the lines of json_test.go (their field order is the struct order)', () => {
    expect(lines[0]).toBe(K6_EXPECTED[0]);
    expect(lines[3]).toBe(K6_EXPECTED[3]);
  });

  test('Point lines equal json_test.go as JSON (k6 compares with JSONEq) and keep the sampleEnvelope field order', () => {
    lines.forEach((line, i) => expect(JSON.parse(line)).toEqual(JSON.parse(K6_EXPECTED[i]!)));
    // wrapper.go sampleEnvelope order: metric, type, data{time, value, tags, metadata}
    expect(lines[1]).toBe(
      '{"metric":"my_metric1","type":"Point","data":{"time":"2021-02-24T13:37:10Z","value":1,"tags":{"tag1":"val1"},"metadata":{"meta1":"foo","meta2":"bar"}}}',
    );
  });

  test('an empty metadata map is left out (omitempty), as for the third sample', () => {
    expect(lines[4]).not.toContain('metadata');
  });
});

describe('times are written as Go prints time.Time in the local zone', () => {
  test.each([
    [T1, 0, '2021-02-24T13:37:10Z'],
    [T1, 420, '2021-02-24T20:37:10+07:00'],
    [T1 + 123_456_789n, 420, '2021-02-24T20:37:10.123456789+07:00'],
    [T1 + 120_000_000n, -210, '2021-02-24T10:07:10.12-03:30'],
    [T1 + 1n, 0, '2021-02-24T13:37:10.000000001Z'],
    [T1 + 500_000_000n, 330, '2021-02-24T19:07:10.5+05:30'],
  ])('%s at offset %s min is %s', (ns, offset, text) => {
    expect(goRfc3339Nano(ns, offset)).toBe(text);
  });

  test('a run written on a +07:00 host and on a UTC host differ only in the time text', () => {
    const run = buildRun({ iterationsPerRunner: 3 });
    const jakarta = jsonLines(run, { zoneOffsetMinutes: 420 });
    const utc = jsonLines(run, { zoneOffsetMinutes: 0 });
    expect(jakarta.some((l) => l.includes('+07:00"'))).toBe(true);
    expect(utc.every((l) => !l.includes('+07:00'))).toBe(true);
    jakarta.forEach((l, i) => {
      const a = JSON.parse(l);
      const b = JSON.parse(utc[i]!);
      if (a.type === 'Point') expect(Date.parse(a.data.time)).toBe(Date.parse(b.data.time));
    });
  });
});

describe("strings and numbers are encoded as Go's encoder writes them", () => {
  test.each([
    ['<a&b>', '"<a&b>"'],
    ['quote " and \\ backslash', '"quote \\" and \\\\ backslash"'],
    ['\n\r\t\b\f', '"\\n\\r\\t\\b\\f"'],
    ['\u0001\u001f', '"\\u0001\\u001f"'],
    ['line\u2028sep\u2029', '"line\\u2028sep\\u2029"'],
    ['ünïcødé 🚀', '"ünïcødé 🚀"'],
    ['lone \ud800 surrogate', '"lone \\ufffd surrogate"'],
  ])('%j is written %s', (input, output) => {
    expect(goJsonString(input)).toBe(output);
  });

  test.each([
    [1, '1'],
    [0.1, '0.1'],
    [48.213457, '48.213457'],
    [1e-7, '1e-7'],
    [1.5e21, '1.5e+21'],
    [123456789012, '123456789012'],
    [-0, '-0'],
  ])('%s is written %s', (value, text) => {
    expect(goJsonNumber(value)).toBe(text);
  });

  test('NaN cannot be encoded (k6 drops that line and logs an error)', () => {
    expect(() => goJsonNumber(Number.NaN)).toThrow(/unsupported value/);
  });
});

describe('Metric lines carry thresholds and submetrics as k6 registers them', () => {
  const run = buildRun({ iterationsPerRunner: 5 });
  const lines = jsonLines(run);
  const metricOf = (name: string): { data: { thresholds: unknown[]; submetrics: { name: string }[] | null } } =>
    JSON.parse(lines.find((l) => l.startsWith('{"type":"Metric"') && l.endsWith(`"metric":"${name}"}`))!);

  test('a threshold with abortOnFail is an object with threshold, abortOnFail and delayAbortEval', () => {
    expect(metricOf('http_req_failed').data.thresholds).toEqual([
      { threshold: 'rate<0.2', abortOnFail: true, delayAbortEval: '10s' },
    ]);
  });

  test("a submetric's threshold is not listed under the parent; the submetric is, with k6's own expected_response:true", () => {
    const d = metricOf('http_req_duration').data;
    expect(d.thresholds).toEqual(['p(95)<3000']);
    expect(d.submetrics?.map((s) => s.name)).toEqual([
      'http_req_duration{stage:register}',
      'http_req_duration{expected_response:true}',
    ]);
  });

  test('each metric gets exactly one Metric line, before its first Point', () => {
    const seen = new Set<string>();
    for (const l of lines) {
      const o = JSON.parse(l);
      if (o.type === 'Metric') {
        expect(seen.has(o.metric)).toBe(false);
        seen.add(o.metric);
      } else expect(seen.has(o.metric)).toBe(true);
    }
  });

  test("a submetric is named as k6's AddSubmetric names it: braces' content trimmed, one submetric per tag set", () => {
    const d = { name: 'http_req_duration', type: 'trend', contains: 'time' } as const;
    const line = JSON.parse(
      metricLine(d, {
        'http_req_duration{ stage:register }': [{ source: 'p(95)<800' }],
        'http_req_duration{expected_response: true}': [{ source: 'p(95)<900' }],
      }),
    );
    expect(line.data.submetrics).toEqual([
      { name: 'http_req_duration{stage:register}', suffix: 'stage:register', tags: { stage: 'register' } },
      {
        name: 'http_req_duration{expected_response: true}',
        suffix: 'expected_response: true',
        tags: { expected_response: 'true' },
      },
    ]);
  });

  test('delayAbortEval is written as Go re-prints the parsed duration (\'10000ms\' is "10s", a bare number is ms)', () => {
    const d = { name: 'http_req_failed', type: 'rate', contains: 'default' } as const;
    const delays = ['10000ms', '90s', '1.5s', '500', '1h', '2d3h', '250us', '10s'].map(
      (delayAbortEval) =>
        JSON.parse(metricLine(d, { http_req_failed: [{ source: 'rate<0.2', abortOnFail: true, delayAbortEval }] })).data
          .thresholds[0].delayAbortEval,
    );
    expect(delays).toEqual(['10s', '1m30s', '1.5s', '500ms', '1h0m0s', '51h0m0s', '250µs', '10s']);
  });

  test('goDurationString prints like time.Duration.String()', () => {
    expect(
      [0n, 1n, 1500n, 1_500_000n, 61_000_000_000n, 3_600_000_000_001n, -2_000_000_000n].map(goDurationString),
    ).toEqual(['0s', '1ns', '1.5µs', '1.5ms', '1m1s', '1h0m0.000000001s', '-2s']);
    expect(() => goParseDuration('10 seconds')).toThrow();
  });

  test('metricLine with no thresholds writes [] and null submetrics', () => {
    expect(metricLine({ name: 'vus', type: 'gauge', contains: 'default' }, {})).toBe(
      '{"type":"Metric","data":{"name":"vus","type":"gauge","contains":"default","thresholds":[],"submetrics":null},"metric":"vus"}',
    );
  });
});

describe('metadata and tags', () => {
  test('vu and iter land in metadata, not tags, with --system-tags vu,iter', () => {
    const lines = jsonLines(buildRun({ iterationsPerRunner: 3, vuIterMetadata: true }));
    const req = JSON.parse(lines.find((l) => l.startsWith('{"metric":"http_reqs"'))!);
    expect(req.data.metadata).toEqual({ iter: '0', vu: '1' });
    expect(req.data.tags.vu).toBeUndefined();
    const vus = JSON.parse(lines.find((l) => l.startsWith('{"metric":"vus"'))!);
    expect(vus.data.metadata).toBeUndefined();
  });

  test('without it there is no metadata field at all', () => {
    expect(jsonLines(buildRun({ iterationsPerRunner: 3 })).some((l) => l.includes('"metadata"'))).toBe(false);
  });

  test('root-group samples carry group "" in JSON (remote write drops it) and keys come out sorted', () => {
    const line = jsonLines(buildRun({ iterationsPerRunner: 3 })).find((l) => l.startsWith('{"metric":"http_reqs"'))!;
    expect(line).toContain('"group":""');
    const keys = Object.keys(JSON.parse(line).data.tags);
    expect(keys).toEqual([...keys].sort());
  });
});

describe('gzip (--out json=FILE.gz)', () => {
  const run = buildRun({ iterationsPerRunner: 5 });
  const plain = jsonFile(run);
  const gz = jsonFile(run, { gzip: true });

  test('the plain file is every line plus a newline', () => {
    expect(plain.toString('utf8')).toBe(
      jsonLines(run)
        .map((l) => l + '\n')
        .join(''),
    );
  });

  test("gunzip gives the plain file back, from one gzip member with Go's header", () => {
    expect(gunzipSync(gz).equals(plain)).toBe(true);
    expect([...gz.subarray(0, 10)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
    // one member: the trailer's ISIZE is the whole plain length
    expect(gz.readUInt32LE(gz.length - 4)).toBe(plain.length);
  });
});

describe('the hostile JSON file', () => {
  const run = buildRun({ iterationsPerRunner: 5 });
  const h = hostileJsonFile(run);
  const lines = h.text.split('\n');

  test('keeps every good line and marks each bad one by its line number', () => {
    const bad = new Map(h.rejected.map((r) => [r.line, r.reason]));
    let good = 0;
    lines.forEach((l, i) => {
      if (bad.has(i + 1)) return;
      expect(() => JSON.parse(l)).not.toThrow();
      good++;
    });
    expect(good).toBe(h.goodLines);
    expect(h.rejected.map((r) => r.reason).sort()).toEqual([
      'bad_time',
      'bad_value',
      'bad_value',
      'not_an_envelope',
      'not_an_envelope',
      'not_an_envelope',
      'not_json',
      'not_json',
      'truncated',
    ]);
  });

  test('its last line is cut off without a newline', () => {
    expect(h.text.endsWith('\n')).toBe(false);
    expect(() => JSON.parse(lines[lines.length - 1]!)).toThrow();
  });
});
