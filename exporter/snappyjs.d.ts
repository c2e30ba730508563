// snappyjs 0.7 ships no types; this declares the two functions the exporter uses (block format).
declare module 'snappyjs' {
  /** Decompresses a snappy block; throws when the preamble length exceeds `maxLength`. */
  export function uncompress<T extends Uint8Array | ArrayBuffer>(compressed: T, maxLength?: number): T;
  /** Compresses into a snappy block. */
  export function compress<T extends Uint8Array | ArrayBuffer>(uncompressed: T): T;
}
