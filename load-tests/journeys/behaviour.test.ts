/**
 * The applicants' behaviour: think times and draws (load-tests/journeys/behaviour.ts).
 * The code imports nothing from k6, so Node runs it as it is; split from test/loadtests-lib.test.ts.
 */

import { describe, expect, test } from 'vitest';
import { FUNNEL_STAGES, SEED_CONTINUATION, continuationTable } from '../../contracts/funnel.ts';
import { applicantBehaviour, THINK_TIMES, THINK_TIME_CAP_MEDIANS } from './behaviour.ts';
import { lognormalDraw, seededStream } from '../lib/random.ts';

describe('applicant behaviour', () => {
  const options = {
    seed: 'r',
    vu: 3,
    iteration: 7,
    thinkTimeScale: 0.01,
    continuation: 'seed' as const,
    photoShare: 0.9,
  };

  test('is the same for the same applicant and differs between applicants', () => {
    const walk = (o: typeof options) => {
      const b = applicantBehaviour(o);
      return FUNNEL_STAGES.map((stage) => [b.continues(stage), b.thinkSeconds(stage)]);
    };
    expect(walk(options)).toEqual(walk(options));
    expect(walk(options)).not.toEqual(walk({ ...options, iteration: 8 }));
  });

  test('continuation follows the seed funnel within binomial error over 20,000 applicants', () => {
    const table = continuationTable(0.9);
    const attempts: Record<string, number> = {};
    const continued: Record<string, number> = {};
    for (let i = 0; i < 20_000; i += 1) {
      const b = applicantBehaviour({ ...options, iteration: i });
      for (const stage of FUNNEL_STAGES) {
        attempts[stage] = (attempts[stage] ?? 0) + 1;
        if (!b.continues(stage)) break;
        continued[stage] = (continued[stage] ?? 0) + 1;
      }
    }
    for (const stage of FUNNEL_STAGES) {
      const n = attempts[stage]!;
      const p = table[stage];
      const observed = (continued[stage] ?? 0) / n;
      expect(Math.abs(observed - p)).toBeLessThanOrEqual(4 * Math.sqrt((p * (1 - p)) / n) + 1e-9);
    }
    expect(table.verify_email).toBe(SEED_CONTINUATION.emailOfRegistered);
  });

  test('full continuation attempts every stage; scale 0 removes think time', () => {
    const b = applicantBehaviour({ ...options, continuation: 'full', thinkTimeScale: 0 });
    expect(FUNNEL_STAGES.map((stage) => b.continues(stage))).toEqual(FUNNEL_STAGES.map(() => true));
    expect(FUNNEL_STAGES.map((stage) => b.thinkSeconds(stage))).toEqual(FUNNEL_STAGES.map(() => 0));
  });

  test('think times are capped at ten medians and scaled', () => {
    for (let i = 0; i < 5000; i += 1) {
      const b = applicantBehaviour({ ...options, iteration: i, thinkTimeScale: 1 });
      for (const stage of FUNNEL_STAGES)
        expect(b.thinkSeconds(stage)).toBeLessThanOrEqual(THINK_TIMES[stage].medianSeconds * THINK_TIME_CAP_MEDIANS);
    }
  });

  test('lognormal draws have the configured median', () => {
    const stream = seededStream('median');
    const draws = Array.from({ length: 20_001 }, () => lognormalDraw(stream, { medianSeconds: 30, sigma: 0.8 })).sort(
      (a, b) => a - b,
    );
    expect(draws[10_000]!).toBeGreaterThan(28.5);
    expect(draws[10_000]!).toBeLessThan(31.5);
  });
});
