/**
 * Cardinality: 200,000 distinct `name`/`url` values, hundreds of distinct statuses and check
 * names. URLs never become labels, capped labels fold into `other` (counted), the series count
 * stays under the bound the caps give, totals stay exact, and memory stops growing.
 */

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, describe, expect, test } from 'vitest';
import { EXPORTER_METRICS as E, RUN_METRICS as M } from '../contracts/metrics.ts';
import { samples, sumOf, valueOf } from './fixtures/exposition.ts';
import { createExporter, exporterConfig } from './index.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapAfterGc = (): number => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

const LINES = 200_000;
const LABEL_CAP = 100;
const exporter = createExporter({ config: exporterConfig({ labelCap: LABEL_CAP }) });
afterAll(() => exporter.close());

const statusOf = (i: number): string => String(100 + (i % 900));
const checkOf = (i: number): string => `check number ${i % 5000}`;

/** Lines `from`…`to`: an http_reqs point with a unique url and name, and every 10th a check. */
async function* lines(from: number, to: number): AsyncGenerator<Buffer> {
  let chunk: string[] = [];
  for (let i = from; i < to; i += 1) {
    const url = `http://127.0.0.1:18081/api/register?applicant=${i}&email=a${i}%40floodgate.invalid`;
    const tags = {
      run: 'wide',
      scenario: 'opening',
      stage: 'register',
      method: 'POST',
      status: statusOf(i),
      expected_response: 'true',
      url,
      name: url,
    };
    chunk.push(
      JSON.stringify({ metric: 'http_reqs', type: 'Point', data: { time: '2026-08-21T09:00:00Z', value: 1, tags } }),
    );
    if (i % 10 === 0)
      chunk.push(
        JSON.stringify({
          metric: 'checks',
          type: 'Point',
          data: { time: '2026-08-21T09:00:00Z', value: 1, tags: { run: 'wide', check: checkOf(i) } },
        }),
      );
    if (chunk.length >= 2000) {
      yield Buffer.from(`${chunk.join('\n')}\n`);
      chunk = [];
    }
  }
  if (chunk.length > 0) yield Buffer.from(`${chunk.join('\n')}\n`);
}

describe('200,000 distinct request names and URLs', () => {
  test('keep the series count under the caps, fold and count the rest, and stop growing memory', async () => {
    await exporter.ingestStream(lines(0, LINES / 2));
    const half = heapAfterGc();
    await exporter.ingestStream(lines(LINES / 2, LINES));
    const full = heapAfterGc();

    const text = await exporter.registry.metrics();
    const requests = samples(text, M.httpRequests.name);
    expect(sumOf(text, M.httpRequests.name)).toBe(LINES);
    expect(text).not.toMatch(/applicant=|floodgate\.invalid|url=|name=/);

    // status: 900 distinct values, LABEL_CAP kept, the rest counted as folded
    const statuses = new Set(requests.map((sample) => sample.labels.status));
    expect(statuses.size).toBe(LABEL_CAP + 1);
    expect(statuses.has('other')).toBe(true);
    let foldedStatus = 0;
    for (let i = 0; i < LINES; i += 1) if (i % 900 >= LABEL_CAP) foldedStatus += 1;
    expect(valueOf(text, E.seriesDropped.name, { label: 'status' })).toBe(foldedStatus);

    // check: 5,000 distinct names, LABEL_CAP kept
    const checks = new Set(samples(text, M.checks.name, { run: 'wide' }).map((sample) => sample.labels.check));
    expect(checks.size).toBe(LABEL_CAP + 1);

    // every series the exporter shows is accounted for by the caps
    const series = valueOf(text, E.exposedSeries.name)!;
    const bound =
      (LABEL_CAP + 1) * 3 /* outcomes */ + (LABEL_CAP + 1) * 2 /* pass, fail */ + 10; /* run info, timestamps */
    expect(series).toBeLessThanOrEqual(bound);

    // the second 100,000 lines added no memory to speak of
    expect(full - half).toBeLessThan(2 * 1024 * 1024);
  });
});
