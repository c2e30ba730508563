/**
 * `floodgate run` on k6, without k6 (the command line itself, checked as data, is in
 * k6-command.test.ts): a stand-in `k6` on PATH (a shell script that records its argv and writes
 * NDJSON) proves the runner starts it, follows its output, passes Ctrl-C on and exits with its
 * code. Before k6 starts, the runner checks what it can: the target answers (pre-flight), the
 * results folder holds no earlier run, the plan starts someone, and `-e` names are ones the
 * scripts read (a warning).
 */

import { startTestServer, type TestServer } from '../engine/testing.ts';
import { freePort } from '../test/support/processes.ts';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { isFloodgateError, type ErrorCode } from '../contracts/errors.ts';
import { chooseEngine, findK6 } from './engine-choice.ts';
import { PROJECT_ROOT, runScenario, type RunContext, type RunScenarioOptions } from './index.ts';
import { defaultRunId } from './run-id.ts';
import type { RunRecord } from './run-record.ts';

const scratch = mkdtempSync(join(tmpdir(), 'floodgate-run-k6-'));
const servers: TestServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
  rmSync(scratch, { recursive: true, force: true });
});

/** Starts an HTTP server on a free loopback port (engine/testing.ts); closed in afterAll. */
async function serve(handler: Parameters<typeof startTestServer>[0]): Promise<string> {
  const server = await startTestServer(handler);
  servers.push(server);
  return server.url;
}

/** A port nothing listens on (test/support: free a moment ago). */
async function deadUrl(): Promise<string> {
  return `http://127.0.0.1:${await freePort()}`;
}

// Any HTTP answer passes the pre-flight, a 404 included.
let preflightRequests = 0;
const target = await serve((_request, response) => {
  preflightRequests += 1;
  response.writeHead(404).end();
});

function folder(name: string): string {
  const path = join(scratch, name);
  mkdirSync(path, { recursive: true });
  return path;
}

/** A stand-in k6: records argv in argv.txt beside itself, writes two NDJSON lines, prints, exits. */
function fakeK6(name: string, body: string): string {
  const dir = folder(name);
  const script = [
    '#!/bin/sh',
    'dir=$(dirname "$0")',
    ': > "$dir/argv.txt"',
    'for a in "$@"; do printf "%s\\n" "$a" >> "$dir/argv.txt"; case "$a" in json=*) out="${a#json=}";; esac; done',
    `printf '%s\\n' '{"metric":"funnel_stage","type":"Point","data":{"time":"2026-11-27T10:00:00Z","value":1,"tags":{"stage":"landing","result":"entered"}}}' >> "$out"`,
    `printf '%s\\n' '{"metric":"http_reqs","type":"Point","data":{"time":"2026-11-27T10:00:01Z","value":1,"tags":{"status":"429"}}}' >> "$out"`,
    'echo "fake k6 ran"',
    body,
  ].join('\n');
  writeFileSync(join(dir, 'k6'), `${script}\n`);
  chmodSync(join(dir, 'k6'), 0o755);
  return dir;
}

function quietContext(pathVariable: string, extra: Partial<RunContext> = {}): RunContext & { output: () => string } {
  let text = '';
  const stream = {
    isTTY: false,
    write: (chunk: string | Uint8Array) => ((text += chunk.toString()), true),
  } as unknown as NodeJS.WritableStream;
  return {
    cwd: PROJECT_ROOT,
    stdout: stream,
    stderr: stream,
    pathVariable,
    localEngine: async () => {
      throw new Error('the local engine must not start in these tests');
    },
    now: () => new Date('2026-11-27T10:15:00Z'),
    output: () => text,
    ...extra,
  };
}

async function errorCodeOf(promise: Promise<unknown>): Promise<ErrorCode | string> {
  try {
    await promise;
  } catch (error) {
    return isFloodgateError(error) ? error.code : String(error);
  }
  return 'resolved';
}

describe('choosing the engine', () => {
  test('auto takes k6 from PATH, else the local engine; --engine k6 without k6 is K6_NOT_FOUND', () => {
    const withK6 = fakeK6('choose', 'exit 0');
    expect(findK6(`/nonexistent:${withK6}`)).toBe(join(withK6, 'k6'));
    expect(findK6(folder('empty'))).toBeUndefined();
    expect(chooseEngine('auto', join(withK6, 'k6'))).toBe('k6');
    expect(chooseEngine('auto', undefined)).toBe('local');
    expect(chooseEngine('local', join(withK6, 'k6'))).toBe('local');
    expect(() => chooseEngine('k6', undefined)).toThrow(expect.objectContaining({ code: 'K6_NOT_FOUND', exitCode: 5 }));
  });

  test('a file named k6 that is not executable does not count', () => {
    const dir = folder('not-executable');
    writeFileSync(join(dir, 'k6'), '#!/bin/sh\n');
    chmodSync(join(dir, 'k6'), 0o644);
    expect(findK6(dir)).toBeUndefined();
  });

  test('a default run id says when and what, and is a valid id', () => {
    expect(defaultRunId('Opening', new Date('2026-11-27T10:15:03Z'))).toBe('20261127-101503-opening');
  });
});

describe('runScenario', () => {
  const base: RunScenarioOptions = { target, scenario: 'smoke', engine: 'k6' };

  test('--engine k6 without k6 on PATH is K6_NOT_FOUND, and nothing is written', async () => {
    const out = join(scratch, 'never');
    expect(await errorCodeOf(runScenario({ ...base, out }, quietContext(folder('no-k6'))))).toBe('K6_NOT_FOUND');
    expect(() => readFileSync(join(out, 'run.json'))).toThrow();
  });

  test.each(['spike', '../scenarios/smoke', 'SMOKE'])(
    'an unknown scenario (%s) is SCENARIO_UNKNOWN',
    async (scenario) => {
      expect(await errorCodeOf(runScenario({ ...base, scenario }, quietContext(folder('no-k6'))))).toBe(
        'SCENARIO_UNKNOWN',
      );
    },
  );

  test('an execution segment without the full sequence is refused: the parts would not add up', async () => {
    const k6 = fakeK6('never-started-segment', 'exit 0');
    const code = await errorCodeOf(
      runScenario({ ...base, executionSegment: '0:1/3', out: join(scratch, 'segment') }, quietContext(k6)),
    );
    expect(code).toBe('USAGE');
  });

  test('a bad script variable is found before any engine starts', async () => {
    const k6 = fakeK6('never-started', 'exit 0');
    const code = await errorCodeOf(
      runScenario(
        { ...base, scenario: 'opening', env: ['WINDOW=late'], out: join(scratch, 'bad-var') },
        quietContext(k6),
      ),
    );
    expect(code).toBe('SCRIPT_ENV_INVALID');
    expect(() => readFileSync(join(k6, 'argv.txt'))).toThrow();
  });

  test('auto runs k6 from PATH with the exact command line, follows its NDJSON and exits with its code', async () => {
    const k6 = fakeK6('exit-99', 'exit 99');
    const out = join(scratch, 'results-99');
    const context = quietContext(k6);
    const outcome = await runScenario({ ...base, engine: 'auto', runId: 'fake-run', out, env: ['SEED=7'] }, context);

    const expected = [
      'k6',
      'run',
      '--quiet',
      '--include-system-env-vars=false',
      '--out',
      `json=${out}/k6.ndjson`,
      '--tag',
      'run=fake-run',
      '-e',
      `TARGET_URL=${target}`,
      '-e',
      'RUN_ID=fake-run',
      '-e',
      `RESULTS_DIR=${out}`,
      '-e',
      'SEED=7',
      'load-tests/scenarios/smoke.ts',
    ];
    expect(outcome).toMatchObject({ exitCode: 99, engine: 'k6', runId: 'fake-run', outDir: out, command: expected });
    expect(readFileSync(join(k6, 'argv.txt'), 'utf8').trimEnd().split('\n')).toEqual(expected.slice(1));
    expect(outcome.progress.arrivals).toBe(1);
    expect(outcome.progress.throttledRequests).toBe(1);
    expect(context.output()).toMatch(/fake k6 ran/);
    expect(context.output()).not.toMatch(/k6 not found/);
    expect(context.output()).toContain(`using k6 at ${join(k6, 'k6')}`);

    const record = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as RunRecord;
    expect(record).toEqual({
      run: 'fake-run',
      scenario: 'smoke',
      engine: 'k6',
      target,
      startedAt: '2026-11-27T10:15:00.000Z',
      endedAt: '2026-11-27T10:15:00.000Z',
      exitCode: 99,
      env: { TARGET_URL: target, RUN_ID: 'fake-run', RESULTS_DIR: out, SEED: '7' },
      plan: {
        scenario: 'smoke',
        description: 'one applicant through every stage',
        durationSeconds: 0,
        plannedArrivals: 1,
        peakRatePerSecond: 0,
        traffic: { name: 'smoke', rateScale: 1, timeScale: 1 },
        continuation: { mode: 'full', modeSet: false, photoShare: 0.9, photoShareSet: false },
      },
      command: expected,
    });
  });

  test('Ctrl-C reaches k6 as SIGINT, and run.json records how k6 ended', async () => {
    const k6 = fakeK6('interrupted', 'trap "echo got SIGINT; exit 105" INT\nwhile true; do sleep 0.05; done');
    const out = join(scratch, 'results-interrupted');
    const controller = new AbortController();
    const context = quietContext(k6, { signal: controller.signal });
    const running = runScenario({ ...base, runId: 'stopped', out }, context);
    await new Promise((resolve) => setTimeout(resolve, 500));
    controller.abort();
    const outcome = await running;
    expect(outcome.exitCode).toBe(105);
    expect(context.output()).toMatch(/got SIGINT/);
    expect(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'))).toMatchObject({ exitCode: 105, engine: 'k6' });
  });
});

describe('the pre-flight', () => {
  const base: RunScenarioOptions = { target, scenario: 'smoke', engine: 'k6' };

  test('a target that refuses connections is TARGET_UNREACHABLE with the cause, before k6 starts or anything is written', async () => {
    const k6 = fakeK6('preflight-refused', 'exit 0');
    const out = join(scratch, 'preflight-refused-results');
    const dead = await deadUrl();
    const error = await runScenario({ ...base, target: dead, out }, quietContext(k6)).catch(
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ code: 'TARGET_UNREACHABLE', exitCode: 4, details: { url: dead } });
    expect((error as Error).message).toMatch(/does not answer: connect ECONNREFUSED/);
    expect(existsSync(join(k6, 'argv.txt'))).toBe(false);
    expect(existsSync(out)).toBe(false);
  });

  test('a target that accepts but does not answer is TARGET_UNREACHABLE after the timeout', async () => {
    const silent = await serve(() => {
      // never answers
    });
    const k6 = fakeK6('preflight-silent', 'exit 0');
    const error = await runScenario(
      { ...base, target: silent, out: join(scratch, 'preflight-silent') },
      quietContext(k6, { preflightTimeoutMs: 200 }),
    ).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'TARGET_UNREACHABLE', details: { detail: 'no answer within 0.2 s' } });
    expect(existsSync(join(k6, 'argv.txt'))).toBe(false);
  });

  test('any HTTP answer will do: a 404 from the base URL lets the run start, with one request', async () => {
    const k6 = fakeK6('preflight-404', 'exit 0');
    const before = preflightRequests;
    const outcome = await runScenario({ ...base, out: join(scratch, 'preflight-404') }, quietContext(k6));
    expect(outcome.exitCode).toBe(0);
    expect(preflightRequests - before).toBe(1);
  });

  test('preflight: false (--no-preflight) sends nothing and starts k6 even when the target is down', async () => {
    const k6 = fakeK6('no-preflight', 'exit 99');
    const before = preflightRequests;
    const down = await runScenario(
      { ...base, target: await deadUrl(), preflight: false, out: join(scratch, 'no-preflight') },
      quietContext(k6),
    );
    expect(down.exitCode).toBe(99);
    expect(existsSync(join(k6, 'argv.txt'))).toBe(true);
    await runScenario({ ...base, preflight: false, out: join(scratch, 'no-preflight-up') }, quietContext(k6));
    expect(preflightRequests).toBe(before);
  });
});

describe('a results folder that already holds a run', () => {
  const base: RunScenarioOptions = { target, scenario: 'smoke', engine: 'k6' };

  test('is refused for the same run id: its applicants would collide with the earlier run’s records', async () => {
    const k6 = fakeK6('reuse', 'exit 0');
    const out = join(scratch, 'reuse');
    await runScenario({ ...base, runId: 'reused', out }, quietContext(k6));
    const record = join(out, 'run.json');
    const written = readFileSync(record, 'utf8');
    const modified = statSync(record).mtimeMs;
    rmSync(join(k6, 'argv.txt'));

    const error = await runScenario({ ...base, runId: 'reused', out }, quietContext(k6)).catch(
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ code: 'USAGE', exitCode: 2 });
    expect((error as Error).message).toMatch(
      /already holds run "reused" \(run\.json\).*collide with the records the earlier run left on the target \(409 duplicate_email\)\. Pass another --run-id, leave --run-id out for a fresh one, or remove /,
    );
    expect(existsSync(join(k6, 'argv.txt'))).toBe(false);
    expect(readFileSync(record, 'utf8')).toBe(written);
    expect(statSync(record).mtimeMs).toBe(modified);
  });

  test('is refused for another run id too: its results would be overwritten', async () => {
    const k6 = fakeK6('reuse-other', 'exit 0');
    const out = join(scratch, 'reuse-other');
    await runScenario({ ...base, runId: 'first', out }, quietContext(k6));
    await expect(runScenario({ ...base, runId: 'second', out }, quietContext(k6))).rejects.toThrow(
      /holds the results of run "first" \(run\.json\); run "second" would overwrite them\. Pass another --out/,
    );
  });

  test('a folder without run.json (k6 run by hand) is used, its stale NDJSON replaced', async () => {
    const k6 = fakeK6('by-hand', 'exit 0');
    const out = folder('by-hand-results');
    writeFileSync(join(out, 'k6.ndjson'), 'stale\n');
    const outcome = await runScenario({ ...base, runId: 'by-hand', out }, quietContext(k6));
    expect(outcome.exitCode).toBe(0);
    expect(readFileSync(join(out, 'k6.ndjson'), 'utf8')).not.toContain('stale');
  });
});

describe('checks of the plan and the variables', () => {
  const base: RunScenarioOptions = { target, scenario: 'opening', engine: 'k6' };

  test.each([
    [
      'opening',
      { rateScale: 1e-9 },
      /the opening plan starts 0 applicants in 3600s, fewer than one.*raise RATE_SCALE \(--rate-scale\) or widen WINDOW/,
    ],
    [
      'soak',
      { env: ['SOAK_RATE=0.0001', 'SOAK_DURATION=1m'] },
      /the soak plan starts 0\.017 applicants in 60s, fewer than one/,
    ],
  ])('a plan with fewer than one arrival (%s) is refused before k6 starts', async (scenario, extra, message) => {
    const k6 = fakeK6(`tiny-${scenario}`, 'exit 0');
    const error = await runScenario(
      { ...base, scenario, ...extra, out: join(scratch, `tiny-${scenario}`) },
      quietContext(k6),
    ).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'PROFILE_INVALID' });
    expect((error as Error).message).toMatch(message);
    expect(existsSync(join(k6, 'argv.txt'))).toBe(false);
  });

  test('an -e name no script reads is warned about, with the closest known one, and still passed on', async () => {
    const k6 = fakeK6('unknown-variable', 'exit 0');
    const context = quietContext(k6);
    const outcome = await runScenario(
      {
        ...base,
        scenario: 'breakpoint',
        env: ['BREAKPONT_START=5', 'ACME_API_KEY=x', 'BREAKPOINT_STEPS=2'],
        out: join(scratch, 'unknown-variable'),
      },
      context,
    );
    expect(context.output()).toContain(
      "warning: -e BREAKPONT_START is not a variable floodgate's scripts read (did you mean BREAKPOINT_START?); it is passed on",
    );
    expect(context.output()).toMatch(
      /warning: -e ACME_API_KEY is not a variable floodgate's scripts read; it is passed on/,
    );
    expect(context.output()).not.toMatch(/-e BREAKPOINT_STEPS is not/);
    expect(outcome.command).toEqual(expect.arrayContaining(['BREAKPONT_START=5', 'ACME_API_KEY=x']));
  });
});
