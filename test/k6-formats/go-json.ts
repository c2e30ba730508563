/**
 * Go's `encoding/json` and `time` text forms, ported so the kit writes the bytes k6's Go code
 * writes (k6 is built with Go 1.25, `go.mod` at k6 HEAD).
 *
 * Follows (Go standard library, not copied): `encoding/json/encode.go` `appendString` with
 * `SetEscapeHTML(false)` (k6 sets it in `internal/output/json/json.go` `flushMetrics` and in
 * `metrics/thresholds.go` `MarshalJSONWithoutHTMLEscape`), `floatEncoder.encode` (the `'e'`
 * switch below 1e-6 and from 1e21, the `e-07` → `e-7` clean-up), map keys sorted by bytes, and
 * `time.Time.MarshalJSON` (RFC 3339 with nanoseconds, trailing zeros trimmed, `Z` for a zero
 * offset, `±hh:mm` otherwise).
 */

const HEX = '0123456789abcdef';

/** A JSON string literal exactly as Go's encoder writes it with HTML escaping off. */
export function goJsonString(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += text[i]! + text[i + 1]!;
        i++;
      } else {
        out += '\\ufffd'; // a lone surrogate is invalid UTF-8 once encoded; Go writes U+FFFD
      }
      continue;
    }
    if (code >= 0xdc00 && code <= 0xdfff) {
      out += '\\ufffd';
      continue;
    }
    if (code === 0x22) out += '\\"';
    else if (code === 0x5c) out += '\\\\';
    else if (code === 0x08) out += '\\b';
    else if (code === 0x0c) out += '\\f';
    else if (code === 0x0a) out += '\\n';
    else if (code === 0x0d) out += '\\r';
    else if (code === 0x09) out += '\\t';
    else if (code < 0x20) out += '\\u00' + HEX[code >> 4]! + HEX[code & 0xf]!;
    else if (code === 0x2028)
      out += '\\u2028'; // Go escapes these two even with HTML escaping off
    else if (code === 0x2029) out += '\\u2029';
    else out += text[i]!;
  }
  return out + '"';
}

/**
 * A float64 as Go's `encoding/json` writes it. Throws for NaN and ±Inf, which Go refuses
 * (`UnsupportedValueError`); k6's JSON output then drops that one line and logs an error.
 */
export function goJsonNumber(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`json: unsupported value: ${value}`);
  if (Object.is(value, -0)) return '-0'; // Go keeps the sign of negative zero; JS would print 0
  // JS Number#toString switches to exponent form at the same bounds as Go (abs < 1e-6 or
  // abs >= 1e21) and both print the shortest round-tripping digits; Go's clean-up of `e-07` to
  // `e-7` gives exactly JS's exponent spelling.
  return String(value);
}

/** Compares two strings by their UTF-8 bytes, the order Go's encoder sorts map keys in. */
export function compareUtf8(a: string, b: string): number {
  // Below U+D800, UTF-16 code-unit order is UTF-8 byte order; only surrogates need the bytes.
  if (!/[\ud800-\uffff]/.test(a) && !/[\ud800-\uffff]/.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** A `map[string]string` as Go writes it: keys sorted by bytes. */
export function goJsonStringMap(map: Readonly<Record<string, string>>): string {
  const keys = Object.keys(map).sort(compareUtf8);
  return '{' + keys.map((k) => goJsonString(k) + ':' + goJsonString(map[k]!)).join(',') + '}';
}

const NS_PER_MS = 1_000_000n;

/**
 * `time.Time.MarshalJSON` text (without the quotes) for an instant in Unix nanoseconds seen
 * from a zone whose offset is `offsetMinutes` east of UTC. Go prints `Z` whenever the offset is
 * zero, whatever the zone's name.
 */
export function goRfc3339Nano(unixNano: bigint, offsetMinutes: number): string {
  if (!Number.isInteger(offsetMinutes) || Math.abs(offsetMinutes) >= 24 * 60) {
    throw new RangeError(`offset must be whole minutes within ±24h, got ${offsetMinutes}`);
  }
  const local = unixNano + BigInt(offsetMinutes) * 60n * 1_000_000_000n;
  let ms = local / NS_PER_MS;
  let subMsNanos = local % NS_PER_MS;
  if (subMsNanos < 0n) {
    subMsNanos += NS_PER_MS;
    ms -= 1n;
  }
  const d = new Date(Number(ms));
  const year = d.getUTCFullYear();
  if (year < 0 || year > 9999) throw new RangeError('Time.MarshalJSON: year outside of range [0,9999]');
  const pad = (n: number, w: number): string => String(n).padStart(w, '0');
  const nanos = BigInt(d.getUTCMilliseconds()) * NS_PER_MS + subMsNanos;
  let frac = '';
  if (nanos !== 0n) frac = '.' + nanos.toString().padStart(9, '0').replace(/0+$/, '');
  let zone = 'Z';
  if (offsetMinutes !== 0) {
    const abs = Math.abs(offsetMinutes);
    zone = (offsetMinutes < 0 ? '-' : '+') + pad(Math.floor(abs / 60), 2) + ':' + pad(abs % 60, 2);
  }
  return (
    `${pad(year, 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}` +
    `T${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}${frac}${zone}`
  );
}

const GO_DURATION_UNITS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1000n,
  µs: 1000n, // U+00B5
  μs: 1000n, // U+03BC
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

/** Go's `time.ParseDuration` (`[-+]?([0-9]*(\.[0-9]*)?unit)+`, or `0`), in nanoseconds. Throws on bad text. */
export function goParseDuration(text: string): bigint {
  let s = text;
  let neg = false;
  if (s.startsWith('-') || s.startsWith('+')) {
    neg = s.startsWith('-');
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') throw new Error(`kit: invalid Go duration '${text}'`);
  let total = 0n;
  const re = /^([0-9]*)(?:\.([0-9]*))?([^0-9.]+)/;
  while (s !== '') {
    const m = re.exec(s);
    if (!m || (m[1] === '' && (m[2] ?? '') === '')) throw new Error(`kit: invalid Go duration '${text}'`);
    const unitText = /^(ns|us|µs|μs|ms|s|m|h)/.exec(m[3]!)?.[1];
    if (!unitText) throw new Error(`kit: unknown unit in Go duration '${text}'`);
    const unit = GO_DURATION_UNITS[unitText]!;
    let v = BigInt(m[1] === '' ? '0' : m[1]!) * unit;
    const frac = m[2] ?? '';
    // Go: v += int64(float64(f) * (float64(unit) / scale)), fraction digits f over scale 10^len.
    if (frac !== '') v += BigInt(Math.trunc(Number(frac) * (Number(unit) / 10 ** frac.length)));
    total += v;
    s = s.slice(m[1]!.length + (m[2] === undefined ? 0 : m[2].length + 1) + unitText.length);
  }
  return neg ? -total : total;
}

/**
 * k6's `types.ParseExtendedDuration` (`lib/types/types.go`): a bare number is milliseconds, `Nd`
 * prefixes days, otherwise Go's `time.ParseDuration`. In nanoseconds.
 */
export function k6ParseDuration(text: string): bigint {
  if (/^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(text)) return BigInt(Math.trunc(Number(text) * 1e6));
  const d = text.indexOf('d');
  if (d < 0) return goParseDuration(text);
  const days = text.slice(0, d);
  if (!/^[-+]?\d+$/.test(days)) throw new Error(`kit: invalid k6 duration '${text}'`);
  const rest = d + 1 < text.length ? goParseDuration(text.slice(d + 1)) : 0n;
  if (rest < 0n) throw new Error(`kit: invalid k6 duration '${text}'`);
  const dayNs = BigInt(days) * 86_400_000_000_000n;
  return dayNs < 0n ? dayNs - rest : dayNs + rest;
}

function fracDigits(v: bigint, digits: number): string {
  const scale = 10n ** BigInt(digits);
  const frac = (v % scale).toString().padStart(digits, '0').replace(/0+$/, '');
  return `${v / scale}${frac === '' ? '' : '.' + frac}`;
}

/** Go's `time.Duration.String()` for a duration in nanoseconds: `10s`, `1m30s`, `1.5s`, `500ms`, `0s`. */
export function goDurationString(ns: bigint): string {
  if (ns === 0n) return '0s';
  const sign = ns < 0n ? '-' : '';
  const u = ns < 0n ? -ns : ns;
  if (u < 1000n) return `${sign}${u}ns`;
  if (u < 1_000_000n) return `${sign}${fracDigits(u, 3)}µs`;
  if (u < 1_000_000_000n) return `${sign}${fracDigits(u, 6)}ms`;
  const secs = u / 1_000_000_000n;
  const s = `${fracDigits((secs % 60n) * 1_000_000_000n + (u % 1_000_000_000n), 9)}s`;
  const h = secs / 3600n;
  const m = (secs / 60n) % 60n;
  if (h > 0n) return `${sign}${h}h${m}m${s}`;
  if (m > 0n) return `${sign}${m}m${s}`;
  return `${sign}${s}`;
}
