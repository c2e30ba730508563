/**
 * k6's flags on `floodgate run`, as a k6 user types them. On the local engine (no k6 here) a k6
 * user's own `http.asyncRequest` script runs with -u/-d/-i/-s, --tag, --out json=FILE,
 * --summary-export, --no-thresholds and -q with k6's meaning; the flags the local engine cannot
 * honour are refused before anything starts, each naming what to use instead. With k6 (a
 * stand-in on PATH that records its argv) every flag reaches k6 unchanged, before the script.
 */

import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { main } from '../cli/index.ts';
import { startTestServer, type TestServer } from '../engine/testing.ts';
const scratch = mkdtempSync(join(tmpdir(), 'floodgate-run-flags-'));
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer((_request, response) => response.end('ok'));
  writeFileSync(
    join(scratch, 'user-test.ts'),
    [
      "import http from 'k6/http';",
      "import { check } from 'k6';",
      'export const options = {',
      "  scenarios: { quick: { executor: 'per-vu-iterations', vus: 1, iterations: 1 } },",
      "  thresholds: { http_req_failed: ['rate<0.5'], http_reqs: [__ENV.IMPOSSIBLE === '1' ? 'count<0' : 'count>=0'] },",
      '};',
      'export default async function () {',
      "  const res = await http.asyncRequest('GET', `${__ENV.BASE_URL}/`);",
      "  check(res, { 'status is 200': (r) => r.status === 200 });",
      '  await new Promise((resolve) => setTimeout(resolve, 100));',
      '}',
    ].join('\n'),
  );
});

afterAll(async () => {
  await server.close();
  rmSync(scratch, { recursive: true, force: true });
});

/**
 * `floodgate run …` through the CLI's own entry (cli/index.ts main), in this process: the flags
 * go through the same parser a user's do. Output is captured; results go to the scratch folder.
 */
async function floodgateRun(
  args: readonly string[],
  pathVariable = '/usr/bin:/bin',
): Promise<{ code: number | null; output: string }> {
  let output = '';
  const capture = (chunk: string | Uint8Array): boolean => ((output += chunk.toString()), true);
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  const saved = { PATH: process.env.PATH, K6_WEB_DASHBOARD: process.env.K6_WEB_DASHBOARD };
  process.env.PATH = pathVariable;
  delete process.env.K6_WEB_DASHBOARD;
  const cwd = process.cwd();
  process.chdir(scratch);
  try {
    const code = await main(['run', ...args]);
    return { code, output };
  } finally {
    process.chdir(cwd);
    process.env.PATH = saved.PATH;
    if (saved.K6_WEB_DASHBOARD !== undefined) process.env.K6_WEB_DASHBOARD = saved.K6_WEB_DASHBOARD;
    out.mockRestore();
    err.mockRestore();
  }
}

type Point = { metric: string; type: string; data: { value: number; tags: Record<string, string> } };
const points = (path: string): Point[] =>
  readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Point)
    .filter((line) => line.type === 'Point');
const sum = (lines: Point[], metric: string): number =>
  lines.filter((line) => line.metric === metric).reduce((total, line) => total + line.data.value, 0);

describe("a k6 user's own script on the local engine", () => {
  test('runs with --vus 5 --duration 2s --out json=x.ndjson --tag team=qa --summary-export, and the summary comes last', async () => {
    const { code, output } = await floodgateRun([
      'user-test.ts',
      '--vus',
      '5',
      '--duration',
      '2s',
      '--out',
      'json=x.ndjson',
      '--tag',
      'team=qa',
      '--summary-export',
      'export.json',
      '--run-id',
      'user-flags',
      '-e',
      `BASE_URL=${server.url}`,
      '--engine',
      'local',
    ]);
    expect(code, output).toBe(0);
    expect(output).toContain('"cli" level configuration overrode scenarios configuration entirely');
    const copy = readFileSync(join(scratch, 'x.ndjson'), 'utf8');
    expect(copy).toBe(readFileSync(join(scratch, 'results', 'user-flags', 'k6.ndjson'), 'utf8'));
    const lines = points(join(scratch, 'x.ndjson'));
    expect(Math.max(...lines.filter((line) => line.metric === 'vus').map((line) => line.data.value))).toBe(5);
    expect(sum(lines, 'iterations')).toBeGreaterThan(5); // five VUs looping for 2 s, not the script's one iteration
    expect(
      lines
        .filter((line) => line.metric === 'http_reqs')
        .every((line) => line.data.tags.team === 'qa' && line.data.tags.run === 'user-flags'),
    ).toBe(true);
    const exported = JSON.parse(readFileSync(join(scratch, 'export.json'), 'utf8')) as {
      metrics: Record<string, Record<string, unknown>>;
    };
    expect(exported.metrics.http_reqs!.count).toBe(sum(lines, 'http_reqs'));
    expect(exported.metrics.http_req_failed!.thresholds).toEqual({ 'rate<0.5': false });
    const summaryAt = output.indexOf('█ TOTAL RESULTS');
    expect(summaryAt).toBeGreaterThan(0);
    expect(output.slice(0, summaryAt)).toMatch(/^\[\d+:\d\d/m); // the final progress, above the summary
    expect(output.slice(summaryAt)).not.toMatch(/^\[\d+:\d\d/m);
    expect(output).toMatch(/http_reqs\.+: \d+ +[\d.]+\/s/);
  });

  test('-i 7 runs seven iterations in all; -q shows no progress', async () => {
    const { code, output } = await floodgateRun([
      'user-test.ts',
      '-u',
      '2',
      '-i',
      '7',
      '-q',
      '--run-id',
      'user-iterations',
      '-e',
      `BASE_URL=${server.url}`,
      '--engine',
      'local',
    ]);
    expect(code, output).toBe(0);
    expect(sum(points(join(scratch, 'results', 'user-iterations', 'k6.ndjson')), 'iterations')).toBe(7);
    expect(output).not.toMatch(/^\[\d+:\d\d/m);
  });

  test('-s ramps the VUs (ramping-vus), never above the highest target', async () => {
    const { code, output } = await floodgateRun([
      'user-test.ts',
      '-s',
      '1s:3',
      '-s',
      '1s:0',
      '--run-id',
      'user-stages',
      '-e',
      `BASE_URL=${server.url}`,
      '--engine',
      'local',
    ]);
    expect(code, output).toBe(0);
    const vus = points(join(scratch, 'results', 'user-stages', 'k6.ndjson'))
      .filter((line) => line.metric === 'vus')
      .map((line) => line.data.value);
    expect(Math.max(...vus)).toBeLessThanOrEqual(3);
    expect(Math.max(...vus)).toBeGreaterThan(0);
  });

  test('a failing threshold exits 99, and --no-thresholds does not judge it', async () => {
    const failing = await floodgateRun([
      'user-test.ts',
      '--run-id',
      'user-threshold',
      '-e',
      `BASE_URL=${server.url}`,
      '-e',
      'IMPOSSIBLE=1',
      '--engine',
      'local',
    ]);
    expect(failing.code, failing.output).toBe(99);
    const unjudged = await floodgateRun([
      'user-test.ts',
      '--no-thresholds',
      '--run-id',
      'user-no-thresholds',
      '-e',
      `BASE_URL=${server.url}`,
      '-e',
      'IMPOSSIBLE=1',
      '--engine',
      'local',
    ]);
    expect(unjudged.code, unjudged.output).toBe(0);
  });
});

describe('flags the local engine cannot honour', () => {
  test.each([
    [['--http-debug'], /--http-debug is a k6 flag the local engine cannot honour: .*k6\.ndjson/],
    [['--http-debug=full'], /--http-debug is a k6 flag the local engine cannot honour/],
    [['--paused'], /--paused is a k6 flag the local engine cannot honour/],
    [['--out', 'csv=x.csv'], /writes only k6's JSON output; use --out json=FILE/],
    [['--out', 'web-dashboard'], /floodgate's live page/],
    [['--duration', '10'], /expected a duration with its unit/],
    [['--duration', '5s', '--stage', '1s:1'], /using `duration` and `stages` options simultaneously is not allowed/],
    [['--user-agent'], /--user-agent needs a value/],
    [['--tag', 'run=x'], /--run-id/],
  ])('%j is refused before anything starts, saying what to use instead, with no stack line', async (flags, message) => {
    const { code, output } = await floodgateRun([
      'user-test.ts',
      ...flags,
      '--engine',
      'local',
      '-e',
      `BASE_URL=${server.url}`,
    ]);
    expect(code, output).toBe(2);
    expect(output).toMatch(message);
    expect(output).not.toMatch(/^\s+at /m);
  });

  test("-e of another scenario's variable is refused: --scenario opening -e SOAK_DURATION=2hours", async () => {
    const { code, output } = await floodgateRun([
      '--scenario',
      'opening',
      '-e',
      'SOAK_DURATION=2hours',
      '--engine',
      'local',
      '--no-preflight',
    ]);
    expect(code, output).toBe(2);
    expect(output).toMatch(/-e SOAK_DURATION is read by the soak scenario, not by opening/);
  });
});

describe('with k6', () => {
  test('every k6 flag reaches k6 as given, before the script', async () => {
    const bin = join(scratch, 'fake-k6');
    mkdirSync(bin, { recursive: true });
    writeFileSync(
      join(bin, 'k6'),
      [
        '#!/bin/sh',
        'for a in "$@"; do printf "%s\\n" "$a"; done > "$(dirname "$0")/argv.txt"',
        'echo "fake k6 ran"',
      ].join('\n'),
    );
    chmodSync(join(bin, 'k6'), 0o755);
    const { code, output } = await floodgateRun(
      [
        'user-test.ts',
        '-u',
        '5',
        '-d',
        '10s',
        '--tag',
        'team=qa',
        '-o',
        'json=x.ndjson',
        '-o',
        'csv=x.csv',
        '--summary-export',
        's.json',
        '--no-thresholds',
        '--http-debug=full',
        '-w',
        '--user-agent',
        'qa/1',
        '--run-id',
        'fake-flags',
      ],
      `${bin}:/usr/bin:/bin`,
    );
    expect(code, output).toBe(0);
    const argv = readFileSync(join(bin, 'argv.txt'), 'utf8').trim().split('\n');
    expect(argv.slice(-18)).toEqual([
      '--vus',
      '5',
      '--duration',
      '10s',
      '--tag',
      'team=qa',
      '--out',
      'json=x.ndjson',
      '--out',
      'csv=x.csv',
      '--summary-export',
      's.json',
      '--no-thresholds',
      '--http-debug=full',
      '-w',
      '--user-agent',
      'qa/1',
      'user-test.ts',
    ]);
    expect(argv.slice(0, 8)).toEqual([
      'run',
      '--quiet',
      '--include-system-env-vars=false',
      '--out',
      'json=results/fake-flags/k6.ndjson',
      '--tag',
      'run=fake-flags',
      '-e',
    ]);
  });
});
