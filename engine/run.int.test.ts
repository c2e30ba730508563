/**
 * The local engine end to end on small scripts against a node:http server: NDJSON line shapes,
 * lifecycle, handleSummary, thresholds and the load-time refusals, with k6's exit codes.
 */

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runScript } from './index.ts';
import { captureStream, points, readNdjson, scriptFolder, startTestServer, type TestServer } from './testing.ts';

let server: TestServer;
const folder = scriptFolder();

beforeAll(async () => {
  server = await startTestServer((request, response) => {
    if (request.url?.startsWith('/status/')) {
      response.statusCode = Number(request.url.slice('/status/'.length));
      response.end();
      return;
    }
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ path: request.url, method: request.method }));
  });
});

afterAll(async () => {
  await server?.close();
  folder.cleanup();
});

async function run(name: string, source: string, extra: Partial<Parameters<typeof runScript>[0]> = {}) {
  const script = folder.write(name, source);
  const stdout = captureStream();
  const stderr = captureStream();
  const out = folder.path(`${name}.ndjson`);
  const result = await runScript({
    script,
    out,
    env: { TARGET: server.url },
    includeSystemEnv: false,
    stdout,
    stderr,
    cwd: folder.dir,
    ...extra,
  });
  return { result, out, stdout: stdout.text(), stderr: stderr.text() };
}

const basic = `
import http from 'k6/http';
import { check, group } from 'k6';
import { Counter } from 'k6/metrics';
import exec from 'k6/execution';

const stages = new Counter('funnel_stage');
export const options = {
  scenarios: { journey: { executor: 'shared-iterations', vus: 2, iterations: 6, tags: { flow: 'basic' } } },
  thresholds: { 'http_req_duration{stage:register}': ['p(95)<5000'], checks: ['rate>0.9'] },
};
export function setup() { return { started: 1 }; }
export default async function (data) {
  const res = await http.asyncRequest('POST', __ENV.TARGET + '/api/register', JSON.stringify({ a: 1 }), {
    headers: { 'Content-Type': 'application/json' }, tags: { name: 'POST /api/register', stage: 'register' },
  });
  group('verify', () => { check(res, { 'status is 200': (r) => r.status === 200, 'body echoes path': (r) => r.json('path') === '/api/register' }); });
  stages.add(1, { stage: 'register', result: res.status === 200 ? 'completed' : 'failed' });
  if (data.started !== 1) throw new Error('setup data missing');
  await new Promise((resolve) => setTimeout(resolve, 5));
}
export function handleSummary(data) {
  return { 'summary.json': JSON.stringify(data), stdout: 'custom summary\\n' };
}
`;

describe('a shared-iterations script', () => {
  let outcome: Awaited<ReturnType<typeof run>>;
  beforeAll(async () => {
    outcome = await run('basic.js', basic, { tags: { run: 'engine-basic' } });
  });

  test('exits 0 and writes what handleSummary returned', () => {
    expect(outcome.stderr).toBe('');
    expect(outcome.result.exitCode).toBe(0);
    expect(outcome.stdout).toBe('custom summary\n');
  });

  test('writes a Metric line before the first Point of every metric', () => {
    const seen = new Set<string>();
    for (const line of readNdjson(outcome.out)) {
      if (line.type === 'Metric') seen.add(line.metric);
      else expect(seen.has(line.metric), `Metric line of ${line.metric} comes first`).toBe(true);
    }
    expect([...seen]).toEqual(
      expect.arrayContaining(['http_reqs', 'http_req_duration', 'checks', 'iterations', 'funnel_stage']),
    );
  });

  test('writes RFC 3339 UTC times with nanoseconds, sorted tags and no empty metadata', () => {
    for (const line of readNdjson(outcome.out)) {
      if (line.type !== 'Point') continue;
      expect(line.data.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/);
      expect(Object.keys(line.data.tags)).toEqual([...Object.keys(line.data.tags)].sort());
      expect(line.data).not.toHaveProperty('metadata');
      expect(line.data.tags.run).toBe('engine-basic');
    }
  });

  test('tags every request with k6 system tags and the request tags', () => {
    const lines = readNdjson(outcome.out);
    const requests = points(lines, 'http_reqs');
    expect(requests).toHaveLength(6);
    expect(requests[0]?.data.tags).toEqual({
      expected_response: 'true',
      flow: 'basic',
      group: '',
      method: 'POST',
      name: 'POST /api/register',
      proto: 'HTTP/1.1',
      run: 'engine-basic',
      scenario: 'journey',
      stage: 'register',
      status: '200',
      url: 'POST /api/register',
    });
    for (const metric of [
      'http_req_duration',
      'http_req_blocked',
      'http_req_connecting',
      'http_req_tls_handshaking',
      'http_req_sending',
      'http_req_waiting',
      'http_req_receiving',
      'http_req_failed',
    ]) {
      expect(points(lines, metric), metric).toHaveLength(6);
    }
    expect(points(lines, 'checks')[0]?.data.tags).toMatchObject({
      check: 'status is 200',
      group: '::verify',
      scenario: 'journey',
    });
    expect(points(lines, 'funnel_stage')[0]?.data.tags).toMatchObject({
      stage: 'register',
      result: 'completed',
      scenario: 'journey',
    });
    expect(points(lines, 'iterations')).toHaveLength(6);
    expect(points(lines, 'data_sent')[0]?.data.tags).toEqual({ group: '::setup', run: 'engine-basic' });
    for (const vus of points(lines, 'vus')) expect(vus.data.tags).toEqual({ run: 'engine-basic' });
  });

  test('hands handleSummary k6 data: groups with checks, metrics with submetrics and thresholds, setup data', () => {
    const summary = JSON.parse(readFileSync(folder.path('summary.json'), 'utf8'));
    expect(summary.root_group).toMatchObject({
      name: '',
      path: '',
      id: 'd41d8cd98f00b204e9800998ecf8427e',
      checks: [],
    });
    expect(summary.root_group.groups[0]).toMatchObject({
      name: 'verify',
      path: '::verify',
      checks: [
        { name: 'status is 200', path: '::verify::status is 200', passes: 6, fails: 0 },
        { name: 'body echoes path', path: '::verify::body echoes path', passes: 6, fails: 0 },
      ],
    });
    expect(summary.options).toEqual({
      summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)'],
      summaryTimeUnit: '',
      noColor: false,
    });
    expect(summary.setup_data).toEqual({ started: 1 });
    expect(summary.metrics.http_reqs).toMatchObject({ type: 'counter', contains: 'default', values: { count: 6 } });
    expect(summary.metrics.checks).toMatchObject({
      type: 'rate',
      values: { rate: 1, passes: 12, fails: 0 },
      thresholds: { 'rate>0.9': { ok: true } },
    });
    expect(summary.metrics['http_req_duration{stage:register}']).toMatchObject({
      type: 'trend',
      contains: 'time',
      thresholds: { 'p(95)<5000': { ok: true } },
    });
    expect(Object.keys(summary.metrics['http_req_duration{expected_response:true}'].values)).toEqual([
      'avg',
      'min',
      'med',
      'max',
      'p(90)',
      'p(95)',
    ]);
    expect(summary.state.testRunDurationMs).toBeGreaterThan(0);
  });
});

describe('exit codes', () => {
  test('a failing threshold exits 99 after the run', async () => {
    const { result } = await run(
      'threshold.js',
      `import http from 'k6/http';
       export const options = { iterations: 3, thresholds: { http_req_failed: ['rate<0.1'] } };
       export default async function () { await http.asyncRequest('GET', __ENV.TARGET + '/status/503'); }`,
    );
    expect(result.exitCode).toBe(99);
    expect(result.thresholds).toEqual([{ metric: 'http_req_failed', threshold: 'rate<0.1', ok: false }]);
  });

  test.each([
    ['sleep', `import { sleep } from 'k6';\nexport default function () { sleep(1); }`, /sleep\(\) blocks the VU/],
    [
      'sync http',
      `import http from 'k6/http';\nexport default function () { http.get('http://127.0.0.1/'); }`,
      /http\.get\(\) is synchronous/,
    ],
    [
      'remote module',
      `import { textSummary } from 'https://jslib.k6.io/k6-summary/0.0.2/index.js';\nexport default function () {}`,
      /remote module/,
    ],
    ['npm package', `import _ from 'lodash';\nexport default function () {}`, /bare module name/],
    ['k6/ws', `import ws from 'k6/ws';\nexport default function () {}`, /does not implement the module "k6\/ws"/],
    ['extensionless import', `import { x } from './lib';\nexport default function () {}`, /no \.js or \.ts extension/],
  ])('%s is refused at load time with exit 107', async (_name, source, message) => {
    const { result, stderr } = await run(`refused-${_name.replace(/\W/g, '-')}.js`, source);
    expect(result.exitCode).toBe(107);
    expect(stderr).toMatch(message);
  });

  test.each([
    [
      'a threshold on an unknown metric',
      `export const options = { thresholds: { nope_metric: ['count>1'] } }; export default function () {}`,
      /no metric name "nope_metric"/,
    ],
    [
      'an unknown executor',
      `export const options = { scenarios: { a: { executor: 'warp-speed' } } }; export default function () {}`,
      /executor "warp-speed" is unknown/,
    ],
    [
      'a bad duration',
      `export const options = { scenarios: { a: { executor: 'constant-vus', vus: 1, duration: 'soon' } } }; export default function () {}`,
      /not a duration/,
    ],
    [
      'gauge min threshold',
      `export const options = { thresholds: { vus: ['min>1'] } }; export default function () {}`,
      /gauge metrics support value/,
    ],
  ])('%s is invalid config: exit 104', async (_name, source, message) => {
    const { result, stderr } = await run(`invalid-${_name.replace(/\W/g, '-')}.js`, source);
    expect(result.exitCode).toBe(104);
    expect(stderr).toMatch(message);
  });

  test('an exception in the init context exits 107', async () => {
    const { result, stderr } = await run(
      'init-throws.js',
      `throw new Error('broken init');\nexport default function () {}`,
    );
    expect(result.exitCode).toBe(107);
    expect(stderr).toMatch(/broken init/);
  });

  test('exec.test.abort() stops the test with 108 and still runs teardown and handleSummary', async () => {
    const { result, stdout } = await run(
      'abort.js',
      `import exec from 'k6/execution';
       export const options = { scenarios: { a: { executor: 'constant-vus', vus: 1, duration: '10s' } } };
       export default async function () { await new Promise((r) => setTimeout(r, 20)); if (exec.scenario.iterationInTest === 2) exec.test.abort('enough'); }
       export function teardown() { console.log('teardown ran'); }
       export function handleSummary(data) { return { stdout: 'iterations=' + data.metrics.iterations.values.count + '\\n' }; }`,
    );
    expect(result.exitCode).toBe(108);
    expect(stdout).toContain('teardown ran');
    expect(stdout).toContain('iterations=2');
    expect(result.durationMs).toBeLessThan(9000); // stopped well before its 10 s
  });
});
