import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, test } from 'vitest';
import { ALERT_NAMES, RULE_FILES, SCRAPE_JOBS } from './prometheus/rules/index.ts';

const REPO = join(import.meta.dirname, '..');
const PROMETHEUS_DIR = join(REPO, 'deploy/prometheus');

/** Runs promtool in deploy/prometheus; resolves with its output, or fails the test with it. */
function promtool(...args: string[]): string {
  try {
    return execFileSync('promtool', args, {
      cwd: PROMETHEUS_DIR,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000,
    });
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string; code?: string };
    if (failure.code === 'ENOENT')
      throw new Error('promtool is not installed: run `npm run setup` (Debian package prometheus)');
    throw new Error(`promtool ${args.join(' ')} failed:\n${failure.stdout ?? ''}${failure.stderr ?? ''}`);
  }
}

const testFiles = readdirSync(join(PROMETHEUS_DIR, 'tests')).filter((name) => name.endsWith('.yml'));

interface RuleTest {
  alert_rule_test?: Array<{ alertname: string; exp_alerts: unknown[] }>;
}

describe('deploy/prometheus', () => {
  test('promtool check config: prometheus.yml and the rule files it loads are valid', () => {
    expect(promtool('check', 'config', 'prometheus.yml')).toMatch(/SUCCESS: prometheus\.yml is valid/);
  });

  test('promtool check rules: every rule file is valid, lint included', () => {
    const files = RULE_FILES.map((file) => join('rules', file.file));
    const output = promtool('check', 'rules', '--lint=all', '--lint-fatal', ...files);
    expect(output.match(/SUCCESS/g)).toHaveLength(files.length);
  });

  test('promtool test rules: every alert fires when it should and stays silent when it should not', () => {
    const output = promtool('test', 'rules', ...testFiles.map((name) => join('tests', name)));
    expect(output.match(/SUCCESS/g)).toHaveLength(testFiles.length);
  });

  test('the promtool tests cover every alert both firing and silent', () => {
    const firing = new Set<string>();
    const silent = new Set<string>();
    for (const name of testFiles) {
      const document = parse(readFileSync(join(PROMETHEUS_DIR, 'tests', name), 'utf8')) as { tests: RuleTest[] };
      for (const ruleTest of document.tests) {
        for (const check of ruleTest.alert_rule_test ?? [])
          (check.exp_alerts.length > 0 ? firing : silent).add(check.alertname);
      }
    }
    expect(ALERT_NAMES.filter((alert) => !firing.has(alert))).toEqual([]);
    expect(ALERT_NAMES.filter((alert) => !silent.has(alert))).toEqual([]);
  });

  test('prometheus.yml scrapes the jobs the alerts and dashboards name, and loads the generated rules', () => {
    const config = parse(readFileSync(join(PROMETHEUS_DIR, 'prometheus.yml'), 'utf8')) as {
      rule_files: string[];
      scrape_configs: Array<{ job_name: string }>;
      global: { scrape_interval: string };
    };
    expect(config.scrape_configs.map((job) => job.job_name).sort()).toEqual(Object.values(SCRAPE_JOBS).sort());
    expect(config.rule_files).toEqual(['rules/*.yml']);
    // the folder also holds the rules' code (*.ts); Prometheus loads rules/*.yml
    const onDisk = readdirSync(join(PROMETHEUS_DIR, 'rules'))
      .filter((file) => file.endsWith('.yml'))
      .sort();
    expect(onDisk).toEqual(RULE_FILES.map((file) => file.file).sort());
  });
});
