/** Which engine runs a scenario: k6 when it is on PATH (or asked for), else the local engine. */

import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { FloodgateError } from '../contracts/errors.ts';

/** `--engine` values. */
export const ENGINE_CHOICES = ['auto', 'k6', 'local'] as const;
/** One `--engine` value. */
export type EngineChoice = (typeof ENGINE_CHOICES)[number];
/** The engine that runs. */
export type Engine = 'k6' | 'local';

/** The first executable `k6` on `pathVariable` (a PATH string), or undefined. */
export function findK6(pathVariable: string | undefined): string | undefined {
  for (const folder of (pathVariable ?? '').split(delimiter)) {
    if (folder === '') continue;
    const candidate = join(folder, 'k6');
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      continue; // not there or not executable: look in the next folder
    }
  }
  return undefined;
}

/** The engine for `choice`; `k6` without k6 on PATH is K6_NOT_FOUND. */
export function chooseEngine(choice: EngineChoice, k6Path: string | undefined): Engine {
  if (choice === 'local') return 'local';
  if (choice === 'k6' && k6Path === undefined) throw new FloodgateError('K6_NOT_FOUND');
  return k6Path === undefined ? 'local' : 'k6';
}
