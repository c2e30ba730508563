/**
 * `floodgate report`'s library: read a run (results folder or Prometheus) into a versioned
 * run-result, analyse it (optionally against a baseline run), and render every format into the
 * output folder. Read → parse → compute → render, each step its own module.
 */

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FloodgateError } from '../contracts/errors.ts';
import { validateRunResult, type RunResult } from '../contracts/run-result.ts';
import { analyseRun, type Analysis } from './analysis/index.ts';
import { DEFAULT_OBJECTIVES, type ReportObjectives } from './analysis/objectives.ts';
import { readPrometheusRun, type PrometheusApi } from './read-prometheus.ts';
import { readJsonFile, readRunDirectory, type RunManifest, type TruthSource } from './read-run.ts';
import { RENDERERS } from './render/index.ts';
import { printPdf, type PdfOutcome } from './render/pdf.ts';
import { loadObjectives } from './slo-file.ts';

export { analyseRun, type Analysis } from './analysis/index.ts';
export { RENDERERS } from './render/index.ts';

/** File name of the run-result in a results folder. */
export const RUN_RESULT_FILE = 'run-result.json';

/** What to report on. */
export interface ReportOptions {
  /** Results folder of the run (k6.ndjson, run.json, summary.json); the output goes here too unless `out` says. */
  readonly dir: string;
  /** Output folder; default `dir`. */
  readonly out?: string;
  /** Results folder of a baseline run to compare with. */
  readonly baseline?: string;
  /** Prometheus base URL: read the run from Prometheus instead of k6.ndjson (needs `run`). */
  readonly prometheus?: string;
  /** Run id (with `prometheus`, or to pick one run out of an NDJSON holding several). */
  readonly run?: string;
  /** SLO file overriding the objectives. */
  readonly slo?: string;
  /** Where the target's truth comes from; default `auto`. */
  readonly truth?: TruthSource;
  /** Report window length in seconds (default 10). */
  readonly windowSeconds?: number;
  readonly signal?: AbortSignal;
  /** `auto` (default): also print report.pdf when Chromium is installed; `off`: do not. */
  readonly pdf?: 'auto' | 'off';
  /** Prometheus client (tests). */
  readonly prometheusApi?: PrometheusApi;
}

/** What `buildReport` wrote. */
export interface ReportOutcome {
  readonly analysis: Analysis;
  readonly runResult: RunResult;
  /** Absolute paths of the files written: run-result.json, then one per renderer. */
  readonly files: readonly string[];
  /** Absolute path of report.html. */
  readonly html: string;
  /** report.pdf: written (its path is in `files` too), or why not. */
  readonly pdf: PdfOutcome;
}

/** Reads, analyses and renders one run. Throws FloodgateError for expected failures. */
export async function buildReport(options: ReportOptions): Promise<ReportOutcome> {
  const dir = resolve(options.dir);
  const out = resolve(options.out ?? options.dir);
  let objectives: ReportObjectives = options.slo ? loadObjectives(options.slo) : DEFAULT_OBJECTIVES;
  if (options.windowSeconds !== undefined) objectives = { ...objectives, windowSeconds: options.windowSeconds };

  const runResult = await readRun(dir, options);
  const checked = validateRunResult(runResult);
  if (!checked.ok) throw new FloodgateError('INTERNAL', { detail: `the run-result built from ${dir} is malformed: ${checked.problems.join('; ')}` });
  const baseline = options.baseline ? analyseRun(await readBaseline(resolve(options.baseline), options), { objectives }) : undefined;
  const analysis = analyseRun(runResult, { objectives, ...(baseline ? { baseline } : {}) });

  mkdirSync(out, { recursive: true });
  const files = [join(out, RUN_RESULT_FILE)];
  writeFileSync(files[0]!, `${JSON.stringify(runResult)}\n`);
  for (const renderer of RENDERERS) {
    const path = join(out, renderer.file);
    writeFileSync(path, renderer.render(analysis));
    files.push(path);
  }
  const html = join(out, 'report.html');
  const pdf = options.pdf === 'off' ? { skipped: 'report.pdf not asked for' } : await printPdf(html, join(out, 'report.pdf'));
  if ('written' in pdf) files.push(pdf.written);
  return { analysis, runResult, files, html, pdf };
}

/** The run, from Prometheus or from the results folder. */
async function readRun(dir: string, options: ReportOptions): Promise<RunResult> {
  if (options.prometheus) {
    if (!options.run) throw new FloodgateError('USAGE', { detail: '--prometheus needs --run <id>: the run to read' });
    const manifest = readJsonFile<RunManifest>(join(dir, 'run.json'));
    return readPrometheusRun({
      url: options.prometheus,
      run: options.run,
      ...(manifest ? { manifest } : {}),
      ...(options.prometheusApi ? { api: options.prometheusApi } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }
  return readRunDirectory(dir, {
    ...(options.run ? { run: options.run } : {}),
    ...(options.truth ? { truth: options.truth } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

/**
 * The baseline: its run-result.json when it is current, else rebuilt from its k6.ndjson.
 * (Truth is read from the baseline's truth.json only: its target may be long gone.)
 */
async function readBaseline(dir: string, options: ReportOptions): Promise<RunResult> {
  const stored = join(dir, RUN_RESULT_FILE);
  if (existsSync(stored)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(stored, 'utf8'));
    } catch (error) {
      throw new FloodgateError('INPUT_INVALID', { what: stored, detail: (error as Error).message }, { cause: error });
    }
    const checked = validateRunResult(parsed);
    if (checked.ok) return checked.value;
    if (!existsSync(join(dir, 'k6.ndjson'))) {
      throw new FloodgateError('INPUT_INVALID', { what: stored, detail: checked.problems.slice(0, 3).join('; ') });
    }
  }
  return readRunDirectory(dir, { truth: existsSync(join(dir, 'truth.json')) ? 'auto' : 'off', ...(options.signal ? { signal: options.signal } : {}) });
}
