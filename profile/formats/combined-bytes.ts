/**
 * The fast path of the `combined` format (./combined.ts): one line read from the bytes of the
 * chunk the line splitter holds, with no string made. It finds the same fields at the same places
 * as the string parser and reads the time, status and `$request_time` by byte offset; the client,
 * request and user agent stay byte ranges for the reader's byte-keyed tables (../intern.ts).
 *
 * It takes only the plain shape: every field where the string parser finds it, an ASCII client,
 * request and agent, a valid time, a three-digit status, a short duration. For anything else it
 * answers false and the caller reads the line with the string parser, which decides (and names the
 * rejection reason). So both paths give the same answer for every line; combined-bytes.test.ts
 * holds them to it on every fixture line and on a synthetic log.
 */

/** Where one line's fields are, and what they read; reused from line to line (no object per line). */
export interface CombinedFields {
  clientStart: number;
  clientEnd: number;
  /** The request field between its quotes: `POST /api/register HTTP/1.1`. */
  requestStart: number;
  requestEnd: number;
  agentStart: number;
  agentEnd: number;
  /** FNV-1a hashes of the client, request and agent bytes (intern.ts's `hashBytes`), made while they were scanned. */
  clientHash: number;
  requestHash: number;
  agentHash: number;
  timeMs: number;
  status: number;
  /** Seconds, NaN when the line has no `$request_time` (or `-`). */
  duration: number;
}

/** A fresh {@link CombinedFields}. */
export function combinedFields(): CombinedFields {
  return {
    clientStart: 0,
    clientEnd: 0,
    requestStart: 0,
    requestEnd: 0,
    agentStart: 0,
    agentEnd: 0,
    clientHash: 0,
    requestHash: 0,
    agentHash: 0,
    timeMs: 0,
    status: 0,
    duration: Number.NaN,
  };
}

const SPACE = 32;
const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

/** The hash {@link closingQuote} made of the field it scanned, and the OR of its bytes. */
let scannedHash = 0;
let scannedHigh = 0;

/**
 * Reads `bytes[start, end)` (one line, no newline, no CR) into `out`. True when the line has the
 * plain shape and `out` holds it; false when the string parser must read it.
 */
export function readCombinedBytes(bytes: Uint8Array, start: number, end: number, out: CombinedFields): boolean {
  // $remote_addr: up to the first space (the string parser: indexOf(' ') > 0), hashed on the way
  let i = start;
  let hash = FNV_OFFSET;
  let high = 0;
  for (; i < end; i += 1) {
    const byte = bytes[i]!;
    if (byte === SPACE) break;
    high |= byte;
    hash = Math.imul(hash ^ byte, FNV_PRIME);
  }
  const firstSpace = i;
  if (firstSpace === start || firstSpace === end) return false;
  const clientHash = hash;
  // ' [' from the first space, then '] "' from there, as indexOf finds them
  while (i + 1 < end && !(bytes[i] === SPACE && bytes[i + 1] === OPEN_BRACKET)) i += 1;
  if (i + 1 >= end) return false;
  const open = i;
  while (i + 2 < end && !(bytes[i] === CLOSE_BRACKET && bytes[i + 1] === SPACE && bytes[i + 2] === QUOTE)) i += 1;
  if (i + 2 >= end) return false;
  const close = i;
  const requestEnd = closingQuote(bytes, close + 3, end);
  if (requestEnd < 0 || requestEnd + 1 >= end || bytes[requestEnd + 1] !== SPACE) return false;
  const requestHash = scannedHash;
  high |= scannedHigh;
  // $status: exactly three digits then a space (other statuses go to the string parser)
  const statusAt = requestEnd + 2;
  if (statusAt + 3 >= end || bytes[statusAt + 3] !== SPACE) return false;
  const status = threeDigits(bytes, statusAt);
  if (!(status >= 100 && status <= 599)) return false;
  // $body_bytes_sent: up to the next space, which a quote must follow
  i = statusAt + 4;
  while (i < end && bytes[i] !== SPACE) i += 1;
  if (i + 1 >= end || bytes[i + 1] !== QUOTE) return false;
  const refererEnd = closingQuote(bytes, i + 2, end);
  if (refererEnd < 0 || refererEnd + 2 >= end || bytes[refererEnd + 1] !== SPACE || bytes[refererEnd + 2] !== QUOTE)
    return false;
  const agentEnd = closingQuote(bytes, refererEnd + 3, end);
  if (agentEnd < 0) return false;
  // a non-ASCII client, request or agent: the text path reads the line (intern.ts)
  if ((high | scannedHigh) >= 0x80) return false;
  const agentHash = scannedHash;
  const duration = trailingDuration(bytes, agentEnd + 1, end);
  if (duration === null) return false;
  const timeMs = timeLocalBytes(bytes, open + 2, close);
  if (!Number.isFinite(timeMs)) return false;
  out.clientStart = start;
  out.clientEnd = firstSpace;
  out.requestStart = close + 3;
  out.requestEnd = requestEnd;
  out.agentStart = refererEnd + 3;
  out.agentEnd = agentEnd;
  out.clientHash = clientHash;
  out.requestHash = requestHash;
  out.agentHash = agentHash;
  out.timeMs = timeMs;
  out.status = status;
  out.duration = duration;
  return true;
}

/**
 * The index of the quote closing a field that starts at `from`, skipping backslash escapes; -1 if
 * none. Leaves the field's hash in `scannedHash` and the OR of its bytes in `scannedHigh`.
 */
function closingQuote(bytes: Uint8Array, from: number, end: number): number {
  let hash = FNV_OFFSET;
  let high = 0;
  for (let i = from; i < end; i += 1) {
    const code = bytes[i]!;
    if (code === QUOTE) {
      scannedHash = hash;
      scannedHigh = high;
      return i;
    }
    high |= code;
    hash = Math.imul(hash ^ code, FNV_PRIME);
    if (code === BACKSLASH && i + 1 < end) {
      // the escaped byte belongs to the field (a quote too)
      i += 1;
      const escaped = bytes[i]!;
      high |= escaped;
      hash = Math.imul(hash ^ escaped, FNV_PRIME);
    }
  }
  return -1;
}

/** Three decimal digits at `at` as a number, NaN if any is not a digit. */
function threeDigits(bytes: Uint8Array, at: number): number {
  const a = bytes[at]! - 48;
  const b = bytes[at + 1]! - 48;
  const c = bytes[at + 2]! - 48;
  if (a < 0 || a > 9 || b < 0 || b > 9 || c < 0 || c > 9) return Number.NaN;
  return a * 100 + b * 10 + c;
}

/** 10^k for the fraction digits of a duration. */
const POWERS = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * The optional ` $request_time` after the agent, as the string parser reads it: NaN when absent
 * or `-`; null (the string parser decides) for anything but blanks around `digits[.digits]` of at
 * most 15 digits. Up to 15 digits the mantissa and 10^k are exact, so their quotient is the
 * correctly rounded value, the same double as `Number(text)`.
 */
function trailingDuration(bytes: Uint8Array, from: number, end: number): number | null {
  let start = from;
  let last = end;
  while (start < last && (bytes[start] === SPACE || bytes[start] === 9)) start += 1;
  while (last > start && (bytes[last - 1] === SPACE || bytes[last - 1] === 9)) last -= 1;
  if (start === last) return Number.NaN;
  if (last === start + 1 && bytes[start] === 45) return Number.NaN; // "-"
  let mantissa = 0;
  let digits = 0;
  let fraction = -1;
  for (let i = start; i < last; i += 1) {
    const code = bytes[i]!;
    if (code === 46 && fraction < 0 && i > start && i < last - 1) fraction = 0;
    else if (code < 48 || code > 57) return null;
    else {
      mantissa = mantissa * 10 + (code - 48);
      digits += 1;
      if (fraction >= 0) fraction += 1;
    }
  }
  if (digits > 15) return null;
  return fraction > 0 ? mantissa / POWERS[fraction]! : mantissa;
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The month of three ASCII letters as record.ts's MONTHS reads them (case as written), 0 if none. */
function monthOf(a: number, b: number, c: number): number {
  switch ((a << 16) | (b << 8) | c) {
    case 0x4a616e: // Jan
      return 1;
    case 0x466562:
      return 2;
    case 0x4d6172:
      return 3;
    case 0x417072:
      return 4;
    case 0x4d6179:
      return 5;
    case 0x4a756e:
      return 6;
    case 0x4a756c:
      return 7;
    case 0x417567:
      return 8;
    case 0x536570:
      return 9;
    case 0x4f6374:
      return 10;
    case 0x4e6f76:
      return 11;
    case 0x446563:
      return 12;
    default:
      return 0;
  }
}

function digitsAt(bytes: Uint8Array, from: number, count: number): number {
  let value = 0;
  for (let i = from; i < from + count; i += 1) {
    const code = bytes[i]! - 48;
    if (code < 0 || code > 9) return Number.NaN;
    value = value * 10 + code;
  }
  return value;
}

/**
 * `$time_local` (`10/Apr/2020:10:00:00 +0700`) from bytes, as record.ts's parseTimeLocal reads
 * its string: NaN where that would be NaN, and NaN too where the string parser might see it
 * otherwise (a non-ASCII byte in a place it does not check), so the caller asks it.
 */
function timeLocalBytes(bytes: Uint8Array, from: number, to: number): number {
  if (to - from !== 26) return Number.NaN;
  if (bytes[from + 2] !== 47 || bytes[from + 6] !== 47 || bytes[from + 11] !== 58 || bytes[from + 20] !== 32)
    return Number.NaN;
  if (bytes[from + 14]! >= 0x80 || bytes[from + 17]! >= 0x80) return Number.NaN;
  const day = digitsAt(bytes, from, 2);
  const month = monthOf(bytes[from + 3]!, bytes[from + 4]!, bytes[from + 5]!);
  const year = digitsAt(bytes, from + 7, 4);
  const hour = digitsAt(bytes, from + 12, 2);
  const minute = digitsAt(bytes, from + 15, 2);
  const second = digitsAt(bytes, from + 18, 2);
  const signByte = bytes[from + 21];
  const sign = signByte === 45 ? -1 : signByte === 43 ? 1 : 0;
  const offset = sign * (digitsAt(bytes, from + 22, 2) * 60 + digitsAt(bytes, from + 24, 2));
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  if (month === 0 || !(day >= 1 && day <= (month === 2 && !leap ? 28 : DAYS_IN_MONTH[month - 1]!))) return Number.NaN;
  if (!(hour <= 23 && minute <= 59 && second <= 60 && sign !== 0 && Number.isFinite(offset))) return Number.NaN;
  return ((daysFromCivil(year, month, day) * 24 + hour) * 60 + minute - offset) * 60_000 + second * 1000;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil), as in record.ts. */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}
