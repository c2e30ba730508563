import { describe, expect, test } from 'vitest';
import { syntheticApplicant } from '../contracts/identity.ts';
import { verifyNik } from './ministry.ts';

describe('the population registry’s verdict', () => {
  test.each(Array.from({ length: 20 }, (_, index) => [index]))(
    'synthetic applicant %i matches its own date of birth',
    (index) => {
      const applicant = syntheticApplicant('ministry', 3, index);
      expect(verifyNik(applicant.nik, applicant.dateOfBirth)).toEqual({ match: true });
    },
  );

  test.each([
    // women carry day + 40: 41 = 1st
    ['9901014101900001', '1990-01-01', true],
    ['9901010101900001', '1990-01-01', true],
    ['9901010101900001', '1990-01-02', false],
    ['9901010101900001', '1890-01-01', true], // the registry knows two digits of the year only
    ['9901010101900001', 'not a date', false],
  ])('NIK %s with date of birth %s matches: %s', (nik, dateOfBirth, match) => {
    expect(verifyNik(nik, dateOfBirth).match).toBe(match);
  });

  test.each([['3201010101900001'], ['9900010101900001'], ['9901013201900001'], ['9901010101900000']])(
    '%s is no NIK the registry knows',
    (nik) => {
      expect(verifyNik(nik, '1990-01-01')).toEqual({ match: false, reason: 'unknown_nik' });
    },
  );
});
