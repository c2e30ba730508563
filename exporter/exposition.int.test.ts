/**
 * The exporter's /metrics text (exporter/exposition.ts) is byte for byte what prom-client writes
 * from the same collectors, over a whole run.
 */

import { type Metric, Registry } from 'prom-client';
import { describe, expect, test } from 'vitest';
import { k6RunLines } from './fixtures/k6-lines.ts';
import { createExporter, exporterConfig } from './index.ts';

describe("the exporter's /metrics text", () => {
  test("is byte for byte prom-client's rendering of its collectors over a run with awkward check names", async () => {
    const exporter = createExporter({
      config: exporterConfig(),
      clock: { now: () => Date.parse('2026-08-21T09:30:00Z') },
    });
    exporter.ingestLines(k6RunLines({ run: 'text-1', journeys: 200 }).lines);
    for (const check of ['status is "201"', 'a\\b', 'ünïcödé']) {
      const tags = { run: 'text-1', scenario: 'opening', check };
      exporter.ingestLine(
        JSON.stringify({ metric: 'checks', type: 'Point', data: { time: '2026-08-21T09:00:05Z', value: 1, tags } }),
      );
    }
    const theirs = new Registry();
    for (const metric of exporter.registry.getMetricsAsArray()) theirs.registerMetric(metric as unknown as Metric);
    const text = await exporter.registry.metrics();
    expect(text).toBe(await theirs.metrics());
    expect(text).toContain('check="status is \\"201\\""');
    expect(text).toContain('floodgate_http_request_duration_seconds_bucket{run="text-1"');
    await exporter.close();
  });
});
