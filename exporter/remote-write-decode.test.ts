import protobuf from 'protobufjs';
import { compress, uncompress } from 'snappyjs';
import { describe, expect, test } from 'vitest';
import { decodeWriteRequestBounded, REMOTE_WRITE_LIMITS } from './remote-write-decode.ts';
import { encodeWriteRequest, REMOTE_WRITE_PROTO, RemoteWriteError, type WriteRequest } from './remote-write.ts';

/** The reference: protobufjs over snappyjs, unbounded (the exporter decodes only with the bounded decoder). */
const WRITE_REQUEST = protobuf.parse(REMOTE_WRITE_PROTO).root.lookupType('prometheus.WriteRequest');
function referenceDecode(body: Buffer): WriteRequest {
  const message = WRITE_REQUEST.decode(uncompress(new Uint8Array(body.buffer, body.byteOffset, body.byteLength)));
  return WRITE_REQUEST.toObject(message, {
    longs: Number,
    enums: String,
    defaults: true,
    arrays: true,
  }) as WriteRequest;
}

const labels = (name: string, extra: Record<string, string> = {}): Array<{ name: string; value: string }> =>
  Object.entries({ __name__: name, ...extra }).map(([key, value]) => ({ name: key, value }));

/** What both decoders must agree on (protobufjs adds empty exemplar and custom-value arrays). */
function comparable(request: WriteRequest): unknown {
  return request.timeseries.map((series) => ({
    labels: series.labels,
    samples: series.samples,
    histograms: series.histograms.map((histogram) => {
      const { customValues: _custom, ...rest } = histogram as typeof histogram & { customValues?: unknown };
      return rest;
    }),
  }));
}

describe('the bounded decoder', () => {
  test('decodes what a sender encodes exactly as protobufjs does: samples, negative int64 timestamps, native histograms', () => {
    const body = encodeWriteRequest({
      timeseries: [
        {
          labels: labels('k6_http_reqs_total', { instance_id: '2', testid: 'r1', name: 'ünïcode ✓' }),
          samples: [
            { value: 42, timestamp: 1787302801234 },
            { value: -1.5, timestamp: -5 },
          ],
        },
        {
          labels: labels('k6_http_req_duration_seconds', { testid: 'r1' }),
          histograms: [
            {
              countInt: 10,
              sum: 1.5,
              schema: 3,
              zeroThreshold: 1e-9,
              zeroCountInt: 1,
              positiveSpans: [
                { offset: -3, length: 2 },
                { offset: 1, length: 1 },
              ],
              positiveDeltas: [3, -1, 4],
              resetHint: 'NO',
              timestamp: 1787302801234,
            },
            {
              countFloat: 3.5,
              sum: 2,
              schema: -2,
              negativeSpans: [{ offset: 1, length: 1 }],
              negativeCounts: [1.5],
              positiveSpans: [{ offset: 0, length: 1 }],
              positiveCounts: [2],
              timestamp: 5,
            },
          ],
        },
      ],
    });
    expect(comparable(decodeWriteRequestBounded(body))).toEqual(comparable(referenceDecode(body)));
  });

  test('decompresses snappy copies of every kind (literals, 1-, 2-byte offsets, overlapping runs) like snappyjs', () => {
    const parts: number[] = [];
    for (let i = 0; i < 3000; i += 1) {
      const value = Buffer.from(`v${(i % 97).toString(36).repeat(i % 13)}${'abcabcabcabc'.slice(i % 7)}`);
      const label = [0x0a, 1, 0x61, 0x12, value.length, ...value];
      parts.push(0x0a, label.length + 2, 0x0a, label.length, ...label);
    }
    const body = Buffer.from(compress(Uint8Array.from(parts)));
    expect(comparable(decodeWriteRequestBounded(body))).toEqual(comparable(referenceDecode(body)));
  });

  test('stops at the series limit while decompressing, with 413 and the limit named', () => {
    const raw = new Uint8Array(2 * 1000);
    for (let index = 0; index < raw.length; index += 2) raw[index] = 0x0a;
    const error = (() => {
      try {
        decodeWriteRequestBounded(Buffer.from(compress(raw)), { ...REMOTE_WRITE_LIMITS, maxSeries: 999 });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(RemoteWriteError);
    expect(error).toMatchObject({ status: 413, message: expect.stringContaining('more than 999 series') });
    expect(
      decodeWriteRequestBounded(Buffer.from(compress(raw)), { ...REMOTE_WRITE_LIMITS, maxSeries: 1000 }).timeseries,
    ).toHaveLength(1000);
  });
});
