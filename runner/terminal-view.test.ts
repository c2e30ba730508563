import { describe, expect, test } from 'vitest';
import { createRunDisplay } from './display.ts';
import { emptyProgress } from './progress.ts';
import { createStageWindow, renderTerminalLine, renderTerminalView, type ViewFrame } from './terminal-view.ts';

const line = (metric: string, seconds: number, value: number, tags: Record<string, string>): string =>
  JSON.stringify({
    metric,
    type: 'Point',
    data: { time: new Date(Date.UTC(2026, 11, 1, 10, 0, 0) + seconds * 1000).toISOString(), value, tags },
  });

/** `count` requests of `stage` at second `at`, `failed` of them failed and `throttled` answered 429, each lasting `ms`. */
function requests(
  window: ReturnType<typeof createStageWindow>,
  stage: string | undefined,
  at: number,
  count: number,
  { failed = 0, throttled = 0, ms = 100 } = {},
): void {
  for (let index = 0; index < count; index += 1) {
    const tags: Record<string, string> = stage === undefined ? {} : { stage };
    window.addLine(line('http_reqs', at, 1, { ...tags, status: index < throttled ? '429' : '200' }));
    window.addLine(line('http_req_failed', at, index < failed ? 1 : 0, tags));
    window.addLine(line('http_req_duration', at, ms + index, tags));
  }
}

const frame: ViewFrame = {
  runId: 'r1',
  scenario: 'opening',
  engine: 'local',
  elapsedSeconds: 83,
  plannedSeconds: 105,
  plannedArrivals: 640,
  hasPlan: true,
  windowSeconds: 10,
};

describe('the stage window', () => {
  test('gives per stage the request rate, error and throttled shares and p95 of the last 10 s only', () => {
    const window = createStageWindow(10_000);
    requests(window, 'landing', 0, 50, { failed: 50 }); // older than the window by the end
    requests(window, 'landing', 15, 40, { failed: 4 });
    requests(window, 'verify_nik', 20, 20, { throttled: 5, ms: 2000 });
    const rows = window.rows();
    expect(rows.map((row) => row.stage)).toEqual(['landing', 'verify_nik']);
    expect(rows[0]).toMatchObject({ ratePerSecond: 4, errorShare: 0.1, throttledShare: 0 });
    expect(rows[1]).toMatchObject({ ratePerSecond: 2, errorShare: 0, throttledShare: 0.25 });
    expect(rows[1]!.p95Ms).toBeCloseTo(2018.05, 2);
  });

  test('requests without a stage tag get their own row, after the funnel', () => {
    const window = createStageWindow();
    requests(window, undefined, 1, 3);
    requests(window, 'register', 1, 1);
    expect(window.rows().map((row) => row.stage)).toEqual(['register', '(no stage tag)']);
  });
});

describe('the terminal view', () => {
  const state = { ...emptyProgress(), arrivals: 638, requests: 3245, failedRequests: 7, vus: 23, plannedRate: 8 };
  state.funnel.landing.entered = 638;
  state.funnel.landing.completed = 630;

  test('shows planned vs achieved arrivals, and per stage rate, errors, throttled, p95 and the funnel', () => {
    const window = createStageWindow();
    requests(window, 'landing', 5, 80, { failed: 2 });
    const text = renderTerminalView(state, window.rows(), frame);
    expect(text).toContain('floodgate run r1 · opening · local engine · 1:23 / 1:45');
    expect(text).toContain('arrivals 638 of 640 planned (99.7 %) · planned 8.0/s · dropped 0');
    expect(text).toMatch(/^stage \(last 10 s\)\s+req\/s\s+errors\s+throttled\s+p95\s+entered\s+completed/m);
    expect(text).toMatch(/^landing\s+8\.0\s+2\.5 %\s+0\.0 %\s+[\d.]+ms\s+638\s+630\s+0\s+0\s+0$/m);
    expect(text).toMatch(/^verify_nik\s+-\s+-\s+-\s+-\s+0/m);
    expect(text).toContain('requests 3,245 · errors 0.2 % (7)');
  });

  test('past the plan it says the journeys are finishing, never 1:49/1:45', () => {
    expect(renderTerminalView(state, [], { ...frame, elapsedSeconds: 109 })).toContain('1:45 / 1:45 +0:04 finishing');
  });

  test("a user's script without a plan shows iterations and VUs, and only its stages", () => {
    const window = createStageWindow();
    requests(window, undefined, 1, 10);
    const text = renderTerminalView({ ...emptyProgress(), iterations: 12, vus: 5 }, window.rows(), {
      ...frame,
      hasPlan: false,
      plannedSeconds: 0,
      plannedArrivals: 0,
    });
    expect(text).toContain('iterations 12 · VUs 5 · dropped 0');
    expect(text).not.toContain('landing');
    expect(text).not.toContain('entered');
  });

  test('piped, it is one plain line with every stage that had traffic', () => {
    const window = createStageWindow();
    requests(window, 'landing', 5, 10);
    const text = renderTerminalLine(state, window.rows(), frame);
    expect(text).toMatch(
      /^\[1:23 \/ 1:45\] arrivals 638 of 640 planned .* · landing 1\.0\/s err 0\.0 % thr 0\.0 % p95 [\d.]+ms\n$/,
    );
    expect(text).not.toContain('\x1b');
  });
});

describe('the display around the summary', () => {
  test('holds the engine output from its summary on until the end, and draws the exact final view above it', () => {
    let out = '';
    const stream = {
      isTTY: true,
      write: (chunk: string) => ((out += chunk), true),
    } as unknown as NodeJS.WritableStream & { isTTY: boolean };
    const display = createRunDisplay(stream, stream, true);
    display.progress('view 1\n');
    display.engineStdout.write('log line\n');
    display.engineStdout.write('\n  █ THRESHOLDS \n\n    http_reqs\n');
    display.progress('view 2\n');
    expect(out).not.toContain('THRESHOLDS');
    display.finishWithSummary('final view\n');
    display.progress('view 3\n');
    expect(out.indexOf('final view')).toBeLessThan(out.indexOf('█ THRESHOLDS'));
    expect(out.slice(out.indexOf('█ THRESHOLDS'))).not.toContain('view');
    expect(display.summaryShown()).toBe(true);
  });
});
