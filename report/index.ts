/**
 * `floodgate report`'s library: read a run (results folder or Prometheus) into a versioned
 * run-result, analyse it (optionally against a baseline run), and render every format into the
 * output folder. Read → parse → compute → render, each step its own module.
 */

import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { FloodgateError } from '../contracts/errors.ts';
import { validateRunResult, type RunResult } from '../contracts/run-result.ts';
import { analyseRun, type Analysis } from './analysis/index.ts';
import { DEFAULT_OBJECTIVES, type ReportObjectives } from './analysis/objectives.ts';
import { readPrometheusRun, type PrometheusApi } from './read-prometheus.ts';
import { findNdjson, readRunDirectory, readRunJson, type TruthSource } from './read-run.ts';
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

  // Both folders first: a results folder that cannot be read, or an output path that cannot hold
  // files, fails before a long read, not after it.
  if (!options.prometheus) checkResultsFolder(dir);
  const created = ensureOutputFolder(out);
  try {
    const runResult = await readRun(dir, options);
    const checked = validateRunResult(runResult);
    if (!checked.ok)
      throw new FloodgateError('INTERNAL', {
        detail: `the run-result built from ${dir} is malformed: ${checked.problems.join('; ')}`,
      });
    const baseline = options.baseline
      ? analyseRun(await readBaseline(resolve(options.baseline), options), { objectives })
      : undefined;
    const analysis = analyseRun(runResult, { objectives, ...(baseline ? { baseline } : {}) });

    const files = [join(out, RUN_RESULT_FILE)];
    writeOutput(files[0]!, `${JSON.stringify(runResult)}\n`);
    for (const renderer of RENDERERS) {
      const path = join(out, renderer.file);
      writeOutput(path, renderer.render(analysis));
      files.push(path);
    }
    const html = join(out, 'report.html');
    const pdf =
      options.pdf === 'off' ? { skipped: 'report.pdf not asked for' } : await printPdf(html, join(out, 'report.pdf'));
    if ('written' in pdf) files.push(pdf.written);
    return { analysis, runResult, files, html, pdf };
  } catch (error) {
    // A folder this run created and wrote nothing into is not left behind.
    for (const folder of created.reverse()) {
      try {
        if (readdirSync(folder).length === 0) rmdirSync(folder);
      } catch {
        break;
      }
    }
    throw error;
  }
}

/** Files of a results folder that are read when present; each must then be readable. */
const RESULT_FILES = ['k6.ndjson', 'run.json', 'summary.json', 'truth.json'] as const;

/**
 * Checks that `dir` is a folder this user may read, and that each results file in it is
 * readable: RESULTS_NOT_FOUND when it does not exist or is not a folder, RESULTS_UNREADABLE
 * when permissions forbid (a missing k6.ndjson is said by the reader).
 */
export function checkResultsFolder(dir: string): void {
  let isFolder: boolean;
  try {
    isFolder = statSync(dir).isDirectory();
  } catch (error) {
    if (errorCode(error) === 'ENOENT')
      throw new FloodgateError('RESULTS_NOT_FOUND', { dir, detail: 'the folder does not exist' }, { cause: error });
    throw new FloodgateError('RESULTS_UNREADABLE', { dir, detail: describeFileError(error) }, { cause: error });
  }
  if (!isFolder) throw new FloodgateError('RESULTS_NOT_FOUND', { dir, detail: 'it is a file, not a folder' });
  try {
    readdirSync(dir);
  } catch (error) {
    throw new FloodgateError(
      'RESULTS_UNREADABLE',
      { dir, detail: `the folder cannot be listed: ${describeFileError(error)}` },
      { cause: error },
    );
  }
  for (const name of RESULT_FILES) {
    const path = join(dir, name);
    if (!existsSync(path)) continue;
    try {
      accessSync(path, constants.R_OK);
      if (statSync(path).isDirectory()) throw Object.assign(new Error('is a folder'), { code: 'EISDIR' });
    } catch (error) {
      throw new FloodgateError(
        'RESULTS_UNREADABLE',
        { dir, detail: `${name}: ${describeFileError(error)}` },
        { cause: error },
      );
    }
  }
}

/**
 * Creates the output folder and its missing parents, one level at a time (Node's recursive
 * mkdir never returns on /proc: it retries ENOENT forever at 100 % CPU, deaf to SIGTERM), and
 * checks it is writable. Returns the folders it created, outermost first. Throws OUTPUT_FAILED.
 */
export function ensureOutputFolder(out: string): string[] {
  const missing: string[] = [];
  let existing = out;
  while (!existsSync(existing)) {
    missing.unshift(existing);
    const parent = dirname(existing);
    if (parent === existing) break;
    existing = parent;
  }
  try {
    if (!statSync(existing).isDirectory()) {
      throw Object.assign(new Error(`${existing} is a file`), { code: 'ENOTDIR' });
    }
  } catch (error) {
    throw new FloodgateError('OUTPUT_FAILED', { path: out, detail: describeFileError(error) }, { cause: error });
  }
  const created: string[] = [];
  for (const folder of missing) {
    try {
      mkdirSync(folder);
      created.push(folder);
    } catch (error) {
      if (errorCode(error) === 'EEXIST' && statSync(folder).isDirectory()) continue;
      throw new FloodgateError(
        'OUTPUT_FAILED',
        { path: folder, detail: `cannot create the folder: ${describeFileError(error)}` },
        { cause: error },
      );
    }
  }
  try {
    accessSync(out, constants.W_OK);
  } catch (error) {
    throw new FloodgateError(
      'OUTPUT_FAILED',
      { path: out, detail: `the folder is not writable: ${describeFileError(error)}` },
      { cause: error },
    );
  }
  return created;
}

/** Writes one output file; file-system failures become OUTPUT_FAILED naming the file. */
function writeOutput(path: string, data: string): void {
  try {
    writeFileSync(path, data);
  } catch (error) {
    throw new FloodgateError('OUTPUT_FAILED', { path, detail: describeFileError(error) }, { cause: error });
  }
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/** A file-system error in words, with its code: "permission denied (EACCES)". */
export function describeFileError(error: unknown): string {
  const code = errorCode(error);
  const words: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'read-only file system',
    ENOSPC: 'no space left on the device',
    EDQUOT: 'disk quota exceeded',
    ENOTDIR: 'a part of the path is a file, not a folder',
    EISDIR: 'it is a folder, not a file',
    ENOENT: 'the file system does not allow creating it there',
    ENAMETOOLONG: 'the name is too long',
    ELOOP: 'too many symbolic links',
    EIO: 'input/output error',
  };
  const text = code && words[code] ? words[code] : error instanceof Error ? error.message : String(error);
  return code ? `${text} (${code})` : text;
}

/** The run, from Prometheus or from the results folder. */
async function readRun(dir: string, options: ReportOptions): Promise<RunResult> {
  if (options.prometheus) {
    if (!options.run) throw new FloodgateError('USAGE', { detail: '--prometheus needs --run <id>: the run to read' });
    const manifest = existsSync(join(dir, 'run.json')) ? readRunJson(dir) : undefined;
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
    if (!findNdjson(dir)) {
      throw new FloodgateError('INPUT_INVALID', { what: stored, detail: checked.problems.slice(0, 3).join('; ') });
    }
  }
  return readRunDirectory(dir, {
    truth: existsSync(join(dir, 'truth.json')) ? 'auto' : 'off',
    ...(options.signal ? { signal: options.signal } : {}),
  });
}
