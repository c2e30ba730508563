import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import {
  humanizeBytes,
  humanizeDuration,
  humanizeValue,
  renderEndOfTestSummary,
  type EndOfTestData,
} from './end-of-test-summary.ts';

const fixture = (name: string): EndOfTestData =>
  JSON.parse(readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8')) as EndOfTestData;

/** Compares with a committed golden file; UPDATE_GOLDEN=1 rewrites it. */
function golden(name: string, text: string): void {
  const path = new URL(`./testdata/${name}`, import.meta.url);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(path, text);
  expect(text).toBe(readFileSync(path, 'utf8'));
}

describe('k6 end-of-test summary', () => {
  test('renders the THRESHOLDS and TOTAL RESULTS blocks as k6 prints them (golden)', () => {
    golden('summary-legacy.txt', renderEndOfTestSummary(fixture('summary-legacy.json')));
  });

  test('with colours it wraps values in the ANSI codes k6 uses, and aligns as without', () => {
    const coloured = renderEndOfTestSummary(fixture('summary-legacy.json'), { enableColors: true });
    expect(coloured).toContain('\x1b[36m');
    // eslint-disable-next-line no-control-regex -- strips the ANSI colour codes
    expect(coloured.replace(/\x1b\[[0-9;]*m/g, '')).toBe(renderEndOfTestSummary(fixture('summary-legacy.json')));
  });

  test('sections follow k6: CUSTOM first, then HTTP, EXECUTION, NETWORK; compact mode drops http_req_waiting and checks', () => {
    const text = renderEndOfTestSummary(fixture('summary-legacy.json'));
    const order = ['CUSTOM', 'HTTP', 'EXECUTION', 'NETWORK'].map((title) => text.indexOf(`    ${title}\n`));
    expect(order.every((at, index) => at > 0 && (index === 0 || at > order[index - 1]!))).toBe(true);
    expect(text).not.toContain('http_req_waiting');
    expect(text).not.toMatch(/^ {4}checks\./m);
  });

  test('checks_total, checks_succeeded and checks_failed come from the checks rate, with k6 per-second rate', () => {
    const text = renderEndOfTestSummary(fixture('summary-legacy.json'));
    expect(text).toMatch(/checks_total\.+: 240 +3\.999174\/s/);
    expect(text).toMatch(/checks_succeeded\.+: 99\.16% 238 out of 240/);
    expect(text).toMatch(/checks_failed\.+: 0\.83% +2 out of 240/);
    expect(text).toContain('    ✗ status is 201\n      ↳  98% — ✓ 118 / ✗ 2');
  });

  test('a failed submetric threshold shows ✗ with the value it was judged on', () => {
    const text = renderEndOfTestSummary(fixture('summary-legacy.json'));
    expect(text).toContain(
      "    http_req_failed\n    ✓ 'rate<0.01' rate=0.83%\n\n      {stage:verify_nik}\n      ✗ 'rate<0.01' rate=5.00%",
    );
  });

  test('hidden metrics and thresholds are left out', () => {
    const text = renderEndOfTestSummary(fixture('summary-legacy.json'), {
      hideMetric: (name) => name.startsWith('funnel_stage{'),
      hideThreshold: (_metric, expression) => expression === 'count>=0',
    });
    expect(text).not.toContain('stage:landing,result:entered');
    expect(text).toContain('funnel_stage');
  });
});

describe('k6 number formatting', () => {
  test.each([
    [669.3268297037009, '669 B'],
    [9, '9 B'],
    [40168.2, '40 kB'],
    [1234, '1.2 kB'],
    [4123456, '4.1 MB'],
  ])('%d bytes read %s', (bytes, text) => {
    expect(humanizeBytes(bytes)).toBe(text);
  });

  test.each([
    [0, '', '0s'],
    [0.8123, '', '812.3µs'],
    [52.1, '', '52.1ms'],
    [1523.41, '', '1.52s'],
    [63012.5, '', '1m3s'],
    [7_205_000, '', '2h0m5s'],
    [52.1, 's', '0.05s'],
    [52.1, 'us', '52100.00µs'],
  ])('%d ms with unit "%s" reads %s', (ms, unit, text) => {
    expect(humanizeDuration(ms, unit)).toBe(text);
  });

  test('rates are truncated, not rounded, to two decimals of a percent', () => {
    expect(humanizeValue(0.99999, { type: 'rate', contains: 'default' })).toBe('99.99%');
    expect(humanizeValue(3.9991736, { type: 'counter', contains: 'default' })).toBe('3.999174');
  });
});
