import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { seededRandom } from '../contracts/random.ts';
import { createServiceDesk, type DeskOutcome } from './service-desk.ts';

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

function desk(capacity: number, serviceMs: number, queueLimit: number, jitter = 0) {
  return createServiceDesk({ capacity, serviceMs, queueLimit, jitter, random: seededRandom(1), now: () => Date.now() });
}

describe('the ministry service desk', () => {
  test.each([
    [5, 100, 0.2, 50],
    [5, 50, 0.2, 100],
    [10, 200, 0, 50],
    [3, 30, 0.5, 100],
  ])(
    '%i slots × %i ms (jitter %f) serve %i calls per second while saturated',
    async (capacity, serviceMs, jitter, perSecond) => {
      const service = desk(capacity, serviceMs, 100_000, jitter);
      let done = 0;
      for (let i = 0; i < perSecond * 20; i += 1) void service.serve().then(() => (done += 1));
      await vi.advanceTimersByTimeAsync(10_000);
      // ±3 %: the jitter averages out over 10 s of service.
      expect(done / 10).toBeGreaterThan(perSecond * 0.97);
      expect(done / 10).toBeLessThan(perSecond * 1.03);
      expect(service.stats().maxBusy).toBe(capacity);
      service.close();
    },
  );

  test('late timers do not cost throughput: the next call starts when the last was due to end', async () => {
    const service = desk(1, 100, 1000);
    let done = 0;
    for (let i = 0; i < 100; i += 1) void service.serve().then(() => (done += 1));
    // The event loop is blocked for 350 ms: three calls were due meanwhile.
    vi.setSystemTime(Date.now() + 350);
    await vi.advanceTimersByTimeAsync(650);
    expect(done).toBe(10);
    service.close();
  });

  test('never more calls in service than slots; the queue is FIFO; past the queue, queue_full at once', async () => {
    const service = desk(2, 100, 3);
    const order: number[] = [];
    const outcomes: Array<Promise<DeskOutcome>> = [];
    for (let i = 0; i < 7; i += 1) outcomes.push(service.serve().then((outcome) => (order.push(i), outcome)));
    expect(service.stats()).toMatchObject({ busy: 2, queued: 3, turnedAway: 2 });
    await vi.advanceTimersByTimeAsync(0);
    expect(order).toEqual([5, 6]);
    await vi.advanceTimersByTimeAsync(300);
    expect(order).toEqual([5, 6, 0, 1, 2, 3, 4]);
    const kinds = (await Promise.all(outcomes)).map((outcome) => outcome.kind);
    expect(kinds).toEqual(['served', 'served', 'served', 'served', 'served', 'queue_full', 'queue_full']);
    expect(service.stats()).toMatchObject({ busy: 0, queued: 0, served: 5, maxBusy: 2 });
  });

  test('a queued call reports how long it waited', async () => {
    const service = desk(1, 100, 1);
    void service.serve();
    const second = service.serve();
    await vi.advanceTimersByTimeAsync(200);
    expect(await second).toEqual({ kind: 'served', waitedMs: 100 });
  });

  test('a call whose caller gives up while queued leaves the queue without using a slot', async () => {
    const service = desk(1, 100, 5);
    void service.serve();
    const gaveUp = new AbortController();
    const abandoned = service.serve(gaveUp.signal);
    const third = service.serve();
    gaveUp.abort();
    expect(await abandoned).toEqual({ kind: 'cancelled' });
    expect(service.stats()).toMatchObject({ queued: 1, cancelled: 1 });
    await vi.advanceTimersByTimeAsync(200);
    expect((await third).kind).toBe('served');
    expect(service.stats().served).toBe(2);
  });

  test('a queued call that could not finish before its deadline expires without using a slot', async () => {
    const service = desk(1, 100, 5);
    const first = service.serve(undefined, Date.now() + 1000);
    const tooLate = service.serve(undefined, Date.now() + 150); // its turn comes at 100, would end at 200 > 150
    const inTime = service.serve(undefined, Date.now() + 210); // then starts at 100, ends at 200, 10 ms to spare (no jitter)
    await vi.advanceTimersByTimeAsync(100);
    expect(await first).toEqual({ kind: 'served', waitedMs: 0 });
    expect(await tooLate).toEqual({ kind: 'expired', waitedMs: 100 });
    await vi.advanceTimersByTimeAsync(100);
    expect(await inTime).toEqual({ kind: 'served', waitedMs: 100 });
    expect(service.stats()).toMatchObject({ served: 2, expired: 1, maxBusy: 1 });
  });

  test('a call whose deadline is shorter than one service time expires at once', async () => {
    const service = desk(1, 100, 5);
    expect(await service.serve(undefined, Date.now() + 50)).toEqual({ kind: 'expired', waitedMs: 0 });
    expect(service.stats()).toMatchObject({ busy: 0, expired: 1 });
  });

  test('under sustained overload with deadlines every slot-second goes to a call that is still waited for', async () => {
    // 5 slots × 100 ms = 50/s; 200 calls/s arrive for 10 s, each waiting at most 1 s.
    const service = desk(5, 100, 1000, 0.2);
    const outcomes: Array<Promise<DeskOutcome>> = [];
    for (let tick = 0; tick < 1000; tick += 1) {
      for (let i = 0; i < 2; i += 1) outcomes.push(service.serve(undefined, Date.now() + 1000));
      await vi.advanceTimersByTimeAsync(10);
    }
    await vi.advanceTimersByTimeAsync(2000);
    const served = (await Promise.all(outcomes)).filter((outcome) => outcome.kind === 'served') as Array<{
      waitedMs: number;
    }>;
    // Every served call ended before its deadline (waited + at most 120 ms of service ≤ 1 s − 10 ms), at capacity.
    expect(served.every((outcome) => outcome.waitedMs <= 1000 - 10 - 120)).toBe(true);
    expect(served.length).toBeGreaterThan(50 * 10 * 0.97);
    expect(served.length).toBeLessThan(50 * 11 * 1.03);
  });

  test('close() cancels waiting and in-service calls', async () => {
    const service = desk(1, 100, 5);
    const first = service.serve();
    const second = service.serve();
    service.close();
    expect((await first).kind).toBe('cancelled');
    expect((await second).kind).toBe('cancelled');
    expect((await service.serve()).kind).toBe('cancelled');
    expect(service.stats()).toMatchObject({ busy: 0, queued: 0 });
  });

  test.each([
    [{ capacity: 0, serviceMs: 100, queueLimit: 0 }],
    [{ capacity: 1.5, serviceMs: 100, queueLimit: 0 }],
    [{ capacity: 1, serviceMs: 0, queueLimit: 0 }],
    [{ capacity: 1, serviceMs: 100, queueLimit: -1 }],
    [{ capacity: 1, serviceMs: 100, queueLimit: 0, jitter: 1 }],
  ])('refuses a desk sized %j', (sizes) => {
    expect(() => createServiceDesk({ ...sizes, random: seededRandom(1) })).toThrow(RangeError);
  });
});
