/**
 * The engine against k6's semantics, one probe script per behaviour (engine/conformance/probes/,
 * each written from the k6 source file it names): what k6 would produce, or a load-time refusal
 * with exit 107. k6's own examples/ are checked by engine/conformance/examples.ts against a k6
 * mirror, which a clean clone does not have; see engine/README.md for that table.
 */

import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runScript } from './index.ts';
import { captureStream, points, readNdjson, scriptFolder, startTestServer, type TestServer } from './testing.ts';

const PROBES = fileURLToPath(new URL('../engine/conformance/probes/', import.meta.url));
let server: TestServer;
const folder = scriptFolder('floodgate-conformance-');

beforeAll(async () => {
  server = await startTestServer((request, response) => {
    if (request.url?.startsWith('/status/')) {
      response.statusCode = Number(request.url.slice('/status/'.length));
      response.end();
      return;
    }
    if (request.url === '/cookie/set') response.setHeader('set-cookie', 'probe=1; Path=/');
    response.setHeader('content-type', 'application/json');
    response.end(
      JSON.stringify({ path: request.url, items: [{ name: 'a' }, { name: 'b' }], cookie: request.headers.cookie }),
    );
  });
});

afterAll(async () => {
  await server?.close();
  folder.cleanup();
});

/** Runs one probe with TARGET pointing at the test server; returns the result, NDJSON lines and output. */
async function probe(name: string, extra: Partial<Parameters<typeof runScript>[0]> = {}) {
  const stdout = captureStream();
  const stderr = captureStream();
  const out = folder.path(`${name}.ndjson`);
  const result = await runScript({
    script: `${PROBES}${name}`,
    out,
    env: { TARGET: server.url },
    includeSystemEnv: false,
    stdout,
    stderr,
    cwd: folder.dir,
    ...extra,
  });
  return { result, lines: existsSync(out) ? readNdjson(out) : [], stdout: stdout.text(), stderr: stderr.text() };
}

const sum = (lines: ReturnType<typeof readNdjson>, metric: string): number =>
  points(lines, metric).reduce((total, point) => total + point.data.value, 0);

describe('an iteration ends when its event loop is empty (k6 internal/js/eventloop)', () => {
  test('a fire-and-forget chain of two requests sends both and counts both checks', async () => {
    const { result, lines } = await probe('async-chain.js');
    expect(result.exitCode).toBe(0);
    expect(points(lines, 'http_reqs').map((point) => point.data.tags.url)).toEqual([
      `${server.url}/first`,
      `${server.url}/second`,
    ]);
    expect(points(lines, 'checks').map((point) => point.data.value)).toEqual([1, 1]);
    expect(sum(lines, 'iterations')).toBe(1);
  });

  test('five nested setTimeout callbacks all fire inside the one iteration', async () => {
    const { lines } = await probe('nested-timers.js');
    expect(sum(lines, 'probe_timer_fired')).toBe(5);
    expect(sum(lines, 'iterations')).toBe(1);
  });

  test('a timer started three promise reactions deep holds the iteration open', async () => {
    const { lines } = await probe('promise-then-timer.js');
    expect(sum(lines, 'probe_timer_fired')).toBe(2);
    expect(sum(lines, 'iterations')).toBe(2);
  });
});

describe('check, params.throw and options as k6 does them', () => {
  test('a throwing check callback pushes a failed check, then fails the iteration and the threshold', async () => {
    const { result, lines, stderr } = await probe('check-throws.js');
    expect(points(lines, 'checks').map((point) => [point.data.tags.check, point.data.value])).toEqual([
      ['passes first', 1],
      ['throws', 0],
    ]);
    expect(sum(lines, 'iterations')).toBe(1); // an iteration that threw still counts, as in k6
    expect(stderr).toMatch(/TypeError/);
    expect(result.exitCode).toBe(99);
  });

  test('params.throw: true rejects on a network error while the default returns a response', async () => {
    const { result, lines } = await probe('params-throw.js');
    expect(result.exitCode).toBe(0);
    expect(sum(lines, 'probe_caught')).toBe(1);
    expect(sum(lines, 'iterations')).toBe(1);
  });

  test('options.rps is refused at load time with exit 107, naming the option', async () => {
    const { result } = await probe('option-rps.js');
    expect(result.exitCode).toBe(107);
    expect(result.error?.message).toMatch(/options\.rps/);
  });

  test('options.minIterationDuration spaces the iterations of a VU', async () => {
    const { result, lines } = await probe('min-iteration-duration.js');
    expect(result.exitCode).toBe(0);
    const count = sum(lines, 'iterations');
    expect(count).toBeGreaterThanOrEqual(1);
    expect(count).toBeLessThanOrEqual(4);
  });
});

describe('a k6 realm', () => {
  test('the script sees no Node globals (process, Buffer, fetch, Intl, structuredClone, WeakRef) but has TextEncoder and timers', async () => {
    const { result, lines } = await probe('realm-globals.js');
    expect(
      points(lines, 'checks')
        .filter((point) => point.data.value === 0)
        .map((point) => point.data.tags.check),
    ).toEqual([]);
    expect(result.exitCode).toBe(0);
  });

  test('a regex with the d flag (sobek has none) is refused at load time with exit 107', async () => {
    const { result } = await probe('regex-indices.js');
    expect(result.exitCode).toBe(107);
    expect(result.error?.message).toMatch(/flag d/);
  });

  test('TypeScript is transformed without the project tsconfig: a type-only import drops its module, as in k6', async () => {
    const { result } = await probe('type-import.ts');
    expect(result.exitCode).toBe(104);
    expect(result.error?.message).toMatch(/probe_side_effect/);
  });
});

describe('smaller k6 details', () => {
  test('exec.vu.metrics.tags reads run tags, the scenario and its tags besides those the script set', async () => {
    const { result, lines } = await probe('vu-tags.js');
    expect(
      points(lines, 'checks')
        .filter((point) => point.data.value === 0)
        .map((point) => point.data.tags.check),
    ).toEqual([]);
    expect(result.exitCode).toBe(0);
  });

  test('Response.json() takes gjson paths: items.#, items.#.name, items.1.name', async () => {
    const { result, lines } = await probe('json-selectors.js');
    expect(
      points(lines, 'checks')
        .filter((point) => point.data.value === 0)
        .map((point) => point.data.tags.check),
    ).toEqual([]);
    expect(result.exitCode).toBe(0);
  });

  test('http_req_blocked is never below http_req_connecting', async () => {
    const { lines } = await probe('blocked-connecting.js');
    const blocked = points(lines, 'http_req_blocked').map((point) => point.data.value);
    const connecting = points(lines, 'http_req_connecting').map((point) => point.data.value);
    expect(blocked).toHaveLength(4);
    blocked.forEach((value, index) => expect(value).toBeGreaterThanOrEqual(connecting[index] as number));
    expect(connecting.some((value) => value > 0)).toBe(true);
  });

  test('vus and vus_max come only from the once-a-second ticker: a sub-second run writes none', async () => {
    const { lines } = await probe('nested-timers.js');
    expect(points(lines, 'vus')).toEqual([]);
    expect(points(lines, 'vus_max')).toEqual([]);
  });
});

describe('a run always ends', () => {
  test('an endless synchronous loop is interrupted after gracefulStop; the run reports it, writes its summary and a complete NDJSON', async () => {
    const { result, lines, stderr } = await probe('endless-loop.js');
    expect(result.exitCode).toBe(0);
    expect(stderr).toMatch(/ran synchronously past the end of gracefulStop \(500ms\) and was interrupted/);
    expect(sum(lines, 'probe_started')).toBe(1);
    expect(sum(lines, 'iterations')).toBe(0);
    expect(JSON.parse(readFileSync(folder.path('endless-loop-summary.json'), 'utf8'))).toEqual({ started: 1 });
  });

  test('an endless loop in a timer callback is interrupted at the hard stop too', async () => {
    const { result, lines } = await probe('endless-timer.js');
    expect(result.exitCode).toBe(0);
    expect(sum(lines, 'iterations')).toBe(0);
  });
});

describe('a run always ends: script code is interrupted wherever it runs (k6 vu.Runtime.Interrupt; engine/interrupt.ts)', () => {
  const interrupted = /Interrupted: an iteration ran synchronously past the end of gracefulStop/;

  test('an endless loop after an await is interrupted at the hard stop; handleSummary runs and the NDJSON is complete', async () => {
    const { result, lines, stderr } = await probe('loop-after-await.js');
    expect(result.exitCode).toBe(0);
    expect(stderr).toMatch(interrupted);
    expect(sum(lines, 'probe_started')).toBe(1);
    expect(sum(lines, 'iterations')).toBe(0);
    expect(JSON.parse(readFileSync(folder.path('loop-after-await-summary.json'), 'utf8'))).toEqual({ started: 1 });
  });

  test('an endless loop in a fire-and-forget .then is interrupted, even when the script catches the interrupt', async () => {
    const { result, lines, stderr } = await probe('loop-in-then.js');
    expect(result.exitCode).toBe(0);
    expect(stderr).toMatch(interrupted);
    expect(stderr).not.toMatch(/Uncaught \(in promise\)/);
    expect(sum(lines, 'iterations')).toBe(0);
  });

  test('an endless loop after an await in a timer callback is interrupted', async () => {
    const { result, lines, stderr } = await probe('loop-in-timer-after-await.js');
    expect(result.exitCode).toBe(0);
    expect(stderr).toMatch(interrupted);
    expect(sum(lines, 'iterations')).toBe(0);
  });

  test('an endless loop in code built by eval (not instrumented) is stopped by the vm watchdog such a script gets', async () => {
    const { result, stderr } = await probe('loop-in-eval.js');
    expect(result.exitCode).toBe(0);
    expect(stderr).toMatch(interrupted);
  });

  test('setup() looping after an await is stopped at setupTimeout (exit 100)', async () => {
    const { result } = await probe('loop-in-setup.js');
    expect(result.exitCode).toBe(100);
  });

  test('teardown() looping after an await is stopped at teardownTimeout (exit 101), after its iteration ran', async () => {
    const { result, lines } = await probe('loop-in-teardown.js');
    expect(result.exitCode).toBe(101);
    expect(sum(lines, 'iterations')).toBe(1);
  });

  test('handleSummary() looping after an await (catching what it can) is stopped at handleSummaryTimeout; the text summary is printed', async () => {
    const { result, stdout, stderr } = await probe('loop-in-summary.js');
    expect(result.exitCode).toBe(0);
    expect(stderr).toMatch(
      /handleSummary\(\) failed: RunawayScriptError: the script ran past its deadline and was interrupted/,
    );
    expect(stdout).toContain('TOTAL RESULTS');
  });

  test('an init context that never ends is interrupted after the init timeout and the run fails with exit 107 (k6 would wait for Ctrl-C)', async () => {
    const { result, stderr } = await probe('loop-in-init.js', { initTimeoutMs: 1000 });
    expect(result.exitCode).toBe(107);
    expect(stderr).toMatch(/the init context ran longer than 1s and was interrupted/);
  });
});

describe("built-ins the engine's VUs share are refused, not shared silently (k6: one runtime per VU; engine/intrinsics.ts)", () => {
  const refusal = /changes a built-in object, which the local engine's VUs share/;

  test('a script that patches a built-in prototype is refused at load time, naming its file and line (exit 107)', async () => {
    const { result, stderr, lines } = await probe('prototype-patch.js');
    expect(result.exitCode).toBe(107);
    expect(stderr).toMatch(/prototype-patch\.js:8: Array\.prototype\.probeLast/);
    expect(stderr).toMatch(refusal);
    expect(lines).toEqual([]);
  });

  test("each instance has its own console: a script's wrapper of console.log wraps only its own VU's (review F21)", async () => {
    const { result, stdout } = await probe('console-wrap.js');
    expect(result.exitCode).toBe(0);
    expect(
      stdout
        .split('\n')
        .filter((line) => line.includes(' vu '))
        .sort(),
    ).toEqual(['INFO [w] vu 1', 'INFO [w] vu 2', 'INFO [w] vu 3']);
  });

  test('a patch the load-time scan cannot see, made in init, is found when that init context ends (exit 107)', async () => {
    const { result, stderr } = await probe('prototype-patch-init.js');
    expect(result.exitCode).toBe(107);
    expect(stderr).toMatch(/String\.prototype\.probeShout/);
    expect(''.constructor.prototype).not.toHaveProperty('probeShout');
  });

  test('a patch made while the scenarios run fails the run (exit 107) and is undone for the next run in the process', async () => {
    const { result, stderr } = await probe('prototype-patch-dynamic.js');
    expect(result.exitCode).toBe(107);
    expect(stderr).toMatch(/Array\.prototype\.probeTag/);
    expect([]).not.toHaveProperty('probeTag');
  });
});

describe('per-VU state as k6 keeps it (internal/js/runner.go newVU)', () => {
  test("the init context runs per VU, so a module-level counter counts each VU's own iterations and __ENV writes stay in the VU", async () => {
    const { result, lines } = await probe('per-vu-state.js');
    const byVu = (vu: string) =>
      points(lines, 'probe_count')
        .filter((point) => point.data.tags.probe_vu === vu)
        .map((point) => point.data.value);
    expect(byVu('1')).toEqual([1, 2, 3]);
    expect(byVu('2')).toEqual([1, 2, 3]);
    expect(points(lines, 'checks').filter((point) => point.data.value === 0)).toEqual([]);
    expect(result.exitCode).toBe(0);
  });

  test("an unplanned VU's init output appears when the VU is taken, as k6 initializes it then; VUs never taken print none", async () => {
    const { result, stdout } = await probe('held-init-log.js');
    expect(result.exitCode).toBe(0);
    const logs = stdout.split('\n').filter((line) => line.startsWith('INFO '));
    const initOf = (vu: number) => logs.indexOf(`INFO init ${vu}`);
    const firstIterationOf = (vu: number) => logs.indexOf(`INFO iteration vu ${vu}`);
    const iterated = [
      ...new Set(logs.filter((line) => line.startsWith('INFO iteration vu ')).map((line) => Number(line.slice(18)))),
    ];
    expect(iterated.length).toBeGreaterThan(1); // the scenario needed unplanned VUs
    const initialized = logs.filter((line) => line.startsWith('INFO init ')).map((line) => Number(line.slice(10)));
    expect(initialized.sort((a, b) => a - b)).toEqual([0, ...iterated].sort((a, b) => a - b)); // the options instance (0) and the VUs that ran
    for (const vu of iterated.filter((id) => id > 1)) {
      expect(initOf(vu)).toBeGreaterThan(firstIterationOf(1));
      expect(initOf(vu)).toBeLessThan(firstIterationOf(vu));
    }
  });

  test('init runs once for the options, once per VU and once each for setup, teardown and handleSummary', async () => {
    const { result, stdout } = await probe('per-vu-state.js');
    const inits = stdout
      .split('\n')
      .filter((line) => line.startsWith('INFO init '))
      .sort();
    expect(inits).toEqual(['INFO init 0', 'INFO init 0', 'INFO init 0', 'INFO init 0', 'INFO init 1', 'INFO init 2']);
    expect(stdout).toContain('summary instance saw 0 iterations');
    expect(result.init?.count).toBe(6);
  });

  test("the cookie jar is the VU's and a new one every iteration: a jar kept from iteration 1 still has its cookie, iteration 2 sends none", async () => {
    const { result, lines } = await probe('cookie-jar-per-iteration.js');
    expect(
      points(lines, 'checks')
        .filter((point) => point.data.value === 0)
        .map((point) => point.data.tags.check),
    ).toEqual([]);
    expect(points(lines, 'checks')).toHaveLength(4);
    expect(result.exitCode).toBe(0);
  });

  test('each VU has its own connections: a VU starting after another VU finished still connects', async () => {
    const { result, lines } = await probe('vu-connections.js');
    expect(result.exitCode).toBe(0);
    const connecting = new Map(
      points(lines, 'http_req_connecting').map((point) => [
        new URL(point.data.tags.url as string).pathname,
        point.data.value,
      ]),
    );
    expect(connecting.size).toBe(6);
    // a shared pool hands VU 2 the connection VU 1 left idle (connecting 0)
    expect(connecting.get('/vu1/0')).toBeGreaterThan(0);
    expect(connecting.get('/vu2/0')).toBeGreaterThan(0);
  });

  test("noVUConnectionReuse closes the VU's connections after every iteration: each iteration connects again", async () => {
    const { result, lines } = await probe('no-vu-connection-reuse.js');
    expect(result.exitCode).toBe(0);
    const firsts = points(lines, 'http_req_connecting').filter((point) =>
      (point.data.tags.url as string).endsWith('/a'),
    );
    expect(firsts).toHaveLength(3);
    // without the option, iterations 2 and 3 find the VU's connection idle (connecting 0)
    expect(firsts.map((point) => point.data.value > 0)).toEqual([true, true, true]);
  });
});
