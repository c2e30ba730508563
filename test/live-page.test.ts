/**
 * The live page in headless Chromium during a demo-sized run, with Prometheus and without: the
 * reference target, two exporters following the same results (one answering the page from its
 * own data, one proxying to a real Prometheus that scrapes the first and the target), and a short
 * breakpoint run on the local engine. While the run is going, each page must draw every panel
 * within 15 s (a panel may stay empty only where its dashboard says a healthy run leaves it empty,
 * or, without Prometheus, where the page says it needs Prometheus), log no console error and
 * request nothing outside 127.0.0.1. Screenshots of every board land in .artifacts/live/.
 * Then the snapshot the demo saves opens offline with its panels drawn.
 */

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DASHBOARDS } from '../dashboards/index.ts';
import { placePanels } from '../dashboards/panels.ts';
import { SCRAPE_JOBS } from '../deploy/prometheus/rules/index.ts';
import { projectPrometheusConfig } from './dashboards-prometheus-config.ts';
import { startProcess, stopAll, type ManagedProcess } from './support/processes.ts';
import { startPrometheus, type TestPrometheus } from './support/prometheus.ts';

const ROOT = join(import.meta.dirname, '..');
const FLOODGATE = join(ROOT, 'bin', 'floodgate.js');
const ARTIFACTS = fileURLToPath(new URL('../.artifacts/live/', import.meta.url));
const RUN = `live-${Date.now().toString(36)}`;
/** Four load steps of 4 → 13 new applicants per second, 10 s each: about 340 journeys in 40 s. */
const BREAKPOINT = [
  'BREAKPOINT_START=4',
  'BREAKPOINT_STEP=3',
  'BREAKPOINT_STEPS=4',
  'BREAKPOINT_STEP_SECONDS=10',
  'THINK_TIME_SCALE=0.002',
];
const DRAW_WITHIN_MS = 15_000;
const scratch = mkdtempSync(join(tmpdir(), 'floodgate-live-'));

/** Panels a healthy run may leave empty, by key `<board uid>/<panel id>`. */
const EMPTY_WHEN_HEALTHY = new Map<string, string>(
  DASHBOARDS.flatMap((spec) =>
    placePanels(spec)
      .panels.filter((panel) => panel.spec.emptyWhenHealthy)
      .map((panel) => [`${spec.uid}/${panel.id}`, panel.spec.emptyWhenHealthy!] as const),
  ),
);
const ALL_PANELS = DASHBOARDS.flatMap((spec) => placePanels(spec).panels.map((panel) => `${spec.uid}/${panel.id}`));

let prometheus: TestPrometheus | undefined;
let browser: Browser | undefined;
let run: ManagedProcess | undefined;
const urls: { local: string; proxied: string } = { local: '', proxied: '' };

interface PageVisit {
  page: Page;
  consoleErrors: string[];
  requests: string[];
  /** Panel key → state, when every panel had settled (or at the deadline). */
  states: Record<string, string>;
  drawnWithinMs: number;
}
const visits: Record<'local' | 'proxied', PageVisit | undefined> = { local: undefined, proxied: undefined };

async function panelStates(page: Page): Promise<Record<string, string>> {
  // A string: this file is type-checked without the DOM library.
  return page.evaluate<Record<string, string>>(
    'Object.fromEntries([...document.querySelectorAll("section.panel")].map((element) => [element.dataset.key, element.dataset.state]))',
  );
}

/** Opens the live page and walks every board, waiting for each to draw; screenshots every board. */
async function visit(name: 'local' | 'proxied', base: string): Promise<PageVisit> {
  const page = await browser!.newPage({ viewport: { width: 1600, height: 1000 } });
  const consoleErrors: string[] = [];
  const requests: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(error.message));
  page.on('request', (request) => requests.push(request.url()));
  await page.goto(`${base}/live`);
  const states: Record<string, string> = {};
  let drawnWithinMs = 0;
  for (const spec of DASHBOARDS) {
    // The first board is on screen from the start; the clock runs from the page load or the click.
    const boardStart = Date.now();
    await page.click(`nav.boards button[data-uid="${spec.uid}"]`);
    let current: Record<string, string> = {};
    for (;;) {
      current = await panelStates(page);
      const settled = Object.entries(current).every(
        ([key, state]) =>
          state === 'data' || state === 'unavailable' || (state === 'empty' && EMPTY_WHEN_HEALTHY.has(key)),
      );
      if (settled || Date.now() - boardStart > DRAW_WITHIN_MS) break;
      await page.waitForTimeout(250);
    }
    drawnWithinMs = Math.max(drawnWithinMs, Date.now() - boardStart);
    Object.assign(states, current);
    await page.screenshot({ path: join(ARTIFACTS, `${name}-${spec.file.replace(/\.json$/, '')}.png`), fullPage: true });
    if (spec === DASHBOARDS[0]) await page.screenshot({ path: join(ARTIFACTS, `${name}-first-screen.png`) });
  }
  return { page, consoleErrors, requests, states, drawnWithinMs };
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const target = startProcess(
    process.execPath,
    [
      FLOODGATE,
      'target',
      '--port',
      '0',
      '--ministry-port',
      '0',
      '--test-hooks',
      '--db',
      ':memory:',
      '--nik-capacity',
      '2',
      '--nik-service-ms',
      '100',
    ],
    { cwd: ROOT },
  );
  const targetUrl = (await target.waitFor(/listening on (http:\/\/\S+)/, 60_000))[1] as string;
  const ministryUrl = (await target.waitFor(/ministry NIK API on (http:\/\/\S+)/, 10_000))[1] as string;
  const exporterArgs = [
    'exporter',
    '--port',
    '0',
    '--follow',
    join(scratch, '*/k6.ndjson'),
    '--follow-interval',
    '200',
    '--target-truth',
    targetUrl,
    '--truth-interval',
    '1',
  ];
  const local = startProcess(process.execPath, [FLOODGATE, ...exporterArgs], { cwd: ROOT });
  urls.local = (await local.waitFor(/listening on (http:\/\/\S+)/, 60_000))[1] as string;
  prometheus = await startPrometheus(
    projectPrometheusConfig({
      [SCRAPE_JOBS.exporter]: new URL(urls.local).host,
      [SCRAPE_JOBS.target]: new URL(targetUrl).host,
      [SCRAPE_JOBS.ministry]: new URL(ministryUrl).host,
    }),
  );
  const proxied = startProcess(process.execPath, [FLOODGATE, ...exporterArgs, '--prometheus', prometheus.url], {
    cwd: ROOT,
  });
  urls.proxied = (await proxied.waitFor(/listening on (http:\/\/\S+)/, 60_000))[1] as string;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });

  run = startProcess(
    process.execPath,
    [
      FLOODGATE,
      'run',
      '--engine',
      'local',
      '--target',
      targetUrl,
      '--scenario',
      'breakpoint',
      '--run-id',
      RUN,
      '--out',
      join(scratch, RUN),
      ...BREAKPOINT.flatMap((pair) => ['-e', pair]),
    ],
    { cwd: ROOT, env: { ...process.env, PATH: '/usr/bin:/bin' } },
  );
  // The run has begun and Prometheus holds a few scrapes of it.
  await run.waitFor(/running|iterations|VUs|live/i, 60_000).catch(() => undefined);
  // Applicants have reached every stage (a panel can only draw data that exists).
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const data = await prometheus.query(`count(sum by (stage) (floodgate_funnel_stage_total{run="${RUN}"}))`);
    if (Number(data.result[0]?.value?.[1] ?? 0) === 6) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await new Promise((resolve) => setTimeout(resolve, 6000));
  const [localVisit, proxiedVisit] = await Promise.all([visit('local', urls.local), visit('proxied', urls.proxied)]);
  visits.local = localVisit;
  visits.proxied = proxiedVisit;
  writeFileSync(
    join(ARTIFACTS, 'states.json'),
    `${JSON.stringify({ local: localVisit.states, proxied: proxiedVisit.states }, null, 2)}\n`,
  );
}, 420_000);

afterAll(async () => {
  await browser?.close();
  await prometheus?.stop();
  await stopAll();
  rmSync(scratch, { recursive: true, force: true });
});

describe.each(['local', 'proxied'] as const)('the live page (%s: %s)', (mode) => {
  test('shows every panel of every generated board', () => {
    expect(Object.keys(visits[mode]!.states).sort()).toEqual([...ALL_PANELS].sort());
  });

  test('draws data in every panel within 15 s, except those a healthy run leaves empty', () => {
    const visit = visits[mode]!;
    const missing = Object.entries(visit.states).filter(
      ([key, state]) =>
        !(
          state === 'data' ||
          (state === 'empty' && EMPTY_WHEN_HEALTHY.has(key)) ||
          (mode === 'local' && state === 'unavailable')
        ),
    );
    expect(missing).toEqual([]);
    expect(visit.drawnWithinMs).toBeLessThanOrEqual(DRAW_WITHIN_MS + 1000);
  });

  test('logs no console error and requests nothing outside 127.0.0.1', () => {
    const visit = visits[mode]!;
    expect(visit.consoleErrors).toEqual([]);
    const outside = visit.requests.filter((url) => !url.startsWith('http://127.0.0.1:') && !url.startsWith('data:'));
    expect(outside).toEqual([]);
    expect(visit.requests.length).toBeGreaterThan(10);
  });
});

describe('the modes', () => {
  test('with Prometheus no panel needs Prometheus; without, only panels reading target, scrape or alert series do', () => {
    expect(Object.values(visits.proxied!.states)).not.toContain('unavailable');
    const unavailable = Object.entries(visits.local!.states)
      .filter(([, state]) => state === 'unavailable')
      .map(([key]) => key);
    expect(unavailable.length).toBeGreaterThan(0);
    // The Capacity board's target and ministry rows, the Exporter health board's scrape row, the firing alerts.
    const needPrometheus =
      /^(floodgate-capacity\/[45]\d\d|floodgate-exporter-health\/3\d\d|floodgate-launch-overview\/701)$/;
    expect(unavailable.filter((key) => !needPrometheus.test(key))).toEqual([]);
  });

  test('the page says which mode it is in', async () => {
    expect(await visits.local!.page.textContent('#mode')).toBe('exporter only');
    expect(await visits.proxied!.page.textContent('#mode')).toBe('Prometheus');
    expect(await visits.local!.page.textContent('#notice')).toMatch(
      /No Prometheus given.*need series only Prometheus has/,
    );
  });
});

describe('the snapshot', () => {
  test('opens offline with its panels drawn from the data inlined', async () => {
    const response = await fetch(`${urls.proxied}/live/snapshot?run=${RUN}&range=300`);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).not.toMatch(/(?:src|href)="https?:/);
    const file = join(scratch, 'live.html');
    writeFileSync(file, html);
    const page = await browser!.newPage({ viewport: { width: 1600, height: 1000 } });
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    await page.goto(`file://${file}`);
    await page.waitForFunction(
      'document.querySelectorAll(\'section.panel[data-state="data"]\').length > 10',
      undefined,
      { timeout: 15_000 },
    );
    await page.screenshot({ path: join(ARTIFACTS, 'snapshot-launch-overview.png'), fullPage: true });
    expect(requests.filter((url) => !url.startsWith('file:') && !url.startsWith('data:'))).toEqual([]);
    expect(await page.textContent('#mode')).toMatch(/^snapshot/);
    await page.close();
  });
});
