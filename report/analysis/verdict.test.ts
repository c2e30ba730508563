import { describe, expect, test } from 'vitest';
import { linearSteps, simulateRun, simulatedRunResult } from '../fixtures/simulated-run.ts';
import { keyFigures } from '../render/format.ts';
import { renderHtml } from '../render/html.ts';
import { renderMarkdown } from '../render/markdown.ts';
import { forecastOpening } from './forecast.ts';
import { analyseRun } from './index.ts';
import { formatFactor } from './verdict.ts';

/** A breakpoint whose six steps (2–12/s) all meet every SLO: the limit is never reached. */
const notReached = analyseRun(simulatedRunResult(simulateRun({ steps: linearSteps(2, 2, 6, 20), seed: 5 })));

/** A breakpoint that finds its knee at verify_nik (2 servers × 200 ms = 10 checks/s). */
const knee = analyseRun(
  simulatedRunResult(
    simulateRun({
      steps: linearSteps(6, 4, 8, 30),
      stages: { verify_nik: { baseMs: 50, servers: 2, serviceMs: 200 } },
      seed: 1,
    }),
  ),
);

describe('a breakpoint that never reached the limit', () => {
  test('is measured as a lower bound', () => {
    expect(notReached.capacity.outcome).toBe('not-reached');
    expect(notReached.forecast.capacityIsLowerBound).toBe(true);
    expect(notReached.forecast.ready).toBeUndefined();
  });

  test('is not called "not ready": the verdict says at least, that the limit was not reached, and to run higher steps', () => {
    const { verdict } = notReached;
    expect(verdict.status).toBe('limit-not-reached');
    expect(verdict.headline).not.toMatch(/not ready/i);
    expect(verdict.headline).toMatch(/at least 720\/min/);
    expect(verdict.text).toMatch(/at least 720 new applicants\/min/);
    expect(verdict.text).toMatch(/did not reach the limit/);
    expect(verdict.text).toMatch(/higher steps/);
    expect(verdict.text).not.toMatch(/not ready/);
    expect(verdict.text).not.toMatch(/it needs \d+× the measured capacity/);
  });

  test('labels every forecast figure that rests on the lower bound', () => {
    const figures = Object.fromEntries(keyFigures(notReached));
    expect(figures['Capacity: highest load step with every stage within its objectives']).toMatch(/^at least 720\/min/);
    expect(figures['Capacity against the 80,000/min peak']).toMatch(
      /^at least 0\.009× the peak; headroom at least -99 %$/,
    );
    expect(figures['Scale-out needed (at 70 % utilisation)']).toMatch(/^at most 159×/);
    for (const [label, value] of Object.entries(figures).filter(([label]) => label.startsWith('Waiting room'))) {
      expect(value, label).toMatch(/^at most: /);
    }
    const html = renderHtml(notReached);
    expect(html).toMatch(/our capacity: 720\/min or more/);
    expect(html).toMatch(/That is at least 0\.009× the 80,000\/min peak/);
    expect(html).toMatch(/at most 159× what was measured/);
    expect(renderMarkdown(notReached)).toMatch(/at least 0\.009× the 80,000\/min peak/);
  });
});

describe('a breakpoint with a knee', () => {
  test('keeps its definite forecast', () => {
    expect(knee.capacity.outcome).toBe('knee');
    expect(knee.forecast.capacityIsLowerBound).toBe(false);
    expect(knee.verdict.status).toBe('not-ready');
    expect(knee.verdict.text).toMatch(/not ready — it needs \d+× the measured capacity/);
    expect(Object.fromEntries(keyFigures(knee))['Scale-out needed (at 70 % utilisation)']).not.toMatch(/at most/);
  });

  test('shows the capacity ratio and the scale-out factor in one format everywhere', () => {
    const ratio = formatFactor(knee.forecast.capacityRatio!);
    const scale = formatFactor(knee.forecast.scaleOutFactor!);
    const html = renderHtml(knee);
    for (const text of [knee.verdict.text, html, renderMarkdown(knee)]) {
      expect(text).toContain(ratio);
      expect(text).toContain(scale);
    }
    // below the first screen, every factor printed is one of the two, never a second rounding of them
    const details = html.slice(html.indexOf('<section class="validity'));
    const factors = [...details.matchAll(/(\d[\d.,]*)×/g)].map((match) => `${match[1]}×`);
    expect(new Set(factors)).toEqual(new Set([ratio, scale]));
    // the first screen's factors say what they compare: the peak against capacity, the ask against today
    const [, , fix] = knee.answer.questions;
    // the raw ratio, then the one multiple to plan with (the scale-out factor at the target utilisation)
    expect(knee.answer.questions[0].answer).toMatch(
      /80,000 in its first minute, \d+× as many \(to plan with: \d+×, at 70 % utilisation\)\.$/,
    );
    expect(knee.answer.questions[0].answer).toContain(`to plan with: ${scale},`);
    expect(fix.answer).toMatch(
      /^Ask the ministry for [\d,]+ NIK checks a second \(\d+× the [\d.]+ a second it answers today\)/,
    );
    // the ask is the peak ÷ the target utilisation, said that way (not "plus a 30 % margin", which is × 1.3)
    expect(fix.answer).toMatch(
      /the opening’s peak needs [\d,.]+ a second, and [\d,.]+ runs it at 70 % utilisation at the peak \(30 % headroom\)/,
    );
  });
});

describe('the forecast on a lower bound', () => {
  test.each([
    [150_000, true],
    [20_000, undefined],
  ])('at least %i/min is ready: %s', (capacityPerMinute, ready) => {
    const forecast = forecastOpening({ capacityPerMinute, targetUtilisation: 0.7, capacityIsLowerBound: true });
    expect(forecast.capacityIsLowerBound).toBe(true);
    expect(forecast.ready).toBe(ready);
  });
});
