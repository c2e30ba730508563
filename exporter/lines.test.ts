import { describe, expect, test } from 'vitest';
import { LineSplitter } from './lines.ts';

function collect(splitter: LineSplitter, chunks: readonly string[], end = false): { lines: string[]; tooLong: number } {
  const result = { lines: [] as string[], tooLong: 0 };
  const sink = { line: (text: string) => result.lines.push(text), tooLong: () => (result.tooLong += 1) };
  for (const chunk of chunks) splitter.push(Buffer.from(chunk), sink);
  if (end) splitter.end(sink);
  return result;
}

describe('LineSplitter', () => {
  test('splits lines across chunk boundaries and keeps the partial last line waiting', () => {
    const splitter = new LineSplitter(100);
    expect(collect(splitter, ['{"a":', '1}\n{"b"', ':2}\n{"c"'])).toEqual({
      lines: ['{"a":1}', '{"b":2}'],
      tooLong: 0,
    });
    expect(splitter.pendingBytes).toBe(4);
    expect(collect(splitter, [':3}\n'])).toEqual({ lines: ['{"c":3}'], tooLong: 0 });
  });

  test('decodes a multi-byte character split between two chunks', () => {
    const bytes = Buffer.from('naïve ✓\n');
    const splitter = new LineSplitter(100);
    const lines: string[] = [];
    const sink = { line: (text: string) => lines.push(text), tooLong: () => {} };
    splitter.push(bytes.subarray(0, 3), sink);
    splitter.push(bytes.subarray(3, 8), sink);
    splitter.push(bytes.subarray(8), sink);
    expect(lines).toEqual(['naïve ✓']);
  });

  test('skips an over-long line up to its newline, reports it once, and goes on', () => {
    const splitter = new LineSplitter(10);
    const long = 'x'.repeat(25);
    expect(collect(splitter, ['ok\n', long.slice(0, 12), long.slice(12), '\nnext\n'])).toEqual({
      lines: ['ok', 'next'],
      tooLong: 1,
    });
    expect(splitter.pendingBytes).toBe(0);
  });

  test('reports an over-long line that arrives whole in one chunk', () => {
    expect(collect(new LineSplitter(5), ['abcdefgh\nabc\n'])).toEqual({ lines: ['abc'], tooLong: 1 });
  });

  test('never holds more than the limit while an over-long line streams in', () => {
    const splitter = new LineSplitter(1000);
    const sink = { line: () => {}, tooLong: () => {} };
    for (let i = 0; i < 100; i += 1) {
      splitter.push(Buffer.alloc(600, 0x61), sink);
      expect(splitter.pendingBytes).toBeLessThanOrEqual(1000);
    }
  });

  test('at the end of a body, the partial last line counts as a line', () => {
    expect(collect(new LineSplitter(100), ['a\nb'], true)).toEqual({ lines: ['a', 'b'], tooLong: 0 });
  });
});
