/**
 * Remote-write bombs: small snappy bodies that expand into millions of protobuf messages. Sent to
 * a real `floodgate exporter` process with its default limits, each is refused with 413 and the
 * limit it passed, for under a second of the exporter's CPU (its own work, measured from /proc, so
 * the neighbours on a shared machine do not count) and without its resident memory growing by 100 MB;
 * malformed bodies get 400; a real runner's push still lands afterwards.
 */

import { compress } from 'snappyjs';
import { Agent, fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RUN_METRICS as M } from '../../contracts/metrics.ts';
import { valueOf } from '../../exporter/fixtures/exposition.ts';
import { encodeWriteRequest } from '../../exporter/remote-write.ts';
import { stopAll } from '../support/processes.ts';
import {
  type ExporterProcess,
  procCpuSeconds,
  procMemory,
  resetPeakMemory,
  startExporterProcess,
} from './exporter-support.ts';

const MiB = 1024 * 1024;
/** No keep-alive: building a bomb can take longer than the server's keep-alive timeout, and a reused socket closed meanwhile fails the request. */
const fresh = new Agent({ pipelining: 0 });
const MB = 1_000_000;
let exporter: ExporterProcess;

beforeAll(async () => {
  exporter = await startExporterProcess([]);
});
afterAll(async () => {
  await stopAll();
  await fresh.close();
});

/** `bytes` of `pattern` repeated, snappy-compressed. */
function bomb(pattern: readonly number[], bytes: number): Buffer {
  const raw = new Uint8Array(bytes);
  for (let index = 0; index < bytes; index += 1) raw[index] = pattern[index % pattern.length]!;
  return Buffer.from(compress(raw));
}

/** A varint, for building protobuf by hand. */
function varint(value: number): number[] {
  const bytes: number[] = [];
  while (value >= 0x80) {
    bytes.push((value & 0x7f) | 0x80);
    value = Math.floor(value / 128);
  }
  bytes.push(value);
  return bytes;
}

/** One TimeSeries (field 1) whose body is `inner` repeated to about `bytes`. */
function oneSeriesOf(inner: readonly number[], bytes: number): Buffer {
  const count = Math.floor(bytes / inner.length);
  const body = new Uint8Array(count * inner.length);
  for (let index = 0; index < body.length; index += 1) body[index] = inner[index % inner.length]!;
  const head = Uint8Array.from([0x0a, ...varint(body.length)]);
  const raw = new Uint8Array(head.length + body.length);
  raw.set(head);
  raw.set(body, head.length);
  return Buffer.from(compress(raw));
}

/** A length-delimited protobuf field around `body`. */
function field(number: number, body: Uint8Array): Uint8Array {
  const head = Uint8Array.from([...varint(number * 8 + 2), ...varint(body.length)]);
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

/** WriteRequest { TimeSeries { Histogram { positive_deltas: 16 Mi zeros, packed } } }. */
function histogramBomb(): Buffer {
  return Buffer.from(compress(field(1, field(4, field(12, new Uint8Array(16 * MiB))))));
}

async function push(body: Buffer): Promise<{ status: number; text: string; ms: number }> {
  const started = performance.now();
  const response = await fetch(`${exporter.url}/api/v1/write`, {
    method: 'POST',
    headers: { 'Content-Encoding': 'snappy', 'Content-Type': 'application/x-protobuf' },
    body,
    dispatcher: fresh,
  });
  const text = await response.text();
  return { status: response.status, text, ms: performance.now() - started };
}

const BOMBS: ReadonlyArray<{ what: string; body: () => Buffer; reason: RegExp }> = [
  {
    what: '64 MiB of empty TimeSeries (0a 00 repeated; 3.15 MB on the wire)',
    body: () => bomb([0x0a, 0x00], 64 * MiB),
    reason: /more than 50000 series/,
  },
  { what: '4 MiB of empty TimeSeries', body: () => bomb([0x0a, 0x00], 4 * MiB), reason: /more than 50000 series/ },
  {
    what: 'one series of 16 MiB of empty labels',
    body: () => oneSeriesOf([0x0a, 0x00], 16 * MiB),
    reason: /more than 128 labels in one series/,
  },
  {
    what: 'one series of 16 MiB of empty samples',
    body: () => oneSeriesOf([0x12, 0x00], 16 * MiB),
    reason: /more than 200000 samples/,
  },
  {
    what: 'one series of 16 MiB of empty exemplars',
    body: () => oneSeriesOf([0x1a, 0x00], 16 * MiB),
    reason: /more than 100000 exemplars/,
  },
  // A histogram (field 4) of 16 MiB of packed positive deltas (field 12): 16 million buckets.
  {
    what: 'one histogram of 16 million buckets',
    body: histogramBomb,
    reason: /more than 1000 buckets in one histogram/,
  },
  { what: 'a body announcing 65 MiB', body: () => bomb([0x0a, 0x00], 65 * MiB), reason: /above the limit/ },
];

describe('a remote-write body that expands into millions of messages', () => {
  test.each(BOMBS)(
    'is refused with 413 for under a second of work, resident memory growing < 100 MB: $what',
    async ({ body, reason }) => {
      const payload = body();
      const pid = exporter.process.child.pid!;
      const before = procMemory(pid, 'VmRSS');
      resetPeakMemory(pid);
      const cpuBefore = procCpuSeconds(pid);
      const answer = await push(payload);
      const cpuSeconds = procCpuSeconds(pid) - cpuBefore;
      const peak = procMemory(pid, 'VmHWM');
      console.log(
        `${answer.ms.toFixed(0)} ms wall, ${(cpuSeconds * 1000).toFixed(0)} ms exporter CPU, peak RSS growth ${((peak - before) / MB).toFixed(1)} MB: ${answer.text.trim()}`,
      );
      expect(answer.status).toBe(413);
      expect(answer.text).toMatch(reason);
      // The work the exporter did for it (receiving the body included) is under a second of CPU; the
      // wall time also holds the upload and, on a shared machine, the neighbours (before: 105 s, then
      // an out-of-memory abort).
      expect(cpuSeconds).toBeLessThan(1);
      expect(answer.ms).toBeLessThan(10_000);
      expect((peak - before) / MB).toBeLessThan(100);
    },
  );
});

describe('a malformed body', () => {
  test.each([
    ['bytes that are not snappy', Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff])],
    ['a snappy copy from before the start', Buffer.from([0x10, 0x01, 0x05])],
    ['snappy that holds less than its preamble says', Buffer.from([0x10, 0x00, 0x0a])],
    ['protobuf cut short', Buffer.from(compress(Uint8Array.from([0x0a, 0x10, 0x0a, 0x02])))],
    ['a protobuf group', Buffer.from(compress(Uint8Array.from([0x0b, 0x0c])))],
  ])('is refused with 400 and what is wrong: %s', async (_what, body) => {
    const answer = await push(body);
    expect(answer.status).toBe(400);
    expect(answer.text).toMatch(/not (valid snappy|a snappy block|a protobuf WriteRequest)/);
  });
});

test('after the bombs, a real runner push is applied and counted', async () => {
  const labels = [
    ['__name__', 'k6_http_reqs_total'],
    ['expected_response', 'true'],
    ['instance_id', '0'],
    ['method', 'GET'],
    ['scenario', 'opening'],
    ['stage', 'landing'],
    ['status', '200'],
    ['testid', 'after-bombs'],
  ].map(([name, value]) => ({ name: name!, value: value! }));
  const answer = await push(
    encodeWriteRequest({ timeseries: [{ labels, samples: [{ value: 500, timestamp: Date.now() }] }] }),
  );
  expect(answer.status).toBe(204);
  const text = await (await fetch(`${exporter.url}/metrics`)).text();
  expect(valueOf(text, M.httpRequests.name, { run: 'after-bombs' })).toBe(500);
});
