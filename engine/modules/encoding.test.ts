import { describe, expect, test } from 'vitest';
import { createEncodingModule } from './encoding.ts';

const { b64decode } = createEncodingModule() as {
  b64decode: (input: string, alphabet?: string, format?: 's') => unknown;
};

describe("k6/encoding b64decode is as strict as Go's decoders (review F23)", () => {
  test('valid input in each of the four alphabets decodes; CR and LF are skipped', () => {
    expect(b64decode('aGVsbG8=', 'std', 's')).toBe('hello');
    expect(b64decode('aGVsbG8', 'rawstd', 's')).toBe('hello');
    expect(b64decode('aGVsbG8=', 'url', 's')).toBe('hello');
    expect(b64decode('-_8', 'rawurl', 's')).toBe(Buffer.from([0xfb, 0xff]).toString('utf8'));
    expect(b64decode('aGVs\nbG8=', 'std', 's')).toBe('hello');
  });

  test('bad characters, missing padding, padding in a raw encoding and the wrong alphabet throw', () => {
    expect(() => b64decode('!!!', 'std', 's')).toThrow(/illegal base64 data at input byte 0/);
    expect(() => b64decode('aGVsbG8', 'std', 's')).toThrow(/illegal base64 data/);
    expect(() => b64decode('aGVsbG8=', 'rawstd', 's')).toThrow(/illegal base64 data at input byte 7/);
    expect(() => b64decode('a+b/', 'url', 's')).toThrow(/illegal base64 data at input byte 1/);
  });
});
