import { beforeAll, describe, expect, test } from 'vitest';
import { fiftyThousandUrlsAsync, type RemoteWriteCase } from './index.ts';

// The biggest case: seconds of CPU to build, so it is built once, off the test's own timer.
let c: RemoteWriteCase;
beforeAll(async () => {
  c = await fiftyThousandUrlsAsync();
}, 300_000);

describe('the 50,000-URL case', () => {
  test('has 50,000 distinct url values and 50,000 requests in its expectations', () => {
    expect(c.run.expected.distinctUrls).toBe(50_000);
    expect(c.run.expected.httpRequestsTotal).toBe(50_000);
    expect(c.outcome).toEqual({ kind: 'exact' });
  });

  test('its pushes carry all 50,000 url series of k6_http_reqs_total, whose last values add up to every request', () => {
    const urls = new Set<string>();
    const last = new Map<string, number>();
    for (const r of c.requests)
      for (const ts of r.decodedForDebug.timeseries) {
        if (ts.labels.find((l) => l.name === '__name__')!.value !== 'k6_http_reqs_total') continue;
        urls.add(ts.labels.find((l) => l.name === 'url')!.value);
        last.set(ts.labels.map((l) => `${l.name}=${l.value}`).join(','), ts.samples[0]!.value);
      }
    expect(urls.size).toBe(50_000);
    expect([...last.values()].reduce((a, v) => a + v, 0)).toBe(50_000);
  });
});
