/**
 * The shipped Prometheus config, copied as a folder and run by a real Prometheus (Debian's 2.42):
 * `floodgate dashboards --prometheus-config <dir>` writes a folder that, copied elsewhere, loads
 * every rule (checked on /api/v1/rules, not only by promtool, which says SUCCESS for a lone copy of
 * prometheus.yml that loads none); and the exporter job scrapes a token-protected exporter with
 * the token written into the folder's secrets/exporter-token, as docker-compose.yml does.
 */

import { cpSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RULE_FILES, SCRAPE_JOBS } from './prometheus/rules/index.ts';
import { createExporter, exporterConfig, type Exporter } from '../exporter/index.ts';
import { freePort, startProcess, stopAll, waitForHttp } from '../test/support/processes.ts';

const ROOT = join(import.meta.dirname, '..');
const FLOODGATE = join(ROOT, 'bin', 'floodgate.js');
const TOKEN = 'live12-test-token';
const work = mkdtempSync(join(tmpdir(), 'floodgate-prom-folder-'));
const RULES = RULE_FILES.reduce(
  (sum, file) => sum + file.groups.reduce((inner, group) => inner + group.rules.length, 0),
  0,
);

let exporter: Exporter;
let exporterHost = '';
const stops: Array<() => Promise<void>> = [];

/** The folder's prometheus.yml with only the exporter job, pointed at the test's exporter, 1 s intervals; every path left as shipped. */
function pointAt(folder: string): void {
  const file = join(folder, 'prometheus.yml');
  const config = parse(readFileSync(file, 'utf8')) as {
    global: Record<string, unknown>;
    scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }>;
  };
  config.global.scrape_interval = '1s';
  config.global.scrape_timeout = '900ms';
  config.global.evaluation_interval = '1s';
  config.scrape_configs = config.scrape_configs
    .filter((job) => job.job_name === SCRAPE_JOBS.exporter)
    .map((job) => ({ ...job, static_configs: [{ targets: [exporterHost] }] }));
  writeFileSync(file, stringify(config));
}

/** A real Prometheus reading `folder`/prometheus.yml in place (so relative paths resolve there). */
async function startIn(folder: string): Promise<string> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const prometheus = startProcess('prometheus', [
    `--config.file=${join(folder, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(folder, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
  ]);
  stops.push(() => prometheus.stop());
  await waitForHttp(`${url}/-/ready`, 30_000);
  return url;
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function loadedRules(url: string): Promise<number> {
  const body = (await (await fetch(`${url}/api/v1/rules`)).json()) as { data: { groups: Array<{ rules: unknown[] }> } };
  return body.data.groups.flatMap((group) => group.rules).length;
}

async function exporterUp(url: string): Promise<string | undefined> {
  const body = (await (
    await fetch(`${url}/api/v1/query?query=${encodeURIComponent(`up{job="${SCRAPE_JOBS.exporter}"}`)}`)
  ).json()) as { data: { result: Array<{ value: [number, string] }> } };
  return body.data.result[0]?.value[1];
}

/** A copy of the written folder, with `token` in its secrets/exporter-token. */
function copyFolder(name: string, token: string): string {
  const copy = join(work, name);
  cpSync(join(work, 'written'), copy, { recursive: true });
  writeFileSync(join(copy, 'secrets', 'exporter-token'), token);
  pointAt(copy);
  return copy;
}

beforeAll(async () => {
  exporter = createExporter({ config: exporterConfig({ port: 0, token: TOKEN }) });
  const { port } = await exporter.listen();
  exporterHost = `127.0.0.1:${port}`;
  const written = startProcess(
    process.execPath,
    [FLOODGATE, 'dashboards', '--prometheus-config', join(work, 'written')],
    { cwd: ROOT },
  );
  const code = await new Promise((resolve) => written.child.once('exit', resolve));
  if (code !== 0) throw new Error(written.output());
}, 60_000);

afterAll(async () => {
  for (const stop of stops) await stop();
  await exporter?.close();
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

describe('the Prometheus config folder', () => {
  test('copied elsewhere as a folder, loads every rule in a real Prometheus and scrapes a token-protected exporter', async () => {
    const url = await startIn(copyFolder('copied', TOKEN));
    expect(
      await eventually(
        () => loadedRules(url),
        (count) => count === RULES,
      ),
    ).toBe(RULES);
    expect(
      await eventually(
        () => exporterUp(url),
        (up) => up === '1',
      ),
    ).toBe('1');
  });

  test('without the token in secrets/exporter-token, the token-protected exporter is down (the defect this guards)', async () => {
    const url = await startIn(copyFolder('no-token', ''));
    expect(
      await eventually(
        () => exporterUp(url),
        (up) => up === '0',
      ),
    ).toBe('0');
  });

  test('prometheus.yml copied alone loads no rule: why the folder is copied whole', async () => {
    const lone = join(work, 'lone');
    mkdirSync(join(lone, 'secrets'), { recursive: true });
    copyFileSync(join(work, 'written', 'prometheus.yml'), join(lone, 'prometheus.yml'));
    pointAt(lone);
    const url = await startIn(lone);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(await loadedRules(url)).toBe(0);
  });
});
