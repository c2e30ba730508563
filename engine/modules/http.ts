/**
 * `k6/http` for the local engine: `asyncRequest` with k6's request and response shapes, tags,
 * samples and error codes; `file`, `url`, `expectedStatuses`, `setResponseCallback`. The
 * synchronous calls (get, post, request, batch, …) are refused: they would block every VU.
 */

import { randomBytes } from 'node:crypto';
import type { FloodgateError } from '../../contracts/errors.ts';
import { monoNow, wallNow } from '../clock.ts';
import { CookieJar, parseSetCookie, type StoredCookie } from '../http/cookies.ts';
import type { HttpTransport, TransportResult } from '../http/transport.ts';
import type { Metric, Tags } from '../metrics/metric.ts';
import type { EngineOptions } from '../options.ts';
import type { ExecutionContext, Runtime } from '../runtime.ts';
import { parseK6DurationMs as parseDuration } from '../../contracts/durations.ts';
import { userTags } from './user-values.ts';
import { UNSUPPORTED_MEMBERS, unsupportedAtRunTime, unsupportedFunction } from './unsupported.ts';

/** `http.file(data, filename, contentType)`: a file part of a multipart body. */
export class FileData {
  constructor(
    readonly data: string | ArrayBuffer,
    readonly filename: string,
    readonly content_type: string,
  ) {}
}

/** `http.url\`...\``: a URL whose `name` tag is the template, not the concrete URL. */
export class HttpURL {
  constructor(
    readonly name: string,
    readonly url: string,
  ) {}
  toString(): string {
    return this.url;
  }
}

/** `http.expectedStatuses(...)`: which statuses count as expected. */
export class ExpectedStatuses {
  constructor(readonly ranges: ReadonlyArray<readonly [number, number]>) {}
  matches(status: number): boolean {
    return this.ranges.some(([min, max]) => status >= min && status <= max);
  }
}

const DEFAULT_EXPECTED = new ExpectedStatuses([[200, 399]]);

const canonicalNames = new Map<string, string>();

/** Go's canonical header key: `content-type` → `Content-Type`. */
export function canonicalHeaderName(name: string): string {
  let canonical = canonicalNames.get(name);
  if (canonical === undefined) {
    canonical = name
      .split('-')
      .map((part) => (part === '' ? part : part[0]!.toUpperCase() + part.slice(1).toLowerCase()))
      .join('-');
    if (canonicalNames.size < 1000) canonicalNames.set(name, canonical);
  }
  return canonical;
}

function toBuffer(data: string | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** Encodes a request body as k6 does; returns the bytes and the Content-Type it implies. */
export function encodeBody(body: unknown): { bytes: Buffer | undefined; contentType: string | undefined } {
  if (body === undefined || body === null) return { bytes: undefined, contentType: undefined };
  if (typeof body === 'string' || body instanceof ArrayBuffer || ArrayBuffer.isView(body))
    return { bytes: toBuffer(body), contentType: undefined };
  if (typeof body !== 'object') return { bytes: Buffer.from(String(body)), contentType: undefined };
  const entries = Object.entries(body as Record<string, unknown>);
  if (entries.some(([, value]) => value instanceof FileData)) {
    const boundary = randomBytes(30).toString('hex');
    const parts: Buffer[] = [];
    for (const [name, value] of entries) {
      if (value instanceof FileData) {
        parts.push(
          Buffer.from(
            `--${boundary}\r\nContent-Disposition: form-data; name="${escapeQuotes(name)}"; filename="${escapeQuotes(value.filename)}"\r\nContent-Type: ${value.content_type}\r\n\r\n`,
          ),
          toBuffer(value.data),
          Buffer.from('\r\n'),
        );
      } else {
        parts.push(
          Buffer.from(
            `--${boundary}\r\nContent-Disposition: form-data; name="${escapeQuotes(name)}"\r\n\r\n${String(value)}\r\n`,
          ),
        );
      }
    }
    parts.push(Buffer.from(`--${boundary}--\r\n`));
    return { bytes: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
  }
  const form = new URLSearchParams();
  for (const [name, value] of entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    for (const item of Array.isArray(value) ? value : [value]) form.append(name, String(item));
  }
  return { bytes: Buffer.from(form.toString()), contentType: 'application/x-www-form-urlencoded' };
}

function escapeQuotes(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

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
      throw unsupportedAtRunTime(
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
    throw unsupportedAtRunTime('Response.html() is not supported by the local engine');
  }
  clickLink(): never {
    throw unsupportedAtRunTime('Response.clickLink() is not supported by the local engine');
  }
  submitForm(): never {
    throw unsupportedAtRunTime('Response.submitForm() is not supported by the local engine');
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

/** The tags and metadata a request's samples carry, taken when the request was made. */
interface RequestTags {
  readonly tags: Tags;
  readonly metadata: Tags | undefined;
}

function requestCookies(raw: unknown): RequestCookie[] {
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

function responseCookies(url: URL, setCookies: readonly string[]): Record<string, ResponseCookie[]> {
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

interface RequestParams {
  headers?: Record<string, unknown>;
  tags?: Record<string, unknown>;
  timeout?: string | number;
  redirects?: number;
  responseType?: string;
  responseCallback?: ExpectedStatuses | null;
  auth?: string;
  cookies?: unknown;
  jar?: unknown;
  compression?: string;
  throw?: unknown;
}

const KNOWN_PARAMS = new Set([
  'headers',
  'tags',
  'timeout',
  'redirects',
  'responseType',
  'responseCallback',
  'auth',
  'cookies',
  'jar',
  'compression',
  'throw',
]);

function cleanUrl(url: URL): string {
  if (!url.username && !url.password) return url.toString();
  const copy = new URL(url.toString());
  copy.password = '';
  copy.username = url.username;
  return copy.toString();
}

/** The headers of one hop with the jar's and the params' cookies added to any Cookie header given. */
function cookieHeader(
  jar: CookieJar | undefined,
  url: URL,
  extra: readonly RequestCookie[],
  headers: Readonly<Record<string, string>>,
): Record<string, string> {
  const replaced = new Set(extra.filter((cookie) => cookie.replace).map((cookie) => cookie.name));
  const pairs = [
    ...(jar ? jar.matching(url).filter((cookie) => !replaced.has(cookie.name)) : []).map(
      (cookie) => `${cookie.name}=${cookie.value}`,
    ),
    ...extra.map((cookie) => `${cookie.name}=${cookie.value}`),
  ];
  if (pairs.length === 0) return headers;
  const result = { ...headers };
  const existing = Object.keys(result).find((name) => name.toLowerCase() === 'cookie');
  if (existing) result[existing] = `${result[existing]}; ${pairs.join('; ')}`;
  else result.Cookie = pairs.join('; ');
  return result;
}

/** Dependencies of the http module. */
export interface HttpModuleDependencies {
  readonly runtime: Runtime;
  readonly transport: HttpTransport;
  readonly options: Pick<EngineOptions, 'userAgent' | 'maxRedirects' | 'discardResponseBodies' | 'throwOnHttpError'>;
}

/** Builds the `k6/http` module for one instance of the script (one VU): `setResponseCallback` is its own module state, as in k6. */
export function createHttpModule({ runtime, transport, options }: HttpModuleDependencies): Record<string, unknown> {
  /** Stops the run with an engine limit (exit 107), even if the script catches the error. */
  const refuse = (detail: string): FloodgateError => {
    const error = unsupportedAtRunTime(detail);
    runtime.onUnsupported(error);
    return error;
  };
  const metric = (name: string): Metric => runtime.registry.builtin(name);
  const httpReqs = metric('http_reqs');
  const phases: Array<[Metric, keyof TransportResult['timings']]> = [
    [metric('http_req_duration'), 'duration'],
    [metric('http_req_blocked'), 'blocked'],
    [metric('http_req_connecting'), 'connecting'],
    [metric('http_req_tls_handshaking'), 'tls_handshaking'],
    [metric('http_req_sending'), 'sending'],
    [metric('http_req_waiting'), 'waiting'],
    [metric('http_req_receiving'), 'receiving'],
  ];
  const httpReqFailed = metric('http_req_failed');
  let responseCallback: ExpectedStatuses | null = DEFAULT_EXPECTED;

  function emitSamples(
    context: ExecutionContext,
    result: TransportResult,
    method: string,
    urlTag: string,
    nameTag: string,
    callback: ExpectedStatuses | null,
    at: RequestTags,
  ): boolean {
    const extra: Record<string, string> = {};
    const on = (tag: string): boolean => runtime.tagOn(tag);
    if (on('method')) extra.method = method;
    if (on('url')) extra.url = urlTag;
    if (on('name')) extra.name = nameTag;
    if (on('status')) extra.status = String(result.status);
    if (result.error) {
      if (on('error')) extra.error = result.error.message;
      if (on('error_code')) extra.error_code = String(result.error.code);
    } else {
      if (result.status >= 400 && on('error_code')) extra.error_code = String(1000 + result.status);
      if (on('proto')) extra.proto = result.proto;
      if (result.tlsVersion && on('tls_version')) extra.tls_version = result.tlsVersion;
    }
    if (on('ip') && result.remoteIp) extra.ip = result.remoteIp;
    const expected = callback ? callback.matches(result.status) : true;
    if (callback && on('expected_response')) extra.expected_response = String(expected);
    const tags = Object.freeze({ ...at.tags, ...extra });
    const metadata = at.metadata;
    const time = wallNow() - (monoNow() - result.endedMono);
    runtime.emit(httpReqs, 1, tags, metadata, time, context);
    for (const [phaseMetric, phase] of phases)
      runtime.emit(phaseMetric, result.timings[phase], tags, metadata, time, context);
    if (callback) runtime.emit(httpReqFailed, expected ? 0 : 1, tags, metadata, time, context);
    return expected;
  }

  async function asyncRequest(
    method: unknown,
    target: unknown,
    body?: unknown,
    rawParams?: unknown,
  ): Promise<K6Response> {
    const context = runtime.context();
    if (context.phase === 'init') throw new Error('making HTTP requests in the init context is not supported');
    if (typeof method !== 'string' || method === '') throw new TypeError('asyncRequest needs a method, e.g. "GET"');
    const params = (rawParams ?? {}) as RequestParams;
    for (const key of Object.keys(params)) {
      if (!KNOWN_PARAMS.has(key)) runtime.warnOnce(`http params.${key} is not a k6 request parameter and is ignored`);
    }
    if (params.jar !== undefined && params.jar !== null && !(params.jar instanceof CookieJarHandle))
      throw new TypeError('params.jar must come from http.cookieJar()');
    const jar = params.jar instanceof CookieJarHandle ? params.jar.jar : context.vu?.cookieJar;
    const extraCookies = requestCookies(params.cookies);
    if (params.compression !== undefined)
      throw refuse('http params.compression (a compressed request body) is not supported by the local engine');
    const templated = target instanceof HttpURL ? target : undefined;
    let url: URL;
    try {
      url = new URL(String(target));
    } catch {
      throw new TypeError(`invalid URL "${String(target)}"`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new TypeError(`unsupported protocol in URL "${String(target)}"; use http:// or https://`);
    const upperMethod = method.toUpperCase();
    let requestTags: Record<string, string>;
    try {
      requestTags = userTags(params.tags);
    } catch (error) {
      throw new TypeError(`invalid HTTP request metric tags: ${(error as Error).message}`);
    }
    const explicitName = requestTags.name ?? templated?.name;
    delete requestTags.name;
    // k6 takes the tags (group, VU tags, scenario) and metadata when the request is made, not when
    // its answer comes (js/modules/k6/http/request.go parseRequest: TagsAndMeta), so a request
    // made in a group and awaited outside it keeps the group.
    const at: RequestTags = { tags: runtime.tags(requestTags, context), metadata: runtime.metadata(context) };
    const timeoutMs = params.timeout === undefined ? 60_000 : parseDuration(params.timeout);
    if (timeoutMs === undefined || timeoutMs <= 0)
      throw new TypeError(`params.timeout "${String(params.timeout)}" is not a positive duration`);
    const responseType = params.responseType ?? (options.discardResponseBodies ? 'none' : 'text');
    if (!['text', 'binary', 'none'].includes(responseType))
      throw new TypeError(`params.responseType "${responseType}" must be text, binary or none`);
    const callback = params.responseCallback !== undefined ? params.responseCallback : responseCallback;
    if (callback !== null && !(callback instanceof ExpectedStatuses))
      throw new TypeError('params.responseCallback must come from http.expectedStatuses() or be null');
    let redirectsLeft = params.redirects ?? options.maxRedirects;
    // params.throw overrides options.throw for this request (k6 http/request.go parseRequest).
    const throwOnError = params.throw !== undefined ? Boolean(params.throw) : options.throwOnHttpError;

    const headers: Record<string, string> = { 'User-Agent': options.userAgent };
    for (const [name, value] of Object.entries(params.headers ?? {})) {
      for (const existing of Object.keys(headers))
        if (existing.toLowerCase() === name.toLowerCase()) delete headers[existing];
      headers[name] = String(value);
    }
    if (params.auth !== undefined && params.auth !== 'basic')
      throw refuse(`http params.auth "${params.auth}" is not supported by the local engine (only basic)`);
    if (url.username && !Object.keys(headers).some((name) => name.toLowerCase() === 'authorization')) {
      headers.Authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
    }
    const encoded = encodeBody(body);
    let bytes = encoded.bytes;
    const contentType = encoded.contentType;
    if (contentType && !Object.keys(headers).some((name) => name.toLowerCase() === 'content-type'))
      headers['Content-Type'] = contentType;

    const iteration = context.iteration;
    iteration?.hold();
    try {
      let currentMethod = upperMethod;
      for (;;) {
        const urlText = cleanUrl(url);
        const sent = cookieHeader(jar, url, extraCookies, headers);
        const nameTag = explicitName ?? urlText;
        const urlTag = explicitName ?? urlText;
        const result = await transport.send(
          {
            method: currentMethod,
            url,
            headers: sent,
            body: bytes,
            timeoutMs,
            keepBody: responseType !== 'none',
            onCancel: iteration ? (stop) => iteration.onInterrupt(stop) : undefined,
          },
          context.vu?.connections,
        );
        // k6 stops an interrupted iteration's code; never settling is the closest a promise gets.
        if (result.cancelled || iteration?.interrupted) return await new Promise<never>(() => undefined);
        if (iteration) {
          iteration.bytesSent += result.bytesSent;
          iteration.bytesReceived += result.bytesReceived;
        }
        emitSamples(context, result, currentMethod, urlTag, nameTag, callback, at);
        const setCookies = result.headers
          .filter(([name]) => name.toLowerCase() === 'set-cookie')
          .map(([, value]) => value);
        if (jar && setCookies.length > 0) jar.storeResponse(url, setCookies);
        const location = result.headers.find(([name]) => name.toLowerCase() === 'location')?.[1];
        if (!result.error && location && [301, 302, 303, 307, 308].includes(result.status) && redirectsLeft > 0) {
          redirectsLeft -= 1;
          url = new URL(location, url);
          if (result.status === 303 || ((result.status === 301 || result.status === 302) && currentMethod === 'POST')) {
            currentMethod = currentMethod === 'HEAD' ? 'HEAD' : 'GET';
            bytes = undefined;
            for (const name of Object.keys(headers))
              if (['content-type', 'content-length'].includes(name.toLowerCase())) delete headers[name];
          }
          continue;
        }
        if (result.error && throwOnError) throw new Error(result.error.message);
        const requestHeaders: Record<string, string[]> = {};
        for (const [name, value] of Object.entries(sent)) requestHeaders[canonicalHeaderName(name)] = [value];
        const sentCookies: Record<string, RequestCookie[]> = {};
        for (const cookie of extraCookies) (sentCookies[cookie.name] ??= []).push(cookie);
        return new K6Response(
          result,
          responseType,
          urlText,
          {
            method: currentMethod,
            url: urlText,
            headers: requestHeaders,
            body: bytes ? bytes.toString('utf8') : '',
            cookies: sentCookies,
          },
          responseCookies(url, setCookies),
        );
      }
    } finally {
      iteration?.release();
    }
  }

  function file(data: string | ArrayBuffer, filename?: string, contentType?: string): FileData {
    if (typeof data !== 'string' && !(data instanceof ArrayBuffer) && !ArrayBuffer.isView(data))
      throw new TypeError('http.file needs a string or an ArrayBuffer');
    return new FileData(
      data as string | ArrayBuffer,
      filename ?? String(process.hrtime.bigint()),
      contentType ?? 'application/octet-stream',
    );
  }

  function url(strings: TemplateStringsArray, ...values: unknown[]): HttpURL {
    let name = '';
    let concrete = '';
    strings.forEach((part, index) => {
      name += part;
      concrete += part;
      if (index < values.length) {
        name += '${}';
        concrete += String(values[index]);
      }
    });
    return new HttpURL(name, concrete);
  }

  function expectedStatuses(...statuses: unknown[]): ExpectedStatuses {
    const ranges = statuses.map((status, index): [number, number] => {
      if (typeof status === 'number' && Number.isInteger(status)) return [status, status];
      if (
        status &&
        typeof status === 'object' &&
        Number.isInteger((status as { min?: unknown }).min) &&
        Number.isInteger((status as { max?: unknown }).max)
      ) {
        const range = status as { min: number; max: number };
        return [range.min, range.max];
      }
      throw new TypeError(`expectedStatuses argument ${index + 1} must be an integer or {min, max} of integers`);
    });
    return new ExpectedStatuses(ranges);
  }

  function setResponseCallback(callback: unknown): void {
    if (callback !== null && !(callback instanceof ExpectedStatuses))
      throw new TypeError('setResponseCallback takes http.expectedStatuses(...) or null');
    responseCallback = callback as ExpectedStatuses | null;
  }

  const refused = Object.fromEntries(
    Object.keys(UNSUPPORTED_MEMBERS['k6/http'] ?? {}).map((name) => [
      name,
      unsupportedFunction('k6/http', name, (error) => runtime.onUnsupported(error)),
    ]),
  );
  return {
    ...refused,
    asyncRequest,
    file,
    url,
    expectedStatuses,
    setResponseCallback,
    cookieJar: () => {
      const { vu, phase } = runtime.context();
      if (!vu || phase === 'init')
        throw new Error('http.cookieJar() is only available to VUs, not in the init context');
      // the VU's current jar: a new one each iteration unless noCookiesReset (k6 js/runner.go runFn)
      return new CookieJarHandle(vu.cookieJar);
    },
    CookieJar: class extends CookieJarHandle {
      constructor() {
        super(new CookieJar());
      }
    },
    TLS_1_0: 'tls1.0',
    TLS_1_1: 'tls1.1',
    TLS_1_2: 'tls1.2',
    TLS_1_3: 'tls1.3',
    SSL_3_0: 'ssl3.0',
    OCSP_STATUS_GOOD: 'good',
    OCSP_STATUS_REVOKED: 'revoked',
    OCSP_STATUS_SERVER_FAILED: 'server_failed',
    OCSP_STATUS_UNKNOWN: 'unknown',
  };
}
