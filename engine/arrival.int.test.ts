/**
 * Arrival-rate semantics of the local engine against node:http servers on 127.0.0.1: starts
 * from the rate integral, dropped iterations when VUs run out, network errors when the target
 * goes away, and segmented runs that add up to the unsegmented one.
 */

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runScript, type EngineRunResult, type SummaryData } from './index.ts';
import { captureStream, points, readNdjson, scriptFolder, startTestServer, type TestServer } from './testing.ts';

const folder = scriptFolder();
const servers: TestServer[] = [];

afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
  folder.cleanup();
});

async function server(delayMs = 0): Promise<TestServer> {
  const started = await startTestServer((_request, response) => {
    setTimeout(() => response.end('ok'), delayMs);
  });
  servers.push(started);
  return started;
}

interface Outcome {
  result: EngineRunResult;
  summary: SummaryData;
  out: string;
  stdout: string;
  stderr: string;
}

async function run(
  name: string,
  source: string,
  target: string,
  extra: Partial<Parameters<typeof runScript>[0]> = {},
): Promise<Outcome> {
  const script = folder.write(`${name}.js`, source);
  const stdout = captureStream();
  const stderr = captureStream();
  const out = folder.path(`${name}.ndjson`);
  const result = await runScript({
    script,
    out,
    env: { TARGET: target },
    includeSystemEnv: false,
    stdout,
    stderr,
    tags: { run: name },
    ...extra,
  });
  if (!result.summary) throw new Error(`no summary: ${stderr.text()}`);
  return { result, summary: result.summary, out, stdout: stdout.text(), stderr: stderr.text() };
}

const count = (summary: SummaryData, metric: string): number => summary.metrics[metric]?.values.count ?? 0;

describe('constant-arrival-rate', () => {
  test('40 iterations/s for 30 s against a fast endpoint start 1,200 iterations ± 2 % and drop none', async () => {
    const fast = await server();
    const { result, summary } = await run(
      'constant-40',
      `import http from 'k6/http';
       export const options = { scenarios: { steady: { executor: 'constant-arrival-rate', rate: 40, timeUnit: '1s', duration: '30s', preAllocatedVUs: 10, maxVUs: 20 } } };
       export default async function () { await http.asyncRequest('GET', __ENV.TARGET + '/'); }`,
      fast.url,
    );
    expect(result.exitCode).toBe(0);
    expect(count(summary, 'iterations')).toBeGreaterThanOrEqual(1176);
    expect(count(summary, 'iterations')).toBeLessThanOrEqual(1224);
    expect(count(summary, 'dropped_iterations')).toBe(0);
  });

  test('too few VUs for a slow endpoint drop iterations and report them', async () => {
    const slow = await server(400);
    const { summary, out, stderr } = await run(
      'starved',
      `import http from 'k6/http';
       export const options = { scenarios: { starved: { executor: 'constant-arrival-rate', rate: 20, timeUnit: '1s', duration: '2s', preAllocatedVUs: 1, maxVUs: 2 } } };
       export default async function () { await http.asyncRequest('GET', __ENV.TARGET + '/'); }`,
      slow.url,
    );
    const dropped = count(summary, 'dropped_iterations');
    expect(dropped).toBeGreaterThan(0);
    expect(dropped + count(summary, 'iterations')).toBeGreaterThanOrEqual(38);
    const lines = points(readNdjson(out), 'dropped_iterations');
    expect(lines.reduce((sum, line) => sum + line.data.value, 0)).toBe(dropped);
    expect(lines[0]?.data.tags).toEqual({ run: 'starved', scenario: 'starved' });
    expect(stderr).toMatch(/insufficient VUs, reached 2 active VUs/);
    expect(summary.metrics.vus_max?.values.max).toBe(2);
  });
});

describe('a target that stops mid-run', () => {
  test('records status 0 with error_code 1212, ends on schedule and exits 99 on the error threshold', async () => {
    const target = await server();
    setTimeout(() => void target.close(), 1500);
    const { result, summary, out } = await run(
      'target-gone',
      `import http from 'k6/http';
       export const options = {
         scenarios: { gone: { executor: 'constant-arrival-rate', rate: 20, timeUnit: '1s', duration: '4s', preAllocatedVUs: 5, maxVUs: 10 } },
         thresholds: { http_req_failed: ['rate<0.1'] },
       };
       export default async function () { await http.asyncRequest('GET', __ENV.TARGET + '/health', null, { tags: { name: 'GET /health' } }); }`,
      target.url,
    );
    expect(result.exitCode).toBe(99);
    const refused = points(readNdjson(out), 'http_reqs').filter((line) => line.data.tags.status === '0');
    expect(refused.length).toBeGreaterThan(20);
    expect(refused[0]?.data.tags).toMatchObject({
      error_code: '1212',
      error: 'dial: connection refused',
      expected_response: 'false',
      name: 'GET /health',
    });
    expect(refused[0]?.data.tags).not.toHaveProperty('proto');
    expect(count(summary, 'iterations')).toBeGreaterThanOrEqual(75);
    // the scenario lasts 4 s; a hang would run into the 30 s gracefulStop
    expect(result.durationMs).toBeLessThan(10_000);
  });
});

describe('execution segments', () => {
  const source = `
    import http from 'k6/http';
    import exec from 'k6/execution';
    export const options = {
      scenarios: {
        arrivals: { executor: 'constant-arrival-rate', rate: 30, timeUnit: '1s', duration: '3s', preAllocatedVUs: 4, maxVUs: 6 },
        shared: { executor: 'shared-iterations', vus: 3, iterations: 7, exec: 'shared' },
      },
    };
    export default async function () {
      await http.asyncRequest('GET', __ENV.TARGET + '/');
      console.log('arrival ' + exec.vu.idInTest + ' ' + exec.scenario.iterationInTest);
    }
    export function shared() { console.log('shared ' + exec.vu.idInTest + ' ' + exec.scenario.iterationInTest); }
  `;
  const lines = (stdout: string, kind: string): string[] =>
    stdout.split('\n').filter((line) => line.startsWith(`INFO ${kind} `));

  let target: TestServer;
  beforeAll(async () => {
    target = await server();
  });

  test('two halves start as many iterations as the whole run, ± 1 per segment, with ids unique across them', async () => {
    const [whole, first, second] = await Promise.all([
      run('segments-whole', source, target.url),
      run('segments-first', source, target.url, { executionSegment: '0:1/2', executionSegmentSequence: '0,1/2,1' }),
      run('segments-second', source, target.url, { executionSegment: '1/2:1', executionSegmentSequence: '0,1/2,1' }),
    ]);
    const sum = count(first.summary, 'iterations') + count(second.summary, 'iterations');
    expect(Math.abs(sum - count(whole.summary, 'iterations'))).toBeLessThanOrEqual(2);
    expect(lines(whole.stdout, 'shared')).toHaveLength(7);
    expect(lines(first.stdout, 'shared').length + lines(second.stdout, 'shared').length).toBe(7);
    for (const kind of ['arrival', 'shared']) {
      const iterationIds = [...lines(first.stdout, kind), ...lines(second.stdout, kind)].map(
        (line) => line.split(' ')[3],
      );
      expect(new Set(iterationIds).size, `${kind} iterationInTest unique across segments`).toBe(iterationIds.length);
    }
    const vuIds = (outcome: Outcome): Set<string> =>
      new Set(
        [...lines(outcome.stdout, 'arrival'), ...lines(outcome.stdout, 'shared')].map(
          (line) => line.split(' ')[2] as string,
        ),
      );
    const overlap = [...vuIds(first)].filter((id) => vuIds(second).has(id));
    expect(overlap, 'exec.vu.idInTest unique across segments').toEqual([]);
  });
});
