/**
 * Test support: a real Prometheus (Debian's 2.42 package) on a free port with a throw-away data
 * folder, and a small client for its HTTP API. Tests that need it call `startPrometheus` in
 * beforeAll and `stop` in afterAll.
 */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startProcess, waitForHttp, type ManagedProcess } from './processes.ts';

/** A running Prometheus. */
export interface TestPrometheus {
  readonly url: string;
  readonly port: number;
  readonly process: ManagedProcess;
  /** Instant query; returns the `data` object of the answer. Throws on a PromQL error. */
  query(expr: string, time?: number): Promise<PromQueryData>;
  /** Range query over [start, end] (Unix seconds). */
  queryRange(expr: string, start: number, end: number, stepSeconds: number): Promise<PromQueryData>;
  /** Stops Prometheus and removes its data folder. */
  stop(): Promise<void>;
}

/** The `data` of a Prometheus query answer. */
export interface PromQueryData {
  readonly resultType: 'vector' | 'matrix' | 'scalar' | 'string';
  readonly result: ReadonlyArray<{
    metric: Record<string, string>;
    value?: [number, string];
    values?: Array<[number, string]>;
  }>;
}

/** True when the `prometheus` binary is installed (deploy/setup-machine.sh installs it). */
export async function prometheusInstalled(): Promise<boolean> {
  const { execFileSync } = await import('node:child_process');
  try {
    execFileSync('prometheus', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts Prometheus with `config` (YAML text; write `rule_files` as absolute paths) on a free port.
 * Extra flags, e.g. `--web.enable-remote-write-receiver`, go in `flags`.
 */
export async function startPrometheus(config: string, flags: readonly string[] = []): Promise<TestPrometheus> {
  const folder = mkdtempSync(join(tmpdir(), 'floodgate-prom-'));
  const configPath = join(folder, 'prometheus.yml');
  writeFileSync(configPath, config);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const process = startProcess('prometheus', [
    `--config.file=${configPath}`,
    `--storage.tsdb.path=${join(folder, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--web.enable-lifecycle',
    '--log.level=warn',
    ...flags,
  ]);
  try {
    await waitForHttp(`${url}/-/ready`, 30_000);
  } catch (error) {
    await process.stop();
    rmSync(folder, { recursive: true, force: true });
    throw new Error(`Prometheus did not start: ${(error as Error).message}\n${process.output().slice(-3000)}`);
  }
  const api = async (path: string, params: Record<string, string>): Promise<PromQueryData> => {
    const response = await fetch(`${url}${path}`, { method: 'POST', body: new URLSearchParams(params) });
    const body = (await response.json()) as { status: string; data: PromQueryData; error?: string };
    if (body.status !== 'success') throw new Error(`PromQL error for ${params.query}: ${body.error}`);
    return body.data;
  };
  return {
    url,
    port,
    process,
    query: (expr, time) =>
      api('/api/v1/query', time === undefined ? { query: expr } : { query: expr, time: String(time) }),
    queryRange: (expr, start, end, step) =>
      api('/api/v1/query_range', { query: expr, start: String(start), end: String(end), step: String(step) }),
    async stop() {
      await process.stop();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}
