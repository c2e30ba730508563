import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { seededRandom } from './faults.ts';
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
  ])('%i slots × %i ms (jitter %f) serve %i calls per second while saturated', async (capacity, serviceMs, jitter, perSecond) => {
    const service = desk(capacity, serviceMs, 100_000, jitter);
    let done = 0;
    for (let i = 0; i < perSecond * 20; i += 1) void service.serve().then(() => (done += 1));
    await vi.advanceTimersByTimeAsync(10_000);
    // ±3 %: the jitter averages out over 10 s of service.
    expect(done / 10).toBeGreaterThan(perSecond * 0.97);
    expect(done / 10).toBeLessThan(perSecond * 1.03);
    expect(service.stats().maxBusy).toBe(capacity);
    service.close();
  });

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
