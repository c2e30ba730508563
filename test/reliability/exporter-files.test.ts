/**
 * Followed files as operators and log rotators treat them: deleted and restored, rotated by
 * rename, copytruncated (copied, truncated and written again within one poll), and written as a
 * growing `.ndjson.gz`. After each, the totals equal what the files hold, and no scrape in between
 * shows a partial re-read (the follower is not ready while it re-reads).
 */

import {
  appendFileSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  truncateSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, createGzip, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, test } from 'vitest';
import { EXPORTER_METRICS as E, RUN_METRICS as M } from '../../contracts/metrics.ts';
import { sumOf } from '../../exporter/fixtures/exposition.ts';
import { createExporter, type Exporter, exporterConfig } from '../../exporter/index.ts';
import { readNdjson } from '../../report/read-ndjson.ts';

const root = mkdtempSync(join(tmpdir(), 'floodgate-files-'));
const exporters: Exporter[] = [];
afterAll(async () => {
  await Promise.all(exporters.map((exporter) => exporter.close()));
  rmSync(root, { recursive: true, force: true });
});

let serial = 0;
/** `count` http_reqs lines of `run`. */
function lines(run: string, count: number): string {
  const out: string[] = [];
  for (let i = 0; i < count; i += 1) {
    serial += 1;
    const tags = {
      run,
      scenario: 'opening',
      stage: 'register',
      method: 'POST',
      status: '201',
      expected_response: 'true',
    };
    out.push(
      JSON.stringify({
        metric: 'http_reqs',
        type: 'Point',
        data: { time: new Date(Date.UTC(2026, 7, 21, 9) + serial).toISOString(), value: 1, tags },
      }),
    );
  }
  return `${out.join('\n')}\n`;
}

function follow(glob: string): { exporter: Exporter; folder: string } {
  const folder = join(root, `case-${exporters.length}`);
  mkdirSync(folder);
  const exporter = createExporter({ config: exporterConfig({ follow: [join(folder, glob)] }) });
  exporters.push(exporter);
  return { exporter, folder };
}

async function requests(exporter: Exporter, run: string): Promise<number> {
  return sumOf(await exporter.registry.metrics(), M.httpRequests.name, { run });
}

describe('a followed file', () => {
  test('deleted, then restored: counted once, not twice', async () => {
    const { exporter, folder } = follow('k6.ndjson');
    const file = join(folder, 'k6.ndjson');
    const text = lines('restored', 300);
    writeFileSync(file, text);
    await exporter.follower!.poll();
    expect(await requests(exporter, 'restored')).toBe(300);
    unlinkSync(file);
    await exporter.follower!.poll();
    // Gone: what it contributed stays (deleting results does not un-count a run).
    expect(await requests(exporter, 'restored')).toBe(300);
    writeFileSync(file, text);
    await exporter.follower!.poll();
    expect(await requests(exporter, 'restored')).toBe(300);
    expect(exporter.follower!.ready()).toBe(true);
  });

  test('rotated by rename (k6.ndjson → k6.ndjson.1, a new k6.ndjson): both counted once', async () => {
    const { exporter, folder } = follow('k6.ndjson*');
    const file = join(folder, 'k6.ndjson');
    writeFileSync(file, lines('rotated', 400));
    await exporter.follower!.poll();
    renameSync(file, `${file}.1`);
    appendFileSync(`${file}.1`, lines('rotated', 50));
    writeFileSync(file, lines('rotated', 70));
    await exporter.follower!.poll();
    expect(await requests(exporter, 'rotated')).toBe(520);
    appendFileSync(file, lines('rotated', 10));
    await exporter.follower!.poll();
    expect(await requests(exporter, 'rotated')).toBe(530);
  });

  test('rotated out of the glob: the totals are what the followed file holds now', async () => {
    const { exporter, folder } = follow('k6.ndjson');
    const file = join(folder, 'k6.ndjson');
    writeFileSync(file, lines('rotated-out', 400));
    await exporter.follower!.poll();
    renameSync(file, `${file}.old`);
    writeFileSync(file, lines('rotated-out', 70));
    await exporter.follower!.poll();
    // Prometheus sees the counter go from 400 to 70: a reset, after which every line is new, which
    // is the truth here (400 + 70 lines were written), so increase() stays exact.
    expect(await requests(exporter, 'rotated-out')).toBe(70);
  });

  test('copytruncated (copied, truncated and written again within one poll): exactly what the two files hold', async () => {
    const { exporter, folder } = follow('k6.ndjson*');
    const file = join(folder, 'k6.ndjson');
    writeFileSync(file, lines('copytruncate', 500));
    await exporter.follower!.poll();
    copyFileSync(file, `${file}.1`);
    truncateSync(file, 0);
    // The new head is longer than what was read before, so only its content tells it apart.
    writeFileSync(file, lines('copytruncate', 800));
    await exporter.follower!.poll();
    expect(await requests(exporter, 'copytruncate')).toBe(1300);
  });

  test('truncated and rewritten shorter in place: the old count goes, the new head is read', async () => {
    const { exporter, folder } = follow('k6.ndjson');
    const file = join(folder, 'k6.ndjson');
    writeFileSync(file, lines('old-run', 500));
    await exporter.follower!.poll();
    truncateSync(file, 0);
    appendFileSync(file, lines('new-run', 20));
    await exporter.follower!.poll();
    expect(await requests(exporter, 'old-run')).toBe(0);
    expect(await requests(exporter, 'new-run')).toBe(20);
  });
});

describe('a growing .ndjson.gz (k6 --out json=k6.ndjson.gz)', () => {
  test('is inflated as it grows; a tail cut mid-block is not an error; the total is exact', async () => {
    const { exporter, folder } = follow('*.ndjson.gz');
    const file = join(folder, 'k6.ndjson.gz');
    writeFileSync(file, '');
    const gzip = createGzip();
    gzip.on('data', (chunk: Buffer) => appendFileSync(file, chunk));
    const flush = (): Promise<void> => new Promise((resolve) => gzip.flush(constants.Z_SYNC_FLUSH, () => resolve()));
    let total = 0;
    for (let round = 0; round < 5; round += 1) {
      gzip.write(lines('gzipped', 1000));
      total += 1000;
      await flush();
      await exporter.follower!.poll();
      expect(await requests(exporter, 'gzipped')).toBe(total);
    }
    // Half a line written and flushed: waits for its newline, nothing rejected.
    const next = lines('gzipped', 1);
    gzip.write(next.slice(0, 40));
    await flush();
    await exporter.follower!.poll();
    gzip.end(next.slice(40));
    await new Promise((resolve) => gzip.once('end', resolve));
    await exporter.follower!.poll();
    expect(await requests(exporter, 'gzipped')).toBe(total + 1);
    expect(exporter.health.rejectedTotal('file')).toBe(0);
    expect(exporter.health.errors.get('file')).toBe(0);
  });

  test('a finished .gz written at once is read whole, and a gzip file replaced by another is read again', async () => {
    const { exporter, folder } = follow('*.ndjson.gz');
    const file = join(folder, 'k6.ndjson.gz');
    writeFileSync(file, gzipSync(lines('gz-whole', 1234)));
    await exporter.follower!.poll();
    expect(await requests(exporter, 'gz-whole')).toBe(1234);
    writeFileSync(`${file}.tmp`, gzipSync(lines('gz-whole', 99)));
    renameSync(`${file}.tmp`, file);
    await exporter.follower!.poll();
    expect(await requests(exporter, 'gz-whole')).toBe(99);
  });
});

describe("a followed file's partial last line (issue #9)", () => {
  /** The follower's counts of file lines, as /metrics shows them. */
  async function fileCounts(exporter: Exporter): Promise<{ lines: number; truncated: number; requests: number }> {
    const text = await exporter.registry.metrics();
    return {
      lines: sumOf(text, E.ingestLines.name, { source: 'file' }),
      truncated: sumOf(text, E.ingestRejected.name, { source: 'file', reason: 'truncated' }),
      requests: sumOf(text, M.httpRequests.name),
    };
  }

  /** The report's counts of the same file. */
  async function reportCounts(file: string): Promise<{ lines: number; truncated: number }> {
    const read = await readNdjson(file);
    return { lines: read.lines, truncated: read.rejected.truncated ?? 0 };
  }

  test('waits while the run may still write, and counts `truncated` as the report does once run.json has an exit code', async () => {
    const { exporter, folder } = follow('*/k6.ndjson');
    mkdirSync(join(folder, 'cut'));
    const file = join(folder, 'cut', 'k6.ndjson');
    const whole = lines('cut', 20);
    const cut = lines('cut', 1).slice(0, 40);
    writeFileSync(file, whole + cut);
    writeFileSync(join(folder, 'cut', 'run.json'), JSON.stringify({ run: 'cut', exitCode: null }));
    await exporter.follower!.poll();
    expect(await fileCounts(exporter)).toEqual({ lines: 20, truncated: 0, requests: 20 });
    await exporter.follower!.poll(); // no new bytes, but the run has not ended
    expect((await fileCounts(exporter)).lines).toBe(20);

    writeFileSync(join(folder, 'cut', 'run.json'), JSON.stringify({ run: 'cut', exitCode: 0 }));
    await exporter.follower!.poll();
    expect(await fileCounts(exporter)).toEqual({ lines: 21, truncated: 1, requests: 20 });
    expect(await reportCounts(file)).toEqual({ lines: 21, truncated: 1 });
    await exporter.follower!.poll(); // handed over once
    expect((await fileCounts(exporter)).lines).toBe(21);
  });

  test('counts a whole last line without its newline once k6 wrote summary.json after it, and reads a file that grew after its end again', async () => {
    const { exporter, folder } = follow('*/k6.ndjson');
    mkdirSync(join(folder, 'whole'));
    const file = join(folder, 'whole', 'k6.ndjson');
    const summary = join(folder, 'whole', 'summary.json');
    // A summary left from an earlier run, older than the file: not this run's end.
    writeFileSync(summary, '{}');
    utimesSync(summary, new Date(Date.UTC(2026, 0, 1)), new Date(Date.UTC(2026, 0, 1)));
    writeFileSync(file, lines('whole', 10) + lines('whole', 1).trimEnd());
    await exporter.follower!.poll();
    await exporter.follower!.poll();
    expect(await fileCounts(exporter)).toEqual({ lines: 10, truncated: 0, requests: 10 });

    writeFileSync(summary, '{}'); // k6 writes handleSummary's files after it stopped its outputs
    await exporter.follower!.poll();
    expect(await fileCounts(exporter)).toEqual({ lines: 11, truncated: 0, requests: 11 });
    expect(await reportCounts(file)).toEqual({ lines: 11, truncated: 0 });

    // The file grows after all (a line's end, then more lines): read again from 0, so the run's
    // totals are the file's as it is now (the health counter of lines read counts the re-read).
    appendFileSync(file, `\n${lines('whole', 5)}`);
    await exporter.follower!.poll();
    expect(await fileCounts(exporter)).toEqual({ lines: 11 + 16, truncated: 0, requests: 16 });
    expect(await reportCounts(file)).toEqual({ lines: 16, truncated: 0 });
  });
});
