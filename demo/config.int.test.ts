/**
 * The Prometheus config the demo writes: the project's deploy/prometheus/prometheus.yml pointed at
 * the demo's own addresses, checked by promtool (rules included) when it is installed.
 */

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { demoPrometheusConfig } from './index.ts';

const work = mkdtempSync(join(tmpdir(), 'floodgate-demo-config-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const promtool = (() => {
  try {
    execFileSync('promtool', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe("the demo's Prometheus config", () => {
  const text = demoPrometheusConfig({
    exporter: '127.0.0.1:41000',
    target: '127.0.0.1:41001',
    prometheus: '127.0.0.1:41002',
  });
  const config = parse(text) as {
    rule_files: string[];
    scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }>;
  };

  test.each([
    ['floodgate-exporter', '127.0.0.1:41000'],
    ['floodgate-target', '127.0.0.1:41001'],
    ['prometheus', '127.0.0.1:41002'],
  ])('scrapes %s at %s', (job, address) => {
    expect(config.scrape_configs.find((entry) => entry.job_name === job)?.static_configs).toEqual([
      { targets: [address] },
    ]);
  });

  test('names its rule files by absolute path', () => {
    for (const file of config.rule_files) expect(file.startsWith('/')).toBe(true);
  });

  test.skipIf(!promtool)('passes promtool check config, rules included', () => {
    const path = join(work, 'prometheus.yml');
    writeFileSync(path, text);
    expect(() => execFileSync('promtool', ['check', 'config', path], { stdio: 'pipe' })).not.toThrow();
  });
});
