import { describe, expect, test } from 'vitest';
import { parseProfileFile, profileFromFile, type ProfileFile } from './profile-file.ts';

const file: ProfileFile = {
  kind: 'floodgate-profile',
  version: 1,
  name: 'april-logs',
  use: 'fit',
  chosen: 'opening-exp',
  fits: [
    { model: 'opening-exp', amplitudePerMinute: 10_000, tauMinutes: 20, logLikelihood: -100, aic: 204 },
    { model: 'opening-hyperbolic', amplitudePerMinute: 12_000, cMinutes: 3, logLikelihood: -200, aic: 404 },
  ],
  perMinute: [9_500, 9_100, 8_700, 8_200],
  censoredMinutes: [],
  stages: {},
  retries: {},
  amplification: { overall: 3, peak: 3.5, offPeak: 2.5 },
  source: {
    files: ['a.log'],
    format: 'combined',
    openingAt: '2020-04-11T03:00:00.000Z',
    lines: 10,
    accepted: 10,
    rejected: {},
    ignored: {},
  },
};

describe('a profile file', () => {
  test('plays its fitted curve with the scaling of the built-in shapes, and says which file and fit', () => {
    const profile = profileFromFile(file, { rateScale: 0.01, window: { fromMinute: 0, toMinute: 60 } });
    // ∫₀⁶⁰ 10,000·e^(−t/20) dt × 0.01 = 2,000·(1 − e^(−3))
    expect(profile.arrivalsBetween(0, profile.durationSeconds)).toBeCloseTo(2_000 * (1 - Math.exp(-3)), 6);
    expect(profile.description).toMatch(
      /^profile april-logs from combined logs, fitted opening-exp \(A 10000\/min, τ 20\.00 min\)/,
    );
  });

  test('replays its logged minutes when asked to', () => {
    const profile = profileFromFile({ ...file, use: 'replay' });
    expect(profile.arrivalsBetween(0, profile.durationSeconds)).toBe(35_500);
    expect(profile.durationSeconds).toBe(240);
  });

  test.each([
    [{ ...file, kind: 'other' }, /"kind" must be "floodgate-profile"/],
    [{ ...file, version: 2 }, /"version" 2 is not supported/],
    [{ ...file, perMinute: [] }, /"perMinute" must be a non-empty array/],
    [{ ...file, perMinute: [1, -2] }, /"perMinute"\[1\] must be a count/],
    [{ ...file, fits: [file.fits[1]] }, /"use" is "fit" but "fits" holds no opening-exp curve/],
    [{ ...file, stages: { checkout: {} } }, /unknown stage checkout/],
  ])('a broken file is refused naming the field (%#)', (value, message) => {
    expect(() => parseProfileFile(value, 'p.json')).toThrow(message);
  });
});
