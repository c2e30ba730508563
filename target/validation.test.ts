import { describe, expect, test } from 'vitest';
import { syntheticApplicant } from '../contracts/identity.ts';
import { parseDateOfBirth, parseEmailVerification, parseNikVerification, parseRegistration } from './validation.ts';

const applicant = syntheticApplicant('valid', 1, 1);
const valid = {
  email: applicant.email,
  fullName: applicant.fullName,
  password: applicant.password,
  nik: applicant.nik,
  dateOfBirth: applicant.dateOfBirth,
};

describe('a registration body', () => {
  test('a synthetic applicant is valid as it is', () => {
    expect(parseRegistration(valid)).toEqual({ ok: true, value: valid });
  });

  test('the email is trimmed and lower-cased, the name trimmed', () => {
    const parsed = parseRegistration({ ...valid, email: ` ${valid.email.toUpperCase()} `, fullName: '  Dewi  ' });
    expect(parsed).toMatchObject({ ok: true, value: { email: valid.email, fullName: 'Dewi' } });
  });

  test.each([
    [null, 'body'],
    [[], 'body'],
    ['text', 'body'],
    [{ ...valid, email: undefined }, 'email'],
    [{ ...valid, email: 'no-at-sign' }, 'email'],
    [{ ...valid, email: `${'a'.repeat(250)}@b.invalid` }, 'email'],
    [{ ...valid, fullName: '' }, 'fullName'],
    [{ ...valid, fullName: ['Dewi'] }, 'fullName'],
    [{ ...valid, password: 'short' }, 'password'],
    [{ ...valid, password: 12345678 }, 'password'],
    [{ ...valid, nik: '99' }, 'nik'],
    [{ ...valid, nik: '99010141019000x1' }, 'nik'],
    [{ ...valid, dateOfBirth: null }, 'dateOfBirth'],
    [{ ...valid, dateOfBirth: '2001-02-29' }, 'dateOfBirth'],
    [{ ...valid, dateOfBirth: '1899-12-31' }, 'dateOfBirth'],
    [{ ...valid, dateOfBirth: '2999-01-01' }, 'dateOfBirth'],
  ])('%j is refused naming %s', (body, field) => {
    const parsed = parseRegistration(body);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.field).toBe(field);
      expect(parsed.message.length).toBeGreaterThan(10);
    }
  });
});

describe('the other bodies', () => {
  test.each([
    [
      { email: 'A@B.invalid', token: 't' },
      { ok: true, value: { email: 'a@b.invalid', token: 't' } },
    ],
    [{ email: 'a@b.invalid' }, { ok: false, field: 'token' }],
    [{ token: 't' }, { ok: false, field: 'email' }],
  ])('verify-email %j → %j', (body, expected) => {
    expect(parseEmailVerification(body)).toMatchObject(expected);
  });

  test.each([
    [{ nik: valid.nik }, { ok: true, value: { nik: valid.nik } }],
    [{ nik: 99 }, { ok: false, field: 'nik' }],
    [{}, { ok: false, field: 'nik' }],
  ])('verify-nik %j → %j', (body, expected) => {
    expect(parseNikVerification(body)).toMatchObject(expected);
  });

  test.each([
    ['1990-01-31', true],
    ['1990-1-31', false],
    ['1990-13-01', false],
    ['2000-02-29', true],
    ['1900-02-29', false],
  ])('date of birth %s valid: %s', (date, ok) => {
    expect(parseDateOfBirth(date).ok).toBe(ok);
  });
});
