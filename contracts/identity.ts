/**
 * Synthetic applicant identities, deterministic from (run, vu, iteration).
 *
 * - Emails use the reserved `.invalid` top-level domain (RFC 2606), so no mail can ever leave.
 * - NIKs (Indonesian national identity numbers, 16 digits: province 2, regency 2, district 2,
 *   date of birth DDMMYY with day + 40 for women, serial 4) start with province code `99`, which
 *   no real province uses.
 * - The run id travels inside the email, so the reference target can count records per run.
 *
 * Identities are never metric labels and never logged.
 */

import { fnv1a } from './random.ts';

/** Domain of every synthetic email. `.invalid` is reserved and never resolves. */
export const SYNTHETIC_EMAIL_DOMAIN = 'floodgate.invalid';

/** Province code of every synthetic NIK; no real Indonesian province uses it. */
export const SYNTHETIC_NIK_PROVINCE = '99';

/** Run ids: lower-case letters, digits, `_` and `-`, 1–48 characters, starting with a letter or digit. */
export const RUN_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,47}$/;

/** Largest VU id (exclusive) an identity can be made for: 2^18. */
export const MAX_IDENTITY_VU = 2 ** 18;
/** Largest iteration number (exclusive) an identity can be made for: 2^24. */
export const MAX_IDENTITY_ITERATION = 2 ** 24;

/** One synthetic applicant. */
export interface Applicant {
  readonly run: string;
  readonly vu: number;
  readonly iteration: number;
  readonly email: string;
  readonly fullName: string;
  readonly password: string;
  /** 16 digits, starting with `99`. */
  readonly nik: string;
  /** ISO date, YYYY-MM-DD. Matches the date segment of the NIK. */
  readonly dateOfBirth: string;
  readonly sex: 'female' | 'male';
}

/** True when `value` is a valid run id. */
export function isRunId(value: string): boolean {
  return RUN_ID_PATTERN.test(value);
}

/**
 * The applicant for (run, vu, iteration). Injective within one run for vu < 2^18 and
 * iteration < 2^24: no two applicants of a run share an email or a NIK.
 *
 * @param run - run id, see {@link RUN_ID_PATTERN}
 * @param vu - VU id, unique in the test (k6's `exec.vu.idInTest`; 0 in setup)
 * @param iteration - the VU's iteration number, from 0
 */
export function syntheticApplicant(run: string, vu: number, iteration: number): Applicant {
  if (!isRunId(run)) throw new RangeError(`run id "${run}" does not match ${RUN_ID_PATTERN}`);
  if (!Number.isInteger(vu) || vu < 0 || vu >= MAX_IDENTITY_VU) {
    throw new RangeError(`vu must be an integer in [0, ${MAX_IDENTITY_VU}), got ${vu}`);
  }
  if (!Number.isInteger(iteration) || iteration < 0 || iteration >= MAX_IDENTITY_ITERATION) {
    throw new RangeError(`iteration must be an integer in [0, ${MAX_IDENTITY_ITERATION}), got ${iteration}`);
  }
  const key = fnv1a(run);
  const permuted = feistel42(vu * MAX_IDENTITY_ITERATION + iteration, key);
  const nikParts = nikFromIndex(permuted);
  const nameSeed = mix32((permuted % 0x7fffffff) ^ key);
  return {
    run,
    vu,
    iteration,
    email: `${run}+v${vu}i${iteration}@${SYNTHETIC_EMAIL_DOMAIN}`,
    fullName: `${GIVEN_NAMES[nameSeed % GIVEN_NAMES.length]} ${FAMILY_NAMES[(nameSeed >>> 8) % FAMILY_NAMES.length]}`,
    password: `Fg-${(mix32(nameSeed ^ 0x5bd1e995) >>> 0).toString(36)}-${vu}.${iteration}`,
    nik: nikParts.nik,
    dateOfBirth: nikParts.dateOfBirth,
    sex: nikParts.sex,
  };
}

/** The run id carried by a synthetic email, or undefined when the email is not one of ours. */
export function runIdFromEmail(email: string): string | undefined {
  const match = /^([a-z0-9][a-z0-9_-]{0,47})\+v\d+i\d+@floodgate\.invalid$/.exec(email);
  return match ? match[1] : undefined;
}

/** True when `email` is a synthetic email at the reserved domain. */
export function isSyntheticEmail(email: string): boolean {
  return runIdFromEmail(email) !== undefined;
}

/**
 * True when `nik` is a well-formed synthetic NIK: 16 digits, province `99`, regency and district
 * 01–99, a real calendar date (day + 40 for women), serial 0001–9999.
 */
export function isSyntheticNik(nik: string): boolean {
  if (!/^99\d{14}$/.test(nik)) return false;
  const regency = Number(nik.slice(2, 4));
  const district = Number(nik.slice(4, 6));
  let day = Number(nik.slice(6, 8));
  const month = Number(nik.slice(8, 10));
  const year = 1900 + Number(nik.slice(10, 12));
  const serial = Number(nik.slice(12, 16));
  if (regency < 1 || district < 1 || serial < 1) return false;
  if (day > 40) day -= 40;
  const date = new Date(Date.UTC(year < 1945 ? year + 100 : year, month - 1, day));
  return day >= 1 && date.getUTCDate() === day && date.getUTCMonth() === month - 1;
}

// --- internals -------------------------------------------------------------------------------

const SERIALS = 9_999;
const DISTRICTS = 99;
const REGENCIES = 99;
/** First date of birth; 2^42 / (9,999 · 99 · 99) / 2 ≈ 22,439 days later is the last (≈ 2006). */
const BIRTH_EPOCH_MS = Date.UTC(1945, 0, 1);
const DAY_MS = 86_400_000;

function nikFromIndex(index: number): { nik: string; dateOfBirth: string; sex: 'female' | 'male' } {
  let rest = index;
  const serial = (rest % SERIALS) + 1;
  rest = Math.floor(rest / SERIALS);
  const district = (rest % DISTRICTS) + 1;
  rest = Math.floor(rest / DISTRICTS);
  const regency = (rest % REGENCIES) + 1;
  rest = Math.floor(rest / REGENCIES);
  const sex = rest % 2 === 0 ? 'female' : 'male';
  const birth = new Date(BIRTH_EPOCH_MS + Math.floor(rest / 2) * DAY_MS);
  const day = birth.getUTCDate() + (sex === 'female' ? 40 : 0);
  const nik =
    SYNTHETIC_NIK_PROVINCE +
    pad(regency, 2) +
    pad(district, 2) +
    pad(day, 2) +
    pad(birth.getUTCMonth() + 1, 2) +
    pad(birth.getUTCFullYear() % 100, 2) +
    pad(serial, 4);
  return { nik, dateOfBirth: birth.toISOString().slice(0, 10), sex };
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/** A keyed 4-round Feistel permutation of [0, 2^42): a bijection, so distinct inputs stay distinct. */
function feistel42(value: number, key: number): number {
  const half = 2 ** 21;
  let left = Math.floor(value / half);
  let right = value % half;
  for (let round = 0; round < 4; round += 1) {
    const next = (left ^ (mix32(right ^ Math.imul(key, round + 1)) & (half - 1))) >>> 0;
    left = right;
    right = next;
  }
  return left * half + right;
}

/** murmur3's 32-bit finaliser: a fast avalanche mix. */
function mix32(value: number): number {
  let h = value | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const GIVEN_NAMES = [
  'Adi',
  'Ayu',
  'Bima',
  'Citra',
  'Dewi',
  'Eka',
  'Fajar',
  'Gita',
  'Hadi',
  'Indah',
  'Joko',
  'Kartika',
  'Lestari',
  'Made',
  'Nur',
  'Oka',
  'Putri',
  'Rizki',
  'Sari',
  'Tono',
  'Utami',
  'Wahyu',
  'Yuni',
  'Zainal',
] as const;

const FAMILY_NAMES = [
  'Santoso',
  'Wijaya',
  'Saputra',
  'Lubis',
  'Siregar',
  'Nasution',
  'Hidayat',
  'Kusuma',
  'Pratama',
  'Setiawan',
  'Halim',
  'Gunawan',
  'Rahman',
  'Harahap',
  'Sinaga',
  'Purba',
] as const;
