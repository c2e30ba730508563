import { describe, expect, test } from 'vitest';
import { readRunManifest, readRunProfileRecord } from '../contracts/run-record.ts';
import { runProfileRecord } from './run-profile.ts';

const unread = (path: string): string => {
  throw new Error(`${path} should not be read`);
};

describe("run.json's profile block", () => {
  test('a built-in shape: its name, the built-in curve, the scales with their defaults, RETRY_PROFILE', () => {
    expect(
      runProfileRecord('opening', { PROFILE: 'opening-hyperbolic', TIME_SCALE: '10', RETRY_PROFILE: 'storm' }, unread),
    ).toEqual({
      source: 'opening-hyperbolic',
      curve: 'builtin',
      rateScale: 0.01,
      timeScale: 10,
      window: { fromMinute: 0, toMinute: 60 },
      retryProfile: 'storm',
    });
  });

  test('a per-minute CSV is played minute by minute, and is not read for a fit it does not have', () => {
    expect(runProfileRecord('opening', { PROFILE: '/data/minutes.csv', WINDOW: '0-10' }, unread)).toMatchObject({
      source: '/data/minutes.csv',
      curve: 'csv',
      window: { fromMinute: 0, toMinute: 10 },
    });
  });

  test('scenarios that play no traffic profile record none', () => {
    expect(runProfileRecord('breakpoint', {}, unread)).toBeUndefined();
    expect(runProfileRecord('smoke', {}, unread)).toBeUndefined();
  });

  test('the reader keeps a well-formed block and leaves out one of another shape, without failing the whole run.json', () => {
    const block = {
      source: 'opening-exp',
      curve: 'builtin',
      rateScale: 0.01,
      timeScale: 1,
      window: { fromMinute: 0, toMinute: 60 },
      retryProfile: 'off',
    };
    expect(readRunProfileRecord(block)).toEqual(block);
    expect(readRunProfileRecord({ ...block, curve: 'guess' })).toBeUndefined();
    expect(readRunProfileRecord({ ...block, window: '0-60' })).toBeUndefined();
    expect(readRunManifest({ run: 'r1', profile: { ...block, rateScale: 'x' } })).toEqual({ run: 'r1' });
    const fit = {
      model: 'opening-exp',
      parameters: { amplitudePerMinute: 8000, tauMinutes: 17.4, bad: 'x' },
      aic: 12.5,
      candidates: [{ model: 'opening-exp', aic: 12.5 }, { model: 3 }],
      censoredMinutes: 2,
    };
    expect(readRunProfileRecord({ ...block, curve: 'fit', fit })?.fit).toEqual({
      ...fit,
      parameters: { amplitudePerMinute: 8000, tauMinutes: 17.4 },
      candidates: [{ model: 'opening-exp', aic: 12.5 }],
    });
  });
});
