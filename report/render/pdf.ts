/**
 * `report.pdf`: report.html printed on A4 by Chromium — Debian's /usr/bin/chromium through
 * playwright-core (a development dependency), headless, offline, never a downloaded browser. When
 * either is missing the PDF is skipped with a message that says how to get it; nothing else fails.
 */

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserContext, BrowserType } from 'playwright-core';

/** Where Chromium is looked for, and the flags it runs with (the project's one way to run it). */
export const CHROMIUM_PATH = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
] as const;

/** How the page is printed: A4 (the page's @page rule), with its backgrounds. */
export const PDF_OPTIONS = Object.freeze({ format: 'A4', printBackground: true, preferCSSPageSize: true });

/** What printing did: the file written, or why it was skipped. */
export type PdfOutcome = { readonly written: string } | { readonly skipped: string };

/** Options of {@link printPdf}. */
export interface PdfOptions {
  /** Chromium binary; default {@link CHROMIUM_PATH}. */
  readonly executablePath?: string;
  /** Longest the print may take, ms; default 60,000. */
  readonly timeoutMs?: number;
}

/** Prints the HTML file `htmlPath` to `pdfPath` on A4, with backgrounds, as the page's print CSS lays it out. */
export async function printPdf(htmlPath: string, pdfPath: string, options: PdfOptions = {}): Promise<PdfOutcome> {
  const executablePath = options.executablePath ?? CHROMIUM_PATH;
  if (!existsSync(executablePath)) {
    return {
      skipped: `report.pdf not written: Chromium is not installed at ${executablePath} (apt-get install -y --no-install-recommends chromium)`,
    };
  }
  let chromium: BrowserType;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    return {
      skipped: 'report.pdf not written: playwright-core is not installed (npm install --save-dev playwright-core)',
    };
  }
  const profile = mkdtempSync(join(tmpdir(), 'floodgate-pdf-'));
  const timeout = options.timeoutMs ?? 60_000;
  let context: BrowserContext | undefined;
  try {
    context = await chromium.launchPersistentContext(profile, { executablePath, args: [...CHROMIUM_ARGS], timeout });
    const page = await context.newPage();
    // offline: the report is self-contained; anything else it asked for would be a bug
    await page.route(/^(?!file:)/, (route) => route.abort());
    await page.goto(pathToFileURL(htmlPath).href, { timeout });
    await page.pdf({ ...PDF_OPTIONS, path: pdfPath });
    return { written: pdfPath };
  } catch (error) {
    return { skipped: `report.pdf not written: Chromium failed to print (${(error as Error).message.split('\n')[0]})` };
  } finally {
    await context?.close().catch(() => undefined);
    rmSync(profile, { recursive: true, force: true });
  }
}
