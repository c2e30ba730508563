/** `k6/encoding`: b64encode and b64decode with k6's four alphabets. */

type Alphabet = 'std' | 'rawstd' | 'url' | 'rawurl';

function toBuffer(input: unknown): Buffer {
  if (typeof input === 'string') return Buffer.from(input, 'utf8');
  if (input instanceof ArrayBuffer) return Buffer.from(input);
  if (ArrayBuffer.isView(input)) return Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  throw new TypeError('b64encode needs a string or an ArrayBuffer');
}

/**
 * Throws as Go's base64 decoders do (k6 internal/js/modules/k6/encoding/encoding.go uses
 * StdEncoding / URLEncoding, with NoPadding for the raw ones): a character outside the alphabet,
 * padding in a raw encoding, missing or misplaced padding. Go skips CR and LF. The byte offset in
 * the message is the offending character's; for a short final group it is where that group starts
 * (Go's offset for that case may differ).
 */
function checkBase64(text: string, url: boolean, padded: boolean): void {
  const data = text.replace(/[\r\n]/g, '');
  const fail = (at: number): never => {
    throw new Error(`illegal base64 data at input byte ${at}`);
  };
  const valid = url ? /[A-Za-z0-9_-]/ : /[A-Za-z0-9+/]/;
  let end = data.length;
  if (padded) {
    if (data.length % 4 !== 0) fail(data.length - (data.length % 4));
    if (data.endsWith('==')) end -= 2;
    else if (data.endsWith('=')) end -= 1;
  }
  for (let i = 0; i < end; i += 1) if (!valid.test(data[i] as string)) fail(i);
  if (!padded && end % 4 === 1) fail(end - 1);
  if (padded && end % 4 === 1) fail(end - 1);
}

/** Builds the `k6/encoding` module. */
export function createEncodingModule(): Record<string, unknown> {
  function b64encode(input: unknown, alphabet: Alphabet = 'std'): string {
    const buffer = toBuffer(input);
    const url = alphabet === 'url' || alphabet === 'rawurl';
    let text = buffer.toString(url ? 'base64url' : 'base64');
    if (alphabet === 'url') text += '='.repeat((4 - (text.length % 4)) % 4);
    if (alphabet === 'rawstd') text = text.replace(/=+$/, '');
    return text;
  }
  function b64decode(input: string, alphabet: Alphabet = 'std', format?: 's'): string | ArrayBuffer {
    const url = alphabet === 'url' || alphabet === 'rawurl';
    const text = String(input);
    checkBase64(text, url, alphabet === 'std' || alphabet === 'url');
    const buffer = Buffer.from(text, url ? 'base64url' : 'base64');
    if (format === 's') return buffer.toString('utf8');
    return buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength) as ArrayBuffer;
  }
  return { b64encode, b64decode };
}
