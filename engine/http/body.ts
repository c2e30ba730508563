/**
 * Response bodies as k6 hands them to the script: decoded by their Content-Encoding (k6
 * lib/netext/httpext/compression.go readResponseBody: gzip, deflate, br; zstd is not in Node 20,
 * so such a body stays as received).
 */

import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';

/** Decodes `body` by the Content-Encoding among `headers` (any name case). */
export function decodeBody(body: Buffer, headers: ReadonlyArray<readonly [string, string]>): Buffer {
  if (body.length === 0) return body;
  let encoding: string | undefined;
  for (const [name, value] of headers) {
    if (name.length === 16 && name.toLowerCase() === 'content-encoding') {
      encoding = value.trim().toLowerCase();
      break;
    }
  }
  if (!encoding || encoding === 'identity') return body;
  if (encoding === 'gzip' || encoding === 'x-gzip') return gunzipSync(body);
  if (encoding === 'deflate') return inflateSync(body);
  if (encoding === 'br') return brotliDecompressSync(body);
  return body;
}
