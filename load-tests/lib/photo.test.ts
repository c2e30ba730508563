/**
 * The generated PNG photo and its multipart body (load-tests/lib/photo.ts).
 * The code imports nothing from k6, so Node runs it as it is; split from test/loadtests-lib.test.ts.
 */

import { crc32 as zlibCrc32, inflateSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { crc32, MIN_PHOTO_BYTES, multipartFile, pngPhoto } from './photo.ts';

describe('the photo', () => {
  test.each([MIN_PHOTO_BYTES, 1000, 32 * 1024])('is a valid PNG of exactly %i bytes', (size) => {
    const png = Buffer.from(pngPhoto(size));
    expect(png.length).toBe(size);
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    const types: string[] = [];
    for (let offset = 8; offset < png.length;) {
      const length = png.readUInt32BE(offset);
      const type = png.subarray(offset + 4, offset + 8).toString('ascii');
      const data = png.subarray(offset + 8, offset + 8 + length);
      expect(png.readUInt32BE(offset + 8 + length)).toBe(zlibCrc32(png.subarray(offset + 4, offset + 8 + length)));
      if (type === 'IDAT') expect([...inflateSync(data)]).toEqual([0, 0x80]);
      types.push(type);
      offset += 12 + length;
    }
    expect(types).toEqual(['IHDR', 'flOd', 'IDAT', 'IEND']);
  });

  test('crc32 agrees with zlib', () => {
    const bytes = Buffer.from('floodgate opening day');
    expect(crc32(bytes)).toBe(zlibCrc32(bytes));
  });

  test('goes in a multipart body a parser can read', async () => {
    const photo = pngPhoto(200);
    const { body, contentType } = multipartFile('photo', 'photo.png', 'image/png', photo, 'b0undary');
    const form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
    const file = form.get('photo') as File;
    expect(file.name).toBe('photo.png');
    expect(file.type).toBe('image/png');
    expect(Buffer.from(await file.arrayBuffer()).equals(Buffer.from(photo))).toBe(true);
  });

  test('refuses a size below the bare picture', () => {
    expect(() => pngPhoto(MIN_PHOTO_BYTES - 1)).toThrow(RangeError);
  });
});
