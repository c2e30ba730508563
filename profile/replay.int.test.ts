/**
 * A profile from logs, played: the opening scenario on the local engine, fed a fitted profile
 * (PROFILE=profile.json), starts the applicants the profile's curve says, minute by minute; the
 * retry storm turns failed pages into more requests per applicant.
 */

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chosenFit, fittedArrivalsInMinute } from '../contracts/profile-file.ts';
import { profileFromLogs } from './index.ts';
import { syntheticCombinedLog } from './synthetic.ts';
import { PROJECT_ROOT } from '../runner/index.ts';
import { runToEnd, startProcess, stopAll, type ManagedProcess } from '../test/support/processes.ts';

const FLOODGATE = join(PROJECT_ROOT, 'bin', 'floodgate.js');
const scratch = mkdtempSync(join(tmpdir(), 'floodgate-profile-replay-'));
let target: ManagedProcess;
let targetUrl: string;

beforeAll(async () => {
  target = startProcess(
    process.execPath,
    [
      FLOODGATE,
      'target',
      '--port',
      '0',
      '--ministry-port',
      '0',
      '--test-hooks',
      '--db',
      ':memory:',
      '--error-rate',
      'verify_nik=0.5',
    ],
    { cwd: PROJECT_ROOT },
  );
  targetUrl = (await target.waitFor(/listening on (http:\/\/\S+)/, 60_000))[1]!;
});

afterAll(async () => {
  await stopAll();
  rmSync(scratch, { recursive: true, force: true });
});

/** Runs `floodgate run …` to its end; resolves with the exit code and the output. */
function floodgateRun(args: readonly string[], timeoutMs = 180_000): Promise<{ code: number | null; output: string }> {
  return runToEnd(process.execPath, [FLOODGATE, 'run', ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, PATH: '/usr/bin:/bin' },
    timeoutMs,
  });
}

type Point = { type: string; metric: string; data: { time: string; value: number; tags: Record<string, string> } };
const points = (file: string, metric: string): Point[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.includes(`"metric":"${metric}"`))
    .map((line) => JSON.parse(line) as Point)
    .filter((line) => line.type === 'Point');

describe('a fitted profile played by the opening scenario', () => {
  const profileFile = join(scratch, 'profile.json');

  beforeAll(async () => {
    const log = await syntheticCombinedLog({
      model: 'opening-exp',
      amplitudePerMinute: 3_000,
      shapeMinutes: 17.4,
      minutes: 90,
      continuation: { register: 0.9, verify_email: 0.7, verify_nik: 0.6, upload_photo: 0.9, join_batch: 0.2 },
      thinkTime: { mu: Math.log(10), sigma: 0.5 },
      errors: { verify_nik: { capacity: 0.2 } },
      retry: {
        throttled: { share: 0.8, mu: 1, sigma: 0.5 },
        capacity: { share: 0.7, mu: 2, sigma: 0.5 },
        behavioural: { share: 0.3, mu: 3, sigma: 0.5 },
      },
      openingAtMs: Date.UTC(2020, 3, 11, 3, 0),
      seed: 21,
    });
    const logFile = join(scratch, 'access.log');
    writeFileSync(logFile, `${log.lines.join('\n')}\n`);
    await profileFromLogs({ files: [logFile], out: profileFile });
  });

  test('minute by minute, the applicants started are the fitted curve’s, within 2 %', async () => {
    const out = join(scratch, 'replay');
    // 10 event minutes in 60 s; the first holds 3,000 × 0.1 ≈ 292 applicants, the last ≈ 182
    const { code, output } = await floodgateRun([
      '--target',
      targetUrl,
      '--scenario',
      'opening',
      '--run-id',
      'replay',
      '--out',
      out,
      '--rate-scale',
      '0.1',
      '--time-scale',
      '10',
      '-e',
      'WINDOW=0-10',
      '-e',
      'THINK_TIME_SCALE=0.001',
      '--profile',
      profileFile,
    ]);
    expect(code, output).not.toBeNull();
    const file = join(out, 'k6.ndjson');
    const start = Date.parse(points(file, 'planned_arrival_rate')[0]!.data.time);
    const fit = chosenFit(JSON.parse(readFileSync(profileFile, 'utf8')));
    const perMinute = Array.from({ length: 10 }, () => 0);
    for (const point of points(file, 'funnel_stage')) {
      if (point.data.tags.stage !== 'landing' || point.data.tags.result !== 'entered') continue;
      const minute = Math.floor((Date.parse(point.data.time) - start) / 6_000);
      if (minute >= 0 && minute < 10) perMinute[minute]! += 1;
    }
    const expected = perMinute.map((_, minute) => 0.1 * fittedArrivalsInMinute(fit, minute));
    const shown = perMinute.map((count, minute) => `${minute}: ${count} vs ${expected[minute]!.toFixed(1)}`).join(', ');
    perMinute.forEach((count, minute) => {
      expect(Math.abs(count / expected[minute]! - 1), shown).toBeLessThan(0.02);
    });
  });

  test('RETRY_PROFILE=logs retries failed NIK checks as the logs did: more requests per applicant there', async () => {
    const plain = join(scratch, 'plain');
    const retried = join(scratch, 'retried');
    const common = [
      '--target',
      targetUrl,
      '--scenario',
      'opening',
      '--rate-scale',
      '0.01',
      '--time-scale',
      '30',
      '-e',
      'WINDOW=0-10',
      '-e',
      'THINK_TIME_SCALE=0.001',
      '-e',
      'CONTINUATION=full',
      '-e',
      `PROFILE=${profileFile}`,
    ];
    await floodgateRun([...common, '--run-id', 'plain', '--out', plain]);
    await floodgateRun([...common, '--run-id', 'retried', '--out', retried, '-e', 'RETRY_PROFILE=logs']);
    const perApplicant = (dir: string): number => {
      const file = join(dir, 'k6.ndjson');
      const requests = points(file, 'http_reqs').filter((point) => point.data.tags.stage === 'verify_nik').length;
      const applicants = points(file, 'funnel_stage').filter(
        (point) => point.data.tags.stage === 'verify_nik' && point.data.tags.result === 'entered',
      ).length;
      return requests / applicants;
    };
    // half the checks fail; the logs retried 70 % of failures: 1 + 0.5·0.7 + … ≈ 1.5 requests each
    expect(perApplicant(plain)).toBeCloseTo(1, 5);
    expect(perApplicant(retried)).toBeGreaterThan(1.3);
  });
});
