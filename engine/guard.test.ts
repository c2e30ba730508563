import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { monoNow } from './clock.ts';
import { callBefore, callWithin, guardStats, requireWatchdog, RunawayScriptError, watchdogMode } from './guard.ts';

const spinForever = (): never => {
  for (;;) {
    // an endless synchronous loop, as a runaway script has
  }
};

describe('the script guard', () => {
  // the watchdog itself (FLOODGATE_GUARD=vm); the default relies on engine/interrupt.ts
  beforeAll(() => {
    vi.stubEnv('FLOODGATE_GUARD', process.env.FLOODGATE_GUARD === 'inspector' ? 'inspector' : 'vm');
  });
  afterAll(() => {
    vi.unstubAllEnvs();
  });

  test('callWithin returns what the function returns and rethrows what it throws', () => {
    expect(callWithin(() => 42, 1000)).toBe(42);
    expect(() =>
      callWithin(() => {
        throw new TypeError('bad');
      }, 1000),
    ).toThrow(TypeError);
  });

  test('callWithin stops an endless synchronous loop at its budget', () => {
    const started = monoNow();
    expect(() => callWithin(spinForever, 50)).toThrow(RunawayScriptError);
    expect(monoNow() - started).toBeGreaterThanOrEqual(45);
  });

  test('calls queued in one turn share one watchdog and each gets its own result, in order', async () => {
    const before = { ...guardStats };
    const order: number[] = [];
    const deadline = monoNow() + 10_000;
    const results = await Promise.allSettled(
      [0, 1, 2, 3].map((index) =>
        callBefore(() => {
          order.push(index);
          if (index === 2) throw new Error('third');
          return index * 10;
        }, deadline),
      ),
    );
    expect(order).toEqual([0, 1, 2, 3]);
    expect(
      results.map((result) => (result.status === 'fulfilled' ? result.value : (result.reason as Error).message)),
    ).toEqual([0, 10, 'third', 30]);
    expect(guardStats.calls - before.calls).toBe(4);
    expect(guardStats.watchdogs - before.watchdogs).toBe(1);
  });

  test('a runaway call in a batch is stopped at its deadline; the calls after it still run', async () => {
    const deadline = monoNow() + 50;
    const results = await Promise.allSettled([
      callBefore(() => 'first', deadline),
      callBefore(spinForever, deadline),
      callBefore(() => 'third', deadline),
    ]);
    expect(results[0]).toEqual({ status: 'fulfilled', value: 'first' });
    expect(results[1]?.status === 'rejected' && results[1].reason).toBeInstanceOf(RunawayScriptError);
    expect(results[2]).toEqual({ status: 'fulfilled', value: 'third' });
  });

  test('calls with different deadlines get their own watchdogs: a later deadline is not cut short by an earlier one', async () => {
    const before = { ...guardStats };
    const soon = monoNow() + 30;
    const later = monoNow() + 2_000;
    const results = await Promise.allSettled([
      callBefore(spinForever, soon),
      callBefore(() => {
        const until = monoNow() + 60; // runs past the first deadline, within its own
        while (monoNow() < until) {
          // busy
        }
        return 'done';
      }, later),
    ]);
    expect(results[0]?.status === 'rejected' && results[0].reason).toBeInstanceOf(RunawayScriptError);
    expect(results[1]).toEqual({ status: 'fulfilled', value: 'done' });
    expect(guardStats.watchdogs - before.watchdogs).toBe(2);
  });

  test('a returned promise is adopted: callBefore resolves when it settles', async () => {
    await expect(callBefore(async () => 'later', monoNow() + 1000)).resolves.toBe('later');
  });
});

describe('which watchdog guards a call', () => {
  test('by default none, except while a run whose script builds code at run time holds the vm watchdog', () => {
    vi.stubEnv('FLOODGATE_GUARD', '');
    try {
      expect(watchdogMode()).toBe('none');
      const release = requireWatchdog();
      expect(watchdogMode()).toBe('vm');
      release();
      release();
      expect(watchdogMode()).toBe('none');
      vi.stubEnv('FLOODGATE_GUARD', 'vm');
      expect(watchdogMode()).toBe('vm');
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
