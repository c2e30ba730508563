/**
 * Following NDJSON files: growing files with partial lines, new files, truncated and replaced
 * files, and a restart mid-file that must end with the totals of an uninterrupted read.
 */

import { appendFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, test } from 'vitest';
import { EXPORTER_METRICS, RUN_METRICS } from '../contracts/metrics.ts';
import { createExporter, type Exporter, exporterConfig } from './index.ts';
import { k6RunLines, runMetricLines } from './fixtures/k6-lines.ts';
import { samples, sumOf } from './fixtures/exposition.ts';

const HEALTH = Object.values(EXPORTER_METRICS).map((metric) => metric.name);
let folder: string;
const exporters: Exporter[] = [];

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'floodgate-follow-'));
});
afterEach(async () => {
  await Promise.all(exporters.splice(0).map((exporter) => exporter.close()));
  rmSync(folder, { recursive: true, force: true });
});
afterAll(async () => {
  await Promise.all(exporters.map((exporter) => exporter.close()));
});

function follow(): Exporter {
  const exporter = createExporter({ config: exporterConfig({ follow: [join(folder, '*/k6.ndjson')] }) });
  exporters.push(exporter);
  return exporter;
}

function runFile(run: string): string {
  mkdirSync(join(folder, run), { recursive: true });
  return join(folder, run, 'k6.ndjson');
}

async function requests(exporter: Exporter, run: string): Promise<number> {
  return sumOf(await exporter.registry.metrics(), RUN_METRICS.httpRequests.name, { run });
}

describe('following files', () => {
  test('reads a growing file, holding a partial last line until its newline arrives', async () => {
    const { lines, totals } = k6RunLines({ run: 'grow', journeys: 40 });
    const text = `${lines.join('\n')}\n`;
    const file = runFile('grow');
    const exporter = follow();
    const cuts = [0, 1000, 1001, 5555, 20_000, text.length - 3, text.length];
    let previous = 0;
    for (const cut of cuts.slice(1)) {
      appendFileSync(file, text.slice(previous, cut));
      previous = cut;
      await exporter.follower!.poll();
      const complete = text.slice(0, cut).split('\n').slice(0, -1);
      const expected = complete.filter((line) => line.includes('"metric":"http_reqs","type":"Point"')).length;
      expect(await requests(exporter, 'grow')).toBe(expected);
    }
    expect(await requests(exporter, 'grow')).toBe(totals.httpReqs);
    expect(exporter.health.rejectedTotal('file')).toBe(0);
  });

  test('picks up files that appear later, each one once', async () => {
    const exporter = follow();
    await exporter.follower!.poll();
    expect(exporter.follower!.files()).toEqual([]);
    writeFileSync(runFile('first'), `${k6RunLines({ run: 'first', journeys: 5 }).lines.join('\n')}\n`);
    await exporter.follower!.poll();
    writeFileSync(runFile('second'), `${k6RunLines({ run: 'second', journeys: 7 }).lines.join('\n')}\n`);
    await exporter.follower!.poll();
    await exporter.follower!.poll();
    expect(exporter.follower!.files()).toHaveLength(2);
    expect(await requests(exporter, 'first')).toBe(k6RunLines({ run: 'first', journeys: 5 }).totals.httpReqs);
    expect(await requests(exporter, 'second')).toBe(k6RunLines({ run: 'second', journeys: 7 }).totals.httpReqs);
  });

  test('a truncated file (k6 re-created it) is read again from the start, its old totals dropped', async () => {
    const file = runFile('again');
    const exporter = follow();
    writeFileSync(file, `${k6RunLines({ run: 'again', journeys: 30 }).lines.join('\n')}\n`);
    await exporter.follower!.poll();
    const second = k6RunLines({ run: 'again', journeys: 4 });
    writeFileSync(file, `${second.lines.join('\n')}\n`);
    await exporter.follower!.poll();
    expect(await requests(exporter, 'again')).toBe(second.totals.httpReqs);
  });

  test('a file replaced by another one (new inode, even if larger) is read again from the start', async () => {
    const file = runFile('swap');
    const exporter = follow();
    writeFileSync(file, `${k6RunLines({ run: 'swap', journeys: 3 }).lines.join('\n')}\n`);
    await exporter.follower!.poll();
    const replacement = k6RunLines({ run: 'swap', journeys: 20 });
    writeFileSync(`${file}.new`, `${replacement.lines.join('\n')}\n`);
    renameSync(`${file}.new`, file);
    await exporter.follower!.poll();
    expect(await requests(exporter, 'swap')).toBe(replacement.totals.httpReqs);
  });

  test('an exporter restarted mid-file ends with the totals of an uninterrupted read', async () => {
    const { lines } = k6RunLines({ run: 'restart', journeys: 300 });
    const text = `${lines.join('\n')}\n`;
    const file = runFile('restart');
    // The first exporter sees the file cut in the middle of a line, then stops.
    writeFileSync(file, text.slice(0, Math.floor(text.length * 0.45)));
    const before = follow();
    await before.follower!.poll();
    expect(await requests(before, 'restart')).toBeGreaterThan(0);
    await before.close();
    // The writer goes on; a new exporter starts from nothing and reads the file from its start.
    appendFileSync(file, text.slice(Math.floor(text.length * 0.45)));
    const after = follow();
    await after.follower!.poll();
    // Reference: an exporter that read the whole file while it was being written, in three pieces.
    const reference = createExporter({ config: exporterConfig() });
    exporters.push(reference);
    await reference.ingestStream(
      [text.slice(0, 1234), text.slice(1234, 99_999), text.slice(99_999)].map((piece) => Buffer.from(piece)),
    );
    const afterLines = runMetricLines(await after.registry.metrics(), HEALTH);
    const referenceLines = runMetricLines(
      (await reference.registry.metrics()).replaceAll('source="ingest"', 'source="file"'),
      HEALTH,
    );
    expect(afterLines.length).toBeGreaterThan(50);
    expect(afterLines).toEqual(referenceLines);
  });

  test('the run’s summary.json gives every threshold’s final verdict, once it agrees with the data read', async () => {
    const { lines, totals } = k6RunLines({ run: 'verdict', journeys: 12 });
    const file = runFile('verdict');
    const summary = (httpReqs: number): string =>
      JSON.stringify({
        metrics: {
          http_reqs: { type: 'counter', contains: 'default', values: { count: httpReqs, rate: 1 } },
          'http_req_duration{stage:register}': {
            type: 'trend',
            contains: 'time',
            values: {},
            thresholds: { 'p(95)<1500': { ok: true } },
          },
          'http_req_failed{stage:verify_nik}': {
            type: 'rate',
            contains: 'default',
            values: {},
            thresholds: { 'rate<0.01': { ok: false } },
          },
          http_req_failed: {
            type: 'rate',
            contains: 'default',
            values: {},
            thresholds: { 'rate<0.05': { ok: false } },
          },
        },
      });
    const passing = async (exporter: Exporter): Promise<Record<string, number>> =>
      Object.fromEntries(
        samples(await exporter.registry.metrics(), RUN_METRICS.thresholdPassing.name, { run: 'verdict' }).map(
          (sample) => [`${sample.labels.metric} ${sample.labels.threshold}`, sample.value],
        ),
      );
    const exporter = follow();
    // a summary left from an earlier run in this folder: its counts do not match, so it does not apply
    writeFileSync(join(folder, 'verdict', 'summary.json'), summary(3));
    writeFileSync(file, `${lines.slice(0, 40).join('\n')}\n`);
    await exporter.follower!.poll();
    expect(Object.keys(await passing(exporter))).not.toContain('http_req_failed{stage:verify_nik} rate<0.01');
    // the run ends: every line read (live, 1 request of 37 failed: rate<0.05 holds), then k6 writes the new summary
    writeFileSync(file, `${lines.join('\n')}\n`);
    await exporter.follower!.poll();
    expect(await passing(exporter)).toEqual({ 'http_req_duration p(95)<1500': 1, 'http_req_failed rate<0.05': 1 });
    writeFileSync(join(folder, 'verdict', 'summary.json'), summary(totals.httpReqs));
    await exporter.follower!.poll();
    expect(await passing(exporter)).toEqual({
      'http_req_duration p(95)<1500': 1, // evaluated live on the NDJSON (its Metric line carries it); the summary has no verdict for it
      'http_req_failed rate<0.05': 0, // the summary's verdict replaces the live one
      'http_req_duration{stage:register} p(95)<1500': 1,
      'http_req_failed{stage:verify_nik} rate<0.01': 0,
    });
  });

  test('a folder that does not exist yet is not an error', async () => {
    const exporter = createExporter({ config: exporterConfig({ follow: [join(folder, 'later/*/k6.ndjson')] }) });
    exporters.push(exporter);
    await exporter.follower!.poll();
    expect(exporter.health.errors.get('file')).toBe(0);
  });
});
