/**
 * The project's deploy/prometheus/prometheus.yml made fit for a test: its scrape jobs pointed at
 * the ports the test picked, 1 s scrape and evaluation intervals, and absolute rule paths (the
 * test Prometheus reads its config from a temporary folder). Jobs without a port are dropped,
 * e.g. Prometheus's self-scrape, whose port is only known once it runs.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';

const PROMETHEUS_DIR = join(import.meta.dirname, '..', 'deploy', 'prometheus');

/** The rewritten config text; `ports` maps job names to `host:port` targets. */
export function projectPrometheusConfig(targets: Readonly<Record<string, string>>): string {
  const config = parse(readFileSync(join(PROMETHEUS_DIR, 'prometheus.yml'), 'utf8')) as {
    global: Record<string, unknown>;
    rule_files: string[];
    scrape_configs: Array<{
      job_name: string;
      static_configs: Array<{ targets: string[] }>;
      authorization?: { credentials_file?: string };
    }>;
  };
  config.global.scrape_interval = '1s';
  config.global.scrape_timeout = '900ms';
  config.global.evaluation_interval = '1s';
  config.rule_files = config.rule_files.map((file) => join(PROMETHEUS_DIR, file));
  for (const job of config.scrape_configs) {
    if (job.authorization?.credentials_file)
      job.authorization.credentials_file = join(PROMETHEUS_DIR, job.authorization.credentials_file);
  }
  config.scrape_configs = config.scrape_configs
    .filter((job) => targets[job.job_name] !== undefined)
    .map((job) => ({ ...job, static_configs: [{ targets: [targets[job.job_name] as string] }] }));
  return stringify(config);
}
