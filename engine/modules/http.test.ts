import { expect, test } from 'vitest';
import { canonicalHeaderName, encodeBody, FileData, selectJson } from './http.ts';

test.each([
  ['content-type', 'Content-Type'],
  ['x-test-email-token', 'X-Test-Email-Token'],
  ['ETAG', 'Etag'],
])('%s is canonically %s', (name, canonical) => {
  expect(canonicalHeaderName(name)).toBe(canonical);
});

test('an object body without files is form-encoded with sorted keys', () => {
  const { bytes, contentType } = encodeBody({ z: '1', a: 'b c' });
  expect(bytes?.toString()).toBe('a=b+c&z=1');
  expect(contentType).toBe('application/x-www-form-urlencoded');
});

test('an object body with http.file parts is multipart/form-data', () => {
  const { bytes, contentType } = encodeBody({ photo: new FileData('JPEG', 'a.jpg', 'image/jpeg'), note: 'x' });
  const boundary = contentType?.split('boundary=')[1];
  expect(contentType).toMatch(/^multipart\/form-data; boundary=[0-9a-f]{60}$/);
  expect(bytes?.toString()).toBe(
    `--${boundary}\r\nContent-Disposition: form-data; name="photo"; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\nJPEG\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\nx\r\n--${boundary}--\r\n`,
  );
});

test.each([
  ['a.b', 2],
  ['list.1.id', 'y'],
  ['list.#', 2],
  ['missing.deep', undefined],
])('json selector %s reads %o', (selector, expected) => {
  expect(selectJson({ a: { b: 2 }, list: [{ id: 'x' }, { id: 'y' }] }, selector)).toEqual(expected);
});
