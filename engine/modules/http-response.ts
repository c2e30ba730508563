/**
 * What `k6/http` hands back to scripts: the Response object (k6's js/modules/k6/http/response.go)
 * with its gjson-style `json(selector)`, response and request cookies, and the CookieJar handle.
 */

import { parseSetCookie, type CookieJar, type StoredCookie } from '../http/cookies.ts';
import type { TransportResult } from '../http/transport.ts';
import { canonicalHeaderName } from './http-values.ts';

/**
 * Reads a gjson path (github.com/tidwall/gjson, which k6's Response.json uses) from parsed JSON:
 * `a.b.0.c`, `items.#` (length), `items.#.name` (that field of every element), `\.` escapes.
 * Query forms (`#(...)`, wildcards, modifiers) are refused with an error rather than guessed.
 */
export function selectJson(value: unknown, selector: string): unknown {
  const parts: string[] = [];
  let part = '';
  for (let i = 0; i < selector.length; i += 1) {
    const char = selector[i] as string;
    if (char === '\\' && i + 1 < selector.length) {
      part += selector[i + 1];
      i += 1;
    } else if (char === '.') {
      parts.push(part);
      part = '';
    } else part += char;
  }
  parts.push(part);
  for (const item of parts) {
    if (/^#\(|[*?@|]/.test(item) || (item.startsWith('#') && item !== '#')) {
      throw new Error(
        `Response.json("${selector}"): the gjson query "${item}" is not supported by the local engine; select with plain keys, indexes, # and #.key`,
      );
    }
  }
  return walkJson(value, parts);
}

function walkJson(current: unknown, parts: readonly string[]): unknown {
  if (parts.length === 0) return current;
  if (current === undefined || current === null || typeof current !== 'object') return undefined;
  const [part, ...rest] = parts as [string, ...string[]];
  if (part === '#' && Array.isArray(current)) {
    if (rest.length === 0) return current.length;
    // gjson: `#.key` maps the rest of the path over the elements, skipping those without it
    return current.map((element) => walkJson(element, rest)).filter((element) => element !== undefined);
  }
  if (Array.isArray(current) && !/^\d+$/.test(part)) return undefined;
  return walkJson((current as Record<string, unknown>)[part], rest);
}

/** The response object scripts see (k6's Response). */
export class K6Response {
  readonly body: string | ArrayBuffer | null;
  readonly cookies: Record<string, ResponseCookie[]>;
  readonly headers: Record<string, string>;
  readonly ocsp = { produced_at: 0, this_update: 0, next_update: 0, revocation_reason: '', revoked_at: 0, status: '' };
  readonly tls_cipher_suite = '';

  constructor(
    result: TransportResult,
    responseType: string,
    readonly url: string,
    readonly request: {
      method: string;
      url: string;
      headers: Record<string, string[]>;
      body: string;
      cookies: Record<string, RequestCookie[]>;
    },
    cookies: Record<string, ResponseCookie[]>,
  ) {
    this.cookies = cookies;
    this.status = result.status;
    this.status_text = result.status === 0 ? '' : `${result.status} ${result.statusText}`;
    this.proto = result.proto;
    this.error = result.error?.message ?? '';
    this.error_code = result.error?.code ?? (result.status >= 400 ? 1000 + result.status : 0);
    this.timings = { ...result.timings };
    this.remote_ip = result.remoteIp;
    this.remote_port = result.remotePort;
    this.tls_version = result.tlsVersion;
    const headers: Record<string, string> = {};
    for (const [name, value] of result.headers) {
      const key = canonicalHeaderName(name);
      headers[key] = key in headers ? `${headers[key]}, ${value}` : value;
    }
    this.headers = headers;
    if (responseType === 'none' || result.body === undefined)
      this.body = result.status === 0 || responseType === 'none' ? null : '';
    else if (responseType === 'binary')
      this.body = result.body.buffer.slice(
        result.body.byteOffset,
        result.body.byteOffset + result.body.byteLength,
      ) as ArrayBuffer;
    else this.body = result.body.toString('utf8');
  }

  readonly status: number;
  readonly status_text: string;
  readonly proto: string;
  readonly error: string;
  readonly error_code: number;
  readonly timings: Record<string, number>;
  readonly remote_ip: string;
  readonly remote_port: number;
  readonly tls_version: string;

  /** Parses the body as JSON, optionally selecting a gjson-style path. */
  json(selector?: string): unknown {
    if (this.body === null) throw new Error('the response has no body (responseType "none" or a network error)');
    const text = typeof this.body === 'string' ? this.body : Buffer.from(this.body).toString('utf8');
    const parsed: unknown = JSON.parse(text);
    return selector === undefined ? parsed : selectJson(parsed, selector);
  }

  html(): never {
    throw new Error('Response.html() is not supported by the local engine');
  }
  clickLink(): never {
    throw new Error('Response.clickLink() is not supported by the local engine');
  }
  submitForm(): never {
    throw new Error('Response.submitForm() is not supported by the local engine');
  }
}

/** A cookie of `res.cookies`. */
export interface ResponseCookie {
  name: string;
  value: string;
  domain: string;
  path: string;
  httpOnly: boolean;
  secure: boolean;
  maxAge: number;
  /** Unix ms, 0 for a session cookie. */
  expires: number;
}

/** A cookie of `res.request.cookies`. */
export interface RequestCookie {
  name: string;
  value: string;
  replace: boolean;
}

/** What `http.cookieJar()` returns: k6's CookieJar methods over a jar. */
export class CookieJarHandle {
  constructor(readonly jar: CookieJar) {}

  /** Cookie name → values that would go with a request to `url`. */
  cookiesForURL(url: string): Record<string, string[]> {
    const result: Record<string, string[]> = {};
    for (const cookie of this.jar.matching(new URL(url))) (result[cookie.name] ??= []).push(cookie.value);
    return result;
  }

  /** Stores a cookie for `url` (options: domain, path, expires, max_age, secure, http_only). */
  set(url: string, name: string, value: string, options: Record<string, unknown> | null = null): void {
    const parts = [`${name}=${value}`];
    if (options?.domain) parts.push(`Domain=${String(options.domain)}`);
    if (options?.path) parts.push(`Path=${String(options.path)}`);
    if (options?.expires) parts.push(`Expires=${String(options.expires)}`);
    if (options?.max_age !== undefined && options.max_age !== null) parts.push(`Max-Age=${String(options.max_age)}`);
    if (options?.secure) parts.push('Secure');
    if (options?.http_only) parts.push('HttpOnly');
    const cookie = parseSetCookie(parts.join('; '), new URL(url));
    if (!cookie) throw new Error(`cannot set cookie ${name} for ${url}: its domain does not match`);
    this.jar.store(cookie);
  }

  /** Removes every cookie for `url`'s host. */
  clear(url: string): void {
    this.jar.remove(new URL(url));
  }

  /** Removes the cookie `name` for `url`'s host. */
  delete(url: string, name: string): void {
    this.jar.remove(new URL(url), name);
  }
}

/** `params.cookies` as k6 reads them: name → value, or name → {value, replace}. */
export function requestCookies(raw: unknown): RequestCookie[] {
  if (raw === undefined || raw === null) return [];
  if (typeof raw !== 'object')
    throw new TypeError('params.cookies must be an object of name → value or {value, replace}');
  return Object.entries(raw as Record<string, unknown>).map(([name, spec]) =>
    spec !== null && typeof spec === 'object'
      ? {
          name,
          value: String((spec as { value?: unknown }).value ?? ''),
          replace: (spec as { replace?: unknown }).replace === true,
        }
      : { name, value: String(spec), replace: false },
  );
}

/** `res.cookies`: the cookies the response's Set-Cookie headers set, by name. */
export function responseCookies(url: URL, setCookies: readonly string[]): Record<string, ResponseCookie[]> {
  const result: Record<string, ResponseCookie[]> = {};
  for (const header of setCookies) {
    const cookie: StoredCookie | undefined = parseSetCookie(header, url);
    if (!cookie) continue;
    (result[cookie.name] ??= []).push({
      name: cookie.name,
      value: cookie.value,
      domain: cookie.hostOnly ? '' : cookie.domain,
      path: cookie.path,
      httpOnly: cookie.httpOnly,
      secure: cookie.secure,
      maxAge: cookie.maxAge,
      expires: cookie.expires ?? 0,
    });
  }
  return result;
}
