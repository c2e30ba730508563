/** `k6/encoding`: b64encode and b64decode with k6's four alphabets. */

type Alphabet = 'std' | 'rawstd' | 'url' | 'rawurl';

function toBuffer(input: unknown): Buffer {
  if (typeof input === 'string') return Buffer.from(input, 'utf8');
  if (input instanceof ArrayBuffer) return Buffer.from(input);
  if (ArrayBuffer.isView(input)) return Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  throw new TypeError('b64encode needs a string or an ArrayBuffer');
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
    const buffer = Buffer.from(String(input), url ? 'base64url' : 'base64');
    if (format === 's') return buffer.toString('utf8');
    return buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength) as ArrayBuffer;
  }
  return { b64encode, b64decode };
}
