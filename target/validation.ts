/**
 * Parsing of the target's JSON request bodies: pure functions from an unknown body to a typed
 * value, or a problem naming the field and what is expected of it (answered as 400).
 */

/** A field that is missing or wrong. */
export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

/** A parsed body, or the first problem found. */
export type Parsed<T> = { readonly ok: true; readonly value: T } | ({ readonly ok: false } & FieldProblem);

/** A registration as the target stores it (email lower-cased, name trimmed). */
export interface Registration {
  readonly email: string;
  readonly fullName: string;
  readonly password: string;
  readonly nik: string;
  readonly dateOfBirth: string;
}

/** Longest accepted email (RFC 5321 path limit). */
const MAX_EMAIL_LENGTH = 254;
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Parses `POST /api/register`: `{email, fullName, password, nik, dateOfBirth}`. */
export function parseRegistration(body: unknown): Parsed<Registration> {
  const object = asObject(body);
  if (!object.ok) return object;
  const fields = object.value;
  const email = text(fields, 'email', 'an email address such as name@example.invalid', 1, MAX_EMAIL_LENGTH);
  if (!email.ok) return email;
  if (!EMAIL_PATTERN.test(email.value.trim()))
    return problem('email', 'email must be an address such as name@example.invalid');
  const fullName = text(fields, 'fullName', 'the applicant’s name', 1, 200);
  if (!fullName.ok) return fullName;
  if (fullName.value.trim() === '') return problem('fullName', 'fullName must not be blank');
  const password = text(fields, 'password', 'a password of 8 to 256 characters', 8, 256);
  if (!password.ok) return password;
  const nik = text(fields, 'nik', 'a 16-digit NIK', 16, 16);
  if (!nik.ok) return nik;
  if (!/^\d{16}$/.test(nik.value)) return problem('nik', 'nik must be exactly 16 digits');
  const dateOfBirth = parseDateOfBirth(fields.dateOfBirth);
  if (!dateOfBirth.ok) return dateOfBirth;
  return {
    ok: true,
    value: {
      email: email.value.trim().toLowerCase(),
      fullName: fullName.value.trim(),
      password: password.value,
      nik: nik.value,
      dateOfBirth: dateOfBirth.value,
    },
  };
}

/** Parses `POST /api/verify-email`: `{email, token}`. */
export function parseEmailVerification(body: unknown): Parsed<{ email: string; token: string }> {
  const object = asObject(body);
  if (!object.ok) return object;
  const email = text(object.value, 'email', 'the registered email address', 1, MAX_EMAIL_LENGTH);
  if (!email.ok) return email;
  const token = text(object.value, 'token', 'the token from the verification email', 1, 200);
  if (!token.ok) return token;
  return { ok: true, value: { email: email.value.trim().toLowerCase(), token: token.value } };
}

/** Parses `POST /api/verify-nik`: `{nik}`. */
export function parseNikVerification(body: unknown): Parsed<{ nik: string }> {
  const object = asObject(body);
  if (!object.ok) return object;
  const nik = text(object.value, 'nik', 'a 16-digit NIK', 16, 16);
  if (!nik.ok) return nik;
  if (!/^\d{16}$/.test(nik.value)) return problem('nik', 'nik must be exactly 16 digits');
  return { ok: true, value: { nik: nik.value } };
}

/** A date of birth `YYYY-MM-DD`: a real calendar date from 1900 up to today. */
export function parseDateOfBirth(value: unknown): Parsed<string> {
  if (value === undefined) return problem('dateOfBirth', 'dateOfBirth is missing: expected a date YYYY-MM-DD');
  if (typeof value !== 'string')
    return problem('dateOfBirth', `dateOfBirth must be a string YYYY-MM-DD, got ${typeOf(value)}`);
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const date = match ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))) : undefined;
  if (!match || !date || date.toISOString().slice(0, 10) !== value) {
    return problem('dateOfBirth', 'dateOfBirth must be a real date written YYYY-MM-DD');
  }
  if (Number(match[1]) < 1900 || date.getTime() > Date.now()) {
    return problem('dateOfBirth', 'dateOfBirth must lie between 1900-01-01 and today');
  }
  return { ok: true, value };
}

function asObject(body: unknown): Parsed<Record<string, unknown>> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return problem('body', 'expected a JSON object body sent with Content-Type: application/json');
  }
  return { ok: true, value: body as Record<string, unknown> };
}

function text(
  fields: Record<string, unknown>,
  field: string,
  expected: string,
  min: number,
  max: number,
): Parsed<string> {
  const value = fields[field];
  if (value === undefined || value === null) return problem(field, `${field} is missing: expected ${expected}`);
  if (typeof value !== 'string') return problem(field, `${field} must be a string (${expected}), got ${typeOf(value)}`);
  if (value.length < min || value.length > max) {
    return problem(
      field,
      min === max ? `${field} must be ${min} characters long` : `${field} must be ${min} to ${max} characters long`,
    );
  }
  return { ok: true, value };
}

function problem(field: string, message: string): { ok: false } & FieldProblem {
  return { ok: false, field, message };
}

function typeOf(value: unknown): string {
  return Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`;
}
