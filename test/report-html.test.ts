/**
 * report.html in a real browser: Debian's Chromium through playwright-core, headless, offline.
 * The page must load without console errors or network requests, every chart must be a non-empty
 * SVG, and the verdict must come before the validity box. Screenshots land in .artifacts/.
 */

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { analyseRun } from '../report/analysis/index.ts';
import { linearSteps, simulateRun, simulatedRunResult } from '../report/fixtures/simulated-run.ts';
import { renderHtml } from '../report/render/html.ts';

const ARTIFACTS = fileURLToPath(new URL('../.artifacts/report-html/', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'floodgate-report-html-'));
let browser: BrowserContext;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await chromium.launchPersistentContext(join(work, 'profile'), {
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    viewport: { width: 1000, height: 900 },
  });
});

afterAll(async () => {
  await browser?.close();
  rmSync(work, { recursive: true, force: true });
});

const ministry = { verify_nik: { baseMs: 50, servers: 2, serviceMs: 200 } };
const REPORTS = [
  ['a breakpoint run', () => simulateRun({ steps: linearSteps(6, 4, 8, 30), stages: ministry, seed: 1, lostWriteShare: 0.01 })],
  ['an opening run', () => simulateRun({ scenario: 'opening', steps: [{ rate: 26, seconds: 20 }, { rate: 18, seconds: 30 }, { rate: 8, seconds: 40 }], stages: ministry, seed: 2 })],
  ['an invalid run', () => simulateRun({ steps: linearSteps(6, 4, 8, 30), stages: ministry, seed: 3, generatorMaxRate: 12, maxVUs: 30 })],
] as const;

describe('report.html in headless Chromium', () => {
  test.each(REPORTS)('%s renders offline with every chart a non-empty SVG', async (name, simulate) => {
    const analysis = analyseRun(simulatedRunResult(simulate()));
    const file = join(work, `${name.replace(/\W+/g, '-')}.html`);
    writeFileSync(file, renderHtml(analysis));

    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(`${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('request', (request) => {
      if (!request.url().startsWith('file:')) problems.push(`network request: ${request.url()}`);
    });
    await page.goto(pathToFileURL(file).href);

    const charts = await page.$$eval('svg.chart', (svgs) =>
      svgs.map((svg) => ({
        title: svg.querySelector('title')?.textContent ?? '',
        shapes: svg.querySelectorAll('path, rect, circle').length,
        width: svg.getBoundingClientRect().width,
        height: svg.getBoundingClientRect().height,
      })),
    );
    expect(charts.length).toBeGreaterThanOrEqual(5);
    for (const chart of charts) {
      expect(chart.title).not.toBe('');
      expect(chart.shapes, chart.title).toBeGreaterThan(3);
      expect(chart.width, chart.title).toBeGreaterThan(100);
      expect(chart.height, chart.title).toBeGreaterThan(50);
    }
    const order = await page.$$eval('main > section', (sections) => sections.map((section) => section.className));
    expect(order.slice(0, 2)).toEqual(['verdict', expect.stringMatching(/^validity/)]);
    expect(await page.textContent('.verdict p')).toBe(analysis.verdict.text);
    await page.screenshot({ path: join(ARTIFACTS, `${name.replace(/\W+/g, '-')}.png`), fullPage: true });
    await page.close();
    expect(problems).toEqual([]);
  });

  test('escapes every string it is given', async () => {
    const simulation = simulateRun({ run: 'x', steps: [{ rate: 5, seconds: 20 }], seed: 4 });
    const result = simulatedRunResult(simulation);
    const hostile = { ...result, run: '<img src=x onerror=alert(1)>', target: '"><script>alert(2)</script>' };
    const html = renderHtml(analyseRun(hostile));
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });
});
