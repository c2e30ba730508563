/**
 * The report reads k6 lines with the exporter's scanner (contracts/k6-json.ts readK6Line with its
 * own tag selection, report/read-ndjson.ts REPORT_TAGS): the aggregate equals the one read with
 * JSON.parse on every fixture — a simulated breakpoint run, the exporter's k6 fixture, the k6
 * conformance kit's JSON output in three zones with its hostile lines, and the golden file.
 */

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { k6RunLines } from '../exporter/fixtures/k6-lines.ts';
import { linearSteps, simulateRun } from '../report/fixtures/simulated-run.ts';
import { readNdjson } from '../report/read-ndjson.ts';
import { hostileJsonFile } from './k6-formats/hostile-json.ts';
import { jsonLines } from './k6-formats/json-output.ts';
import { buildRun } from './k6-formats/model.ts';

const dir = mkdtempSync(join(tmpdir(), 'floodgate-report-reader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FIXTURES: ReadonlyArray<{ name: string; text: () => string }> = [
  {
    name: 'a simulated breakpoint run',
    text: () =>
      `${simulateRun({ steps: linearSteps(4, 5, 3, 10), stages: { verify_nik: { baseMs: 50, servers: 4, serviceMs: 200 } }, seed: 3 }).lines.join('\n')}\n`,
  },
  {
    name: "the exporter's k6 fixture",
    text: () => `${k6RunLines({ run: 'report-1', journeys: 400 }).lines.join('\n')}\n`,
  },
  {
    name: "the conformance kit's JSON output, three zones, with its hostile lines and a cut last line",
    text: () => {
      const run = buildRun({ vuIterMetadata: true });
      return [
        ...jsonLines(run),
        ...jsonLines(run, { zoneOffsetMinutes: 420 }),
        ...jsonLines(run, { zoneOffsetMinutes: -270 }),
        hostileJsonFile(run).text,
        '{"metric":"http_reqs","type":"Point","data":{"time":"2026-08-21T09:00:01Z","val',
      ].join('\n');
    },
  },
  {
    name: 'the golden file',
    text: () => readFileSync(new URL('../exporter/fixtures/golden.ndjson', import.meta.url), 'utf8'),
  },
];

describe("the report's line reader", () => {
  test.each(FIXTURES)('gives the same aggregate scanned and parsed on $name', async ({ name, text }) => {
    const file = join(dir, `${name.replace(/\W+/g, '-')}.ndjson`);
    writeFileSync(file, text());
    const [scanned, parsed] = [await readNdjson(file), await readNdjson(file, { lineReader: 'parse' })];
    expect(scanned).toEqual(parsed);
    expect(scanned.lines).toBeGreaterThan(0);
  });
});
