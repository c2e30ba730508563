/**
 * k6's JSON output and summaries as k6 writes them (test/k6-formats) into the exporter and the
 * report: totals exact against the kit's recount, the exporter and the report counting the same
 * lines of the same file identically (rejections included, by reason), every summary shape read
 * the right way round.
 */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, test } from 'vitest';
import { parseK6Summary } from '../../contracts/k6-summary.ts';
import { RUN_METRICS as M } from '../../contracts/metrics.ts';
import { sumOf } from '../../exporter/fixtures/exposition.ts';
import { createExporter, exporterConfig } from '../../exporter/index.ts';
import { parseRunSummary } from '../../exporter/summary.ts';
import { readNdjson } from '../../report/read-ndjson.ts';
import { readRunDirectory } from '../../report/read-run.ts';
import { buildRun, withoutChecks, type K6Run } from '../k6-formats/model.ts';
import { jsonFile, jsonLines } from '../k6-formats/json-output.ts';
import { handleSummaryData, machineReadableSummaryFile, summaryExport } from '../k6-formats/summary.ts';

const dir = mkdtempSync(join(tmpdir(), 'floodgate-conformance-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = buildRun({ vuIterMetadata: true });
const runId = run.samples.find((sample) => sample.tags.run !== undefined)!.tags.run!;

/** Hostile and broken lines a file can hold besides k6's, with the reason both readers give. */
const HOSTILE: ReadonlyArray<readonly [string, string]> = [
  [
    '{"metric":"http_reqs","type":"Point","data":{"time":"2026-08-21T09:00:00Z","value":1e308,"tags":{"run":"x"}}}',
    'out_of_range',
  ],
  [
    '{"metric":"http_reqs","type":"Point","data":{"time":"2026-08-21T09:00:00Z","value":1e308,"tags":{"run":"x"}}}',
    'out_of_range',
  ],
  ['{"metric":"http_reqs","type":"Point","data":{"time":"0050-02-29T00:00:00Z","value":1,"tags":{}}}', 'bad_time'],
  [
    '{"metric":"funnel_stage","type":"Point","data":{"time":"2026-08-21T09:00:00Z","value":1,"tags":{"stage":"checkout","result":"entered"}}}',
    'bad_tags',
  ],
  ['{"metric":"http_reqs","type":"Point","data":{"time":"2026-08-21T09:00:00Z","value":-1,"tags":{}}}', 'bad_value'],
  ['not json at all', 'bad_json'],
  ['[1,2]', 'not_object'],
  ['{"type":"Sample"}', 'unknown_type'],
  [
    `{"metric":"x_y","type":"Point","data":{"time":"2026-08-21T09:00:00Z","value":1,"tags":{"pad":"${'p'.repeat(70_000)}"}}}`,
    'too_long',
  ],
];

/** Every fixture: the kit's files, plain and gzip, local offsets, with and without hostile lines. */
const FIXTURES: ReadonlyArray<{ name: string; bytes: Buffer; hostile: boolean }> = [
  { name: 'plain UTC', bytes: jsonFile(run), hostile: false },
  { name: 'plain +07:00', bytes: jsonFile(run, { zoneOffsetMinutes: 420 }), hostile: false },
  { name: 'plain -04:30', bytes: jsonFile(run, { zoneOffsetMinutes: -270 }), hostile: false },
  { name: 'gzip', bytes: jsonFile(run, { gzip: true }), hostile: false },
  {
    name: 'plain with hostile lines, CRLF and a cut last line',
    bytes: Buffer.from(
      `${[...jsonLines(run).slice(0, 200), ...HOSTILE.map(([line]) => line), ...jsonLines(run).slice(200)].join('\r\n')}\r\n${jsonLines(run)[5]!.slice(0, 40)}`,
    ),
    hostile: true,
  },
];

const expectedRejections = (hostile: boolean): Record<string, number> => {
  if (!hostile) return {};
  const counts: Record<string, number> = { truncated: 1 };
  for (const [, reason] of HOSTILE) counts[reason] = (counts[reason] ?? 0) + 1;
  return counts;
};

async function exporterCount(
  bytes: Buffer,
): Promise<{ lines: number; rejected: Record<string, number>; requests: number; funnel: number; iterations: number }> {
  const exporter = createExporter({ config: exporterConfig() });
  const plain = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes;
  const { lines } = await exporter.ingestStream([plain.subarray(0, 1000), plain.subarray(1000)]);
  const rejected = Object.fromEntries([...exporter.health.rejected.get('ingest')!].filter(([, count]) => count > 0));
  const text = await exporter.registry.metrics();
  const result = {
    lines,
    rejected,
    requests: sumOf(text, M.httpRequests.name, { run: runId }),
    funnel: sumOf(text, M.funnelStage.name, { run: runId }),
    iterations: sumOf(text, M.iterations.name, { run: runId }),
  };
  await exporter.close();
  return result;
}

describe('k6 JSON output from the conformance kit', () => {
  test.each(FIXTURES.map((fixture) => [fixture.name, fixture] as const))(
    '%s: the exporter and the report count the same lines, reject the same ones for the same reasons, and total what the kit expects',
    async (name, fixture) => {
      const path = join(dir, `${name.replace(/\W+/g, '-')}.ndjson${fixture.bytes[0] === 0x1f ? '.gz' : ''}`);
      writeFileSync(path, fixture.bytes);
      const fromReport = await readNdjson(path, { run: runId });
      const fromExporter = await exporterCount(fixture.bytes);
      expect(fromReport.lines).toBe(fromExporter.lines);
      expect(fromReport.rejected).toEqual(fromExporter.rejected);
      expect(fromReport.rejected).toEqual(expectedRejections(fixture.hostile));
      const kitLines = jsonLines(run).length;
      expect(fromReport.lines).toBe(kitLines + (fixture.hostile ? HOSTILE.length + 1 : 0));
      const { expected } = run;
      const reportRequests = fromReport.slots.reduce(
        (sum, slot) =>
          sum +
          Object.values(slot.stages).reduce(
            (stageSum, stage) => stageSum + Object.values(stage!.requests).reduce((a, b) => a + (b ?? 0), 0),
            0,
          ) +
          Object.values(slot.unstagedRequests ?? {}).reduce((a, b) => a + (b ?? 0), 0),
        0,
      );
      const reportFunnel = fromReport.slots.reduce(
        (sum, slot) =>
          sum +
          Object.values(slot.stages).reduce(
            (stageSum, stage) => stageSum + Object.values(stage!.funnel).reduce((a, b) => a + (b ?? 0), 0),
            0,
          ),
        0,
      );
      const funnel = expected.funnel.reduce((sum, entry) => sum + entry.count, 0);
      expect({ requests: reportRequests, funnel: reportFunnel }).toEqual({
        requests: expected.httpRequestsTotal,
        funnel,
      });
      expect({
        requests: fromExporter.requests,
        funnel: fromExporter.funnel,
        iterations: fromExporter.iterations,
      }).toEqual({
        requests: expected.httpRequestsTotal,
        funnel,
        iterations: expected.iterationsTotal,
      });
    },
  );

  test('with --sample-seconds, the exporter counts every request and applicant under the second of its sample time, as the kit recounts them', async () => {
    const exporter = createExporter({ config: exporterConfig({ sampleSeconds: true }) });
    await exporter.ingestStream([jsonFile(run, { zoneOffsetMinutes: 420 })]);
    const text = await exporter.registry.metrics();
    await exporter.close();
    // the kit's recount: samples (value 1 each) by the whole second of their time, modulo 60
    const recount = (metric: string): Map<string, number> => {
      const bySecond = new Map<string, number>();
      for (const sample of run.samples.filter((candidate) => candidate.metric === metric)) {
        const second = String(Number((sample.unixNano / 1_000_000_000n) % 60n));
        bySecond.set(second, (bySecond.get(second) ?? 0) + sample.value);
      }
      return bySecond;
    };
    for (const [metric, name, total] of [
      ['http_reqs', M.httpRequestsBySecond.name, run.expected.httpRequestsTotal],
      ['funnel_stage', M.funnelStageBySecond.name, run.expected.funnel.reduce((sum, entry) => sum + entry.count, 0)],
    ] as const) {
      const want = recount(metric);
      expect([...want.values()].reduce((a, b) => a + b, 0)).toBe(total);
      expect(want.size).toBeGreaterThan(5);
      for (let second = 0; second < 60; second += 1)
        expect(sumOf(text, name, { run: runId, second: String(second) }), `${metric} at second ${second}`).toBe(
          want.get(String(second)) ?? 0,
        );
    }
    // off by default: no such series
    const plain = createExporter({ config: exporterConfig() });
    await plain.ingestStream([jsonFile(run)]);
    expect(sumOf(await plain.registry.metrics(), M.httpRequestsBySecond.name, { run: runId })).toBe(0);
    await plain.close();
  });

  test('a local zone offset moves no sample: the report places every request in the same slot as from a UTC host', async () => {
    const utc = join(dir, 'zone-utc.ndjson');
    const east = join(dir, 'zone-east.ndjson');
    writeFileSync(utc, jsonFile(run));
    writeFileSync(east, jsonFile(run, { zoneOffsetMinutes: 420 }));
    expect((await readNdjson(east)).slots).toEqual((await readNdjson(utc)).slots);
  });
});

describe('k6 summaries from the conformance kit', () => {
  const verdicts = (kitRun: K6Run): Array<{ metric: string; ok: boolean }> =>
    kitRun.expected.thresholds
      .map((threshold) => ({ metric: threshold.metric, ok: threshold.ok }))
      .sort((a, b) => a.metric.localeCompare(b.metric));

  test.each([
    ['handleSummary data', () => JSON.stringify(handleSummaryData(run)), 'handleSummary'],
    ['a --summary-export file', () => summaryExport(run), 'summary-export'],
  ] as const)('%s: every threshold verdict as k6 decided it (p(95)<3000 FAILS)', (_what, make, shape) => {
    const summary = parseK6Summary(make());
    expect(summary.shape).toBe(shape);
    const read = (summary.thresholds ?? [])
      .map(({ metric, ok }) => ({ metric, ok }))
      .sort((a, b) => a.metric.localeCompare(b.metric));
    expect(read).toEqual(verdicts(run));
    expect(read.some((threshold) => !threshold.ok)).toBe(true);
    expect(summary.httpReqs).toBe(run.expected.httpRequestsTotal);
  });

  test('the machine-readable summary: no thresholds, and the report says so instead of inventing verdicts', async () => {
    const folder = mkdtempSync(join(dir, 'mrs-'));
    writeFileSync(join(folder, 'k6.ndjson.gz'), jsonFile(run, { gzip: true }));
    writeFileSync(join(folder, 'summary.json'), machineReadableSummaryFile(run));
    const result = await readRunDirectory(folder, { truth: 'off', run: runId });
    expect(result.summary).toMatchObject({ shape: 'machine-readable', thresholds: false });
    expect(result.thresholds.length).toBeGreaterThan(0);
    expect(result.thresholds.every((threshold) => threshold.ok === undefined)).toBe(true);
    expect(result.source).toMatchObject({ kind: 'ndjson', gzip: true });
  });

  test('the machine-readable summary of a run without checks (k6 writes "checks": {metrics: [], results: []}): read, no check invented, counts exact', async () => {
    const unchecked = withoutChecks(run);
    expect(unchecked.expected.checks).toEqual([]);
    const text = machineReadableSummaryFile(unchecked);
    expect(JSON.parse(text).results.checks).toEqual({ metrics: [], results: [] });
    const summary = parseK6Summary(text);
    expect(summary).toMatchObject({ shape: 'machine-readable', thresholds: undefined });
    expect(summary.httpReqs).toBe(unchecked.expected.httpRequestsTotal);
    expect(summary.iterations).toBe(unchecked.expected.iterationsTotal);
    expect(Object.keys(summary.metrics).filter((name) => name.startsWith('checks'))).toEqual([]);
    // the exporter's reader of summary.json agrees
    expect(parseRunSummary(text)).toMatchObject({
      httpReqs: unchecked.expected.httpRequestsTotal,
      iterations: unchecked.expected.iterationsTotal,
    });
    const folder = mkdtempSync(join(dir, 'mrs-unchecked-'));
    writeFileSync(join(folder, 'k6.ndjson'), jsonFile(unchecked));
    writeFileSync(join(folder, 'summary.json'), text);
    const result = await readRunDirectory(folder, { truth: 'off', run: runId });
    expect(result.summary).toMatchObject({ shape: 'machine-readable', thresholds: false });
    expect(result.checks).toEqual([]);
    expect(result.thresholds.some((threshold) => threshold.metric === 'checks')).toBe(false);
  });

  test('a --summary-export file in a results folder: the failed p(95) threshold is a failed threshold in the report', async () => {
    const folder = mkdtempSync(join(dir, 'export-'));
    writeFileSync(join(folder, 'k6.ndjson'), jsonFile(run));
    writeFileSync(join(folder, 'summary-export.json'), summaryExport(run));
    const result = await readRunDirectory(folder, { truth: 'off', run: runId });
    expect(result.summary).toMatchObject({ shape: 'summary-export', thresholds: true });
    const failed = run.expected.thresholds.filter((threshold) => !threshold.ok).map((threshold) => threshold.metric);
    expect(failed.length).toBeGreaterThan(0);
    for (const metric of failed)
      expect(result.thresholds.find((threshold) => threshold.metric === metric)?.ok).toBe(false);
  });
});
