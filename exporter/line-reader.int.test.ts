/**
 * The exporter's two line readers agree: k6's own Point lines scanned in place
 * (contracts/k6-json.ts readK6Line, the default) and every line through JSON.parse
 * (parseK6Line) give the same result for every line, and byte-identical /metrics on every
 * fixture: the golden file, the exporter's k6 fixture, the k6 conformance kit's JSON output
 * (three zones, hostile lines) and lines made to sit on the scanner's edges.
 */

import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { K6_LABEL_TAGS, parseK6Line } from '../contracts/k6-json.ts';
import { readK6Line } from '../contracts/k6-json-scan.ts';
import { FLOODGATE_TAGS } from '../contracts/metrics.ts';
import { k6RunLines } from './fixtures/k6-lines.ts';
import { createExporter, exporterConfig } from './index.ts';
import { INGEST_TAGS } from './ingest.ts';
import { hostileJsonFile } from '../test/k6-formats/hostile-json.ts';
import { jsonLines } from '../test/k6-formats/json-output.ts';
import { buildRun } from '../test/k6-formats/model.ts';

const NOW = Date.parse('2026-08-21T09:30:00Z');
const KEPT = new Set<string>([...K6_LABEL_TAGS, FLOODGATE_TAGS.target]);
const point = (data: string, metric = 'http_reqs'): string => `{"metric":"${metric}","type":"Point","data":${data}}`;
const T = '"time":"2026-08-21T09:00:01.5Z"';

/** Lines on the scanner's edges: each must be read as JSON.parse reads it. */
const EDGES: readonly string[] = [
  point(`{${T},"value":1,"tags":{"run":"edge-1","url":"http://x/?a=\\"b\\"","status":"200"}}`),
  point(`{${T},"value":1,"tags":{"run":"edge-1","url":"http://x/\u0001","status":"200"}}`),
  point(`{${T},"value":1,"tags":{"run":"edge-1","stage":"register\u007f"}}`),
  point(`{${T},"value":1,"tags":{"run":"edge-1","name":"caf\u00e9 \ud83d\ude00 \ud800"}}`),
  point(`{${T},"value":1,"tags":{"__proto__":"x","run":"edge-1"}}`),
  point(`{${T},"value":1,"tags":{"run":"edge-1","status":"200","status":"503"}}`),
  point(`{${T},"value":1,"tags":{"run":"edge-1"},"metadata":{"trace_id":"abc"}}`),
  point(`{${T},"value":1,"tags":{"run":"edge-1"},"metadata":{"n":1}}`),
  point(`{${T},"value":1,"tags":null}`),
  point(`{${T},"value":1}`),
  point(`{${T},"value":1,"tags":{}}`),
  point(`{${T},"value":1,"tags":{"run":"edge-1","status":200}}`),
  point(`{${T}, "value":1,"tags":{"run":"edge-1"}}`),
  point(`{${T},"value":1,"tags":{"run":"edge-1"}}`) + '\r',
  point(`{${T},"value":1,"tags":{"run":"edge-1"}}`) + ' ',
  point(`{${T},"value":1,"tags":{"run":"edge-1"}},"extra":1`),
  point(`{${T},"value":1.5e2,"tags":{"run":"edge-1"}}`, 'http_req_duration'),
  point(`{${T},"value":-0,"tags":{"run":"edge-1"}}`),
  point(`{${T},"value":-1,"tags":{"run":"edge-1"}}`),
  point(`{${T},"value":01,"tags":{"run":"edge-1"}}`),
  point(`{${T},"value":1.,"tags":{"run":"edge-1"}}`),
  point(`{${T},"value":1e400,"tags":{"run":"edge-1"}}`),
  point(`{${T},"value":9007199254740993,"tags":{"run":"edge-1"}}`),
  point(`{${T},"value":0.1,"tags":{"run":"edge-1"}}`, 'vus'),
  point(`{"time":"2026-08-21T09:00:01Z","value":1,"tags":{"run":"edge-1"}}`),
  point(`{"time":"2026-08-21T09:00:01.123456789Z","value":1,"tags":{"run":"edge-1"}}`),
  point(`{"time":"2026-08-21T09:00:01.1234567891Z","value":1,"tags":{"run":"edge-1"}}`),
  point(`{"time":"2026-08-21T09:00:01.Z","value":1,"tags":{"run":"edge-1"}}`),
  point(`{"time":"2026-08-21t09:00:01.5z","value":1,"tags":{"run":"edge-1"}}`),
  point(`{"time":"2026-08-21T16:00:01.5+07:00","value":1,"tags":{"run":"edge-1"}}`),
  point(`{"time":"2026-08-21T16:00:01.5+07:00x","value":1,"tags":{"run":"edge-1"}}`),
  point(`{"time":"2026-08-21T09:00:60.5Z","value":1,"tags":{"run":"edge-1"}}`),
  point(`{"time":"2026-02-30T09:00:01.5Z","value":1,"tags":{"run":"edge-1"}}`),
  point(`{"time":"2026-08-21T09:00:01.5\\u005a","value":1,"tags":{"run":"edge-1"}}`),
  point(`{${T},"value":1,"tags":{"run":"edge-1","stage":"register","result":"entered"}}`, 'funnel_stage'),
  point(`{${T},"value":1,"tags":{"run":"edge-1","stage":"checkout","result":"entered"}}`, 'funnel_stage'),
  point(`{${T},"value":1,"tags":{"run":"edge-1"}}`, 'http_reqs{url="x"}'),
  point(`{${T},"value":1,"tags":{"run":"edge-1"}}`, 'h'),
  point(`{${T},"value":1,"tags":{"run":"edge-1","floodgate_target":"http://127.0.0.1:1"}}`),
  '{"metric":"http_reqs","type":"Metric","data":{"name":"http_reqs","type":"counter"}}',
  '{"metric":"http_reqs","type":"Point","data":{"time":"2026-08-21T09:00:01.5Z","value":1,"tags":{"run":"edge-1"}',
  '',
  '   ',
];

function kitLines(): string[] {
  const run = buildRun({ vuIterMetadata: true });
  return [
    ...jsonLines(run),
    ...jsonLines(run, { zoneOffsetMinutes: 420 }),
    ...jsonLines(run, { zoneOffsetMinutes: -270 }),
    ...hostileJsonFile(run).text.split('\n'),
  ];
}

const FIXTURES: ReadonlyArray<{ name: string; lines: () => string[] }> = [
  {
    name: 'the golden file',
    lines: () => readFileSync(new URL('../exporter/fixtures/golden.ndjson', import.meta.url), 'utf8').split('\n'),
  },
  { name: "the exporter's k6 fixture", lines: () => k6RunLines({ run: 'reader-1', journeys: 300 }).lines },
  { name: "the conformance kit's JSON output, three zones, with its hostile lines", lines: kitLines },
  { name: "lines on the scanner's edges", lines: () => [...EDGES] },
];

async function metricsOf(
  lineReader: 'scan' | 'parse',
  lines: readonly string[],
  limits: { labelCap?: number; maxSeries?: number; maxRuns?: number } = {},
): Promise<{ text: string; lines: number; rejected: number }> {
  const exporter = createExporter({ config: exporterConfig(limits), clock: { now: () => NOW }, lineReader });
  // Half as one batch (a file read), half line by line (ingest requests), in the same order.
  const half = Math.floor(lines.length / 2);
  const first = exporter.ingestLines(lines.slice(0, half));
  for (const line of lines.slice(half)) exporter.ingestLine(line);
  const text = await exporter.registry.metrics();
  await exporter.close();
  return { text, lines: first.lines, rejected: first.rejected };
}

describe('the scanned and the parsed line reader', () => {
  test.each(FIXTURES)(
    'read every line of $name alike: same kind, reason, metric, time, value and kept tags',
    ({ lines }) => {
      let scanned = 0;
      for (const line of lines()) {
        const slow = parseK6Line(line, 65_536);
        const fast = readK6Line(line, 65_536, INGEST_TAGS);
        if (slow.kind !== 'point' || fast.kind !== 'point') {
          expect(fast, line).toEqual(slow);
          continue;
        }
        // Scanned: the kept tags only; sent on to JSON.parse: every tag.
        const wasScanned =
          fast.sample.tags !== slow.sample.tags && Object.keys(fast.sample.tags).every((name) => KEPT.has(name));
        const kept = Object.fromEntries(
          Object.entries(slow.sample.tags).filter(([name]) => !wasScanned || KEPT.has(name)),
        );
        // `shared` (the handle of a scanned tags text) is the scanner's own addition.
        const { shared: _shared, ...sample } = fast.sample;
        expect({ ...sample, tags: { ...sample.tags } }, line).toEqual({ ...slow.sample, tags: kept });
        expect(Object.is(fast.sample.value, slow.sample.value), line).toBe(true);
        if (Object.keys(sample.tags).length < Object.keys(slow.sample.tags).length) scanned += 1;
      }
      // The fixtures with k6's url/name/proto tags are read by the scanner, not by JSON.parse.
      if (lines().some((line) => line.includes('"url":"'))) expect(scanned).toBeGreaterThan(0);
    },
  );

  test.each(FIXTURES)('give byte-identical /metrics and the same counts on $name', async ({ lines }) => {
    const all = lines();
    const [fast, slow] = [await metricsOf('scan', all), await metricsOf('parse', all)];
    expect(fast.lines).toBe(slow.lines);
    expect(fast.rejected).toBe(slow.rejected);
    expect(fast.text).toBe(slow.text);
    expect(fast.text).toContain('floodgate_ingest_lines_total');
  });

  // The store remembers what it derived from a scanned tags text (K6Sample.shared); a label folded
  // into `other` by a cap or by the series budget must still be counted as a fold on every sample.
  test('give byte-identical /metrics when label caps and the series budget fold labels', async () => {
    const scenarios = ['opening', 'late', 'retry', 'walkin'];
    const lines = scenarios.flatMap((scenario, index) => [
      ...k6RunLines({ run: `fold-${index % 2}`, journeys: 60, scenario }).lines,
      ...k6RunLines({ run: 'fold-9', journeys: 20, scenario }).lines,
    ]);
    const limits = { labelCap: 2, maxSeries: 120, maxRuns: 2 };
    const [fast, slow] = [await metricsOf('scan', lines, limits), await metricsOf('parse', lines, limits)];
    expect(fast.text).toBe(slow.text);
    expect(fast.rejected).toBe(slow.rejected);
    expect(fast.text).toMatch(/floodgate_series_dropped_total\{label="scenario"\} [1-9]/);
    expect(fast.text).toMatch(/floodgate_series_dropped_total\{label="status"\} [1-9]/);
  });
});
