/**
 * `floodgate profile from-logs` held to the numbers that made a synthetic opening's logs: the
 * curve, the stage mix and the retry law (profile/synthetic.ts writes the logs; nothing there
 * reads floodgate's analysis).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, test } from 'vitest';
import { FUNNEL_STAGES } from '../contracts/funnel.ts';
import { profileFromLogs } from './index.ts';
import { syntheticAlbLog, syntheticCombinedLog, type SyntheticOpening } from './synthetic.ts';

const folder = mkdtempSync(join(tmpdir(), 'floodgate-profile-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const law: SyntheticOpening['retry'] = {
  throttled: { share: 0.8, mu: Math.log(5), sigma: 0.5 },
  capacity: { share: 0.6, mu: Math.log(12), sigma: 0.7 },
  behavioural: { share: 0.35, mu: Math.log(40), sigma: 0.4 },
};
const base: Omit<SyntheticOpening, 'model' | 'amplitudePerMinute' | 'shapeMinutes' | 'minutes' | 'seed'> = {
  continuation: { register: 0.9, verify_email: 0.7385, verify_nik: 0.5911, upload_photo: 0.9, join_batch: 0.1382 },
  thinkTime: { mu: Math.log(20), sigma: 0.6 },
  // rates high enough that each retry class has thousands of events (the 5 % bounds are > 3 standard errors)
  errors: {
    register: { behavioural: 0.1 },
    verify_nik: { capacity: 0.12, throttled: 0.12 },
    join_batch: { capacity: 0.02 },
  },
  retry: law,
  openingAtMs: Date.UTC(2020, 3, 11, 3, 0),
};
const within = (actual: number, expected: number, share: number): void => {
  expect(Math.abs(actual / expected - 1), `${actual} vs ${expected}`).toBeLessThan(share);
};

describe('a profile from the access logs of a known opening', () => {
  test('over a million combined lines in three files, one gzipped, out of order, in four time zones: curve, model, stage mix and retry shares come back', async () => {
    const log = await syntheticCombinedLog({
      ...base,
      model: 'opening-exp',
      amplitudePerMinute: 20_000,
      shapeMinutes: 17.4,
      minutes: 120,
      seed: 11,
    });
    expect(log.lines.length).toBeGreaterThanOrEqual(1_000_000);
    // three files in the wrong order: the last third first, the middle one gzipped
    const third = Math.ceil(log.lines.length / 3);
    const parts = [log.lines.slice(2 * third), log.lines.slice(third, 2 * third), log.lines.slice(0, third)];
    const files = parts.map((lines, i) => join(folder, `access-${i}.log${i === 1 ? '.gz' : ''}`));
    parts.forEach((lines, i) =>
      writeFileSync(files[i]!, i === 1 ? gzipSync(`${lines.join('\n')}\n`) : `${lines.join('\n')}\n`),
    );

    const profile = await profileFromLogs({ files, out: join(folder, 'profile.json') });

    expect(profile.source.lines).toBe(log.lines.length);
    expect(profile.source.openingAt).toBe('2020-04-11T03:00:00.000Z');
    expect(profile.source.rejected).toEqual({ unparsable_line: log.noise.malformed });
    expect(profile.source.ignored).toEqual({ health: log.noise.health, static: log.noise.static, bot: log.noise.bot });
    expect(profile.perMinute.reduce((a, b) => a + b, 0)).toBe(log.applicants);
    expect(profile.perMinute).toEqual(log.arrivalsPerMinute);
    expect(profile.chosen).toBe('opening-exp');
    const fit = profile.fits[0]!;
    if (fit.model !== 'opening-exp') throw new Error('the exponential should fit best');
    within(fit.tauMinutes, 17.4, 0.05);
    within(fit.amplitudePerMinute, 20_000, 0.05);
    for (const stage of FUNNEL_STAGES) {
      expect(Math.abs(profile.stages[stage]!.reachedShare - log.reached[stage]! / log.applicants), stage).toBeLessThan(
        0.01,
      );
    }
    // the stage mix the journey was built with: each stage is reached by those who went on from
    // the one before and did not give up there. Per attempt: success 1 − Σe, give-up Σe(1 − r).
    let reached = 1;
    FUNNEL_STAGES.forEach((stage, index) => {
      if (index > 0) {
        const before = base.errors[FUNNEL_STAGES[index - 1]!] ?? {};
        const errorShare = (before.throttled ?? 0) + (before.capacity ?? 0) + (before.behavioural ?? 0);
        const giveUp = (['throttled', 'capacity', 'behavioural'] as const).reduce(
          (sum, kind) => sum + (before[kind] ?? 0) * (1 - law[kind].share),
          0,
        );
        reached *= ((1 - errorShare) / (1 - errorShare + giveUp)) * base.continuation[stage]!;
      }
      expect(Math.abs(profile.stages[stage]!.reachedShare - reached), stage).toBeLessThan(0.01);
    });
    for (const kind of ['throttled', 'capacity', 'behavioural'] as const)
      within(profile.retries[kind]!.retryShare, law[kind].share, 0.05);
  });

  test('ALB logs of a hyperbolic opening: the hyperbolic wins, and the retry delays come back within 5 %', async () => {
    const log = await syntheticAlbLog({
      ...base,
      model: 'opening-hyperbolic',
      amplitudePerMinute: 8_000,
      shapeMinutes: 2.383,
      minutes: 240,
      seed: 12,
    });
    const file = join(folder, 'alb.log');
    writeFileSync(file, `${log.lines.join('\n')}\n`);

    const profile = await profileFromLogs({ files: [file] });

    expect(profile.source.format).toBe('alb');
    expect(profile.chosen).toBe('opening-hyperbolic');
    const fit = profile.fits[0]!;
    if (fit.model !== 'opening-hyperbolic') throw new Error('the hyperbolic should fit best');
    within(fit.cMinutes, 2.383, 0.05);
    within(fit.amplitudePerMinute, 8_000, 0.05);
    for (const kind of ['throttled', 'capacity', 'behavioural'] as const) {
      const measured = profile.retries[kind]!;
      within(measured.retryShare, law[kind].share, 0.05);
      within(measured.delay!.medianSeconds, Math.exp(law[kind].mu), 0.05);
      within(measured.delay!.sigma, law[kind].sigma, 0.05);
    }
    within(profile.stages.verify_email!.delay!.medianSeconds, 20, 0.05);
    // retries make verify_nik cost more than one request per applicant; landing stays at one
    expect(profile.stages.verify_nik!.requestsPerApplicant).toBeGreaterThan(1.05);
    expect(profile.stages.landing!.requestsPerApplicant).toBe(1);
  });
});
