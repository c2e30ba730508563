/**
 * Who is one applicant in an access log, without a key string per line: client addresses get
 * dense indexes (one table for the byte path and the text path), and an applicant is an address
 * index with a user-agent id (read-logs.ts).
 */

import { ABSENT, ByteTable, hashBytes } from './intern.ts';

/**
 * Dense ids of applicants (address + agent id) without building a key string per line: an
 * address keeps the first agent it was seen with in typed arrays; another agent from the same
 * address (rarer: a shared NAT) goes to a map keyed by number.
 */
export class ApplicantIds {
  size = 0;
  private firstAgent = new Int32Array(1024).fill(-1);
  private firstId = new Int32Array(1024);
  private readonly others = new Map<number | string, number>();

  /** The applicant of an address index (dense, from 0) and an agent id (≥ 0). */
  id(index: number, agent: number): number {
    if (index >= this.firstAgent.length) this.grow(index);
    const first = this.firstAgent[index]!;
    if (first === -1) {
      this.firstAgent[index] = agent;
      this.firstId[index] = this.size;
      return this.size++;
    }
    if (first === agent) return this.firstId[index]!;
    // exact below 2^53 for 2^29 addresses × 2^24 agents; beyond that many agents, a string key
    const key: number | string = agent < 0x1000000 ? index * 0x1000000 + agent : `${index} ${agent}`;
    let id = this.others.get(key);
    if (id === undefined) {
      id = this.size++;
      this.others.set(key, id);
    }
    return id;
  }

  private grow(index: number): void {
    let size = this.firstAgent.length * 2;
    while (size <= index) size *= 2;
    const agents = new Int32Array(size).fill(-1);
    agents.set(this.firstAgent);
    this.firstAgent = agents;
    const ids = new Int32Array(size);
    ids.set(this.firstId);
    this.firstId = ids;
  }
}

/**
 * Dense indexes of client addresses, one table for both paths: an ASCII address (all of them, in
 * practice) by its bytes, whether the byte path read them in place or the text path wrote them
 * out; another by its string.
 */
export class AddressIndexes {
  size = 0;
  private readonly table = new ByteTable(4096);
  private readonly others = new Map<string, number>();
  private scratch = new Uint8Array(256);

  /** The index of the ASCII `bytes[start, end)` of hash `hash` (intern.ts's hashBytes). */
  ofBytes(bytes: Uint8Array, start: number, end: number, hash: number): number {
    const index = this.table.getHashed(bytes, start, end, hash);
    if (index !== ABSENT) return index;
    this.table.set(bytes, start, end, this.size);
    return this.size++;
  }

  /** The index of an address the text path read. */
  ofText(address: string): number {
    const length = address.length;
    if (length > this.scratch.length) this.scratch = new Uint8Array(length * 2);
    for (let i = 0; i < length; i += 1) {
      const code = address.charCodeAt(i);
      if (code >= 0x80) return this.ofOther(address);
      this.scratch[i] = code;
    }
    return this.ofBytes(this.scratch, 0, length, hashBytes(this.scratch, 0, length));
  }

  private ofOther(address: string): number {
    let index = this.others.get(address);
    if (index === undefined) {
      index = this.size++;
      this.others.set(address, index);
    }
    return index;
  }
}
