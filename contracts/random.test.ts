import { describe, expect, test } from 'vitest';
import { fnv1a, seedFrom, seededRandom } from './random.ts';

describe('seeded randomness', () => {
  test('the same seed gives the same sequence, another seed another', () => {
    const draw = (seed: number): number[] => Array.from({ length: 5 }, seededRandom(seed));
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
  });

  test('draws are uniform in [0, 1)', () => {
    const random = seededRandom(42);
    const bins = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i += 1) {
      const value = random();
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
      bins[Math.floor(value * 10)]! += 1;
    }
    for (const count of bins) expect(Math.abs(count - 10_000)).toBeLessThan(500); // ≈ 5 σ
  });

  test('seeds from parts keep the parts apart', () => {
    expect(seedFrom('1', '23')).not.toBe(seedFrom('12', '3'));
    expect(seedFrom('run', 3, 17)).toBe(seedFrom('run', 3, 17));
  });

  test('FNV-1a matches its published test vector', () => {
    expect(fnv1a('a')).toBe(0xe40c292c);
    expect(fnv1a('')).toBe(0x811c9dc5);
  });
});
