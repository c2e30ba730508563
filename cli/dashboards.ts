/**
 * `floodgate dashboards`: writes the generated Grafana dashboards, the Grafana provisioning and the
 * Prometheus rule files; with --verify, says whether the committed ones are up to date; with
 * --check, runs every panel query against a live Prometheus. A thin adapter over dashboards/.
 */

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { checkDashboards, failedChecks, type QueryCheck } from '../dashboards/check.ts';
import { DASHBOARDS, DEFAULT_OUTPUT, generateFiles, prometheusConfigFolder, writeFiles } from '../dashboards/index.ts';
import { defineCommand } from './command.ts';
import { option, schemas } from './config.ts';

/** The resolved config of `floodgate dashboards`. */
export interface DashboardsCommandConfig {
  readonly out: string;
  readonly deploy: string;
  readonly verify: boolean;
  readonly check?: string;
  readonly run?: readonly string[];
  readonly range: string;
  readonly prometheusConfig?: string;
}

const runs = z.union([
  z.array(z.string().min(1)),
  z.string().transform((text) =>
    text
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean),
  ),
]);
const duration = z.string().regex(/^\d+[smhd]$/, 'expected a Prometheus duration such as 30s, 15m or 2h');

export const dashboardsCommand = defineCommand<DashboardsCommandConfig>({
  name: 'dashboards',
  summary: 'Write the Grafana dashboards, Grafana provisioning and Prometheus rules generated from the metric catalog.',
  help: [
    'Writes dashboards/generated/*.json, deploy/grafana/provisioning/** and deploy/prometheus/rules/*.yml.',
    'Examples:',
    '  floodgate dashboards                      regenerate after changing dashboards/ or contracts/',
    '  floodgate dashboards --verify             exit 1 when the committed files are stale (CI)',
    '  floodgate dashboards --prometheus-config /etc/floodgate-prometheus   a self-contained Prometheus config folder',
    '  floodgate dashboards --check http://127.0.0.1:9090 --run <run-id>',
    '                                            run every panel query on Prometheus; exit 1 when one fails',
  ].join('\n'),
  options: [
    option({
      key: 'out',
      env: 'FLOODGATE_DASHBOARDS_OUT',
      flag: '--out <dir>',
      default: DEFAULT_OUTPUT.dashboards,
      description: 'folder for the dashboard JSON',
      schema: schemas.text,
    }),
    option({
      key: 'deploy',
      env: 'FLOODGATE_DASHBOARDS_DEPLOY',
      flag: '--deploy <dir>',
      default: DEFAULT_OUTPUT.deploy,
      description: 'deploy folder receiving grafana/provisioning and prometheus/rules',
      schema: schemas.text,
    }),
    option({
      key: 'verify',
      flag: '--verify',
      default: false,
      description: 'write nothing; exit 1 if a generated file is missing or differs',
      schema: schemas.boolean,
    }),
    option({
      key: 'check',
      flag: '--check <prometheus-url>',
      description: 'write nothing; run every panel query on this Prometheus and report',
      schema: schemas.url,
    }),
    option({
      key: 'run',
      flag: '--run <id>',
      repeatable: true,
      description: 'with --check: the run(s) picked in the run variable (default: all)',
      schema: runs,
    }),
    option({
      key: 'prometheusConfig',
      flag: '--prometheus-config <dir>',
      description:
        'write only a self-contained Prometheus config folder there (prometheus.yml, rules/, secrets/exporter-token), to copy as a whole',
      schema: schemas.text,
    }),
    option({
      key: 'range',
      flag: '--range <duration>',
      default: '15m',
      description: 'with --check: the time range ending now ($__range)',
      schema: duration,
    }),
  ],
  async run({ config, stdout, stderr }) {
    const dirs = { dashboards: config.out, deploy: config.deploy };
    if (config.check) return check(config.check, config, stdout);
    if (config.prometheusConfig) {
      const folder = prometheusConfigFolder(config.prometheusConfig);
      const result = writeFiles(folder, '.', {
        dashboards: join(config.prometheusConfig, 'no-dashboards-here'),
        deploy: config.prometheusConfig,
      });
      stdout.write(
        `${result.written.length + result.unchanged.length} files in ${config.prometheusConfig}: prometheus --config.file=${join(config.prometheusConfig, 'prometheus.yml')} (write the exporter's token, if any, into ${join(config.prometheusConfig, 'secrets', 'exporter-token')})\n`,
      );
      return 0;
    }
    const files = generateFiles(dirs);
    if (config.verify) {
      const stale = files.filter((file) => !existsSync(file.path) || readFileSync(file.path, 'utf8') !== file.content);
      for (const file of stale) stderr.write(`stale: ${file.path}\n`);
      stdout.write(
        stale.length === 0
          ? `up to date: ${files.length} files\n`
          : `${stale.length} of ${files.length} files are stale: run npx floodgate dashboards\n`,
      );
      return stale.length === 0 ? 0 : 1;
    }
    const result = writeFiles(files, '.', dirs);
    for (const path of result.written) stdout.write(`wrote ${path}\n`);
    for (const path of result.removed) stdout.write(`removed ${path}\n`);
    stdout.write(
      `${result.written.length} written, ${result.unchanged.length} unchanged, ${result.removed.length} removed (${DASHBOARDS.length} dashboards under ${join(dirs.dashboards)})\n`,
    );
    return 0;
  },
});

async function check(
  prometheusUrl: string,
  config: DashboardsCommandConfig,
  stdout: NodeJS.WritableStream,
): Promise<number> {
  const seconds = durationSeconds(config.range);
  const checks = await checkDashboards(DASHBOARDS, {
    prometheusUrl,
    variables: { runs: config.run ?? [], rateInterval: '1m', interval: '15s', range: config.range },
    rangeSeconds: seconds,
    stepSeconds: Math.max(5, Math.round(seconds / 200)),
  });
  for (const result of checks) stdout.write(`${describe(result)}\n`);
  const failed = failedChecks(checks);
  stdout.write(
    `${checks.length} queries: ${checks.filter((c) => c.status === 'data').length} with data, ${failed.length} failing\n`,
  );
  return failed.length === 0 ? 0 : 1;
}

function describe(result: QueryCheck): string {
  const where = `${result.board} #${result.panelId} ${result.title} [${result.refId}]`;
  if (result.status === 'error') return `ERROR ${where}: ${result.error}`;
  if (result.status === 'empty')
    return `${result.emptyWhenHealthy ? 'empty (ok: ' + result.emptyWhenHealthy + ')' : 'EMPTY'} ${where}`;
  return `ok    ${where}: ${result.series} series`;
}

function durationSeconds(text: string): number {
  const unit = { s: 1, m: 60, h: 3600, d: 86_400 }[text.slice(-1) as 's' | 'm' | 'h' | 'd'];
  return Number(text.slice(0, -1)) * unit;
}
