/**
 * `floodgate profile` as a user runs it: from-logs on a gzipped log, show on the profile it wrote,
 * and the errors a wrong file gets.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseProfileFile } from '../contracts/profile-file.ts';
import { syntheticCombinedLog, type SyntheticLog } from './synthetic.ts';

const folder = mkdtempSync(join(tmpdir(), 'floodgate-profile-cli-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
/** Runs the command without blocking the test runner's event loop. */
const floodgate = (...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/floodgate.js', ...args],
      { encoding: 'utf8', timeout: 120_000 },
      (error, stdout, stderr) => {
        resolve({ status: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
      },
    );
  });

describe('floodgate profile', () => {
  const logFile = join(folder, 'access.log.gz');
  const profileFile = join(folder, 'profile.json');
  let log: SyntheticLog;
  beforeAll(async () => {
    log = await syntheticCombinedLog({
      model: 'opening-exp',
      amplitudePerMinute: 600,
      shapeMinutes: 10,
      minutes: 60,
      continuation: { register: 0.9, verify_email: 0.7, verify_nik: 0.6, upload_photo: 0.9, join_batch: 0.2 },
      thinkTime: { mu: Math.log(10), sigma: 0.5 },
      errors: { verify_nik: { capacity: 0.1 } },
      retry: {
        throttled: { share: 0.8, mu: 1, sigma: 0.5 },
        capacity: { share: 0.5, mu: 2, sigma: 0.5 },
        behavioural: { share: 0.3, mu: 3, sigma: 0.5 },
      },
      openingAtMs: Date.UTC(2020, 3, 11, 3, 0),
      seed: 5,
    });
    writeFileSync(logFile, gzipSync(`${log.lines.join('\n')}\n`));
  });

  test('from-logs writes a profile the opening scenario can read, and says what it read and left out', async () => {
    const result = await floodgate('profile', 'from-logs', logFile, '--out', profileFile);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('fits (Poisson maximum likelihood):');
    expect(result.stdout).toContain(`read ${log.lines.length} lines`);
    expect(result.stdout).toContain(`unreadable (unparsable_line ${log.noise.malformed})`);
    expect(result.stdout).toContain(`wrote ${profileFile}`);
    const profile = parseProfileFile(JSON.parse(readFileSync(profileFile, 'utf8')));
    expect(profile.perMinute.reduce((a, b) => a + b, 0)).toBe(log.applicants);
  });

  test('show draws the curve and lists the k6 stages at the scale asked for', async () => {
    const result = await floodgate('profile', 'show', profileFile, '--rate-scale', '0.5', '--time-scale', '10');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/█/);
    expect(result.stdout).toContain('k6 ramping-arrival-rate (rate × 0.5, time ÷ 10)');
    expect(result.stdout).toMatch(/\d+s → \d+\/1[smh]/);
  });

  test.each([
    [['profile', 'show', join(folder, 'missing.json')], /profile file is unusable: cannot read/],
    [['profile', 'show', logFile], /profile file is unusable/],
    [['profile', 'draw', profileFile], /unknown action "draw"; use from-logs or show/],
    [['profile', 'from-logs', profileFile], /cannot tell the log format/],
  ])('%j fails with a clear message and exit 2, no stack', async (args, message) => {
    const result = await floodgate(...args);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
