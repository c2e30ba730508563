import { Counter, Gauge, Histogram, type Metric, Registry } from 'prom-client';
import { describe, expect, test } from 'vitest';
import { ExpositionRegistry, metricHeader, sampleValueLine, type TextCollector } from './exposition.ts';

type Sample = { labels: Record<string, string>; value: number; metricName?: string };

/** A collector in prom-client's shape that also writes its own text, from the same samples. */
function collector(name: string, help: string, type: string, samples: Sample[]): Metric & TextCollector {
  const shape = {
    name,
    help,
    type,
    aggregator: 'sum',
    get: () => ({ name, help, type, aggregator: 'sum', values: samples }),
    reset: () => {},
    text: () => [metricHeader(name, help, type), ...samples.map((sample) => sampleValueLine(name, sample))].join('\n'),
  };
  return shape as unknown as Metric & TextCollector;
}

const AWKWARD: Sample[] = [
  { labels: { run: 'r1', check: 'status is "201"' }, value: 1 },
  { labels: { run: 'r1', check: 'back\\slash and \\"both\\"' }, value: 2 },
  { labels: { run: 'r1', check: 'two\nlines' }, value: 3 },
  { labels: { run: 'r1', check: 'café ✓ 🙂' }, value: 0.1 },
  { labels: { run: 'r1', check: '' }, value: -0 },
  { labels: { run: 'r1', check: 'nan' }, value: Number.NaN },
  { labels: { run: 'r1', check: 'inf' }, value: Number.POSITIVE_INFINITY },
  { labels: { run: 'r1', check: '-inf' }, value: Number.NEGATIVE_INFINITY },
  { labels: { run: 'r1', check: 'big' }, value: 1e21 },
  { labels: { run: 'r1', check: 'small' }, value: 5e-324 },
  { labels: { run: 'r1', check: 'max' }, value: Number.MAX_SAFE_INTEGER },
  { labels: {}, value: 1.5 },
  { labels: { le: '+Inf' }, value: 7, metricName: 'awkward_bucket' },
];

describe("the exporter's text format", () => {
  test('is byte for byte what prom-client writes for the same samples: escapes, NaN, +Inf, -Inf, -0, no labels', async () => {
    const theirs = new Registry();
    const ours = new ExpositionRegistry();
    for (const registry of [theirs, ours]) {
      registry.registerMetric(collector('awkward', 'help with \\ backslash\nand a newline', 'gauge', AWKWARD));
      registry.registerMetric(collector('empty_total', 'no samples', 'counter', []));
    }
    const text = await ours.metrics();
    expect(text).toBe(await theirs.metrics());
    expect(text).toContain('check="status is \\"201\\""} 1\n');
    expect(text).toContain('check="two\\nlines"} 3\n');
    expect(text).toContain('check="nan"} Nan\n');
    expect(text).toContain('check="-inf"} -Inf\n');
    expect(text).toContain('# HELP awkward help with \\\\ backslash\\nand a newline\n');
  });

  test("writes prom-client's own metrics registered beside the exporter's through prom-client, in registration order", async () => {
    const theirs = new Registry();
    const ours = new ExpositionRegistry();
    for (const registry of [theirs, ours]) {
      registry.registerMetric(collector('first', 'mine', 'gauge', AWKWARD.slice(0, 3)));
      const counter = new Counter({ name: 'plain_total', help: 'a Counter', labelNames: ['a'], registers: [registry] });
      counter.inc({ a: 'x"y' }, 2);
      const histogram = new Histogram({ name: 'plain_seconds', help: 'h', buckets: [0.1, 1], registers: [registry] });
      histogram.observe(0.5);
      new Gauge({ name: 'plain_gauge', help: 'g', registers: [registry] }).set(Number.NaN);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });
});
