import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ALL_METRICS, K6_METRICS, LABEL_ALLOW_LIST, LATENCY_BUCKETS_SECONDS } from './metrics.ts';

describe('the metric catalog follows Prometheus conventions', () => {
  test.each(ALL_METRICS.map((metric) => [metric.name, metric] as const))('%s', (_name, metric) => {
    expect(metric.name).toMatch(/^floodgate_[a-z][a-z0-9_]*[a-z0-9]$/);
    expect(metric.help.length).toBeGreaterThan(10);
    if (metric.type === 'counter') expect(metric.name).toMatch(/_total$/);
    else expect(metric.name).not.toMatch(/_total$/);
    if (metric.unit === 'seconds') expect(metric.name).toMatch(/_seconds(_total)?$/);
    if (metric.unit === 'timestamp_seconds') expect(metric.name).toMatch(/_timestamp_seconds$/);
    if (metric.type === 'histogram') expect(metric.buckets?.length).toBeGreaterThan(3);
    expect(new Set(metric.labels).size).toBe(metric.labels.length);
    for (const label of metric.labels) {
      expect(label).toMatch(/^[a-z][a-z0-9_]*$/);
      expect(['le', 'quantile', 'url', 'name', 'email', 'nik', 'vu', 'iter', 'instance', 'job']).not.toContain(label);
    }
  });

  test('metric names are unique', () => {
    const names = ALL_METRICS.map((metric) => metric.name);
    expect(new Set(names).size).toBe(names.length);
  });

  test('the label allow-list never lets a URL, a request name or an identity through', () => {
    for (const forbidden of ['url', 'name', 'error', 'vu', 'iter', 'email', 'nik']) {
      expect(LABEL_ALLOW_LIST as readonly string[]).not.toContain(forbidden);
    }
  });

  test('latency buckets increase strictly', () => {
    for (let i = 1; i < LATENCY_BUCKETS_SECONDS.length; i += 1) {
      expect(LATENCY_BUCKETS_SECONDS[i]).toBeGreaterThan(LATENCY_BUCKETS_SECONDS[i - 1]!);
    }
  });

  test('custom k6 metric names satisfy k6’s rule', () => {
    for (const name of Object.values(K6_METRICS)) expect(name).toMatch(/^[a-zA-Z_][a-zA-Z0-9_]{1,128}$/);
  });
});

describe('contracts/ stays pure', () => {
  const files = readdirSync(import.meta.dirname).filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'));

  test.each(files)('%s imports only sibling contract files, with the .ts extension', (file) => {
    const source = readFileSync(join(import.meta.dirname, file), 'utf8');
    const specifiers = [...source.matchAll(/(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]/g)].map(
      (match) => match[1],
    );
    for (const specifier of specifiers) expect(specifier).toMatch(/^\.\/[a-z0-9-]+\.ts$/);
    // `require(` the call, not the word "required" in a message
    expect(source).not.toMatch(/\b(require\s*\(|process\.|Buffer\b|__dirname)/);
  });
});
