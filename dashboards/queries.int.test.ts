/**
 * Every panel query of every board, run on a real Prometheus loaded with the project's
 * prometheus.yml and rules, scraping two small prom-client servers that expose every catalog
 * metric with known values. Proves the queries parse, fill, and compute what they say, without
 * the rest of floodgate (the full chain is test/dashboards-full-chain.test.ts).
 */

import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FUNNEL_STAGES, STAGE_RESULTS } from '../contracts/funnel.ts';
import {
  EXPORTER_METRICS,
  REQUEST_OUTCOMES,
  RUN_METRICS,
  TARGET_METRICS,
  type MetricDefinition,
} from '../contracts/metrics.ts';
import { checkDashboards, failedChecks, substituteVariables, type QueryCheck } from './check.ts';
import { DASHBOARDS } from './index.ts';
import { RECORDED, SCRAPE_JOBS } from '../deploy/prometheus/rules/index.ts';
import { projectPrometheusConfig } from '../test/dashboards-prometheus-config.ts';
import { startPrometheus, type TestPrometheus } from '../test/support/prometheus.ts';

const RUN = 'synthetic-1';
/** Scrapes and rule evaluations every second; 12 s gives the 30 s recording windows enough samples. */
const WARM_UP_MS = 12_000;

/** One value per label name; stage, result and outcome take all their values. */
const LABEL_VALUES: Record<string, readonly string[]> = {
  run: [RUN],
  scenario: ['opening'],
  stage: FUNNEL_STAGES,
  result: STAGE_RESULTS,
  method: ['POST'],
  status: ['200'],
  check: ['answer is valid'],
  metric: ['http_req_duration'],
  threshold: ['p(95)<1500'],
  source: ['file'],
  reason: ['bad_json'],
  label: ['check'],
  route: ['/api/register'],
};

function labelSets(definition: MetricDefinition): Array<Record<string, string>> {
  let sets: Array<Record<string, string>> = [{}];
  for (const label of definition.labels) {
    const values =
      label === 'outcome' && definition.labels.includes('stage')
        ? REQUEST_OUTCOMES
        : label === 'result' && definition === RUN_METRICS.checks
          ? ['pass', 'fail']
          : (LABEL_VALUES[label] ?? ['ok']);
    sets = sets.flatMap((set) => values.map((value) => ({ ...set, [label]: value })));
  }
  return sets;
}

/** A registry holding every metric of `definitions`, and a tick that moves them by known amounts. */
function syntheticRegistry(definitions: readonly MetricDefinition[]): { registry: Registry; tick: () => void } {
  const registry = new Registry();
  const startedAt = Date.now() / 1000;
  const updates = definitions.map((definition) => {
    const common = {
      name: definition.name,
      help: definition.help,
      labelNames: [...definition.labels],
      registers: [registry],
    };
    const sets = labelSets(definition);
    switch (definition.type) {
      case 'counter': {
        const counter = new Counter(common);
        return () => sets.forEach((labels) => counter.inc(labels, 1));
      }
      case 'histogram': {
        const histogram = new Histogram({ ...common, buckets: [...(definition.buckets ?? [1])] });
        // Every request takes 0.25 s: the p95 falls in the (0.2, 0.3] bucket, at 0.295 s.
        return () => sets.forEach((labels) => histogram.observe(labels, 0.25));
      }
      case 'gauge': {
        const gauge = new Gauge(common);
        return () =>
          sets.forEach((labels) => {
            if (definition === RUN_METRICS.runStart) gauge.set(labels, startedAt);
            else if (definition === RUN_METRICS.runLastSample) gauge.set(labels, Date.now() / 1000);
            else if (definition === RUN_METRICS.reconciliationLost) gauge.set(labels, 0);
            else gauge.set(labels, 10);
          });
      }
    }
  });
  return { registry, tick: () => updates.forEach((update) => update()) };
}

async function serve(registry: Registry): Promise<{ server: Server; port: number }> {
  const server = createServer((_request, response) => {
    void registry.metrics().then((text) => {
      response.writeHead(200, { 'Content-Type': registry.contentType });
      response.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : 0 };
}

describe('every dashboard query on a real Prometheus with synthetic series', () => {
  let prometheus: TestPrometheus | undefined;
  const servers: Server[] = [];
  let timer: NodeJS.Timeout | undefined;
  let checks: QueryCheck[] = [];
  const variables = { runs: [RUN], rateInterval: '10s', interval: '1s', range: '1m' };

  beforeAll(async () => {
    const exporter = syntheticRegistry([...Object.values(RUN_METRICS), ...Object.values(EXPORTER_METRICS)]);
    const target = syntheticRegistry(Object.values(TARGET_METRICS));
    const tick = (): void => {
      exporter.tick();
      target.tick();
    };
    tick();
    timer = setInterval(tick, 100);
    const exporterServer = await serve(exporter.registry);
    const targetServer = await serve(target.registry);
    servers.push(exporterServer.server, targetServer.server);
    prometheus = await startPrometheus(
      projectPrometheusConfig({
        [SCRAPE_JOBS.exporter]: `127.0.0.1:${exporterServer.port}`,
        [SCRAPE_JOBS.target]: `127.0.0.1:${targetServer.port}`,
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, WARM_UP_MS));
    checks = await checkDashboards(DASHBOARDS, {
      prometheusUrl: prometheus.url,
      variables,
      rangeSeconds: 60,
      stepSeconds: 2,
    });
  });

  afterAll(async () => {
    if (timer) clearInterval(timer);
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    await prometheus?.stop();
  });

  test('every query parses and every panel fills', () => {
    expect(checks.length).toBeGreaterThan(40);
    expect(
      failedChecks(checks).map(
        (check) =>
          `${check.board} #${check.panelId} ${check.title} [${check.refId}] ${check.status}: ${check.error ?? check.expr}`,
      ),
    ).toEqual([]);
  });

  test('even panels that may stay empty in a healthy run fill when their series exist', () => {
    expect(
      checks.filter((check) => check.status !== 'data' && check.board !== 'annotations').map((check) => check.title),
    ).toEqual([]);
  });

  test('an error share of one request in three reads 1/3 on every stage', async () => {
    const query = checks.find((check) => check.title === 'Error rate by stage against its SLO' && check.refId === 'A');
    const data = await prometheus?.query(query?.expr ?? '');
    expect(data?.result).toHaveLength(FUNNEL_STAGES.length);
    for (const sample of data?.result ?? []) expect(Number(sample.value?.[1])).toBeCloseTo(1 / 3, 6);
  });

  test('p95 latency of requests that all take 0.25 s reads 0.295 s (the (0.2, 0.3] bucket)', async () => {
    const query = checks.find((check) => check.title === 'p95 latency by stage against its SLO' && check.refId === 'A');
    const data = await prometheus?.query(query?.expr ?? '');
    for (const sample of data?.result ?? []) expect(Number(sample.value?.[1])).toBeCloseTo(0.295, 3);
  });

  test('funnel completion against the seed divides by the expected share', async () => {
    const expr = substituteVariables(
      checks.find((check) => check.title === 'Funnel completion against the seed' && check.refId === 'C')?.expr ?? '',
      variables,
    );
    const data = await prometheus?.query(expr);
    const verifyEmail = data?.result.find((sample) => sample.metric.stage === 'verify_email');
    // Every stage completed as many as arrived, against an expected 0.7385.
    expect(Number(verifyEmail?.value?.[1])).toBeCloseTo(1 / 0.7385, 3);
  });

  test('three requests for each applicant entered read 3 requests per applicant on every stage, 18 per new applicant over six stages, and 2/3 retries', async () => {
    // every label set moves by 1 a tick: three outcomes of requests per stage, one `entered` series per stage
    const byStage = await prometheus?.query(
      substituteVariables(
        checks.find((check) => check.title === 'Requests per applicant by stage' && check.refId === 'A')?.expr ?? '',
        variables,
      ),
    );
    expect(byStage?.result).toHaveLength(FUNNEL_STAGES.length);
    for (const sample of byStage?.result ?? []) expect(Number(sample.value?.[1])).toBeCloseTo(3, 6);
    const overall = await prometheus?.query(
      substituteVariables(
        checks.find((check) => check.title === 'Requests per applicant by stage' && check.refId === 'B')?.expr ?? '',
        variables,
      ),
    );
    expect(Number(overall?.result[0]?.value?.[1])).toBeCloseTo(18, 6);
    const retries = await prometheus?.query(
      substituteVariables(
        checks.find((check) => check.title === 'Retries share of requests by stage' && check.refId === 'A')?.expr ?? '',
        variables,
      ),
    );
    expect(retries?.result).toHaveLength(FUNNEL_STAGES.length);
    for (const sample of retries?.result ?? []) expect(Number(sample.value?.[1])).toBeCloseTo(2 / 3, 6);
  });

  test('the objectives are recorded per stage from contracts/', async () => {
    const data = await prometheus?.query(`${RECORDED.latencyObjective}{stage="verify_nik"}`);
    expect(Number(data?.result[0]?.value?.[1])).toBe(3);
  });
});
