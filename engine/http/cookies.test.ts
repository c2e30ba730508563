import { describe, expect, test } from 'vitest';
import { CookieJar, parseSetCookie } from './cookies.ts';

const url = new URL('http://app.example.test/api/register');
const now = Date.UTC(2026, 0, 1);

describe('the cookie jar', () => {
  test('a session cookie without attributes is host-only with the default path', () => {
    expect(parseSetCookie('session=abc', url, now)).toMatchObject({
      name: 'session',
      value: 'abc',
      domain: 'app.example.test',
      hostOnly: true,
      path: '/api',
      expires: undefined,
    });
  });

  test.each([
    [
      'sid=1; Domain=.example.test; Path=/; Secure; HttpOnly',
      { domain: 'example.test', hostOnly: false, path: '/', secure: true, httpOnly: true },
    ],
    ['sid=1; Max-Age=60', { maxAge: 60, expires: now + 60_000 }],
    ['sid=1; Expires=Thu, 01 Jan 2026 00:01:00 GMT', { expires: now + 60_000 }],
  ])('%s is parsed', (header, expected) => {
    expect(parseSetCookie(header, url, now)).toMatchObject(expected);
  });

  test('a cookie for a foreign domain is refused', () => {
    expect(parseSetCookie('sid=1; Domain=evil.test', url, now)).toBeUndefined();
  });

  test('requests get the cookies whose domain, path and scheme match, longest path first', () => {
    const jar = new CookieJar();
    jar.storeResponse(
      url,
      ['a=1; Path=/', 'b=2; Path=/api', 'c=3; Path=/other', 'd=4; Path=/; Secure', 'e=5; Domain=example.test; Path=/'],
      now,
    );
    const names = (target: string): string[] => jar.matching(new URL(target), now).map((cookie) => cookie.name);
    expect(names('http://app.example.test/api/verify')).toEqual(['b', 'a', 'e']);
    expect(names('https://app.example.test/')).toEqual(['a', 'd', 'e']);
    expect(names('http://other.example.test/')).toEqual(['e']);
  });

  test('an expired or Max-Age=0 answer removes the cookie', () => {
    const jar = new CookieJar();
    jar.storeResponse(url, ['sid=1; Path=/'], now);
    jar.storeResponse(url, ['sid=; Path=/; Max-Age=0'], now);
    expect(jar.matching(url, now)).toEqual([]);
  });
});
