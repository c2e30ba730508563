/**
 * The journey on the local engine against real HTTP: the two other email-token sources (a header
 * echoed at registration; a Mailpit-compatible API), 429 answers retried after Retry-After and
 * recorded as `throttled` rather than failures, the breakpoint and soak scenarios, and execution
 * segments splitting the arrivals while exactly one segment reports the planned rate.
 */

import { startTestServer, type TestServer } from '../engine/testing.ts';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PROJECT_ROOT, runScenario, type RunOutcome, type RunScenarioOptions } from '../runner/index.ts';
import { startProcess, stopAll } from '../test/support/processes.ts';

const scratch = mkdtempSync(join(tmpdir(), 'floodgate-journey-'));
const servers: TestServer[] = [];
let targetUrl: string;

beforeAll(async () => {
  const target = startProcess(
    process.execPath,
    [
      join(PROJECT_ROOT, 'bin', 'floodgate.js'),
      'target',
      '--port',
      '0',
      '--ministry-port',
      '0',
      '--test-hooks',
      '--db',
      ':memory:',
    ],
    { cwd: PROJECT_ROOT },
  );
  targetUrl = (await target.waitFor(/listening on (http:\/\/\S+)/, 60_000))[1]!;
});

afterAll(async () => {
  await stopAll();
  await Promise.all(servers.map((server) => server.close()));
  rmSync(scratch, { recursive: true, force: true });
});

/** Starts an HTTP server on a free loopback port (engine/testing.ts); closed in afterAll. */
async function serve(handler: Parameters<typeof startTestServer>[0]): Promise<string> {
  const server = await startTestServer(handler);
  servers.push(server);
  return server.url;
}

/** Runs a scenario in this process on the local engine; output is kept, not printed. */
async function run(
  options: Omit<RunScenarioOptions, 'engine'>,
  signal?: AbortSignal,
): Promise<RunOutcome & { output: string }> {
  let output = '';
  const sink = {
    isTTY: false,
    write: (chunk: string | Uint8Array) => ((output += chunk.toString()), true),
  } as unknown as NodeJS.WritableStream;
  const outcome = await runScenario(
    { engine: 'local', out: join(scratch, options.runId ?? 'x'), ...options },
    {
      cwd: PROJECT_ROOT,
      stdout: sink,
      stderr: sink,
      pathVariable: '',
      localEngine: async () => (await import('../engine/index.ts')).runScript,
      ...(signal ? { signal } : {}),
    },
  );
  return { ...outcome, output };
}

interface Point {
  metric: string;
  time: number;
  value: number;
  tags: Record<string, string>;
}

function pointsOf(outcome: RunOutcome, metric?: string): Point[] {
  return readFileSync(join(outcome.outDir, 'k6.ndjson'), 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map(
      (line) =>
        JSON.parse(line) as {
          type: string;
          metric: string;
          data: { time: string; value: number; tags: Record<string, string> };
        },
    )
    .filter((line) => line.type === 'Point' && (metric === undefined || line.metric === metric))
    .map((line) => ({
      metric: line.metric,
      time: Date.parse(line.data.time),
      value: line.data.value,
      tags: line.data.tags,
    }));
}

const funnel = (outcome: RunOutcome): string[] =>
  pointsOf(outcome, 'funnel_stage').map((p) => `${p.tags.stage}:${p.tags.result}`);

describe('email token sources', () => {
  test('header: the token echoed at registration verifies the email, without the mailbox', async () => {
    const outcome = await run({
      target: targetUrl,
      scenario: 'smoke',
      runId: 'token-header',
      env: ['EMAIL_TOKEN_SOURCE=header'],
    });
    expect({ code: outcome.exitCode, output: outcome.output }).toMatchObject({ code: 0 });
    const names = new Set(pointsOf(outcome, 'http_reqs').map((p) => p.tags.name));
    expect(names.has('POST /api/verify-email')).toBe(true);
    expect(names.has('GET /api/test/mailbox')).toBe(false);
  });

  test('mailpit: the token is found in the text of the newest mail to the applicant', async () => {
    const searches: string[] = [];
    const mailpit = await serve(async (request, response) => {
      const url = new URL(request.url ?? '/', 'http://mailpit');
      const reply = (body: unknown): void => {
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      };
      const tokenOf = async (email: string): Promise<string | undefined> => {
        const answer = await fetch(`${targetUrl}/api/test/mailbox?email=${encodeURIComponent(email)}`);
        return answer.status === 200 ? ((await answer.json()) as { token: string }).token : undefined;
      };
      if (url.pathname === '/api/v1/search') {
        const query = url.searchParams.get('query') ?? '';
        searches.push(query);
        const email = /^to:"(.+)"$/.exec(query)?.[1] ?? '';
        const found = (await tokenOf(email)) !== undefined;
        reply({
          messages_count: found ? 1 : 0,
          messages: found ? [{ ID: Buffer.from(email).toString('base64url'), To: [{ Address: email }] }] : [],
        });
      } else if (url.pathname.startsWith('/api/v1/message/')) {
        const email = Buffer.from(url.pathname.slice('/api/v1/message/'.length), 'base64url').toString();
        reply({
          Subject: 'Verify your email',
          Text: `Welcome!\nConfirm: https://prakerja.invalid/verify?token=${await tokenOf(email)}&lang=id\n`,
        });
      } else {
        response.writeHead(404).end();
      }
    });
    const outcome = await run({
      target: targetUrl,
      scenario: 'smoke',
      runId: 'token-mailpit',
      env: ['EMAIL_TOKEN_SOURCE=mailpit', `MAILPIT_URL=${mailpit}`],
    });
    expect({ code: outcome.exitCode, output: outcome.output }).toMatchObject({ code: 0 });
    expect(searches).toEqual(['to:"token-mailpit+v1i0@floodgate.invalid"']);
    const mailRequests = pointsOf(outcome, 'http_reqs').filter((p) => p.tags.name?.startsWith('GET mailpit'));
    // scaffolding, not the system under test: tagged helper, never a stage
    expect(mailRequests.map((p) => [p.tags.name, p.tags.helper, p.tags.stage])).toEqual([
      ['GET mailpit /api/v1/search', 'email_token', undefined],
      ['GET mailpit /api/v1/message/:id', 'email_token', undefined],
    ]);
  });
});

describe('throttling', () => {
  test('a 429 is retried after its Retry-After, is no failure, and the stage completes', async () => {
    let landings = 0;
    const throttling = await serve((request, response) => {
      if (request.url === '/') {
        landings += 1;
        if (landings === 1) response.writeHead(429, { 'retry-after': '1' }).end();
        else response.writeHead(200, { 'content-type': 'text/html' }).end('<h1>open</h1>');
      } else {
        response.writeHead(503).end(); // registration is down: the journey stops there
      }
    });
    // no pre-flight: its GET / would take the one 429 meant for the journey
    const outcome = await run({ target: throttling, scenario: 'smoke', runId: 'throttle-once', preflight: false });
    expect(outcome.exitCode).toBe(99); // register failed: smoke's thresholds fail
    const landing = pointsOf(outcome, 'http_reqs').filter((p) => p.tags.stage === 'landing');
    expect(landing.map((p) => p.tags.status)).toEqual(['429', '200']);
    expect(landing[1]!.time - landing[0]!.time).toBeGreaterThanOrEqual(900);
    const failedFlags = pointsOf(outcome, 'http_req_failed')
      .filter((p) => p.tags.stage === 'landing')
      .map((p) => p.value);
    expect(failedFlags).toEqual([0, 0]);
    expect(funnel(outcome)).toEqual(['landing:entered', 'landing:completed', 'register:entered', 'register:failed']);
  });

  test('a target that keeps answering 429 makes the stage throttled after the allowed retries, waits capped', async () => {
    const throttling = await serve((_request, response) => {
      response.writeHead(429, { 'retry-after': '30' }).end();
    });
    const started = Date.now();
    const outcome = await run({
      target: throttling,
      scenario: 'smoke',
      runId: 'throttle-always',
      env: ['RETRY_429_MAX=2', 'RETRY_AFTER_MAX_SECONDS=0.2'],
    });
    expect(Date.now() - started).toBeLessThan(20_000); // Retry-After 30 was capped at 0.2 s
    expect(outcome.exitCode).toBe(99);
    expect(pointsOf(outcome, 'http_reqs').map((p) => p.tags.status)).toEqual(['429', '429', '429']);
    expect(pointsOf(outcome, 'http_req_failed').map((p) => p.value)).toEqual([0, 0, 0]);
    expect(funnel(outcome)).toEqual(['landing:entered', 'landing:throttled']);
    expect(pointsOf(outcome, 'checks')).toEqual([]); // throttling is neither a pass nor a failure
  });
});

describe('open scenarios on the local engine', () => {
  const arrivals = (outcome: RunOutcome): number =>
    funnel(outcome).filter((entry) => entry === 'landing:entered').length;

  test('breakpoint runs its steps and reports each step’s planned rate', async () => {
    const outcome = await run({
      target: targetUrl,
      scenario: 'breakpoint',
      runId: 'breakpoint-small',
      env: [
        'BREAKPOINT_START=2',
        'BREAKPOINT_STEP=2',
        'BREAKPOINT_STEPS=2',
        'BREAKPOINT_STEP_SECONDS=4',
        'THINK_TIME_SCALE=0.002',
      ],
    });
    expect({ code: outcome.exitCode, output: outcome.output }).toMatchObject({ code: 0 });
    const planned = pointsOf(outcome, 'planned_arrival_rate').map((p) => p.value);
    expect(planned.slice(0, 3).every((rate) => Math.abs(rate - 2) < 1e-9)).toBe(true);
    expect(planned.some((rate) => Math.abs(rate - 4) < 1e-9)).toBe(true);
    // 2/s for 4 s, then a 0.4 s ramp to 4/s held to 8 s: 8 + 0.4 × 3 + 3.6 × 4 = 23.6
    expect(arrivals(outcome)).toBeGreaterThanOrEqual(21);
    expect(arrivals(outcome)).toBeLessThanOrEqual(26);
    expect(readFileSync(join(outcome.outDir, 'summary.txt'), 'utf8')).toMatch(/scenario breakpoint/);
    const record = JSON.parse(readFileSync(join(outcome.outDir, 'run.json'), 'utf8')) as {
      plan: { arrivals: { executor: string }; durationSeconds: number; peakRatePerSecond: number };
    };
    expect(record.plan).toMatchObject({
      arrivals: { executor: 'ramping-arrival-rate' },
      durationSeconds: 8,
      peakRatePerSecond: 4,
    });
  });

  test('opening plays a per-minute CSV profile, read with open() from a path relative to the working directory', async () => {
    const csv = join(scratch, 'access-log-bins.csv');
    writeFileSync(csv, 'minute,arrivals\n0,60\n1,120\n# the surge passed\n2,60\n');
    const outcome = await run({
      target: targetUrl,
      scenario: 'opening',
      runId: 'csv-profile',
      rateScale: 0.1,
      timeScale: 60,
      env: [`PROFILE=${relative(PROJECT_ROOT, csv)}`, 'WINDOW=0-3', 'THINK_TIME_SCALE=0.002'],
    });
    expect({ code: outcome.exitCode, output: outcome.output }).toMatchObject({ code: 0 });
    expect(arrivals(outcome)).toBeGreaterThanOrEqual(22);
    expect(arrivals(outcome)).toBeLessThanOrEqual(25); // 0.1 × 240 in 3 s
    const planned = pointsOf(outcome, 'planned_arrival_rate').map((p) => p.value);
    // 0.1 × 120/min × 60 = 12/s in the middle second; each report is the mean planned rate over its
    // second, which includes the short ramp up from 6/s at the bin's start
    expect(Math.max(...planned)).toBeGreaterThan(11.5);
    expect(Math.max(...planned)).toBeLessThanOrEqual(12 + 1e-9);
    expect(JSON.parse(readFileSync(join(outcome.outDir, 'run.json'), 'utf8')).env.PROFILE).toBe(csv); // made absolute for open()
  });

  test('soak holds a constant rate for its (compressed) duration', async () => {
    const outcome = await run({
      target: targetUrl,
      scenario: 'soak',
      runId: 'soak-small',
      timeScale: 600,
      env: ['SOAK_RATE=3', 'SOAK_DURATION=1h', 'THINK_TIME_SCALE=0.002'],
    });
    expect({ code: outcome.exitCode, output: outcome.output }).toMatchObject({ code: 0 });
    expect(arrivals(outcome)).toBeGreaterThanOrEqual(17);
    expect(arrivals(outcome)).toBeLessThanOrEqual(19); // 3/s for 6 s
    const planned = pointsOf(outcome, 'planned_arrival_rate').map((p) => p.value);
    const end = planned.indexOf(0); // the plan's end; teardown adds another 0
    expect(planned.slice(0, end)).toEqual([3, 3, 3, 3, 3, 3]);
    expect(planned.slice(end).every((rate) => rate === 0)).toBe(true);
  });

  test('two execution segments split the arrivals, and exactly one reports the planned rate (the other only teardown’s 0)', async () => {
    const common = {
      target: targetUrl,
      scenario: 'breakpoint',
      executionSegmentSequence: '0,1/2,1',
      env: ['BREAKPOINT_START=4', 'BREAKPOINT_STEPS=1', 'BREAKPOINT_STEP_SECONDS=3', 'THINK_TIME_SCALE=0.002'],
    };
    const first = await run({ ...common, runId: 'segment-a', executionSegment: '0:1/2' });
    const second = await run({ ...common, runId: 'segment-b', executionSegment: '1/2:1' });
    expect([first.exitCode, second.exitCode]).toEqual([0, 0]);
    // k6 starts arrival k at k / rate: 0.25 s … 3 s; the one on the scenario's last instant may or may not run.
    expect(arrivals(first) + arrivals(second)).toBeGreaterThanOrEqual(11);
    expect(arrivals(first) + arrivals(second)).toBeLessThanOrEqual(12);
    expect(Math.abs(arrivals(first) - arrivals(second))).toBeLessThanOrEqual(1);
    const reporting = [first, second].filter((outcome) =>
      pointsOf(outcome, 'planned_arrival_rate').some((p) => p.value > 0),
    );
    expect(reporting).toHaveLength(1);
    const other = [first, second].find((outcome) => !reporting.includes(outcome))!;
    expect(pointsOf(other, 'planned_arrival_rate').map((p) => p.value)).toEqual([0]);
    expect(pointsOf(reporting[0]!, 'planned_arrival_rate')[0]!.value).toBe(4); // the whole plan, not half
  });
});

describe('Ctrl-C', () => {
  test('stops the local engine like k6 (exit 105), and the summary and run.json are still written', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 2500);
    const started = Date.now();
    const outcome = await run(
      {
        target: targetUrl,
        scenario: 'soak',
        runId: 'interrupted',
        env: ['SOAK_RATE=2', 'SOAK_DURATION=10m', 'THINK_TIME_SCALE=0.002'],
      },
      controller.signal,
    );
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(outcome.exitCode).toBe(105);
    const record = JSON.parse(readFileSync(join(outcome.outDir, 'run.json'), 'utf8')) as {
      exitCode: number;
      endedAt: string | null;
    };
    expect(record.exitCode).toBe(105);
    expect(record.endedAt).not.toBeNull();
    expect(JSON.parse(readFileSync(join(outcome.outDir, 'summary.json'), 'utf8'))).toHaveProperty('metrics');
    expect(outcome.progress.arrivals).toBeGreaterThan(0);
  });
});
