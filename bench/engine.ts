/**
 * Benchmark of the local engine, as ratios against baselines measured in the same run:
 *
 * 1. Throughput per core: requests per CPU-second of the engine (closed model, 10 VUs, each
 *    iteration one `http.asyncRequest`) against autocannon (10 connections) hitting the same
 *    node:http server, which runs in a child process so it does not share this process's CPU
 *    clock. Measured with and without the NDJSON output (k6 `--out json`). CPU is
 *    `process.cpuUsage()` (user + system, every thread of this process), not wall time. The
 *    machine is shared and noisy, so autocannon and the engine alternate (A none A json A …),
 *    each engine run is divided by the mean of the autocannon runs around it, and the median
 *    ratio is reported with the load average.
 * 2. Arrival accuracy at 200 iterations/s for 10 s: planned vs started iterations, and how late
 *    each iteration started against its planned time (the rate integral).
 *
 * Run: `npm run bench -- engine` (or `npx tsx bench/engine.ts`). Loopback only, ~60 s.
 * `BENCH_ROUNDS` (default 4) and `BENCH_SECONDS` (default 3) change the throughput part;
 * `BENCH_UNDICI=1` adds, in the same alternation, the engine over its former undici transport
 * (`FLOODGATE_HTTP_CLIENT=undici`), without and with output, for a before/after in one run.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { guardStats } from '../engine/guard.ts';
import { runScript } from '../engine/index.ts';
import { readNdjson } from '../engine/testing.ts';

const DURATION_S = Number(process.env.BENCH_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const CONNECTIONS = 10;
/** The goals (#15): engine requests per CPU-second ÷ autocannon's. */
const GOAL_NO_OUTPUT = 0.35;
const GOAL_WITH_OUTPUT = 0.3;
const ARRIVAL_RATE = 200;
const ARRIVAL_SECONDS = 10;

const SERVER = `
const http = require('node:http');
const server = http.createServer((req, res) => { res.setHeader('content-type', 'text/plain'); res.end('ok'); });
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
`;

async function startServer(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout?.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}`, child };
}

function cpuSeconds(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
}

async function autocannonPerCore(url: string, seconds = DURATION_S): Promise<{ requests: number; perCore: number }> {
  const before = process.cpuUsage();
  const result = await autocannon({ url, connections: CONNECTIONS, duration: seconds });
  const cpu = cpuSeconds(before);
  return { requests: result.requests.total, perCore: result.requests.total / cpu };
}

async function enginePerCore(
  url: string,
  dir: string,
  withOutput: boolean,
  seconds = DURATION_S,
  client: 'own' | 'undici' = 'own',
): Promise<{ requests: number; perCore: number }> {
  // read by the engine's HttpTransport when a run creates it
  if (client === 'undici') process.env.FLOODGATE_HTTP_CLIENT = 'undici';
  else delete process.env.FLOODGATE_HTTP_CLIENT;
  const script = join(dir, 'closed.js');
  writeFileSync(
    script,
    `import http from 'k6/http';
     export const options = { scenarios: { closed: { executor: 'constant-vus', vus: ${CONNECTIONS}, duration: '${seconds}s' } } };
     export default async function () { await http.asyncRequest('GET', __ENV.TARGET + '/'); }
     export function handleSummary() { return {}; }`,
  );
  const before = process.cpuUsage();
  const result = await runScript({
    script,
    env: { TARGET: url },
    includeSystemEnv: false,
    ...(withOutput ? { out: join(dir, 'closed.ndjson') } : {}),
  });
  const cpu = cpuSeconds(before);
  const requests = result.summary?.metrics.http_reqs?.values.count ?? 0;
  return { requests, perCore: requests / cpu };
}

interface ArrivalAccuracy {
  planned: number;
  started: number;
  dropped: number;
  lateMs: { p50: number; p95: number; p99: number; max: number };
}

async function arrivalAccuracy(url: string, dir: string): Promise<ArrivalAccuracy> {
  const script = join(dir, 'arrivals.js');
  writeFileSync(
    script,
    `import http from 'k6/http';
     import exec from 'k6/execution';
     import { Counter } from 'k6/metrics';
     const started = new Counter('bench_started');
     export const options = { scenarios: { open: { executor: 'constant-arrival-rate', rate: ${ARRIVAL_RATE}, timeUnit: '1s', duration: '${ARRIVAL_SECONDS}s', preAllocatedVUs: 50, maxVUs: 200 } } };
     export default async function () {
       started.add(1, { i: String(exec.scenario.iterationInTest) });
       await http.asyncRequest('GET', __ENV.TARGET + '/');
     }
     export function handleSummary() { return {}; }`,
  );
  // A k6 script sees only k6's globals, so the start times come out as samples: the NDJSON time
  // of each bench_started point (engine clock, sub-millisecond) and its iteration number.
  const out = join(dir, 'arrivals.ndjson');
  const result = await runScript({ script, env: { TARGET: url }, includeSystemEnv: false, out });
  const starts: Array<[number, number]> = readNdjson(out)
    .filter((line) => line.type === 'Point' && line.metric === 'bench_started')
    .map((line) => {
      const point = line as { data: { time: string; tags: Record<string, string> } };
      const fraction = /\.(\d+)Z$/.exec(point.data.time)?.[1] ?? '0';
      const ms = Date.parse(point.data.time.replace(/\.\d+Z$/, 'Z')) + Number(`0.${fraction}`) * 1000;
      return [Number(point.data.tags.i), ms];
    });
  const period = 1000 / ARRIVAL_RATE;
  // The scenario's start is not visible to the script; the earliest start relative to its plan is taken as on time.
  const offsets = starts.map(([iteration, at]) => at - iteration * period);
  const origin = Math.min(...offsets);
  const late = offsets.map((offset) => offset - origin).sort((a, b) => a - b);
  const at = (fraction: number): number => late[Math.min(late.length - 1, Math.floor(fraction * late.length))] ?? 0;
  return {
    planned: ARRIVAL_RATE * ARRIVAL_SECONDS,
    started: starts.length,
    dropped: result.summary?.metrics.dropped_iterations?.values.count ?? 0,
    lateMs: { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: late[late.length - 1] ?? 0 },
  };
}

const fixed = (value: number, digits = 2): string => value.toFixed(digits);

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

const load = (): string =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(', ');

type EngineSubject = 'none' | 'json' | 'undici-none' | 'undici-json';
const SUBJECTS: readonly EngineSubject[] =
  process.env.BENCH_UNDICI === '1' ? ['none', 'json', 'undici-none', 'undici-json'] : ['none', 'json'];

/**
 * Runs autocannon and the engine alternately (A none A json A none A json A …): each engine run
 * is divided by the mean of the autocannon runs just before and after it, so a change in the
 * machine's load between runs moves both sides of a ratio alike; the median of those is reported.
 */
async function throughput(url: string, dir: string): Promise<void> {
  // Warm-up (not counted): the first run of the engine pays for JIT and module set-up.
  await enginePerCore(url, dir, true, 1);
  if (SUBJECTS.includes('undici-none')) await enginePerCore(url, dir, true, 1, 'undici');
  await autocannonPerCore(url, 1);
  const guardBefore = { ...guardStats };
  const baseline: Array<{ requests: number; perCore: number }> = [await autocannonPerCore(url)];
  const runs: Array<{ subject: EngineSubject; requests: number; perCore: number; ratio: number }> = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const subject of SUBJECTS) {
      const result = await enginePerCore(
        url,
        dir,
        subject.endsWith('json'),
        DURATION_S,
        subject.startsWith('undici') ? 'undici' : 'own',
      );
      const before = baseline[baseline.length - 1] as { perCore: number };
      const after = await autocannonPerCore(url);
      baseline.push(after);
      runs.push({ subject, ...result, ratio: result.perCore / ((before.perCore + after.perCore) / 2) });
    }
  }
  const of = (subject: EngineSubject) => runs.filter((run) => run.subject === subject);
  const verdict = (ratio: number, goal: number): string =>
    `goal ≥ ${goal.toFixed(2)}: ${ratio >= goal ? 'met' : 'NOT met'}`;
  const calls = guardStats.calls - guardBefore.calls;
  const watchdogs = guardStats.watchdogs - guardBefore.watchdogs;
  console.log(
    `throughput per core (${CONNECTIONS} connections / VUs, ${DURATION_S} s per run, ${ROUNDS} rounds alternating with autocannon, medians; server in a child process)`,
  );
  console.log(
    `  autocannon (baseline)        ${fixed(median(baseline.map((run) => run.perCore)), 0)} req/CPU-s  (median of ${baseline.length} runs, ~${fixed(median(baseline.map((run) => run.requests)), 0)} requests each)`,
  );
  for (const [subject, label, goal] of [
    ['none', 'engine, no output  ', GOAL_NO_OUTPUT],
    ['json', 'engine, --out json ', GOAL_WITH_OUTPUT],
    ['undici-none', 'undici, no output  ', GOAL_NO_OUTPUT],
    ['undici-json', 'undici, --out json ', GOAL_WITH_OUTPUT],
  ] as const) {
    if (!SUBJECTS.includes(subject)) continue;
    const ratio = median(of(subject).map((run) => run.ratio));
    console.log(
      `  ${label}          ${fixed(median(of(subject).map((run) => run.perCore)), 0)} req/CPU-s  (~${fixed(median(of(subject).map((run) => run.requests)), 0)} requests)  ratio ${fixed(ratio, 3)}  [runs ${of(
        subject,
      )
        .map((run) => fixed(run.ratio, 3))
        .join(', ')}]  ${verdict(ratio, goal)}`,
    );
  }
  console.log(
    `  guard: ${calls} guarded iteration starts shared ${watchdogs} watchdogs (${fixed(calls / Math.max(1, watchdogs), 1)} per watchdog)`,
  );
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'floodgate-bench-engine-'));
  const server = await startServer();
  try {
    console.log(`load average at start: ${load()} (${availableParallelism()} cores)`);
    await throughput(server.url, dir);
    const accuracy = await arrivalAccuracy(server.url, dir);
    console.log(`arrival accuracy at ${ARRIVAL_RATE} iterations/s for ${ARRIVAL_SECONDS} s`);
    console.log(
      `  planned ${accuracy.planned}, started ${accuracy.started} (ratio ${fixed(accuracy.started / accuracy.planned, 4)}), dropped ${accuracy.dropped}`,
    );
    console.log(
      `  start lateness vs plan: p50 ${fixed(accuracy.lateMs.p50)} ms, p95 ${fixed(accuracy.lateMs.p95)} ms, p99 ${fixed(accuracy.lateMs.p99)} ms, max ${fixed(accuracy.lateMs.max)} ms (period ${fixed(1000 / ARRIVAL_RATE)} ms)`,
    );
    console.log(`load average at end: ${load()}`);
  } finally {
    server.child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
