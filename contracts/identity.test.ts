import { describe, expect, test } from 'vitest';
import { isRunId, isSyntheticEmail, isSyntheticNik, runIdFromEmail, syntheticApplicant } from './identity.ts';

describe('synthetic applicants', () => {
  test('are deterministic from (run, vu, iteration)', () => {
    expect(syntheticApplicant('run-1', 3, 17)).toEqual(syntheticApplicant('run-1', 3, 17));
    expect(syntheticApplicant('run-1', 3, 17).nik).not.toBe(syntheticApplicant('run-2', 3, 17).nik);
  });

  test('use the reserved .invalid domain and carry the run id', () => {
    const applicant = syntheticApplicant('opening-42', 7, 0);
    expect(applicant.email).toMatch(/@floodgate\.invalid$/);
    expect(runIdFromEmail(applicant.email)).toBe('opening-42');
    expect(isSyntheticEmail(applicant.email)).toBe(true);
    expect(isSyntheticEmail('someone@example.com')).toBe(false);
  });

  test('have a 16-digit NIK in province 99 whose date segment matches the date of birth', () => {
    for (let iteration = 0; iteration < 2000; iteration += 1) {
      const applicant = syntheticApplicant('r', 1 + (iteration % 13), iteration);
      expect(applicant.nik).toMatch(/^99\d{14}$/);
      expect(isSyntheticNik(applicant.nik)).toBe(true);
      const [year, month, day] = applicant.dateOfBirth.split('-').map(Number) as [number, number, number];
      const nikDay = Number(applicant.nik.slice(6, 8));
      expect(nikDay).toBe(applicant.sex === 'female' ? day + 40 : day);
      expect(Number(applicant.nik.slice(8, 10))).toBe(month);
      expect(Number(applicant.nik.slice(10, 12))).toBe(year % 100);
    }
  });

  test.each([
    ['9901014102990001', true],
    ['9901017102990001', false], // day 31 + 40 in February is no date
    ['3201014102990001', false], // a real province
    ['99010141029900', false],
    ['9901014102990000', false], // serial 0000
  ])('validates the NIK %s as %s', (nik, valid) => {
    expect(isSyntheticNik(nik)).toBe(valid);
  });

  test('no two of 10 million applicants of one run share a NIK or an email', () => {
    const vus = 1000;
    const perVu = 10_000;
    const keys = new Float64Array(vus * perVu);
    let index = 0;
    for (let vu = 1; vu <= vus; vu += 1) {
      for (let iteration = 0; iteration < perVu; iteration += 1) {
        keys[index] = Number(syntheticApplicant('ten-million', vu, iteration).nik.slice(2)); // 14 digits fit a double exactly
        index += 1;
      }
    }
    keys.sort();
    let collisions = 0;
    for (let i = 1; i < keys.length; i += 1) if (keys[i] === keys[i - 1]) collisions += 1;
    expect(collisions).toBe(0);
    // emails embed (vu, iteration) literally, so they are distinct by construction; check a sample
    const emails = new Set<string>();
    for (let vu = 1; vu <= 100; vu += 1)
      for (let i = 0; i < 1000; i += 1) emails.add(syntheticApplicant('ten-million', vu, i).email);
    expect(emails.size).toBe(100_000);
  }, 120_000);

  test.each([
    ['Bad Run', 1, 0, /run id/],
    ['ok', -1, 0, /vu/],
    ['ok', 2 ** 18, 0, /vu/],
    ['ok', 1, 2 ** 24, /iteration/],
    ['ok', 1, 0.5, /iteration/],
  ])('rejects (%s, %s, %s)', (run, vu, iteration, message) => {
    expect(() => syntheticApplicant(run, vu, iteration)).toThrow(message);
  });

  test.each([
    ['run-1', true],
    ['20261127-breakpoint', true],
    ['Run', false],
    ['-x', false],
    ['a'.repeat(49), false],
  ])('isRunId(%s) is %s', (value, expected) => {
    expect(isRunId(value)).toBe(expected);
  });
});
