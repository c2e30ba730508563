/**
 * The log formats `floodgate profile from-logs` reads, one file each. Add a format by adding its
 * file and one line here.
 */

import type { LogFormat } from '../record.ts';
import { albFormat } from './alb.ts';
import { combinedFormat } from './combined.ts';
import { csvFormat } from './csv.ts';
import { nginxJsonFormat } from './nginx-json.ts';

export const LOG_FORMATS: readonly LogFormat[] = [combinedFormat, nginxJsonFormat, albFormat, csvFormat];

/** The names `--format` takes. */
export const LOG_FORMAT_NAMES = LOG_FORMATS.map((format) => format.name);

/** The format called `name`, or undefined. */
export function logFormat(name: string): LogFormat | undefined {
  return LOG_FORMATS.find((format) => format.name === name);
}

/** The first format whose shape `line` has, or undefined. */
export function detectLogFormat(line: string): LogFormat | undefined {
  return LOG_FORMATS.find((format) => format.looksLike(line));
}
