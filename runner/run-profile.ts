/**
 * run.json's `profile` block (contracts/run-record.ts): which traffic profile the opening played,
 * which fit (the model AIC chose, its parameters), replay or fitted curve, the scales and
 * RETRY_PROFILE — read from the same variables and profile file the script reads, so the report
 * can state them. Kept apart from the plan: it does not depend on how the plan travels in run.json.
 */

import { chosenFit, type FittedCurve, type ProfileFile } from '../contracts/profile-file.ts';
import type { RunProfileRecord } from '../contracts/run-record.ts';
import { readOpeningEnv, type ScriptVariables } from '../contracts/script-variables.ts';
import { readProfileJson } from '../contracts/plan.ts';

/**
 * The profile block of a run, or undefined for a scenario that plays no traffic profile (only the
 * opening does). The variables were checked already (planScenario); `readFile` reads PROFILE.
 */
export function runProfileRecord(
  scenario: string,
  variables: ScriptVariables,
  readFile: (path: string) => string,
): RunProfileRecord | undefined {
  if (scenario !== 'opening') return undefined;
  const env = readOpeningEnv(variables);
  const scales = {
    rateScale: env.rateScale,
    timeScale: env.timeScale,
    window: env.window,
    retryProfile: env.retryProfile,
  };
  if (env.profile.kind === 'builtin') return { source: env.profile.name, curve: 'builtin', ...scales };
  const path = env.profile.path;
  if (!/\.json$/i.test(path)) return { source: path, curve: 'csv', ...scales };
  const file = readProfileJson(path, readFile(path));
  return {
    source: path,
    curve: file.use,
    name: file.name,
    fit: fitOf(file),
    logAmplification: {
      overall: file.amplification.overall,
      peak: file.amplification.peak,
      offPeak: file.amplification.offPeak,
    },
    ...scales,
  };
}

function fitOf(file: ProfileFile): NonNullable<RunProfileRecord['fit']> {
  const chosen = chosenFit(file);
  return {
    model: chosen.model,
    parameters: parametersOf(chosen),
    aic: chosen.aic,
    candidates: file.fits.map((fit) => ({ model: fit.model, aic: fit.aic })),
    censoredMinutes: file.censoredMinutes.length,
  };
}

function parametersOf(fit: FittedCurve): Record<string, number> {
  return fit.model === 'opening-exp'
    ? { amplitudePerMinute: fit.amplitudePerMinute, tauMinutes: fit.tauMinutes }
    : { amplitudePerMinute: fit.amplitudePerMinute, cMinutes: fit.cMinutes };
}
