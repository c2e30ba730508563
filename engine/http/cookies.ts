/**
 * A VU's cookie jar, as k6 keeps one per VU and empties it at every iteration (unless
 * `noCookiesReset`): Set-Cookie answers are stored, matching cookies go out with later requests.
 * Domain, path, secure, expiry and Max-Age are honoured; SameSite and the public-suffix list are not.
 */

/** One stored cookie. */
export interface StoredCookie {
  readonly name: string;
  readonly value: string;
  /** Domain without a leading dot. */
  readonly domain: string;
  /** True when the cookie came without a Domain attribute: only that exact host gets it. */
  readonly hostOnly: boolean;
  readonly path: string;
  readonly secure: boolean;
  readonly httpOnly: boolean;
  /** Unix ms; undefined for a session cookie. */
  readonly expires: number | undefined;
  /** Max-Age in seconds as received, 0 when absent. */
  readonly maxAge: number;
}

function defaultPath(url: URL): string {
  const path = url.pathname;
  if (!path.startsWith('/') || path.lastIndexOf('/') === 0) return '/';
  return path.slice(0, path.lastIndexOf('/'));
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}

function domainMatches(host: string, cookie: StoredCookie): boolean {
  if (cookie.hostOnly) return host === cookie.domain;
  return host === cookie.domain || host.endsWith(`.${cookie.domain}`);
}

/** Parses one Set-Cookie header value received for `url`; undefined when it is not a cookie or its domain is foreign. */
export function parseSetCookie(header: string, url: URL, now: number = Date.now()): StoredCookie | undefined {
  const [pair, ...attributes] = header.split(';');
  const equals = pair?.indexOf('=') ?? -1;
  if (!pair || equals <= 0) return undefined;
  const name = pair.slice(0, equals).trim();
  const value = pair
    .slice(equals + 1)
    .trim()
    .replace(/^"(.*)"$/, '$1');
  const host = url.hostname.toLowerCase();
  let domain = host;
  let hostOnly = true;
  let path = defaultPath(url);
  let secure = false;
  let httpOnly = false;
  let expires: number | undefined;
  let maxAge = 0;
  for (const attribute of attributes) {
    const [rawKey, ...rest] = attribute.split('=');
    const key = (rawKey ?? '').trim().toLowerCase();
    const attributeValue = rest.join('=').trim();
    if (key === 'domain' && attributeValue !== '') {
      const wanted = attributeValue.replace(/^\./, '').toLowerCase();
      if (host !== wanted && !host.endsWith(`.${wanted}`)) return undefined;
      domain = wanted;
      hostOnly = false;
    } else if (key === 'path' && attributeValue.startsWith('/')) path = attributeValue;
    else if (key === 'secure') secure = true;
    else if (key === 'httponly') httpOnly = true;
    else if (key === 'max-age' && /^-?\d+$/.test(attributeValue)) {
      maxAge = Number(attributeValue);
      expires = now + maxAge * 1000;
    } else if (key === 'expires' && expires === undefined) {
      const at = Date.parse(attributeValue);
      if (!Number.isNaN(at)) expires = at;
    }
  }
  return { name, value, domain, hostOnly, path, secure, httpOnly, expires, maxAge };
}

/** The cookies of one VU. */
export class CookieJar {
  private cookies: StoredCookie[] = [];

  /** Stores (or, when expired, removes) a cookie. */
  store(cookie: StoredCookie, now: number = Date.now()): void {
    this.cookies = this.cookies.filter(
      (existing) =>
        !(existing.name === cookie.name && existing.domain === cookie.domain && existing.path === cookie.path),
    );
    if (cookie.expires === undefined || cookie.expires > now) this.cookies.push(cookie);
  }

  /** Stores every Set-Cookie value of a response to `url`. */
  storeResponse(url: URL, setCookies: readonly string[], now: number = Date.now()): void {
    for (const header of setCookies) {
      const cookie = parseSetCookie(header, url, now);
      if (cookie) this.store(cookie, now);
    }
  }

  /** The cookies that go with a request to `url`, longest path first (RFC 6265 order). */
  matching(url: URL, now: number = Date.now()): StoredCookie[] {
    const host = url.hostname.toLowerCase();
    return this.cookies
      .filter(
        (cookie) =>
          (cookie.expires === undefined || cookie.expires > now) &&
          domainMatches(host, cookie) &&
          pathMatches(url.pathname || '/', cookie.path),
      )
      .filter((cookie) => !cookie.secure || url.protocol === 'https:')
      .sort((a, b) => b.path.length - a.path.length);
  }

  /** Removes the cookies for `url`'s host, or only the one called `name`. */
  remove(url: URL, name?: string): void {
    const host = url.hostname.toLowerCase();
    this.cookies = this.cookies.filter(
      (cookie) => !(domainMatches(host, cookie) && (name === undefined || cookie.name === name)),
    );
  }

  /** Forgets everything (k6 does this at the start of every iteration). */
  clear(): void {
    this.cookies = [];
  }
}
