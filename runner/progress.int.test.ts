/**
 * `floodgate run` progress: NDJSON lines fold into a state, and the state renders as a live block
 * (terminal) or a line (logs). Pure; the follower is tested on a real growing file.
 */

import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { createRunDisplay } from './display.ts';
import { followLines } from './follow.ts';
import {
  applyLine,
  clock,
  emptyProgress,
  renderProgressBlock,
  renderProgressLine,
  type ProgressState,
} from './progress.ts';

const point = (metric: string, value: number, tags: Record<string, string>, time = '2026-11-27T10:00:01.5Z'): string =>
  JSON.stringify({ metric, type: 'Point', data: { time, value, tags } });

function stateOf(lines: readonly string[]): ProgressState {
  const state = emptyProgress();
  for (const line of lines) applyLine(state, line);
  return state;
}

const lines = [
  '{"type":"Metric","data":{"name":"funnel_stage","type":"counter","contains":"default","thresholds":[],"submetrics":null},"metric":"funnel_stage"}',
  point(
    'funnel_stage',
    1,
    { stage: 'landing', result: 'entered', run: 'r1', scenario: 'opening' },
    '2026-11-27T10:00:00.25Z',
  ),
  point('funnel_stage', 1, { stage: 'landing', result: 'completed', run: 'r1', scenario: 'opening' }),
  point('funnel_stage', 1, { stage: 'landing', result: 'entered', run: 'r1', scenario: 'opening' }),
  point('funnel_stage', 1, { stage: 'register', result: 'throttled', run: 'r1', scenario: 'opening' }),
  point('funnel_stage', 1, { stage: 'verify_email', result: 'abandoned', run: 'r1', scenario: 'opening' }),
  point('funnel_stage', 1, { stage: 'nowhere', result: 'entered', run: 'r1', scenario: 'opening' }),
  point('http_reqs', 1, { status: '200', stage: 'landing', name: 'GET /' }),
  point('http_reqs', 1, { status: '429', stage: 'register', name: 'POST /api/register' }),
  point('http_reqs', 1, { status: '503', stage: 'verify_nik', name: 'POST /api/verify-nik' }),
  point('http_req_failed', 0, { status: '200' }),
  point('http_req_failed', 0, { status: '429' }),
  point('http_req_failed', 1, { status: '503' }),
  point('dropped_iterations', 2, { scenario: 'opening' }),
  point('iterations', 1, { scenario: 'opening' }),
  point('iterations', 1, { scenario: 'planned_rate' }),
  point('vus', 7, { run: 'r1' }, '2026-11-27T10:00:04Z'),
  point('planned_arrival_rate', 3.25, { planned_scenario: 'opening', scenario: 'planned_rate' }),
  point('checks', 1, { check: 'landing completed' }),
  point('checks', 0, { check: 'verify_nik completed' }),
  'not json',
  '{"type":"Something"}',
  '',
];

describe('progress state', () => {
  test('counts arrivals, the funnel, requests, errors, throttling, drops, VUs and checks', () => {
    const state = stateOf(lines);
    expect(state).toMatchObject({
      arrivals: 2,
      iterations: 1,
      dropped: 2,
      requests: 3,
      failedRequests: 1,
      throttledRequests: 1,
      vus: 7,
      plannedRate: 3.25,
      checksPassed: 1,
      checksFailed: 1,
      // the funnel sample of stage "nowhere" is rejected (bad_tags) as the exporter and the report reject it
      unreadableLines: 3,
      rejected: { bad_json: 1, unknown_type: 1, bad_tags: 1 },
      firstSampleMs: Date.parse('2026-11-27T10:00:00.25Z'),
      lastSampleMs: Date.parse('2026-11-27T10:00:04Z'),
    });
    expect(state.funnel.landing).toEqual({ entered: 2, completed: 1, failed: 0, throttled: 0, abandoned: 0 });
    expect(state.funnel.register.throttled).toBe(1);
    expect(state.funnel.verify_email.abandoned).toBe(1);
  });

  test('renders a block for a terminal', () => {
    const block = renderProgressBlock(stateOf(lines), {
      runId: 'r1',
      scenario: 'opening',
      engine: 'local',
      elapsedSeconds: 75.4,
      plannedSeconds: 3600,
      plannedArrivals: 2.5,
    });
    expect(block).toBe(
      [
        'floodgate run r1 · opening · local engine',
        'elapsed 1:15 / 1:00:00 · arrivals 2 of 3 planned (80.0 %) · planned 3.3/s · VUs 7 · dropped 2',
        'stage         entered  completed  failed  throttled  abandoned',
        'landing             2          1       0          0          0',
        'register            0          0       0          1          0',
        'verify_email        0          0       0          0          1',
        'verify_nik          0          0       0          0          0',
        'upload_photo        0          0       0          0          0',
        'join_batch          0          0       0          0          0',
        'requests 3 · errors 1 (33.3 %) · throttled 1 · checks failed 1',
        '',
      ].join('\n'),
    );
  });

  test('renders one line for logs', () => {
    const line = renderProgressLine(stateOf(lines), {
      runId: 'r1',
      scenario: 'smoke',
      engine: 'k6',
      elapsedSeconds: 4,
      plannedSeconds: 0,
      plannedArrivals: 1,
    });
    expect(line).toBe(
      '[0:04] arrivals 2/1 · completed: landing 1 register 0 verify_email 0 verify_nik 0 upload_photo 0 join_batch 0 · errors 1 · throttled 1 · dropped 2\n',
    );
  });

  test.each([
    [0, '0:00'],
    [59.9, '0:59'],
    [61, '1:01'],
    [3600, '1:00:00'],
    [-3, '0:00'],
  ])('clock(%s) is %s', (seconds, text) => {
    expect(clock(seconds)).toBe(text);
  });
});

describe('following a growing file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'floodgate-follow-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('hands over every line once, including a last line without newline, even if the file appears late', async () => {
    const path = join(dir, 'k6.ndjson');
    const seen: string[] = [];
    const follower = followLines(path, (line) => seen.push(line), 10);
    await new Promise((resolve) => setTimeout(resolve, 30));
    writeFileSync(path, 'one\ntw');
    await new Promise((resolve) => setTimeout(resolve, 50));
    appendFileSync(path, 'o\nthré'); // a multi-byte character split across writes
    await new Promise((resolve) => setTimeout(resolve, 50));
    appendFileSync(path, 'e');
    await follower.stop();
    expect(seen).toEqual(['one', 'two', 'thrée']);
  });
});

describe('the display', () => {
  function sink(isTTY: boolean) {
    let text = '';
    return {
      stream: { isTTY, write: (chunk: string) => ((text += chunk), true) } as unknown as NodeJS.WritableStream & {
        isTTY: boolean;
      },
      text: () => text,
    };
  }

  test('on a terminal, engine output goes above the block, which is redrawn in place', () => {
    const out = sink(true);
    const display = createRunDisplay(out.stream, out.stream, true);
    display.progress('a\nb\n');
    display.engineStdout.write('engine says hi\n');
    display.progress('c\nd\n');
    expect(out.text()).toBe('a\nb\n\x1b[2A\x1b[Jengine says hi\na\nb\n\x1b[2A\x1b[Jc\nd\n');
  });

  test('a stream that throws on write (a closed pipe) is written to no more, and the engine is never held up', async () => {
    let attempts = 0;
    const closedPipe = {
      isTTY: false,
      write: () => {
        attempts += 1;
        throw Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
      },
    } as unknown as NodeJS.WritableStream;
    const display = createRunDisplay(closedPipe, closedPipe, false);
    expect(() => display.progress('line 1\n')).not.toThrow();
    display.note('note');
    await new Promise<void>((resolve, reject) =>
      display.engineStdout.write('engine says hi\n', (error) => (error ? reject(error) : resolve())),
    );
    expect(attempts).toBe(1);
  });

  test('elsewhere, output and progress lines pass straight through', () => {
    const out = sink(false);
    const display = createRunDisplay(out.stream, out.stream, false);
    display.progress('line 1\n');
    display.engineStdout.write('engine says hi\n');
    display.note('note');
    expect(out.text()).toBe('line 1\nengine says hi\nnote\n');
  });
});
