/**
 * A valid PNG photo built in code, and the multipart/form-data body that uploads it. Pure: no
 * k6 imports, no `open()`, no TextEncoder (k6 has it only from v2.2).
 *
 * The picture is one grey pixel; an ancillary private chunk (`flOd`, which decoders skip) pads
 * the file to the requested size, so uploads move a realistic number of bytes.
 */

import { DEFAULT_PHOTO_BYTES, MIN_PHOTO_BYTES } from '../../contracts/script-variables.ts';

export { DEFAULT_PHOTO_BYTES, MIN_PHOTO_BYTES };

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
// zlib stream of one scan line: filter byte 0 and one grey sample 0x80.
const ONE_GREY_PIXEL_IDAT = [0x78, 0x9c, 0x63, 0x68, 0x00, 0x00, 0x00, 0x82, 0x00, 0x81];
/** Bytes of a PNG without padding: signature, IHDR, IDAT and IEND chunks. */
const BASE_PNG_BYTES = PNG_SIGNATURE.length + (12 + 13) + (12 + ONE_GREY_PIXEL_IDAT.length) + 12;

// The smallest photo is the one-pixel picture with an empty padding chunk; the variables' reader
// (contracts/script-variables.ts) states that size as a number, so it must be this one.
if (BASE_PNG_BYTES + 12 !== MIN_PHOTO_BYTES)
  throw new Error(`MIN_PHOTO_BYTES is ${MIN_PHOTO_BYTES}, the PNG needs ${BASE_PNG_BYTES + 12}`);

/** A PNG of exactly `size` bytes, at least {@link MIN_PHOTO_BYTES}. */
export function pngPhoto(size: number = DEFAULT_PHOTO_BYTES): Uint8Array {
  if (!Number.isInteger(size) || size < MIN_PHOTO_BYTES)
    throw new RangeError(`a photo needs an integer size ≥ ${MIN_PHOTO_BYTES} bytes, got ${size}`);
  // typed arrays throughout: spreading 32 KB number arrays cost ~40 ms per call, paid by every VU's init
  const chunks: ArrayLike<number>[] = [PNG_SIGNATURE];
  // IHDR: width 1, height 1, bit depth 8, colour type 0 (grey), compression, filter, interlace 0.
  chunks.push(chunk('IHDR', [0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]));
  chunks.push(chunk('flOd', new Uint8Array(size - MIN_PHOTO_BYTES).fill(0x20)));
  chunks.push(chunk('IDAT', ONE_GREY_PIXEL_IDAT));
  chunks.push(chunk('IEND', []));
  const bytes = new Uint8Array(chunks.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of chunks) {
    bytes.set(part, offset);
    offset += part.length;
  }
  return bytes;
}

/** A multipart/form-data body holding one file field. */
export interface MultipartBody {
  /** The body bytes; pass `body.buffer` to k6. */
  readonly body: Uint8Array;
  /** The Content-Type header, with the boundary. */
  readonly contentType: string;
}

/** Builds a multipart/form-data body with one file field (RFC 7578). */
export function multipartFile(
  field: string,
  filename: string,
  contentType: string,
  data: Uint8Array,
  boundary: string,
): MultipartBody {
  const head = ascii(
    `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\n` +
      `Content-Type: ${contentType}\r\n\r\n`,
  );
  const tail = ascii(`\r\n--${boundary}--\r\n`);
  const body = new Uint8Array(head.length + data.length + tail.length);
  body.set(head, 0);
  body.set(data, head.length);
  body.set(tail, head.length + data.length);
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

/** A PNG chunk: length, type, data, CRC of type and data (big-endian). */
function chunk(type: string, data: ArrayLike<number>): Uint8Array {
  const bytes = new Uint8Array(12 + data.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, data.length);
  bytes.set(ascii(type), 4);
  bytes.set(data, 8);
  view.setUint32(8 + data.length, crc32(bytes.subarray(4, 8 + data.length)));
  return bytes;
}

function ascii(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i += 1) bytes[i] = text.charCodeAt(i) & 0x7f;
  return bytes;
}

let crcTable: Uint32Array | undefined;

/** CRC-32 (IEEE), as PNG chunks need it. */
export function crc32(bytes: ArrayLike<number>): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n += 1) {
      let c = n;
      for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i += 1) crc = crcTable[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** The bytes of `view` as an ArrayBuffer of exactly that length (k6 sends ArrayBuffer bodies as-is). */
export function toArrayBuffer(view: Uint8Array): ArrayBuffer {
  return view.byteOffset === 0 && view.byteLength === view.buffer.byteLength
    ? (view.buffer as ArrayBuffer)
    : (view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength) as ArrayBuffer);
}
