import { describe, expect, test } from 'vitest';
import {
  ExecutionTuple,
  parseExecutionSegment,
  parseRational,
  parseSegmentSequence,
  SegmentedIndex,
  SegmentError,
} from './segments.ts';

const sequence = parseSegmentSequence('0,1/2,3/4,1');
const tupleOf = (segment: string): ExecutionTuple => ExecutionTuple.from(parseExecutionSegment(segment), sequence);

describe('execution segments', () => {
  test.each([
    ['50%', { n: 1, d: 2 }],
    ['0.25', { n: 1, d: 4 }],
    ['3/4', { n: 3, d: 4 }],
    ['1', { n: 1, d: 1 }],
  ])('%s parses to the rational %o', (text, expected) => {
    expect(parseRational(text)).toEqual(expected);
  });

  test.each(['1/2:1/4', 'abc', '0:3/2'])('%s is rejected as a segment', (text) => {
    expect(() => parseExecutionSegment(text)).toThrow(SegmentError);
  });

  // The tables in the comments of k6's lib/execution_segment.go.
  test.each([
    ['0:1/2', [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6]],
    ['1/2:3/4', [0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3]],
    ['3/4:1', [0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3]],
  ])('segment %s scales 1..12 as k6 does', (segment, expected) => {
    const tuple = tupleOf(segment);
    expect(expected.map((_, i) => tuple.scale(i + 1))).toEqual(expected);
  });

  test.each([
    ['0:1/2', [0, 2, 4, 6, 8]],
    ['1/2:3/4', [1, 5, 9, 13, 17]],
    ['3/4:1', [3, 7, 11, 15, 19]],
  ])('segment %s walks the global indexes %o', (segment, expected) => {
    const index = new SegmentedIndex(tupleOf(segment));
    expect(expected.map(() => index.next()[1] - 1)).toEqual(expected);
  });

  test('the shares of all segments add up to the whole for any value', () => {
    const tuples = ['0:1/2', '1/2:3/4', '3/4:1'].map(tupleOf);
    for (let value = 0; value < 100; value += 1) {
      expect(tuples.reduce((sum, tuple) => sum + tuple.scale(value), 0)).toBe(value);
    }
  });

  test('an unsegmented tuple keeps every value', () => {
    expect(ExecutionTuple.from().scale(37)).toBe(37);
  });

  test('re-segmenting by a value keeps only the segments that get a share of it', () => {
    const tuple = ExecutionTuple.from(parseExecutionSegment('1/2:1'), parseSegmentSequence('0,1/2,1'));
    expect(tuple.retupleByValue(3).segment).toEqual(parseExecutionSegment('2/3:1'));
    expect(() =>
      ExecutionTuple.from(parseExecutionSegment('1/2:1'), parseSegmentSequence('0,1/2,1')).retupleByValue(1),
    ).toThrow(SegmentError);
  });
});
