/**
 * The idle cost of following many files: 5,000 followed k6.ndjson files that do not change cost
 * under 5 % of a core, with folder watchers (inotify) and with pure polling with backoff (where
 * watchers cannot be set). Measured as CPU time over a window, not wall time: robust on a shared
 * machine. A file that grows again after being idle is still read.
 */

import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RUN_METRICS as M } from '../../contracts/metrics.ts';
import { sumOf } from '../../exporter/fixtures/exposition.ts';
import { createFollower } from '../../exporter/follow.ts';
import { stopAll } from '../support/processes.ts';
import { procCpuSeconds, startExporterProcess } from './exporter-support.ts';

const FILES = 5000;
const SETTLE_MS = 15_000;
const WINDOW_MS = 10_000;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

let root: string;
const line = (run: string, i: number): string =>
  `${JSON.stringify({ metric: 'http_reqs', type: 'Point', data: { time: new Date(Date.UTC(2026, 7, 21, 9) + i).toISOString(), value: 1, tags: { run, status: '200' } } })}\n`;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'floodgate-idle-'));
  for (let i = 0; i < FILES; i += 1) {
    mkdirSync(join(root, `run-${i}`));
    writeFileSync(join(root, `run-${i}`, 'k6.ndjson'), line(`idle-${i % 40}`, i));
  }
});
afterAll(async () => {
  await stopAll();
  rmSync(root, { recursive: true, force: true });
});

describe(`${FILES} followed files, idle`, () => {
  test('cost a floodgate exporter process under 5 % of a core (folder watchers), and a file that grows again is read', async () => {
    const exporter = await startExporterProcess(['--follow', join(root, '*', 'k6.ndjson'), '--max-runs', '100']);
    const deadline = Date.now() + 120_000;
    while ((await fetch(`${exporter.url}/metrics`)).status !== 200) {
      if (Date.now() > deadline) throw new Error('the exporter did not catch up');
      await sleep(500);
    }
    const health = (await (await fetch(`${exporter.url}/healthz`)).json()) as { followedFiles: number };
    expect(health.followedFiles).toBe(FILES);
    await sleep(SETTLE_MS);
    const pid = exporter.process.child.pid!;
    const before = procCpuSeconds(pid);
    await sleep(WINDOW_MS);
    const share = (procCpuSeconds(pid) - before) / (WINDOW_MS / 1000);
    console.log(`${FILES} idle files, watchers: ${(share * 100).toFixed(1)} % of a core`);
    expect(share).toBeLessThan(0.05);

    appendFileSync(join(root, 'run-7', 'k6.ndjson'), line('woken', 1));
    const woken = Date.now() + 10_000;
    for (;;) {
      const text = await (await fetch(`${exporter.url}/metrics`)).text();
      if (sumOf(text, M.httpRequests.name, { run: 'woken' }) === 1) break;
      if (Date.now() > woken) throw new Error('a file that grew after being idle was not read within 10 s');
      await sleep(200);
    }
    await exporter.process.stop();
  });

  test('cost under 5 % of a core with polling and backoff only (no watchers)', async () => {
    let lines = 0;
    const follower = createFollower(
      { patterns: [join(root, '*', 'k6.ndjson')], intervalMs: 500, maxLineBytes: 65_536, watch: false },
      {
        batch: () => ({ line: () => (lines += 1), tooLong: () => {}, end: () => {} }),
        reset: () => {},
        error: () => {},
      },
    );
    follower.start();
    try {
      const deadline = Date.now() + 120_000;
      while (lines < FILES) {
        if (Date.now() > deadline) throw new Error(`read ${lines} of ${FILES} lines`);
        await sleep(200);
      }
      expect(follower.watching()).toBe(false);
      await sleep(SETTLE_MS);
      const before = process.cpuUsage();
      await sleep(WINDOW_MS);
      const used = process.cpuUsage(before);
      const share = (used.user + used.system) / 1e6 / (WINDOW_MS / 1000);
      console.log(`${FILES} idle files, polling with backoff: ${(share * 100).toFixed(1)} % of a core`);
      expect(share).toBeLessThan(0.05);
    } finally {
      await follower.close();
    }
  });
});
