import { describe, expect, test } from 'vitest';
import {
  K6_MAX_ABS_VALUE,
  K6LineSplitter,
  isGzipMagic,
  parseK6Line,
  parseRfc3339,
  sampleRejection,
} from './k6-json.ts';

const point = (
  metric: string,
  value: unknown,
  tags: Record<string, unknown> = {},
  time = '2026-08-21T09:00:01Z',
): string => JSON.stringify({ metric, type: 'Point', data: { time, value, tags } });

describe('parseK6Line', () => {
  test.each([
    ['a value of 1e308 (two of them sum to +Inf)', point('http_reqs', 1e308), 'out_of_range'],
    ['a gauge beyond 2^53', point('vus', 2 ** 54), 'out_of_range'],
    ['a negative request count', point('http_reqs', -1), 'bad_value'],
    ['a negative duration', point('http_req_duration', -3.5), 'bad_value'],
    ['a funnel sample without a stage', point('funnel_stage', 1, { result: 'entered' }), 'bad_tags'],
    [
      'a funnel sample with an unknown result',
      point('funnel_stage', 1, { stage: 'landing', result: 'won' }),
      'bad_tags',
    ],
    ['a scenario tag holding a newline', point('http_reqs', 1, { scenario: 'a\nb' }), 'bad_tags'],
  ])('rejects %s as %s', (_what, line, reason) => {
    expect(parseK6Line(line)).toEqual({ kind: 'rejected', reason });
  });

  test('keeps a negative gauge and a control character in a tag that never becomes a label', () => {
    expect(parseK6Line(point('my_gauge', -2)).kind).toBe('point');
    expect(parseK6Line(point('http_reqs', 1, { error: 'line one\nline two' })).kind).toBe('point');
  });

  test('keeps the largest value allowed', () => {
    expect(parseK6Line(point('data_sent', K6_MAX_ABS_VALUE)).kind).toBe('point');
  });
});

describe('sampleRejection', () => {
  test('applies the same checks to samples from any source', () => {
    expect(sampleRejection('http_reqs', Number.POSITIVE_INFINITY, {})).toBe('bad_value');
    expect(sampleRejection('funnel_stage', 1, { stage: 'register', result: 'completed' })).toBeUndefined();
  });
});

describe('parseRfc3339', () => {
  test.each([
    ['0050-01-01T00:00:00Z', -60_589_296_000_000],
    ['0099-12-31T23:59:59Z', -59_011_459_201_000],
    ['0000-03-01T00:00:00Z', -62_162_035_200_000],
  ])('reads the year as written in %s, not as 19xx', (text, expected) => {
    expect(parseRfc3339(text)).toBe(expected);
    const date = new Date(expected);
    expect(String(date.getUTCFullYear()).padStart(4, '0')).toBe(text.slice(0, 4));
  });

  test('reads a local zone offset the way Go writes it', () => {
    expect(parseRfc3339('2026-08-21T16:00:01.25+07:00')).toBe(Date.UTC(2026, 7, 21, 9, 0, 1, 250));
    expect(parseRfc3339('2026-08-21T16:00:01.75+07:00')).toBe(Date.UTC(2026, 7, 21, 9, 0, 1, 750));
  });

  test('keeps microseconds and drops nanoseconds, so a time never rounds into the next second', () => {
    const ms = parseRfc3339('2026-08-21T09:00:01.999999999Z')!;
    expect(Math.floor(ms / 1000)).toBe(Date.UTC(2026, 7, 21, 9, 0, 1) / 1000);
  });

  test.each(['0050-02-29T00:00:00Z', '2026-08-21T09:00:00+24:00', '2026-08-21T09:00:00'])('refuses %j', (text) => {
    expect(parseRfc3339(text)).toBeUndefined();
  });
});

describe('K6LineSplitter', () => {
  const collect = (chunks: string[], max = 16): { lines: string[]; tooLong: number } => {
    const splitter = new K6LineSplitter(max);
    const lines: string[] = [];
    let tooLong = 0;
    const sink = { line: (text: string) => lines.push(text), tooLong: () => (tooLong += 1) };
    for (const chunk of chunks) splitter.push(new TextEncoder().encode(chunk), sink);
    splitter.end(sink);
    return { lines, tooLong };
  };

  test('joins a line split across chunks, multi-byte characters included', () => {
    expect(collect(['ab', 'c\xE9', 'd\nef\n'])).toEqual({ lines: ['abcéd', 'ef'], tooLong: 0 });
    const euro = new TextEncoder().encode('€\n');
    const splitter = new K6LineSplitter();
    const lines: string[] = [];
    const sink = { line: (text: string) => lines.push(text), tooLong: () => {} };
    splitter.push(euro.subarray(0, 1), sink);
    splitter.push(euro.subarray(1), sink);
    expect(lines).toEqual(['€']);
  });

  test('skips a line beyond the limit once and keeps going', () => {
    expect(collect(['short\n', 'x'.repeat(10), 'x'.repeat(10), 'x\nafter\n'])).toEqual({
      lines: ['short', 'after'],
      tooLong: 1,
    });
  });

  test('counts a last line without its newline when the stream ends', () => {
    expect(collect(['a\nb'])).toEqual({ lines: ['a', 'b'], tooLong: 0 });
  });
});

test('isGzipMagic tells a gzip stream from text', () => {
  expect(isGzipMagic(new Uint8Array([0x1f, 0x8b, 8]))).toBe(true);
  expect(isGzipMagic(new TextEncoder().encode('{"type"'))).toBe(false);
});
