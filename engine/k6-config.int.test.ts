/**
 * The engine against what an independent review found k6 does differently (notes/review F1–F5):
 * the tags a request carries, how run tags and script tags combine, which option mistakes exit
 * 104, what setup() data k6 can hand to its VUs, and how the shortcuts become scenarios. Each
 * probe in engine/conformance/probes/ names the k6 file it follows.
 */

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runScript } from './index.ts';
import { captureStream, points, readNdjson, scriptFolder, startTestServer, type TestServer } from './testing.ts';

const PROBES = fileURLToPath(new URL('./conformance/probes/', import.meta.url));
let server: TestServer;
const folder = scriptFolder('floodgate-k6-config-');

beforeAll(async () => {
  server = await startTestServer((_request, response) => response.end('ok'));
});

afterAll(async () => {
  await server?.close();
  folder.cleanup();
});

async function probe(name: string, extra: Partial<Parameters<typeof runScript>[0]> = {}) {
  const stdout = captureStream();
  const stderr = captureStream();
  const out = folder.path(`${name}-${Math.random().toString(36).slice(2)}.ndjson`);
  const result = await runScript({
    script: `${PROBES}${name}`,
    out,
    includeSystemEnv: false,
    stdout,
    stderr,
    cwd: folder.dir,
    ...extra,
    env: { TARGET: server.url, ...extra.env },
  });
  return { result, lines: existsSync(out) ? readNdjson(out) : [], stdout: stdout.text(), stderr: stderr.text() };
}

describe('a request carries the tags of the moment it was made (k6 http/request.go parseRequest)', () => {
  test('made in a group and awaited outside it, its samples keep the group and the VU tags of then', async () => {
    const { result, lines, stdout } = await probe('group-async-request.js');
    expect(result.exitCode).toBe(0);
    const requests = points(lines, 'http_reqs');
    expect(requests).toHaveLength(1);
    expect(requests[0]?.data.tags).toMatchObject({ group: '::g1', phase: 'asked' });
    for (const point of points(lines, 'http_req_duration')) expect(point.data.tags.group).toBe('::g1');
    expect(stdout).toMatch(/\{ group:::g1 \}/);
  });
});

describe('run tags replace the script tags (k6 lib/options.go Apply)', () => {
  test('with --tag given, options.tags are not applied, and the engine says which it dropped', async () => {
    const { result, lines, stderr } = await probe('run-tags-replace.js', { tags: { both: 'fromCli', run: 'r1' } });
    expect(result.exitCode).toBe(0);
    const [request] = points(lines, 'http_reqs');
    expect(request?.data.tags).toMatchObject({ both: 'fromCli', run: 'r1' });
    expect(request?.data.tags).not.toHaveProperty('opt');
    expect(stderr).toContain('options.tags opt are not applied');
  });

  test('without --tag, options.tags are the run tags', async () => {
    const { lines } = await probe('run-tags-replace.js');
    const [request] = points(lines, 'http_reqs');
    expect(request?.data.tags).toMatchObject({ opt: 'o', both: 'fromOptions' });
  });
});

describe('option mistakes exit 104, as k6 exitcodes.InvalidConfig', () => {
  test('a threshold expression k6 cannot parse', async () => {
    const { result } = await probe('threshold-bad-expression.js');
    expect(result.exitCode).toBe(104);
    expect(result.error?.message).toMatch(/"p\(95\) <<< 3" is not a threshold expression/);
  });

  test.each([
    [
      { iterations: 2, stages: [{ duration: '1s', target: 1 }] },
      'using `iterations` and `stages` options simultaneously is not allowed',
    ],
    [
      { duration: '2s', scenarios: { s: { executor: 'constant-vus', duration: '1s' } } },
      'using `duration` and `scenarios` options simultaneously is not allowed',
    ],
    [{ duration: '0s', vus: 2 }, '`duration` option should be more than 0'],
  ])('the shortcuts %o', async (options, message) => {
    const script = folder.write(
      `conflict-${Math.random().toString(36).slice(2)}.js`,
      `export const options = ${JSON.stringify(options)};\nexport default function () {}\n`,
    );
    const result = await runScript({
      script,
      includeSystemEnv: false,
      stdout: captureStream(),
      stderr: captureStream(),
      cwd: folder.dir,
    });
    expect(result.exitCode).toBe(104);
    expect(result.error?.message).toContain(message);
  });
});

describe('a lone vus overrides the scenarios (k6 DeriveScenariosFromShortcuts)', () => {
  test('3 VUs run 3 shared iterations of the default function, with k6 warning', async () => {
    const { result, lines, stderr } = await probe('vus-override-scenarios.js');
    expect(result.exitCode).toBe(0);
    const ran = points(lines, 'probe_ran');
    expect(ran.map((point) => point.data.value)).toEqual([1, 1, 1]);
    expect(ran[0]?.data.tags).toMatchObject({ scenario_seen: 'default', executor: 'shared-iterations' });
    expect(stderr).toContain('`vus=3` overrides scenarios configuration');
  });
});

describe('setup() data reaches the VUs as Go json.Marshal makes it (k6 internal/js/runner.go Setup)', () => {
  test.each([
    ['nan', 'json: unsupported value: NaN'],
    ['infinity', 'json: unsupported value: -Inf'],
    ['cycle', 'json: unsupported value: encountered a cycle'],
  ])('%s is refused with k6 message and no iteration runs', async (kind, reason) => {
    const { result, lines } = await probe('setup-data.js', { env: { SETUP_KIND: kind } });
    expect(result.exitCode).toBe(255);
    expect(result.error?.message).toContain(`error marshaling setup() data to JSON`);
    expect(result.error?.message).toContain(reason);
    expect(points(lines, 'probe_setup_value')).toHaveLength(0);
  });

  test('a BigInt arrives as a number', async () => {
    const { result, lines } = await probe('setup-data.js', { env: { SETUP_KIND: 'bigint' } });
    expect(result.exitCode).toBe(0);
    const [seen] = points(lines, 'probe_setup_value');
    expect(seen?.data).toMatchObject({ value: 1, tags: { note: 'big', type: 'number' } });
  });
});

describe('metric and tag values as k6 takes them (k6 metrics.go add, common/tags.go)', () => {
  test("'0' and [] count 1, null and 'abc' are refused with a warning, object tags throw", async () => {
    const { result, lines, stderr } = await probe('metric-values.js');
    expect(result.exitCode).toBe(0);
    expect(points(lines, 'probe_rate').map((point) => point.data.value)).toEqual([1, 1, 1, 0]);
    expect(points(lines, 'probe_rate').at(-1)?.data.tags).toMatchObject({ n: '5', b: 'false' });
    expect(stderr).toContain("'null' is an invalid value for metric 'probe_rate'");
    expect(stderr).toContain("'abc' is an invalid value for metric 'probe_rate'");
    const messages = points(lines, 'probe_refused').map((point) => point.data.tags.message);
    expect(messages).toEqual([
      "cannot add tags for the 'probe_rate' custom metric: invalid ",
      "cannot add tags for the 'probe_rate' custom metric: invalid ",
      "invalid value for metric tag 't': only String, Boolean and N",
    ]);
  });
});

describe('an API the engine cannot run, reached at run time, stops the run (exit 107)', () => {
  test.each(['compression', 'dynamic', 'sleep-alias', 'html'])('%s', async (kind) => {
    const { result, lines } = await probe('unsupported-at-run-time.js', { env: { UNSUPPORTED: kind } });
    expect(result.exitCode).toBe(107);
    expect(result.error?.code).toBe('SCRIPT_UNSUPPORTED');
    // it stops at the first iteration that reaches it, not after twenty failed ones
    expect(points(lines, 'iterations').length).toBeLessThanOrEqual(1);
  });
});
