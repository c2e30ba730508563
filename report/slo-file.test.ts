import { describe, expect, test } from 'vitest';
import { STAGE_OBJECTIVES } from '../contracts/slo.ts';
import { parseObjectives } from './slo-file.ts';

describe('the SLO file', () => {
  test('overrides only what it names', () => {
    const objectives = parseObjectives('{"stages":{"verify_nik":{"p95Ms":2000}},"warmupShare":0.3}');
    expect(objectives.stages.verify_nik).toEqual({
      p95Ms: 2000,
      maxErrorRate: STAGE_OBJECTIVES.verify_nik.maxErrorRate,
    });
    expect(objectives.stages.register).toEqual(STAGE_OBJECTIVES.register);
    expect(objectives.warmupShare).toBe(0.3);
    expect(objectives.persistence).toBe(2);
  });

  test.each([
    ['not JSON', '{', /not JSON/],
    ['an unknown key', '{"warmup":0.3}', /warmup/],
    ['an unknown stage', '{"stages":{"checkout":{"p95Ms":1}}}', /checkout/],
    ['an error rate above 1', '{"stages":{"register":{"maxErrorRate":2}}}', /stages\.register\.maxErrorRate/],
  ])('refuses %s, naming it', (_name, text, message) => {
    expect(() => parseObjectives(text, 'slo.json')).toThrow(message);
    try {
      parseObjectives(text, 'slo.json');
    } catch (error) {
      expect(error).toMatchObject({ code: 'INPUT_INVALID' });
    }
  });
});
