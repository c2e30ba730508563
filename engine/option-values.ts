/**
 * Reading one option value as k6 validates it (durations, whole numbers, string maps), and the
 * error every invalid option throws ({@link OptionsError}, exit code 104).
 */

import { parseK6DurationMs as parseDuration } from '../contracts/durations.ts';

/** An invalid option; the engine reports it with exit code 104, as k6. */
export class OptionsError extends Error {
  override readonly name = 'OptionsError';
}

/** An option object as the script exported it. */
export type Raw = Record<string, unknown>;

/** True for a plain object (not null, not an array). */
export function isObject(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A duration option in ms (`"30s"`, `"1m30s"`, a number of ms); `fallback` when unset, else required. */
export function duration(where: string, value: unknown, fallback?: number): number {
  if (value === undefined || value === null) {
    if (fallback !== undefined) return fallback;
    throw new OptionsError(`${where} is required`);
  }
  const parsed = parseDuration(value);
  if (parsed === undefined)
    throw new OptionsError(`${where} = ${JSON.stringify(value)} is not a duration (e.g. "30s", "1m30s", "500ms")`);
  return parsed;
}

/** A whole-number option; `fallback` when unset, else required. */
export function integer(where: string, value: unknown, fallback?: number): number {
  if (value === undefined || value === null) {
    if (fallback !== undefined) return fallback;
    throw new OptionsError(`${where} is required`);
  }
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw new OptionsError(`${where} = ${JSON.stringify(value)} must be a whole number`);
  return value;
}

/** An object of string values (numbers and booleans become strings). */
export function stringMap(where: string, value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isObject(value)) throw new OptionsError(`${where} must be an object of string values`);
  const result: Record<string, string> = {};
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== 'string' && typeof item !== 'number' && typeof item !== 'boolean')
      throw new OptionsError(`${where}.${key} must be a string`);
    result[key] = String(item);
  }
  return result;
}
