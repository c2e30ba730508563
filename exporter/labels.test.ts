import { describe, expect, test } from 'vitest';
import { LabelGuard, methodLabel, outcomeLabel, resultLabel, runLabel, stageLabel, statusLabel } from './labels.ts';

describe('LabelGuard', () => {
  test('keeps values up to the cap, folds the rest into "other" and counts each fold', () => {
    const folded: string[] = [];
    const guard = new LabelGuard(2, (label) => folded.push(label));
    expect(['200', '201', '200', '404', '500'].map((value) => guard.value('status', value))).toEqual([
      '200',
      '201',
      '200',
      'other',
      'other',
    ]);
    expect(folded).toEqual(['status', 'status']);
    expect(guard.distinct('status')).toBe(2);
  });

  test('caps each label separately', () => {
    const guard = new LabelGuard(1);
    expect(guard.value('status', '200')).toBe('200');
    expect(guard.value('method', 'GET')).toBe('GET');
    expect(guard.value('method', 'POST')).toBe('other');
  });
});

describe('label values from k6 tags', () => {
  test.each([
    [{ run: 'opening-1' }, 'opening-1'],
    [{ testid: 'run-42' }, 'run-42'],
    [{ run: 'a', testid: 'b' }, 'a'],
    [{}, 'unknown'],
    [{ run: 'Alice@example.invalid' }, 'other'],
    [{ run: 'x'.repeat(60) }, 'other'],
  ])('run of %j is %s', (tags, expected) => {
    expect(runLabel(tags)).toBe(expected);
  });

  test.each([
    ['register', 'register'],
    ['join_batch', 'join_batch'],
    [undefined, 'none'],
    ['', 'none'],
    ['https://example.test/api/register?id=17', 'other'],
  ])('stage %j is %s', (stage, expected) => {
    expect(stageLabel(stage)).toBe(expected);
  });

  test.each([
    ['completed', 'completed'],
    ['abandoned', 'abandoned'],
    ['exploded', 'other'],
    [undefined, 'other'],
  ])('result %j is %s', (result, expected) => {
    expect(resultLabel(result)).toBe(expected);
  });

  test.each([
    ['201', '201'],
    ['0', '0'],
    ['2011', 'other'],
    ['ok', 'other'],
    [undefined, 'none'],
  ])('status %j is %s', (status, expected) => {
    expect(statusLabel(new LabelGuard(10), status)).toBe(expected);
  });

  test('methods must look like HTTP methods', () => {
    const guard = new LabelGuard(10);
    expect([methodLabel(guard, 'POST'), methodLabel(guard, 'post'), methodLabel(guard, 'GET /x')]).toEqual([
      'POST',
      'other',
      'other',
    ]);
  });

  test.each([
    [{ status: '429', expected_response: 'true' }, 'throttled'],
    [{ status: '429', expected_response: 'false' }, 'throttled'],
    [{ status: '201', expected_response: 'true' }, 'ok'],
    [{ status: '409', expected_response: 'true' }, 'ok'],
    [{ status: '503', expected_response: 'false' }, 'error'],
    [{ status: '0', expected_response: 'false' }, 'error'],
    [{ status: '302' }, 'ok'],
    [{ status: '404' }, 'error'],
    [{}, 'error'],
  ])('a request tagged %j is %s', (tags, expected) => {
    expect(outcomeLabel(tags)).toBe(expected);
  });
});
