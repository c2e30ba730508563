/**
 * Photo upload: streams a multipart body through busboy, keeps only the size and a SHA-256 of the
 * field `photo`, caps its size (413), and checks both the declared type and the magic bytes
 * (415). The bytes themselves are never kept.
 */

import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import busboy from 'busboy';

/** Image types the target accepts. */
export const PHOTO_TYPES = ['image/jpeg', 'image/png'] as const;
/** One accepted image type. */
export type PhotoType = (typeof PHOTO_TYPES)[number];

/** Room for multipart boundaries, part headers and small fields on top of the photo cap, in bytes. */
export const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

/** A received photo, or why it was refused. */
export type PhotoUpload =
  | { readonly ok: true; readonly bytes: number; readonly sha256: string; readonly contentType: PhotoType }
  | {
      readonly ok: false;
      readonly status: 400 | 413 | 415;
      readonly error: string;
      readonly message: string;
      /** The body was not read to its end: answer with `Connection: close`. */
      readonly unread?: boolean;
    };

/** The image type the first bytes show (JPEG FF D8 FF; PNG's 8-byte signature), if any. */
export function sniffPhotoType(head: Uint8Array): PhotoType | undefined {
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'image/jpeg';
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (head.length >= png.length && png.every((byte, index) => head[index] === byte)) return 'image/png';
  return undefined;
}

/** Reads the photo of a `multipart/form-data` request; never rejects. */
export function receivePhoto(request: IncomingMessage, maxBytes: number): Promise<PhotoUpload> {
  const bodyCap = maxBytes + MULTIPART_OVERHEAD_BYTES;
  const declaredLength = Number(request.headers['content-length']);
  if (Number.isFinite(declaredLength) && declaredLength > bodyCap) {
    return Promise.resolve(tooLarge(maxBytes, true));
  }
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: request.headers,
      limits: { fileSize: maxBytes, files: 1, fields: 10, fieldSize: 1024, parts: 12, headerPairs: 20 },
    });
  } catch {
    return Promise.resolve({
      ok: false,
      status: 400,
      error: 'invalid_multipart',
      message: 'expected Content-Type: multipart/form-data with a boundary, and a file field named photo',
    });
  }

  return new Promise<PhotoUpload>((resolve) => {
    let settled = false;
    let received = 0;
    let result: PhotoUpload | undefined;
    let photo: PhotoState | undefined;
    const settle = (upload: PhotoUpload): void => {
      if (settled) return;
      settled = true;
      request.off('data', countBytes);
      resolve(upload);
    };
    const countBytes = (chunk: Buffer): void => {
      received += chunk.length;
      // A chunked body has no Content-Length to check up front: stop reading once it passes the cap.
      if (received > bodyCap) {
        request.unpipe(parser);
        settle(tooLarge(maxBytes, true));
      }
    };
    request.on('data', countBytes);

    parser.on('file', (field, stream, info) => {
      // A part cut short fails its stream too; the parser's own error below answers for it.
      stream.on('error', () => undefined);
      if (field !== 'photo' || photo || result) {
        stream.resume();
        return;
      }
      const declared = info.mimeType.toLowerCase();
      if (!(PHOTO_TYPES as readonly string[]).includes(declared)) {
        result = unsupported(`photo is ${declared}; send image/jpeg or image/png`);
        stream.resume();
        return;
      }
      const current: PhotoState = {
        declared,
        bytes: 0,
        head: Buffer.alloc(0),
        hash: createHash('sha256'),
        truncated: false,
      };
      photo = current;
      stream.on('data', (chunk: Buffer) => {
        if (current.head.length < 8)
          current.head = Buffer.concat([current.head, chunk.subarray(0, 8 - current.head.length)]);
        current.bytes += chunk.length;
        current.hash.update(chunk);
      });
      stream.on('limit', () => {
        current.truncated = true;
      });
    });
    parser.on('error', (error: Error) => {
      request.unpipe(parser);
      settle({
        ok: false,
        status: 400,
        error: 'invalid_multipart',
        message: `malformed multipart body: ${error.message}`,
        unread: true,
      });
    });
    // Every part has been read when busboy closes, so the photo's bytes are all counted by now.
    parser.on('close', () => settle(result ?? judge(photo, maxBytes)));
    request.on('aborted', () =>
      settle({ ok: false, status: 400, error: 'aborted', message: 'the upload was aborted', unread: true }),
    );
    request.pipe(parser);
  });
}

/** What has been read of the photo part so far. */
interface PhotoState {
  readonly declared: string;
  bytes: number;
  head: Buffer;
  readonly hash: ReturnType<typeof createHash>;
  truncated: boolean;
}

function judge(photo: PhotoState | undefined, maxBytes: number): PhotoUpload {
  if (!photo)
    return {
      ok: false,
      status: 400,
      error: 'invalid_field',
      message: 'photo is missing: send a file field named photo',
    };
  if (photo.truncated) return tooLarge(maxBytes, false);
  if (photo.bytes === 0) return { ok: false, status: 400, error: 'invalid_field', message: 'photo is empty' };
  if (sniffPhotoType(photo.head) !== photo.declared) {
    const kind = photo.declared === 'image/png' ? 'PNG' : 'JPEG';
    return unsupported(`photo was declared ${photo.declared} but its content is not a ${kind} image`);
  }
  return { ok: true, bytes: photo.bytes, sha256: photo.hash.digest('hex'), contentType: photo.declared as PhotoType };
}

function tooLarge(maxBytes: number, unread: boolean): PhotoUpload {
  return { ok: false, status: 413, error: 'too_large', message: `photo must be at most ${maxBytes} bytes`, unread };
}

function unsupported(message: string): PhotoUpload {
  return { ok: false, status: 415, error: 'unsupported_media_type', message };
}
