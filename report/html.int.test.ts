/**
 * report.html in a real browser: Debian's Chromium through playwright-core, headless, offline, on
 * every report fixture. At 1280×800 the first screen must hold the answer, the capacity number,
 * the limiting stage and the ask; no table or chart may be wider than its container, on screen or
 * laid out for A4; the page loads without console errors or network requests; report.pdf keeps
 * every table's last column. Screenshots (and the PDF's first page as PNG, when poppler-utils is
 * installed) land in .artifacts/report-html/.
 */

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { analyseRun, type Analysis } from './analysis/index.ts';
import { REPORT_FIXTURES } from './fixtures/report-fixtures.ts';
import { renderHtml } from './render/html.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH, PDF_OPTIONS, printPdf } from './render/pdf.ts';

const ARTIFACTS = fileURLToPath(new URL('../.artifacts/report-html/', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'floodgate-report-html-'));
const hasPoppler = existsSync('/usr/bin/pdftotext') && existsSync('/usr/bin/pdftoppm');
let browser: Browser;
const reports = new Map<string, { analysis: Analysis; file: string }>();

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] });
  for (const fixture of REPORT_FIXTURES) {
    const analysis = analyseRun(fixture.run());
    const file = join(work, `${fixture.name}.html`);
    writeFileSync(file, renderHtml(analysis));
    reports.set(fixture.name, { analysis, file });
  }
}, 240_000);

afterAll(async () => {
  await browser?.close();
  rmSync(work, { recursive: true, force: true });
});

/** Opens a fixture's report at 1280×800, recording console problems and network requests. */
async function open(name: string, problems: string[] = []): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning')
      problems.push(`${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('request', (request) => {
    if (!request.url().startsWith('file:')) problems.push(`network request: ${request.url()}`);
  });
  await page.goto(pathToFileURL(reports.get(name)!.file).href);
  return page;
}

/** Tables, charts, figures and sections wider than their container (scrollWidth), or sticking out of it. */
async function overflowing(page: Page): Promise<string[]> {
  return page.$$eval('.table, svg.chart, figure, section, dl, table', (elements) =>
    elements.flatMap((element) => {
      const box = element.getBoundingClientRect();
      const parent = element.parentElement!.getBoundingClientRect();
      const name = `${element.tagName.toLowerCase()}.${element.getAttribute('class') ?? ''} in "${element.closest('section')?.querySelector('h2')?.textContent ?? ''}"`;
      const problems: string[] = [];
      if (element.scrollWidth > element.clientWidth + 1 && element.tagName !== 'svg')
        problems.push(`${name}: scrollWidth ${element.scrollWidth} > ${element.clientWidth}`);
      if (box.right > parent.right + 1)
        problems.push(`${name}: right edge ${Math.round(box.right)} > its container's ${Math.round(parent.right)}`);
      return problems;
    }),
  );
}

/** The browser's window, as far as these tests use it (the project's types carry no DOM library). */
interface BrowserWindow {
  getComputedStyle(element: unknown): { color: string; display: string };
}

const names = REPORT_FIXTURES.map((fixture) => [fixture.name, fixture.describe] as const);

describe('report.html in headless Chromium at 1280×800', () => {
  test.each(names)(
    '%s (%s): the first screen holds the answer, the capacity number, the limiting stage and the ask; nothing is wider than its container; the charts read right',
    async (name) => {
      const { analysis } = reports.get(name)!;
      const problems: string[] = [];
      const page = await open(name, problems);
      await page.screenshot({ path: join(ARTIFACTS, `${name}-first-screen.png`) });
      await page.screenshot({ path: join(ARTIFACTS, `${name}-full.png`), fullPage: true });

      // what lies inside the first 800 pixels, as text
      const firstScreen = await page.$$eval('.answer h2, .answer dt, .answer dd, .capacity-number', (elements) =>
        elements
          .filter((element) => element.getBoundingClientRect().bottom <= 800)
          .map((element) => element.textContent ?? ''),
      );
      const visible = firstScreen.join('\n');
      const { answer } = analysis;
      expect(visible).toContain(answer.headline);
      for (const item of answer.questions) {
        expect(visible).toContain(item.question);
        expect(visible).toContain(item.answer);
      }
      if (answer.capacity)
        expect(visible).toContain(
          `${answer.capacity.lowerBound ? '≥ ' : ''}${answer.capacity.perMinute.toLocaleString('en-US')}`,
        );
      else expect(visible).toContain('capacity not measured');

      // and the answers say what a manager needs, in words
      const [can, caps, fix] = answer.questions.map((item) => item.answer);
      if (name === 'breakpoint-ministry') {
        expect(answer.can).toBe('no');
        expect(answer.headline).toBe(
          'No: we cannot take the 80,000-a-minute opening — capacity 1,320 new applicants a minute',
        );
        expect(caps).toMatch(/^The ministry’s NIK check: it answers at most about [\d.]+ NIK checks a second/);
        expect(fix).toMatch(
          /^Ask the ministry for [\d,]+ NIK checks a second .* waiting room .* would wait between \d+ h \d+ min and \d+ h \d+ min/,
        );
      }
      if (name === 'breakpoint-registration') {
        expect(caps).toMatch(/^Registration \(creating the account\)/);
        expect(fix).toMatch(/^Grow registration \(creating the account\) to [\d,]+ registrations a second/);
      }
      if (name === 'breakpoint-not-reached') {
        expect(answer.can).toBe('not-yet-known');
        expect(fix).toMatch(/higher steps/);
      }
      if (name === 'invalid') {
        expect(answer.can).toBe('not-yet-known');
        expect(can).toMatch(/load generator/);
      }
      if (name === 'scaled-opening') {
        expect(answer.can).toBe('not-yet-known');
        expect(answer.headline).toBe('Not yet known — at 1/5,000 of the real opening: says nothing about launch day');
        // a scaled run that met its SLOs would not be painted as good news: the headline is not green
        const color = await page.$eval(
          '.answer h2',
          (element) => (globalThis as unknown as BrowserWindow).getComputedStyle(element).color,
        );
        expect(color).not.toBe('rgb(26, 127, 55)');
      }
      expect(problems).toEqual([]);

      // no table or chart wider than its container, on screen
      expect(await overflowing(page)).toEqual([]);
      await page.emulateMedia({ media: 'print' });
      await page.setViewportSize({ width: 703, height: 1000 });
      expect(await overflowing(page)).toEqual([]);
      // nor laid out for A4 (210 mm − 2 × 12 mm margins ≈ 703 px), and no "hover" text on paper
      const hidden = await page.$$eval('.screen-only', (elements) =>
        elements.map((element) => (globalThis as unknown as BrowserWindow).getComputedStyle(element).display),
      );
      expect(hidden.length).toBeGreaterThan(0);
      expect(hidden.every((display) => display === 'none')).toBe(true);
      await page.emulateMedia({ media: 'screen' });
      await page.setViewportSize({ width: 1280, height: 800 });

      // every chart has a title, shapes, time axes from 0:00 and no repeated tick label
      const charts = await page.$$eval('svg.chart', (svgs) =>
        svgs.map((svg) => {
          const texts = [...svg.querySelectorAll('text[text-anchor="end"]')]
            .filter((text) => Number(text.getAttribute('x')) < 70)
            .map((text) => text.textContent ?? '');
          const xTicks = [...svg.querySelectorAll('text[text-anchor="middle"]')]
            .map((text) => text.textContent ?? '')
            .filter((text) => /^-?\d+:\d\d$/.test(text));
          return {
            title: svg.querySelector('title')?.textContent ?? '',
            shapes: svg.querySelectorAll('path, rect, circle').length,
            yTicks: texts,
            xTicks,
          };
        }),
      );
      expect(charts.length).toBeGreaterThanOrEqual(5);
      for (const chart of charts) {
        expect(chart.title).not.toBe('');
        expect(chart.shapes, chart.title).toBeGreaterThan(3);
        expect(new Set(chart.yTicks).size, `${chart.title}: ${chart.yTicks.join(', ')}`).toBe(chart.yTicks.length);
        if (chart.xTicks.length > 0) {
          expect(chart.xTicks[0], chart.title).toBe('0:00');
          expect(
            chart.xTicks.some((tick) => tick.startsWith('-')),
            chart.title,
          ).toBe(false);
        }
      }
      // the heat grid says what its colours mean
      const legend = await page.$$eval('svg.chart', (svgs) =>
        svgs.map((svg) => svg.textContent ?? '').filter((text) => text.includes('met its objectives')),
      );
      expect(legend).toHaveLength(1);
      expect(legend[0]).toContain('broke an objective');
      await page.close();
    },
  );
});

describe('the demand-against-capacity picture', () => {
  test('starts at the 80,000 peak, not above it, and draws the capacity line well clear of the axis', async () => {
    const page = await open('breakpoint-ministry');
    const picture = await page.$eval('.answer svg.chart', (svg) => {
      const plot = svg.querySelector('rect')!;
      const bottom = Number(plot.getAttribute('y')) + Number(plot.getAttribute('height'));
      const capacity = svg.querySelector('line[stroke="#cf222e"]')!;
      const ticks = [...svg.querySelectorAll('text[text-anchor="end"]')].map((text) => ({
        label: text.textContent,
        y: Number(text.getAttribute('y')) - 4,
      }));
      const firstPoints = [...svg.querySelectorAll('path[stroke="#0969da"], path[stroke="#8250df"]')].map((path) =>
        Number(/^M[\d.]+ ([\d.]+)/.exec(path.getAttribute('d')!)![1]),
      );
      return { bottom, capacityY: Number(capacity.getAttribute('y1')), ticks, firstPoints };
    });
    const tick = (label: string): number => picture.ticks.find((item) => item.label === label)!.y;
    // log scale: 80,000 lies between the 10k and 100k grid lines, at log10(8) of the way
    const expected80k = tick('10k') - (tick('10k') - tick('100k')) * Math.log10(8);
    for (const y of picture.firstPoints) expect(Math.abs(y - expected80k)).toBeLessThan(2);
    expect(picture.bottom - picture.capacityY).toBeGreaterThan(40);
    await page.close();
  });
});

describe('report.pdf', () => {
  test("printPdf writes report.pdf with Debian's Chromium", async () => {
    const pdf = join(work, 'printed.pdf');
    expect(await printPdf(reports.get('breakpoint-ministry')!.file, pdf)).toEqual({ written: pdf });
    expect(readFileSync(pdf).subarray(0, 5).toString()).toBe('%PDF-');
  });

  test.each(names)('%s prints on A4 with no cut column', async (name) => {
    const page = await open(name);
    const pdf = join(work, `${name}.pdf`);
    await page.pdf({ ...PDF_OPTIONS, path: pdf });
    // every table's last header and the last cell of its last row must make it onto the paper
    const edges = await page.$$eval('table', (tables) =>
      tables.map((table) => {
        const headers = [...table.querySelectorAll('thead th')].map((cell) => cell.textContent ?? '');
        const rows = [...table.querySelectorAll('tbody tr')];
        const last = rows[rows.length - 1];
        return {
          header: headers[headers.length - 1] ?? '',
          cell: last ? ([...last.querySelectorAll('td')].pop()?.textContent ?? '') : '',
        };
      }),
    );
    await page.close();
    if (!hasPoppler) {
      console.warn(
        'poppler-utils not installed (apt-get install -y poppler-utils): report.pdf was printed but not read back',
      );
      return;
    }
    execFileSync('/usr/bin/pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '2', pdf, join(ARTIFACTS, `${name}-pdf`)]);
    const text = execFileSync('/usr/bin/pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    const words = (value: string): string[] => value.replace(/\s+/g, ' ').trim().split(' ');
    for (const edge of edges) {
      for (const word of words(edge.header)) expect(text, `last header "${edge.header}"`).toContain(word);
      // the whole last cell, as pdftotext lays it out on one line (it may wrap: then its first word)
      const cell = words(edge.cell);
      if (cell[0] !== '') expect(text, `last cell "${edge.cell}"`).toContain(cell[0]!);
      if (cell.length > 1 && !text.includes(cell.join(' ')))
        expect(text, `last cell "${edge.cell}"`).toContain(cell[cell.length - 1]!);
    }
  });

  test('is skipped with a message when Chromium is not installed', async () => {
    const outcome = await printPdf(reports.get('invalid')!.file, join(work, 'none.pdf'), {
      executablePath: join(work, 'no-chromium'),
    });
    expect(outcome).toEqual({
      skipped: expect.stringMatching(
        /^report\.pdf not written: Chromium is not installed at .*no-chromium \(apt-get install/,
      ),
    });
    expect(existsSync(join(work, 'none.pdf'))).toBe(false);
  });
});

describe('escaping', () => {
  test('escapes every string it is given', () => {
    const html = renderHtml(reports.get('hostile-text')!.analysis);
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });
});
