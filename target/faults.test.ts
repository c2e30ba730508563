import { describe, expect, test } from 'vitest';
import { isFloodgateError } from '../contracts/errors.ts';
import { seededRandom } from '../contracts/random.ts';
import { createFaultInjector, parseErrorRates } from './faults.ts';

describe('error rates parse from stage=p pairs', () => {
  test.each([
    [['register=0.05'], { register: 0.05 }],
    [['register=0.05', 'verify_nik=1'], { register: 0.05, verify_nik: 1 }],
    ['register=0.05, verify_nik=.2', { register: 0.05, verify_nik: 0.2 }],
    [
      ['all=0.1'],
      { landing: 0.1, register: 0.1, verify_email: 0.1, verify_nik: 0.1, upload_photo: 0.1, join_batch: 0.1 },
    ],
    [
      ['all=0.1', 'register=0'],
      { landing: 0.1, register: 0, verify_email: 0.1, verify_nik: 0.1, upload_photo: 0.1, join_batch: 0.1 },
    ],
    ['', {}],
  ])('%j gives %j', (input, expected) => {
    expect(parseErrorRates(input)).toEqual(expected);
  });

  test.each([['checkout=0.1'], ['register=1.5'], ['register'], ['register=-0.1'], ['=0.1'], ['register=abc']])(
    '%s is refused with INPUT_INVALID naming the pair',
    (pair) => {
      let caught: unknown;
      try {
        parseErrorRates([pair]);
      } catch (error) {
        caught = error;
      }
      expect(isFloodgateError(caught, 'INPUT_INVALID')).toBe(true);
      expect((caught as Error).message).toContain(pair);
    },
  );
});

describe('fault draws are seeded', () => {
  test('the same seed gives the same sequence; another seed another', () => {
    const first = seededRandom(3);
    const again = seededRandom(3);
    const other = seededRandom(4);
    const a = Array.from({ length: 20 }, () => first());
    expect(Array.from({ length: 20 }, () => again())).toEqual(a);
    expect(Array.from({ length: 20 }, () => other())).not.toEqual(a);
    expect(a.every((value) => value >= 0 && value < 1)).toBe(true);
  });

  test('draws are close to uniform: the mean of 10,000 is 0.5 ± 0.02', () => {
    const random = seededRandom(11);
    let sum = 0;
    for (let i = 0; i < 10_000; i += 1) sum += random();
    expect(sum / 10_000).toBeGreaterThan(0.48);
    expect(sum / 10_000).toBeLessThan(0.52);
  });

  test.each([0, 0.1, 0.5, 1])('a lost-write rate of %f loses about that share of 5,000 writes', (rate) => {
    const faults = createFaultInjector({ latencyMs: 0, errorRates: {}, lostWriteRate: rate, seed: 1 });
    let lost = 0;
    for (let i = 0; i < 5000; i += 1) if (faults.loseWrite()) lost += 1;
    expect(Math.abs(lost / 5000 - rate)).toBeLessThan(0.02);
  });

  test('errors are injected only at the stages named', () => {
    const faults = createFaultInjector({ latencyMs: 0, errorRates: { verify_nik: 1 }, lostWriteRate: 0, seed: 1 });
    expect(faults.injectError('verify_nik')).toBe(true);
    expect(faults.injectError('register')).toBe(false);
  });

  test('turning errors on does not change which writes are lost', () => {
    const lostOf = (errorRate: number): boolean[] => {
      const faults = createFaultInjector({
        latencyMs: 0,
        errorRates: { register: errorRate },
        lostWriteRate: 0.3,
        seed: 9,
      });
      return Array.from({ length: 100 }, () => {
        faults.injectError('register');
        return faults.loseWrite();
      });
    };
    expect(lostOf(0.5)).toEqual(lostOf(0));
  });
});
