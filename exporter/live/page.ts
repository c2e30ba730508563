/**
 * The live page's HTML: a shell the browser script fills, with uPlot's stylesheet and the page's
 * own inlined (nothing is fetched from another origin). A snapshot inlines the script, the board
 * model and every panel's query results as well, so the file opens offline.
 */

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { LiveConfig } from './index.ts';

/** Query results of a snapshot: `<panel key>/<refId>` → Prometheus API answer. */
export interface LiveSnapshot {
  /** Unix seconds. */
  readonly takenAt: number;
  readonly start: number;
  readonly end: number;
  readonly runs: readonly string[];
  readonly rangeSeconds: number;
  readonly stepSeconds: number;
  readonly rateIntervalSeconds: number;
  readonly results: Readonly<Record<string, unknown>>;
}

let uplotCss: string | undefined;
function uplotStylesheet(): string {
  uplotCss ??= readFileSync(createRequire(import.meta.url).resolve('uplot/dist/uPlot.min.css'), 'utf8');
  return uplotCss;
}

/** The page's own styles: a dark board like Grafana's, panels on a 24-column grid. */
const STYLES = `
:root { color-scheme: dark; --bg: #111217; --panel: #181b1f; --border: #2c3235; --text: #ccccdc; --muted: #8e8e9e; --accent: #6e9fff; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text); font: 13px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
header { position: sticky; top: 0; z-index: 5; display: flex; flex-wrap: wrap; gap: 12px; align-items: center; padding: 8px 16px; background: #0b0c0e; border-bottom: 1px solid var(--border); }
header h1 { font-size: 15px; margin: 0 8px 0 0; font-weight: 600; }
header label { color: var(--muted); display: flex; gap: 6px; align-items: center; }
header select { background: var(--panel); color: var(--text); border: 1px solid var(--border); border-radius: 2px; padding: 2px 4px; max-width: 340px; }
nav.boards { display: flex; gap: 4px; }
nav.boards button { background: none; color: var(--muted); border: 1px solid transparent; border-radius: 2px; padding: 3px 8px; cursor: pointer; font: inherit; }
nav.boards button[aria-pressed="true"] { color: var(--text); border-color: var(--border); background: var(--panel); }
.mode { padding: 2px 8px; border-radius: 2px; font-weight: 600; }
.mode.prometheus { background: #1f3b2c; color: #73bf69; }
.mode.exporter { background: #3b3320; color: #f2cc0c; }
.mode.snapshot { background: #27304a; color: var(--accent); }
#status { color: var(--muted); margin-left: auto; }
#notice { margin: 8px 16px 0; color: var(--muted); }
#notice:empty { display: none; }
.grid { display: grid; grid-template-columns: repeat(24, 1fr); grid-auto-rows: 30px; gap: 8px; padding: 8px 16px 24px; }
.row-title { grid-column: 1 / -1; font-size: 14px; font-weight: 600; align-self: end; padding-top: 6px; }
.panel { background: var(--panel); border: 1px solid var(--border); border-radius: 2px; display: flex; flex-direction: column; min-width: 0; overflow: hidden; }
.panel > h2 { font-size: 13px; font-weight: 500; margin: 0; padding: 6px 8px 2px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.panel > .body { flex: 1; position: relative; min-height: 0; padding: 0 8px 6px; overflow: hidden; }
.panel .state { position: absolute; inset: 0; display: flex; align-items: center; justify-content: center; color: var(--muted); text-align: center; padding: 12px; }
.panel.unavailable .state { color: #f2cc0c; }
.panel.error .state { color: #f2495c; }
.stat { display: flex; flex-direction: column; gap: 6px; height: 100%; }
.stat .value { flex: 1; display: flex; flex-direction: column; align-items: center; justify-content: center; border-radius: 2px; color: #fff; min-height: 0; }
.stat .value b { font-size: 30px; font-weight: 500; line-height: 1.1; }
.stat .value span { font-size: 12px; opacity: 0.9; }
.bars { display: flex; flex-direction: column; gap: 6px; height: 100%; justify-content: center; }
.bar { display: grid; grid-template-columns: minmax(90px, 30%) 1fr 70px; gap: 8px; align-items: center; }
.bar .track { background: #22252b; height: 16px; border-radius: 2px; overflow: hidden; }
.bar .fill { height: 100%; }
.bar .num { text-align: right; font-variant-numeric: tabular-nums; }
table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 3px 6px; border-bottom: 1px solid var(--border); white-space: nowrap; }
th { color: var(--accent); font-weight: 500; }
.table-wrap { height: 100%; overflow: auto; }
.uplot, .uplot * { font-family: inherit; }
.u-legend { font-size: 11px; color: var(--text); max-height: 62px; overflow: auto; }
.u-legend .u-series > * { padding: 1px 2px; }
.u-legend .u-marker { width: 10px; height: 3px; }
footer { color: var(--muted); padding: 0 16px 16px; }
`;

/** Options of {@link renderLivePage}: a script URL (live) or the script text and data (snapshot). */
export type LivePageOptions =
  | { readonly scriptUrl: string }
  | { readonly script: string; readonly config: LiveConfig; readonly snapshot: LiveSnapshot };

/** `<` escaped so inlined JSON and script cannot close their tag. */
function inline(text: string): string {
  return text.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

/** The HTML text of the live page or of a snapshot. */
export function renderLivePage(options: LivePageOptions): string {
  const head = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>floodgate live</title><link rel="icon" href="data:,">
<style>${uplotStylesheet()}</style>
<style>${STYLES}</style>
</head><body>
<header><h1>floodgate live</h1><nav class="boards" id="boards"></nav><span id="mode" class="mode"></span>
<label>Run <select id="run"></select></label>
<label>Stage <select id="stage"></select></label>
<label>Range <select id="range"><option value="run" selected>since the run started</option><option value="300">5 min</option><option value="900">15 min</option><option value="1800">30 min</option><option value="3600">1 h</option></select></label>
<span id="status">loading…</span></header>
<p id="notice"></p>
<main id="grid" class="grid"></main>
<footer id="footer"></footer>
`;
  if ('scriptUrl' in options) return `${head}<script src="${options.scriptUrl}"></script>\n</body></html>\n`;
  const data = JSON.stringify({ config: options.config, snapshot: options.snapshot });
  return `${head}<script id="floodgate-snapshot" type="application/json">${inline(data)}</script>\n<script>${inline(options.script)}</script>\n</body></html>\n`;
}
