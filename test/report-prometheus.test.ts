/**
 * The report's Prometheus reader against the real thing: a simulated run is fed line by line, in
 * real time, to the exporter (library); a real Prometheus scrapes it every second; the run-result
 * read back with range queries must hold the same counts as the one read from the NDJSON. Bounded:
 * about 25 s of samples, ~700 applicants.
 */

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FUNNEL_STAGES } from '../contracts/funnel.ts';
import { createExporter, exporterConfig, type Exporter } from '../exporter/index.ts';
import { quantile } from '../report/histogram.ts';
import { simulateRun, simulatedRunResult, type SimulatedRun } from '../report/fixtures/simulated-run.ts';
import { totalsOf } from '../report/analysis/totals.ts';
import { readPrometheusRun } from '../report/read-prometheus.ts';
import { prometheusInstalled, startPrometheus, type TestPrometheus } from './support/prometheus.ts';

const installed = await prometheusInstalled();
let prometheus: TestPrometheus | undefined;
let exporter: Exporter | undefined;
let simulation: SimulatedRun;

beforeAll(async () => {
  if (!installed) return;
  exporter = createExporter({ config: exporterConfig({ port: 0 }) });
  const address = await exporter.listen();
  prometheus = await startPrometheus(
    `global: { scrape_interval: 1s, evaluation_interval: 1s }\nscrape_configs:\n  - job_name: exporter\n    static_configs: [{ targets: ['${new URL(address.url).host}'] }]\n`,
  );
  // A run that starts now, fed to the exporter as its samples come due.
  simulation = simulateRun({
    run: 'prom-run',
    startMs: Date.now() + 1000,
    steps: [
      { rate: 20, seconds: 10 },
      { rate: 30, seconds: 10 },
    ],
    stages: { verify_nik: { baseMs: 40, servers: 2, serviceMs: 150 } },
    seed: 5,
  });
  const due = simulation.lines.map((line) => {
    const time = /"time":"([^"]+)"/.exec(line)?.[1];
    return { line, at: time ? Date.parse(time) : 0 };
  });
  let next = 0;
  while (next < due.length) {
    const now = Date.now();
    while (next < due.length && due[next]!.at <= now) exporter.ingestLine(due[next++]!.line, 'test');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  // Two more scrapes see the final values.
  await new Promise((resolve) => setTimeout(resolve, 3000));
}, 90_000);

afterAll(async () => {
  await prometheus?.stop();
  await exporter?.close();
});

describe.skipIf(!installed)('reading a run back from Prometheus', () => {
  test('gives the same per-stage counts as the NDJSON, and comparable quantiles', async () => {
    const fromFile = simulatedRunResult(simulation, { withTruth: false });
    const fromPrometheus = await readPrometheusRun({ url: prometheus!.url, run: 'prom-run', resolutionSeconds: 2 });
    expect(fromPrometheus.source.kind).toBe('prometheus');
    expect(fromPrometheus.scenario).toBe('breakpoint');
    const file = totalsOf(fromFile.slots, fromFile.resolutionSeconds);
    const prom = totalsOf(fromPrometheus.slots, fromPrometheus.resolutionSeconds);
    for (const stage of FUNNEL_STAGES) {
      expect(prom.stages[stage].requests, stage).toEqual(file.stages[stage].requests);
      expect(prom.stages[stage].funnel, stage).toEqual(file.stages[stage].funnel);
    }
    expect(prom.dropped).toBe(file.dropped);
    // explicit Prometheus buckets are coarser than the log buckets: the same p95 within a bucket's width
    const fileP95 = quantile(file.stages.verify_nik.latency.ok, 0.95)!;
    const promP95 = quantile(prom.stages.verify_nik.latency.ok, 0.95)!;
    expect(promP95 / fileP95).toBeGreaterThan(0.6);
    expect(promP95 / fileP95).toBeLessThan(1.7);
    // the timeline lines up: most requests land in slots near the same time
    const fileStart = Date.parse(fromFile.origin) / 1000;
    const promStart = Date.parse(fromPrometheus.origin) / 1000;
    const centre = (slots: typeof fromFile.slots, origin: number): number => {
      let weighted = 0;
      let total = 0;
      for (const slot of slots) {
        const count = slot.stages.landing?.requests.ok ?? 0;
        weighted += (origin + slot.t) * count;
        total += count;
      }
      return weighted / total;
    };
    expect(Math.abs(centre(fromPrometheus.slots, promStart) - centre(fromFile.slots, fileStart))).toBeLessThan(4);
  });

  test('says so when Prometheus holds nothing for the run', async () => {
    await expect(readPrometheusRun({ url: prometheus!.url, run: 'no-such-run' })).rejects.toMatchObject({
      code: 'RESULTS_NOT_FOUND',
    });
  });

  test('says so when Prometheus does not answer', async () => {
    await expect(readPrometheusRun({ url: 'http://127.0.0.1:9', run: 'x' })).rejects.toMatchObject({
      code: 'PROMETHEUS_UNAVAILABLE',
    });
  });
});
