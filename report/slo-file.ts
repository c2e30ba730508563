/**
 * `--slo <file>`: a JSON file overriding the report's objectives, e.g.
 *
 *   { "stages": { "verify_nik": { "p95Ms": 2000 } }, "maxThrottleRate": 0.02, "warmupShare": 0.3 }
 *
 * Unknown keys are refused, so a typo does not silently leave an objective at its default.
 */

import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { FloodgateError } from '../contracts/errors.ts';
import { FUNNEL_STAGES } from '../contracts/funnel.ts';
import {
  DEFAULT_OBJECTIVES,
  withOverrides,
  type ObjectivesOverride,
  type ReportObjectives,
} from './analysis/objectives.ts';

const share = z.number().min(0).max(1);
const stageObjective = z.strictObject({ p95Ms: z.number().positive().optional(), maxErrorRate: share.optional() });

/** The schema of an SLO file. */
export const SLO_FILE_SCHEMA = z.strictObject({
  stages: z
    .strictObject(Object.fromEntries(FUNNEL_STAGES.map((stage) => [stage, stageObjective.optional()])))
    .optional(),
  maxThrottleRate: share.optional(),
  maxBacklogGrowth: share.optional(),
  maxDroppedShare: share.optional(),
  minAchievedShare: share.optional(),
  warmupShare: z.number().min(0).max(0.9).optional(),
  minRequests: z.number().int().min(1).optional(),
  persistence: z.number().int().min(1).max(5).optional(),
  targetUtilisation: z.number().gt(0).max(1).optional(),
  windowSeconds: z.number().positive().optional(),
});

/** Parses SLO file text into objectives on top of the defaults. Throws INPUT_INVALID naming the path. */
export function parseObjectives(text: string, source = 'the SLO file'): ReportObjectives {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new FloodgateError(
      'INPUT_INVALID',
      { what: source, detail: `not JSON: ${(error as Error).message}` },
      { cause: error },
    );
  }
  const parsed = SLO_FILE_SCHEMA.safeParse(json);
  if (!parsed.success) {
    const detail = parsed.error.issues
      .map((issue) => `${issue.path.join('.') || '(top)'}: ${issue.message}`)
      .join('; ');
    throw new FloodgateError('INPUT_INVALID', { what: source, detail });
  }
  return withOverrides(DEFAULT_OBJECTIVES, parsed.data as ObjectivesOverride);
}

/** Reads an SLO file. */
export function loadObjectives(path: string): ReportObjectives {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new FloodgateError('INPUT_INVALID', { what: path, detail: (error as Error).message }, { cause: error });
  }
  return parseObjectives(text, path);
}
