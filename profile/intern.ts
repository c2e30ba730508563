/**
 * A table from short ASCII byte strings (a client address, a request, a user agent, read in place
 * from a chunk of a log) to a number, without making a string per lookup: open addressing on an
 * FNV-1a hash, the keys kept in one byte arena. A key with a byte ≥ 0x80 is refused (−2), so the
 * caller reads that line as text: for ASCII, bytes and the decoded string are one to one, and a
 * value stored under a key's bytes is the value of its string.
 */

/** {@link ByteTable.get}'s answer for a key not in the table. */
export const ABSENT = -1;
/** {@link ByteTable.get}'s answer for a key with a non-ASCII byte. */
export const NOT_ASCII = -2;

/** Byte string → non-negative integer. */
export class ByteTable {
  /** Keys stored. */
  size = 0;
  private slots: Int32Array; // entry index + 1; 0 = empty
  private mask: number;
  private hashes = new Int32Array(256);
  private starts = new Int32Array(256);
  private lengths = new Int32Array(256);
  private values = new Int32Array(256);
  private arena = new Uint8Array(16 * 1024);
  private arenaUsed = 0;
  /** The hash of the last key {@link get} looked up, for {@link set}. */
  private lastHash = 0;
  // keys are compared four bytes at a time through views, made once per arena and per chunk
  private arenaView: DataView<ArrayBufferLike> = new DataView(this.arena.buffer);
  private keysOf: Uint8Array | undefined;
  private keysView: DataView<ArrayBufferLike> = this.arenaView;

  constructor(initialSlots = 1024) {
    this.slots = new Int32Array(initialSlots);
    this.mask = initialSlots - 1;
  }

  /** The value of `bytes[start, end)`, {@link ABSENT}, or {@link NOT_ASCII}. */
  get(bytes: Uint8Array, start: number, end: number): number {
    let high = 0;
    for (let i = start; i < end; i += 1) high |= bytes[i]!;
    if (high >= 0x80) return NOT_ASCII;
    return this.getHashed(bytes, start, end, hashBytes(bytes, start, end));
  }

  /** {@link get} of ASCII bytes whose {@link hashBytes} the caller made while it scanned them. */
  getHashed(bytes: Uint8Array, start: number, end: number, hash: number): number {
    this.lastHash = hash;
    const length = end - start;
    if (bytes !== this.keysOf) {
      this.keysOf = bytes;
      this.keysView = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    for (let slot = hash & this.mask; ; slot = (slot + 1) & this.mask) {
      const entry = this.slots[slot]!;
      if (entry === 0) return ABSENT;
      const index = entry - 1;
      if (this.hashes[index] !== hash || this.lengths[index] !== length) continue;
      if (this.same(this.starts[index]!, bytes, start, length)) return this.values[index]!;
    }
  }

  /** True when the arena at `from` holds `bytes[start, start + length)`. */
  private same(from: number, bytes: Uint8Array, start: number, length: number): boolean {
    const arena = this.arenaView;
    const keys = this.keysView;
    let k = 0;
    for (; k + 4 <= length; k += 4) if (arena.getInt32(from + k, true) !== keys.getInt32(start + k, true)) return false;
    for (; k < length; k += 1) if (this.arena[from + k] !== bytes[start + k]) return false;
    return true;
  }

  /** Stores `value` (≥ 0) for `bytes[start, end)`, which the last {@link get} looked up and did not find. */
  set(bytes: Uint8Array, start: number, end: number, value: number): void {
    const length = end - start;
    if (this.size === this.values.length) this.growEntries();
    if ((this.size + 1) * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    if (this.arenaUsed + length > this.arena.length) {
      const arena = new Uint8Array(Math.max(this.arena.length * 2, this.arenaUsed + length));
      arena.set(this.arena.subarray(0, this.arenaUsed));
      this.arena = arena;
      this.arenaView = new DataView(arena.buffer);
    }
    this.arena.set(bytes.subarray(start, end), this.arenaUsed);
    const index = this.size++;
    this.hashes[index] = this.lastHash;
    this.starts[index] = this.arenaUsed;
    this.lengths[index] = length;
    this.values[index] = value;
    this.arenaUsed += length;
    this.place(index);
  }

  /** Forgets every key. */
  clear(): void {
    this.slots.fill(0);
    this.size = 0;
    this.arenaUsed = 0;
  }

  private place(index: number): void {
    for (let slot = this.hashes[index]! & this.mask; ; slot = (slot + 1) & this.mask) {
      if (this.slots[slot] === 0) {
        this.slots[slot] = index + 1;
        return;
      }
    }
  }

  private rehash(slots: number): void {
    this.slots = new Int32Array(slots);
    this.mask = slots - 1;
    for (let index = 0; index < this.size; index += 1) this.place(index);
  }

  private growEntries(): void {
    const grow = (old: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> => {
      const next = new Int32Array(old.length * 2);
      next.set(old);
      return next;
    };
    this.hashes = grow(this.hashes);
    this.starts = grow(this.starts);
    this.lengths = grow(this.lengths);
    this.values = grow(this.values);
  }
}

/** FNV-1a (32 bits) of `bytes[start, end)`: the table's hash, which formats/combined-bytes.ts makes as it scans. */
export function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let hash = 0x811c9dc5 | 0;
  for (let i = start; i < end; i += 1) hash = Math.imul(hash ^ bytes[i]!, 0x01000193);
  return hash;
}

/** The ASCII text of `bytes[start, end)` (the caller has checked it is ASCII). */
export function asciiText(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1');
}

/** True when `bytes[start, end)` has no byte ≥ 0x80. */
export function isAscii(bytes: Uint8Array, start: number, end: number): boolean {
  let high = 0;
  for (let i = start; i < end; i += 1) high |= bytes[i]!;
  return high < 0x80;
}
