/**
 * profile/: traffic profiles from the access logs of a real opening. `profileFromLogs` streams the
 * logs, maps them to funnel stages, fits the opening curve and measures the stage mix, the think
 * times and the retry behaviour; `showProfile` draws a profile file in the terminal with the k6
 * stages it becomes.
 */

import { readFile, writeFile } from 'node:fs/promises';
import { FloodgateError } from '../contracts/errors.ts';
import { parseProfileFile, type ProfileFile } from '../contracts/profile-file.ts';
import { analyseLogs } from './analyse.ts';
import { readLogs } from './read-logs.ts';
import { parseStageMap, REFERENCE_TARGET_RULES, type LogRules } from './rules.ts';

export { analyseLogs } from './analyse.ts';
export { readLogs } from './read-logs.ts';
export { renderProfile } from './show.ts';

/** Options of {@link profileFromLogs}. */
export interface ProfileFromLogsOptions {
  readonly files: readonly string[];
  readonly format?: string;
  /** A stage-map JSON file (profile/rules.ts); default the reference target's routes. */
  readonly stageMap?: string;
  readonly out?: string;
  readonly use?: 'fit' | 'replay';
  /** ISO time of the opening; default detected from the logs. */
  readonly opening?: string;
  readonly clientKey?: 'ip' | 'ip+ua';
  readonly name?: string;
  readonly signal?: AbortSignal;
}

/** Reads the logs, builds the profile, writes it to `out` when given. */
export async function profileFromLogs(options: ProfileFromLogsOptions): Promise<ProfileFile> {
  if (options.files.length === 0) throw new FloodgateError('USAGE', { detail: 'give at least one access-log file' });
  const rules = options.stageMap === undefined ? REFERENCE_TARGET_RULES : await readStageMap(options.stageMap);
  let openingAtMs: number | undefined;
  if (options.opening !== undefined) {
    openingAtMs = Date.parse(options.opening);
    if (!Number.isFinite(openingAtMs) || !/(Z|[+-]\d{2}:?\d{2})$/.test(options.opening)) {
      throw new FloodgateError('USAGE', {
        detail: `--opening "${options.opening}" is not an ISO time with a zone (e.g. 2020-04-11T10:00:00+07:00)`,
      });
    }
  }
  const read = await readLogs({
    files: options.files,
    rules,
    ...(options.format === undefined ? {} : { format: options.format }),
    ...(options.clientKey === undefined ? {} : { clientKey: options.clientKey }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  let profile: ProfileFile;
  try {
    profile = analyseLogs(read, {
      name: options.name ?? 'from-logs',
      files: options.files,
      slowSeconds: rules.slowSeconds,
      ...(openingAtMs === undefined ? {} : { openingAtMs }),
      ...(options.use === undefined ? {} : { use: options.use }),
    });
  } catch (error) {
    if (error instanceof RangeError) {
      const counts = (label: string, counter: Readonly<Record<string, number>>): string =>
        Object.keys(counter).length === 0
          ? ''
          : `; ${label}: ${Object.entries(counter)
              .map(([reason, n]) => `${reason} ${n}`)
              .join(', ')}`;
      throw new FloodgateError(
        'LOGS_UNUSABLE',
        {
          detail: `${error.message} (${read.lines} lines read${counts('unreadable', read.rejected)}${counts('left out', read.ignored)})`,
        },
        { cause: error },
      );
    }
    throw error;
  }
  if (options.out !== undefined) await writeFile(options.out, `${JSON.stringify(profile, null, 2)}\n`);
  return profile;
}

async function readStageMap(path: string): Promise<LogRules> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new FloodgateError(
      'USAGE',
      { detail: `cannot read the stage map ${path}: ${(error as Error).message}` },
      { cause: error },
    );
  }
  try {
    return parseStageMap(value, path);
  } catch (error) {
    throw new FloodgateError('USAGE', { detail: (error as Error).message }, { cause: error });
  }
}

/** Reads and checks a profile file. */
export async function readProfileFile(path: string): Promise<ProfileFile> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new FloodgateError(
      'PROFILE_FILE_INVALID',
      { detail: `cannot read ${path}: ${(error as Error).message}` },
      { cause: error },
    );
  }
  try {
    return parseProfileFile(value, path);
  } catch (error) {
    throw new FloodgateError('PROFILE_FILE_INVALID', { detail: (error as Error).message }, { cause: error });
  }
}
