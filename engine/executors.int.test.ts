/**
 * Closed-model executors, lifecycle rules and stopping: per-vu-iterations, constant-vus,
 * ramping-vus, gracefulStop interruption, the event-loop rule for timers, external abort,
 * abortOnFail thresholds, setup timeout, and vu/iter metadata. No HTTP: these need no server.
 */

import { afterAll, describe, expect, test } from 'vitest';
import { runScript, type EngineRunResult, type SummaryData } from './index.ts';
import { captureStream, points, readNdjson, scriptFolder } from './testing.ts';

const folder = scriptFolder();
afterAll(() => folder.cleanup());

interface Outcome {
  result: EngineRunResult;
  summary: SummaryData | undefined;
  out: string;
  stdout: string;
  stderr: string;
}

async function run(
  name: string,
  source: string,
  extra: Partial<Parameters<typeof runScript>[0]> = {},
): Promise<Outcome> {
  const script = folder.write(`${name}.js`, source);
  const stdout = captureStream();
  const stderr = captureStream();
  const out = folder.path(`${name}.ndjson`);
  const result = await runScript({ script, out, includeSystemEnv: false, stdout, stderr, ...extra });
  return { result, summary: result.summary, out, stdout: stdout.text(), stderr: stderr.text() };
}

const count = (summary: SummaryData | undefined, metric: string): number => summary?.metrics[metric]?.values.count ?? 0;
const logLines = (stdout: string): string[] =>
  stdout
    .split('\n')
    .filter((line) => line.startsWith('INFO '))
    .map((line) => line.slice(5));
const pause = 'const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));';

describe('closed-model executors', () => {
  test('per-vu-iterations runs each VU its own iterations, with __VU and __ITER as k6 numbers them', async () => {
    const { summary, stdout } = await run(
      'per-vu',
      `import exec from 'k6/execution';
       export const options = { scenarios: { each: { executor: 'per-vu-iterations', vus: 2, iterations: 3 } } };
       export default function () { console.log(__VU + ':' + __ITER + ':' + exec.vu.iterationInScenario); }
       export function handleSummary() { return {}; }`,
    );
    expect(count(summary, 'iterations')).toBe(6);
    expect(logLines(stdout).sort()).toEqual(['1:0:0', '1:1:1', '1:2:2', '2:0:0', '2:1:1', '2:2:2']);
  });

  test('constant-vus keeps its VUs looping for the duration', async () => {
    const { summary, out } = await run(
      'constant-vus',
      `${pause}
       export const options = { scenarios: { steady: { executor: 'constant-vus', vus: 3, duration: '1s' } } };
       export default async function () { await pause(100); }
       export function handleSummary() { return {}; }`,
    );
    expect(count(summary, 'iterations')).toBeGreaterThanOrEqual(24);
    expect(count(summary, 'iterations')).toBeLessThanOrEqual(33);
    expect(points(readNdjson(out), 'vus').some((line) => line.data.value === 3)).toBe(true);
  });

  test('ramping-vus ramps up and back down', async () => {
    const { summary, out } = await run(
      'ramping-vus',
      `${pause}
       export const options = { scenarios: { ramp: { executor: 'ramping-vus', startVUs: 0, stages: [{ duration: '1s', target: 4 }, { duration: '3s', target: 0 }], gracefulRampDown: '0s' } } };
       export default async function () { await pause(50); }
       export function handleSummary() { return {}; }`,
    );
    expect(count(summary, 'iterations')).toBeGreaterThan(20);
    const vus = points(readNdjson(out), 'vus').map((line) => line.data.value);
    expect(Math.max(...vus)).toBeGreaterThanOrEqual(3);
    // k6 samples vus once a second and writes no final sample: the last tick is on the way down
    // (a 3-s ramp down: its tick at 3 s is below the top even if the run ends before the one at 4 s)
    expect(vus[vus.length - 1]).toBeLessThan(Math.max(...vus));
  });
});

describe('stopping', () => {
  test('gracefulStop interrupts an iteration that runs too long; it emits no iterations sample', async () => {
    const { result, summary, stdout } = await run(
      'graceful-stop',
      `${pause}
       import exec from 'k6/execution';
       export const options = { scenarios: { slow: { executor: 'constant-vus', vus: 1, duration: '1s', gracefulStop: '500ms' } } };
       export default async function () { await pause(3000); console.log('never printed'); }
       export function teardown() { console.log('interrupted=' + exec.instance.iterationsInterrupted); }
       export function handleSummary() { return {}; }`,
    );
    expect(count(summary, 'iterations')).toBe(0);
    expect(summary?.metrics).not.toHaveProperty('iteration_duration');
    expect(logLines(stdout)).toEqual(['interrupted=1']);
    expect(result.durationMs).toBeLessThan(2900); // it did not wait for the 3 s iteration
  });

  test('an iteration ends only when the timers it started have fired', async () => {
    const { summary, stdout } = await run(
      'pending-timer',
      `export const options = { iterations: 1 };
       export default function () { setTimeout(() => console.log('timer fired'), 200); }
       export function handleSummary(data) { return { stdout: 'duration>=200: ' + (data.metrics.iteration_duration.values.min >= 200) + '\\n' }; }`,
    );
    expect(count(summary, 'iterations')).toBe(1);
    expect(stdout).toContain('INFO timer fired');
    expect(stdout).toContain('duration>=200: true');
  });

  test('an external abort stops the run with exit 105 after teardown and the summary', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('test says stop')), 500);
    const { result, stdout, stderr } = await run(
      'external-abort',
      `${pause}
       export const options = { scenarios: { long: { executor: 'constant-vus', vus: 2, duration: '20s' } } };
       export default async function () { await pause(50); }
       export function teardown() { console.log('teardown ran'); }
       export function handleSummary() { return { stdout: 'summary ran\\n' }; }`,
      { signal: controller.signal },
    );
    expect(result.exitCode).toBe(105);
    expect(stdout).toContain('teardown ran');
    expect(stdout).toContain('summary ran');
    expect(stderr).toContain('test says stop');
  });

  test('a failing abortOnFail threshold stops the test early with exit 99', async () => {
    const { result, summary } = await run(
      'abort-on-fail',
      `${pause}
       import { check } from 'k6';
       export const options = {
         scenarios: { long: { executor: 'constant-vus', vus: 1, duration: '20s' } },
         thresholds: { checks: [{ threshold: 'rate==1', abortOnFail: true }] },
       };
       export default async function () { check(1, { 'is two': (v) => v === 2 }); await pause(100); }
       export function handleSummary() { return {}; }`,
    );
    expect(result.exitCode).toBe(99);
    expect(result.durationMs).toBeLessThan(10_000);
    expect(summary?.metrics.checks?.thresholds).toEqual({ 'rate==1': { ok: false } });
  });

  test('setup that outlives setupTimeout exits 100', async () => {
    const { result, stderr } = await run(
      'setup-timeout',
      `${pause}
       export const options = { setupTimeout: '300ms', iterations: 1 };
       export async function setup() { await pause(2000); }
       export default function () {}
       export function handleSummary() { return {}; }`,
    );
    expect(result.exitCode).toBe(100);
    expect(stderr).toMatch(/setup\(\) of .* did not finish within 300ms/);
  });

  test('an exception in an iteration is logged, counted as an iteration, and the run goes on', async () => {
    const { result, summary, stderr } = await run(
      'iteration-throws',
      `export const options = { iterations: 3 };
       export default function () { throw new Error('journey broke'); }
       export function handleSummary() { return {}; }`,
    );
    expect(result.exitCode).toBe(0);
    expect(count(summary, 'iterations')).toBe(3);
    expect(stderr.match(/Uncaught \(in promise\) journey broke/g)).toHaveLength(3);
  });
});

describe('samples', () => {
  test('vu and iter go to metadata when switched on with systemTags', async () => {
    const { out } = await run(
      'metadata',
      `import { check } from 'k6';
       import exec from 'k6/execution';
       export const options = { iterations: 2, systemTags: ['check', 'scenario', 'vu', 'iter'] };
       export default function () { exec.vu.metrics.metadata.trace = 'x' + __ITER; check(true, { ok: (v) => v }); }
       export function handleSummary() { return {}; }`,
    );
    const checks = points(readNdjson(out), 'checks');
    expect(checks.map((line) => line.data.metadata)).toEqual([
      { iter: '0', trace: 'x0', vu: '1' },
      { iter: '1', trace: 'x1', vu: '1' },
    ]);
    expect(checks[0]?.data.tags).toEqual({ check: 'ok', scenario: 'default' });
  });

  test('custom metrics, SharedArray, open() relative to the importing file and k6/encoding work together', async () => {
    folder.write('fixture.txt', 'alpha\nbeta\n');
    folder.write(
      'helper.js',
      `import { SharedArray } from 'k6/data';
       export const words = new SharedArray('words', () => open('./fixture.txt').trim().split('\\n'));`,
    );
    const { result, summary, stdout } = await run(
      'modules',
      `import { words } from './helper.js';
       import { b64encode } from 'k6/encoding';
       import { Trend, Rate, Gauge } from 'k6/metrics';
       const size = new Trend('word_size');
       const long = new Rate('word_long');
       const last = new Gauge('word_last');
       export const options = { iterations: 2, thresholds: { word_size: ['max<10'] } };
       export default function () {
         const word = words[__ITER % words.length];
         size.add(word.length); long.add(word.length > 4); last.add(__ITER);
         console.log(b64encode(word));
       }
       export function handleSummary() { return {}; }`,
    );
    expect(result.exitCode).toBe(0);
    expect(logLines(stdout)).toEqual(['YWxwaGE=', 'YmV0YQ==']);
    expect(summary?.metrics.word_size).toMatchObject({
      type: 'trend',
      contains: 'default',
      values: { min: 4, max: 5 },
    });
    expect(summary?.metrics.word_long?.values).toEqual({ rate: 0.5, passes: 1, fails: 1 });
    expect(summary?.metrics.word_last?.values).toEqual({ value: 1, min: 0, max: 1 });
  });
});
