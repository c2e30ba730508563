/**
 * `floodgate report` as a child process: a real smoke run (reference target in this process,
 * `floodgate run` with the local engine) reported and gated, and the exit codes of `--fail-on` on
 * simulated results folders. Bounded: one applicant, then a few reports of simulated runs.
 */

import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { linearSteps, simulateRun, type SimulationOptions } from './fixtures/simulated-run.ts';
import { createTarget, type Target } from '../target/target.ts';
import { startProcess, stopAll } from '../test/support/processes.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'floodgate-report-cli-'));
const targets: Target[] = [];

afterAll(async () => {
  await stopAll();
  await Promise.all(targets.map((target) => target.close()));
  rmSync(work, { recursive: true, force: true });
});

/** Runs `floodgate <args>` to its end; resolves with its exit code and output. */
async function floodgate(args: string[], timeoutMs = 60_000): Promise<{ code: number | null; output: string }> {
  const child = startProcess(process.execPath, [join(ROOT, 'bin', 'floodgate.js'), ...args], { cwd: ROOT });
  const timer = setTimeout(() => void child.stop(), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.child.once('exit', (exitCode) => resolve(exitCode)));
  clearTimeout(timer);
  return { code, output: child.output() };
}

/** Writes a simulated run as a results folder, as `floodgate run` would. */
function simulatedFolder(name: string, options: SimulationOptions): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  const simulation = simulateRun(options);
  writeFileSync(join(dir, 'k6.ndjson'), `${simulation.lines.join('\n')}\n`);
  writeFileSync(join(dir, 'run.json'), JSON.stringify(simulation.manifest));
  writeFileSync(join(dir, 'truth.json'), JSON.stringify({ run: simulation.manifest.run, stages: simulation.truth }));
  return dir;
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- reading report.json paths

describe('the report of a real smoke run', () => {
  const smoke = join(work, 'smoke');
  let report: { code: number | null; output: string };

  beforeAll(async () => {
    const target = createTarget({ port: 0, ministryPort: 0, testHooks: true, seed: 7 });
    targets.push(target);
    const { url } = await target.listen();
    const run = await floodgate([
      'run',
      '--engine',
      'local',
      '--scenario',
      'smoke',
      '--target',
      url,
      '--run-id',
      'report-cli-smoke',
      '--out',
      smoke,
    ]);
    expect(run.code, run.output.slice(-2000)).toBe(0);
    report = await floodgate(['report', smoke, '--fail-on', 'any']);
  });

  test('is a valid run whose one applicant is counted, and passes the strictest gate', () => {
    expect(report.code, report.output).toBe(0);
    const document = JSON.parse(readFileSync(join(smoke, 'report.json'), 'utf8')) as Json;
    expect(document.valid).toBe(true);
    expect(document.validity.achievedArrivals).toBe(1);
    expect(document.funnel.landing.entered).toBe(1);
    expect(document.verdict.status).toBe('pass');
    expect(report.output).toMatch(/^Met its k6 thresholds/);
  });

  test('compares the funnel with CONTINUATION=full, the smoke default: nobody is "above expected"', () => {
    const document = JSON.parse(readFileSync(join(smoke, 'report.json'), 'utf8')) as Json;
    expect(document.funnel.continuationSource).toMatch(/CONTINUATION=full, the smoke scenario's default/);
    for (const stage of ['landing', 'register', 'verify_email', 'verify_nik', 'upload_photo', 'join_batch']) {
      expect(document.funnel[stage].continuationStatus, stage).toBe('within');
    }
  });

  test('junit.xml carries the verdict, and no bookkeeping thresholds', () => {
    const xml = readFileSync(join(smoke, 'junit.xml'), 'utf8');
    expect(xml).toContain(
      '<testcase name="every stage met its SLO (report verdict)" classname="floodgate.report"></testcase>',
    );
    expect(xml).toContain(
      '<testcase name="the load generator delivered the planned load (valid run)" classname="floodgate.report"></testcase>',
    );
    expect(xml).not.toContain('count&gt;=0');
    expect(xml).toContain('funnel_stage{stage:join_batch,result:completed}: count==1');
  });

  test('with a failed latency threshold, --fail-on slo exits 99 and junit.xml says what was measured', async () => {
    const failed = join(work, 'smoke-slow');
    cpSync(smoke, failed, { recursive: true });
    const summary = JSON.parse(readFileSync(join(failed, 'summary.json'), 'utf8')) as Json;
    const nik = summary.metrics['http_req_duration{stage:verify_nik}'];
    nik.values['p(95)'] = 3120.4;
    nik.thresholds['p(95)<3000'] = { ok: false };
    writeFileSync(join(failed, 'summary.json'), JSON.stringify(summary));

    expect((await floodgate(['report', failed])).code).toBe(0);
    const gated = await floodgate(['report', failed, '--fail-on', 'slo']);
    expect(gated.code, gated.output).toBe(99);
    expect(gated.output).toMatch(/error: the report fails --fail-on slo: Broke its k6 thresholds/);
    const xml = readFileSync(join(failed, 'junit.xml'), 'utf8');
    expect(xml).toContain(
      '<failure message="http_req_duration{stage:verify_nik}: p(95)=3,120 ms ≥ 3,000 ms (threshold p(95)&lt;3000)"/>',
    );
    expect(xml).toMatch(
      /every stage met its SLO \(report verdict\)" classname="floodgate.report"><failure message="Broke its k6 thresholds: /,
    );
  });

  test('a run id no sample carries is RESULTS_NOT_FOUND naming the run the NDJSON holds', async () => {
    const result = await floodgate(['report', smoke, '--run', 'nope', '--out', join(work, 'nope')]);
    expect(result.code).toBe(6);
    expect(result.output).toMatch(/no samples of run "nope" \(from --run\); it holds run report-cli-smoke/);
  });
});

describe('--fail-on on simulated runs', () => {
  const knee = simulatedFolder('knee', {
    steps: linearSteps(6, 4, 8, 30),
    stages: { verify_nik: { baseMs: 50, servers: 2, serviceMs: 200 } },
    seed: 1,
  });
  const invalid = simulatedFolder('invalid', {
    scenario: 'soak',
    steps: [{ rate: 10, seconds: 30 }],
    generatorMaxRate: 6,
    seed: 2,
  });

  test.each([
    ['a breakpoint not ready for the opening', [], 0, knee],
    ['a breakpoint not ready for the opening', ['--fail-on', 'invalid'], 0, knee],
    ['a breakpoint not ready for the opening', ['--fail-on', 'slo'], 99, knee],
    ['an invalid run', [], 0, invalid],
    ['an invalid run', ['--fail-on', 'invalid'], 7, invalid],
    ['an invalid run', ['--fail-on', 'any'], 7, invalid],
    ['an invalid run', ['--fail-on', 'sometimes'], 2, invalid],
  ] as const)('%s with %j exits %i', async (_case, flags, code, dir) => {
    const result = await floodgate(['report', dir, ...flags, '--target-truth', 'off']);
    expect(result.code, result.output).toBe(code);
    if (code === 7)
      expect(result.output).toMatch(/error: the run is invalid \(--fail-on \w+\): the load generator dropped/);
  });
});
