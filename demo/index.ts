/**
 * demo/: `floodgate demo`, the whole rehearsal in one command on a fresh clone. It starts the
 * reference target with a slow ministry NIK API (the seed's bottleneck), the exporter following
 * the runs' NDJSON with its live page (printed first, so a browser can watch from the start), and
 * Prometheus when it is installed (the live page then runs its queries there); runs a breakpoint
 * and then a scaled opening on the engine `auto` picks; writes both capacity reports, each with a
 * live-page snapshot (live.html) beside it; and prints the verdicts and the paths.
 *
 * A component of its own: it wires target, exporter, Prometheus, runner and report together, so
 * none of them depends on another above it. Everything it starts is stopped in `finally`, also on
 * Ctrl-C (the signal), and a last-resort exit hook kills Prometheus if the process is made to exit
 * at once.
 *
 * Over 400 lines on purpose: one sequence (start, two runs, reports, stop), and the `finally` that
 * stops everything must hold every handle the sequence opened, so it stays one function.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { FloodgateError } from '../contracts/errors.ts';
import { RUN_METRICS } from '../contracts/metrics.ts';
import { createExporter, exporterConfig, type Exporter } from '../exporter/index.ts';
import { runScenario, type LocalEngine, type RunOutcome } from '../runner/index.ts';
import type { EngineChoice } from '../runner/engine-choice.ts';
import { createTarget, type Target } from '../target/target.ts';
import { buildReport, type ReportOutcome } from '../report/index.ts';

/** The project's root (holding deploy/). */
const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * What the demo runs. The ministry sustains 1 slot / 200 ms = 5 checks/s; with the seed's funnel
 * (0.7385 × 0.5911 of applicants reach the NIK check) it saturates near 11.4 new applicants/s, so
 * the breakpoint's steps (4 → 16/s) put the knee well inside them. The opening plays the first
 * 45 event minutes of the exponential surge at 2 × 10⁻⁴ of the seed's rate, 60× faster: a peak
 * of 16/s, over the ministry's capacity for its first quarter, then decaying below it.
 */
export const DEMO_PLAN = Object.freeze({
  ministry: { nikCapacity: 1, nikServiceMs: 200, nikQueue: 100, nikTimeoutMs: 2000 },
  breakpoint: { start: 4, step: 2, steps: 7, stepSeconds: 15 },
  opening: { rateScale: 0.0002, timeScale: 60, window: '0-45' },
});

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Results root; each run writes `<out>/<run>/`. Default `results`. */
  readonly out?: string;
  /** Engine choice, default `auto` (k6 when on PATH, else the local engine). */
  readonly engine?: EngineChoice;
  /** Start Prometheus when installed (`auto`, default) or never (`off`). */
  readonly prometheus?: 'auto' | 'off';
  /** Working directory; default `process.cwd()`. */
  readonly cwd?: string;
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly signal?: AbortSignal;
  /** Loads the local engine. */
  readonly localEngine: () => Promise<LocalEngine>;
  /** Overrides of the plan (tests shorten it). */
  readonly plan?: Partial<typeof DEMO_PLAN>;
}

/** One run of the demo and its report. */
export interface DemoRun {
  readonly runId: string;
  readonly exitCode: number;
  readonly report?: ReportOutcome;
  /** The live page's snapshot of the run, beside report.html; unset when it could not be taken. */
  readonly snapshot?: string;
}

/** What the demo did. */
export interface DemoOutcome {
  /** The live page's address. */
  readonly live?: string;
  readonly breakpoint?: DemoRun;
  readonly opening?: DemoRun;
  /** 0 when both reports were written. */
  readonly exitCode: number;
}

/** Runs the demo. Throws INTERRUPTED when the signal aborts; everything started is stopped first. */
export async function runDemo(options: DemoOptions): Promise<DemoOutcome> {
  const cwd = options.cwd ?? process.cwd();
  const plan = { ...DEMO_PLAN, ...(options.plan ?? {}) };
  const out = resolve(cwd, options.out ?? 'results');
  const say = (text: string): void => {
    options.stdout.write(`${text}\n`);
  };
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const runIds = { breakpoint: `demo-${stamp}-breakpoint`, opening: `demo-${stamp}-opening` };
  const cleanups: Array<() => Promise<void> | void> = [];
  const cleanup = async (): Promise<void> => {
    for (const step of cleanups.reverse()) {
      try {
        await step();
      } catch {
        // keep stopping the rest: one failed stop must not leave the others running
      }
    }
    cleanups.length = 0;
  };
  const interrupted = (): boolean => options.signal?.aborted === true;
  let live: string | undefined;

  try {
    mkdirSync(out, { recursive: true });
    const target: Target = createTarget({
      port: 0,
      ministryPort: 0,
      ...plan.ministry,
      testHooks: true,
      batchSeats: 100_000,
      seed: 1,
    });
    cleanups.push(() => target.close());
    const addresses = await target.listen();
    const capacity = (plan.ministry.nikCapacity * 1000) / plan.ministry.nikServiceMs;

    // Prometheus's port is picked first, so the exporter's live page can run its queries there.
    const prometheusPort = options.prometheus !== 'off' && onPath('prometheus') ? await freePort() : undefined;
    const prometheusUrl = prometheusPort === undefined ? undefined : `http://127.0.0.1:${prometheusPort}`;
    const exporter: Exporter = createExporter({
      config: exporterConfig({
        port: 0,
        follow: [join(out, runIds.breakpoint, 'k6.ndjson'), join(out, runIds.opening, 'k6.ndjson')],
        targetTruth: addresses.url,
        ...(prometheusUrl ? { prometheus: prometheusUrl } : {}),
      }),
    });
    cleanups.push(() => exporter.close());
    const exporterAddress = await exporter.listen();
    live = `${exporterAddress.url}/live`;
    say(`live page:  ${live}  (open it in a browser: the dashboards, drawn live)`);
    say('floodgate demo: a registration opening rehearsed against the reference target');
    say(
      `target:     ${addresses.url} (ministry NIK API ${addresses.ministryUrl}: ${plan.ministry.nikCapacity} slot(s) × ${plan.ministry.nikServiceMs} ms = ${capacity} checks/s)`,
    );
    say(`exporter:   ${exporterAddress.url}/metrics`);

    if (options.prometheus !== 'off') {
      const prometheus =
        prometheusPort === undefined
          ? undefined
          : await startPrometheus({
              port: prometheusPort,
              exporter: exporterAddress.url,
              target: addresses.url,
              ministry: addresses.ministryUrl,
              signal: options.signal,
            });
      if (prometheus) {
        cleanups.push(() => prometheus.stop());
        say(
          `prometheus: ${prometheus.url} (pid ${prometheus.pid}; try ${RUN_METRICS.funnelStage.name}); the live page queries it`,
        );
      } else if (prometheusPort === undefined)
        say(
          "prometheus: not installed, skipped (apt-get install -y --no-install-recommends prometheus); the live page works from the exporter's own data",
        );
      else say("prometheus: did not start; the live page's queries will fail until it answers");
    }
    throwIfInterrupted(options.signal);

    const run = async (
      scenario: 'breakpoint' | 'opening',
      runId: string,
      extra: { rateScale?: number; timeScale?: number; env: string[] },
    ): Promise<DemoRun> => {
      say(`\n== ${scenario}: ${runId}`);
      const startedAt = Date.now();
      const outcome: RunOutcome = await runScenario(
        {
          target: addresses.url,
          scenario,
          engine: options.engine ?? 'auto',
          runId,
          out: relative(cwd, join(out, runId)) || join(out, runId),
          rateScale: extra.rateScale,
          timeScale: extra.timeScale,
          env: ['EMAIL_TOKEN_SOURCE=header', ...extra.env],
        },
        {
          cwd,
          stdout: options.stdout,
          stderr: options.stderr,
          localEngine: options.localEngine,
          ...(options.signal ? { signal: options.signal } : {}),
        },
      );
      throwIfInterrupted(options.signal);
      await saveTruth(addresses.url, runId, outcome.outDir);
      const report = await buildReport({
        dir: outcome.outDir,
        truth: 'auto',
        ...(options.signal ? { signal: options.signal } : {}),
      });
      say(`\n${report.analysis.verdict.headline}: ${report.analysis.verdict.text}`);
      say(`report: ${relative(cwd, report.html) || report.html}`);
      const snapshot = await saveSnapshot(exporter, runId, outcome.outDir, (Date.now() - startedAt) / 1000);
      if (snapshot) say(`live snapshot: ${relative(cwd, snapshot) || snapshot}`);
      return { runId, exitCode: outcome.exitCode, report, ...(snapshot ? { snapshot } : {}) };
    };

    const { start, step, steps, stepSeconds } = plan.breakpoint;
    say(
      `\nThe breakpoint climbs past what the target can take, on purpose: its top steps break the SLOs, ` +
        `so expect failed thresholds (exit 99) there; the report reads the knee from them.`,
    );
    const breakpoint = await run('breakpoint', runIds.breakpoint, {
      env: [
        `BREAKPOINT_START=${start}`,
        `BREAKPOINT_STEP=${step}`,
        `BREAKPOINT_STEPS=${steps}`,
        `BREAKPOINT_STEP_SECONDS=${stepSeconds}`,
      ],
    });
    const opening = await run('opening', runIds.opening, {
      rateScale: plan.opening.rateScale,
      timeScale: plan.opening.timeScale,
      env: [`WINDOW=${plan.opening.window}`],
    });
    say('\n== done');
    say(`breakpoint report: ${relative(cwd, breakpoint.report!.html)}`);
    say(`opening report:    ${relative(cwd, opening.report!.html)}`);
    return { live, breakpoint, opening, exitCode: 0 };
  } catch (error) {
    if (interrupted())
      throw new FloodgateError('INTERRUPTED', { signal: signalName(options.signal) }, { cause: error });
    throw error;
  } finally {
    await cleanup();
    if (interrupted())
      say('\nstopped: target, exporter and Prometheus are shut down; partial results stay in the results folder');
  }
}

/** Saves the target's truth for a run next to its results, so the report reconciles offline too. */
async function saveTruth(targetUrl: string, runId: string, dir: string): Promise<void> {
  try {
    const response = await fetch(`${targetUrl}/truth?run=${encodeURIComponent(runId)}`, {
      signal: AbortSignal.timeout(5000),
    });
    if (response.ok) writeFileSync(join(dir, 'truth.json'), `${JSON.stringify(await response.json())}\n`);
  } catch {
    // the report then fetches it itself, or says reconciliation was not possible
  }
}

/** The live page as it was at the end of a run, written as live.html beside the report. */
async function saveSnapshot(
  exporter: Exporter,
  runId: string,
  dir: string,
  runSeconds: number,
): Promise<string | undefined> {
  try {
    const html = await exporter.live.snapshot({ runs: [runId], rangeSeconds: Math.ceil(runSeconds) + 30 });
    const file = join(dir, 'live.html');
    writeFileSync(file, html);
    return file;
  } catch {
    // the report stands on its own; the snapshot is a view of the same run
    return undefined;
  }
}

/** A Prometheus the demo started. */
interface DemoPrometheus {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/**
 * Starts Prometheus when `prometheus` is on PATH, with deploy/prometheus/prometheus.yml rewritten
 * to this demo's addresses (rules included when they load), data in a temporary folder. Resolves
 * undefined when Prometheus is not installed or does not start.
 */
async function startPrometheus(addresses: {
  port: number;
  exporter: string;
  target: string;
  ministry: string;
  signal?: AbortSignal;
}): Promise<DemoPrometheus | undefined> {
  if (!onPath('prometheus')) return undefined;
  const folder = mkdtempSync(join(tmpdir(), 'floodgate-demo-prometheus-'));
  const port = addresses.port;
  const hostPort = (url: string): string => new URL(url).host;
  const config = demoPrometheusConfig({
    exporter: hostPort(addresses.exporter),
    target: hostPort(addresses.target),
    ministry: hostPort(addresses.ministry),
    prometheus: `127.0.0.1:${port}`,
  });
  const configPath = join(folder, 'prometheus.yml');
  writeFileSync(configPath, config);
  const child: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${configPath}`,
      `--storage.tsdb.path=${join(folder, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=error',
    ],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  // Last resort: if the process is made to exit at once (a second Ctrl-C), Prometheus goes too.
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  const stop = async (): Promise<void> => {
    process.off('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(folder, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && child.exitCode === null && !addresses.signal?.aborted) {
    try {
      const response = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) });
      if (response.ok) return { url, pid: child.pid!, stop };
    } catch {
      // not up yet
    }
    await new Promise((done) => setTimeout(done, 200));
  }
  await stop();
  return undefined;
}

/**
 * deploy/prometheus/prometheus.yml with this demo's addresses: each scrape job's targets replaced
 * by where its component listens now, rule files made absolute. A minimal config when the file
 * is missing.
 */
export function demoPrometheusConfig(addresses: {
  exporter: string;
  target: string;
  ministry?: string;
  prometheus: string;
}): string {
  const base = join(PROJECT_ROOT, 'deploy', 'prometheus');
  const file = join(base, 'prometheus.yml');
  const config = (existsSync(file) ? parseYaml(readFileSync(file, 'utf8')) : {}) as {
    global?: Record<string, unknown>;
    rule_files?: string[];
    scrape_configs?: Array<{
      job_name: string;
      static_configs?: Array<{ targets: string[] }>;
      authorization?: { credentials_file?: string };
    }>;
  };
  const byJob: Record<string, string> = {
    'floodgate-exporter': addresses.exporter,
    'floodgate-target': addresses.target,
    ...(addresses.ministry ? { 'floodgate-ministry': addresses.ministry } : {}),
    prometheus: addresses.prometheus,
  };
  const jobs = config.scrape_configs ?? [];
  // The demo's exporter has no token: drop the credentials file (its path is relative to deploy/).
  for (const job of jobs) delete job.authorization;
  for (const [job, address] of Object.entries(byJob)) {
    const existing = jobs.find((entry) => entry.job_name === job);
    if (existing) existing.static_configs = [{ targets: [address] }];
    else jobs.push({ job_name: job, static_configs: [{ targets: [address] }] });
  }
  return stringifyYaml({
    global: config.global ?? { scrape_interval: '5s', evaluation_interval: '5s' },
    rule_files: (config.rule_files ?? []).map((pattern) => (pattern.startsWith('/') ? pattern : join(base, pattern))),
    scrape_configs: jobs,
  });
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(':').some((dir) => dir !== '' && existsSync(join(dir, command)));
}

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

function throwIfInterrupted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new FloodgateError('INTERRUPTED', { signal: signalName(signal) });
}

function signalName(signal: AbortSignal | undefined): string {
  const reason = signal?.reason as { details?: { signal?: string } } | undefined;
  return reason?.details?.signal ?? 'SIGINT';
}
