/**
 * The values `k6/http` scripts build and send: `http.file`, `http.url`, `http.expectedStatuses`,
 * and request bodies encoded as k6 encodes them (strings, bytes, form fields, multipart with files).
 */

import { randomBytes } from 'node:crypto';

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

/** k6's default expected statuses: 200–399. */
export const DEFAULT_EXPECTED = new ExpectedStatuses([[200, 399]]);

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
