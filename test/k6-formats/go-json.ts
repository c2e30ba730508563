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
    else if (code === 0x2028) out += '\\u2028'; // Go escapes these two even with HTML escaping off
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
