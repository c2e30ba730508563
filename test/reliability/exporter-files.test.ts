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
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, createGzip, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, test } from 'vitest';
import { RUN_METRICS as M } from '../../contracts/metrics.ts';
import { sumOf } from '../../exporter/fixtures/exposition.ts';
import { createExporter, type Exporter, exporterConfig } from '../../exporter/index.ts';

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
