/**
 * End to end: the reference target with a known ministry capacity, load from the local engine
 * (`floodgate run` as a child process, so the target and the generator get a core each), and the
 * report built from the results folder. Bounded: about 1 000 applicants over 105 s, then 1 500
 * over 50 s, all on 127.0.0.1.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { DEMO_PLAN } from '../demo/index.ts';
import { buildReport } from '../report/index.ts';
import { createTarget, type Target } from '../target/target.ts';
import { startProcess, stopAll } from './support/processes.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'floodgate-report-e2e-'));
const targets: Target[] = [];

afterAll(async () => {
  await stopAll();
  await Promise.all(targets.map((target) => target.close()));
  rmSync(work, { recursive: true, force: true });
});

/** Runs `floodgate run` to its end; resolves with its exit code and output. */
async function floodgateRun(args: string[], timeoutMs: number): Promise<{ code: number | null; output: string }> {
  const child = startProcess(
    process.execPath,
    [join(ROOT, 'bin', 'floodgate.js'), 'run', '--engine', 'local', ...args],
    { cwd: ROOT },
  );
  const timer = setTimeout(() => void child.stop(), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.child.once('exit', (exitCode) => resolve(exitCode)));
  clearTimeout(timer);
  return { code, output: child.output() };
}

async function startTarget(options: Parameters<typeof createTarget>[0]): Promise<string> {
  const target = createTarget({ port: 0, ministryPort: 0, testHooks: true, batchSeats: 100_000, seed: 7, ...options });
  targets.push(target);
  return (await target.listen()).url;
}

describe('the report on a real breakpoint run', () => {
  test(
    'names verify_nik as the limiting stage and its sustained rate within ±20 % of the ministry capacity',
    { timeout: 300_000 },
    async () => {
      const { ministry, breakpoint } = DEMO_PLAN;
      const url = await startTarget(ministry);
      const truth = (ministry.nikCapacity * 1000) / ministry.nikServiceMs;
      const dir = join(work, 'breakpoint');
      const run = await floodgateRun(
        [
          '--scenario',
          'breakpoint',
          '--target',
          url,
          '--run-id',
          'e2e-breakpoint',
          '--out',
          dir,
          '-e',
          `BREAKPOINT_START=${breakpoint.start}`,
          '-e',
          `BREAKPOINT_STEP=${breakpoint.step}`,
          '-e',
          `BREAKPOINT_STEPS=${breakpoint.steps}`,
          '-e',
          `BREAKPOINT_STEP_SECONDS=${breakpoint.stepSeconds}`,
          '-e',
          'EMAIL_TOKEN_SOURCE=header',
        ],
        240_000,
      );
      // 99: the per-stage thresholds fail past the knee, as they should
      expect([0, 99], run.output.slice(-2000)).toContain(run.code);

      const { analysis } = await buildReport({ dir });
      expect(analysis.valid, analysis.validity.reasons.join('; ')).toBe(true);
      expect(analysis.capacity.outcome).toBe('knee');
      expect(analysis.capacity.limitingStage).toBe('verify_nik');
      const sustained = analysis.capacity.limitingStageThroughputPerSecond!;
      expect(Math.abs(sustained - truth) / truth).toBeLessThanOrEqual(0.2);
      // the capacity in applicants lies below the saturation the ministry allows
      expect(analysis.capacity.sustainedPerSecond!).toBeLessThanOrEqual(
        analysis.capacity.impliedArrivalRatePerSecond! * 1.25,
      );
      // nothing was lost: the truth came from the target named in run.json
      expect(analysis.reconciliation.available).toBe(true);
      expect(analysis.reconciliation.lost).toBe(0);
      expect(analysis.verdict.text).toContain('verify_nik breaks first');
    },
  );
});

describe('reconciliation on a real run', () => {
  test('a 2 % lost-write rate is reported within 1 percentage point', { timeout: 240_000 }, async () => {
    const url = await startTarget({ lostWriteRate: 0.02 });
    const dir = join(work, 'lost');
    const run = await floodgateRun(
      [
        '--scenario',
        'soak',
        '--target',
        url,
        '--run-id',
        'e2e-lost',
        '--out',
        dir,
        '-e',
        'SOAK_RATE=30',
        '-e',
        'SOAK_DURATION=50s',
        '-e',
        'EMAIL_TOKEN_SOURCE=header',
      ],
      180_000,
    );
    expect([0, 99], run.output.slice(-2000)).toContain(run.code);
    const { analysis } = await buildReport({ dir });
    const register = analysis.reconciliation.stages.register!;
    expect(register.acknowledged).toBeGreaterThan(1400);
    expect(Math.abs(register.lostShare - 0.02)).toBeLessThan(0.01);
    expect(analysis.reconciliation.lost).toBeGreaterThan(0);
  });
});
