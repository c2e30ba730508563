/**
 * What every open-model scenario script exports, built from its plan: k6 options (the load
 * scenario plus the `planned_rate` helper), the applicant journey as the default function, the
 * helper's function, a teardown that ends the plan (k6 runs teardown also after Ctrl-C or an
 * abort, which cut the helper short) and handleSummary. A scenario file reads its own variables,
 * makes its plan and re-exports these under the names k6 looks for.
 */

import { applicantJourney } from '../journeys/applicant.ts';
import { journeyLaw, type JourneyLaw } from '../journeys/retries.ts';
import {
  readCommonEnv,
  readOpeningEnv,
  type CommonEnv,
  type ScriptVariables,
} from '../../contracts/script-variables.ts';
import { configureHttp } from './http.ts';
import { openScenarioOptions } from './options.ts';
import { planOpening, readProfileJson, type ScenarioPlan } from '../../contracts/plan.ts';
import { reportPlanEnded, reportPlannedRate } from './planned-rate.ts';
import { summaryOutputs, type SummaryData } from './summary.ts';

/** The exports of one open scenario script. */
export interface OpenScenario {
  readonly options: ReturnType<typeof openScenarioOptions>;
  /** One applicant's journey: the load scenario's iteration. */
  readonly iteration: () => Promise<void>;
  /** The `planned_rate` helper scenario's one iteration. */
  readonly plannedRate: () => Promise<void>;
  readonly teardown: () => void;
  readonly handleSummary: (data: SummaryData) => Record<string, string>;
}

/** Builds an open scenario's exports; call in the init context. `law`: RETRY_PROFILE's retries. */
export function openScenario(plan: ScenarioPlan, env: CommonEnv, law?: JourneyLaw): OpenScenario {
  configureHttp();
  const journey = applicantJourney(env, law);
  return {
    options: openScenarioOptions(plan, env),
    // async functions, as k6 expects of iterations it must wait for
    iteration: async () => {
      await journey();
    },
    plannedRate: async () => {
      await reportPlannedRate(plan);
    },
    teardown: () => reportPlanEnded(plan),
    handleSummary: (data) =>
      summaryOutputs(data, { runId: env.runId, scenario: plan.scenario, resultsDir: env.resultsDir }),
  };
}

/**
 * The opening's exports from its variables: the plan from PROFILE (reading its file with
 * `readFile`, k6's `open`, which works only in the init context) and RETRY_PROFILE's retry law.
 * The `opening` and `retry-storm` scripts differ only in RETRY_PROFILE's default.
 */
export function openingScenario(variables: ScriptVariables, readFile: (path: string) => string): OpenScenario {
  const env = readCommonEnv(variables);
  const openingEnv = readOpeningEnv(variables);
  const path = openingEnv.profile.kind === 'file' ? openingEnv.profile.path : undefined;
  const text = path === undefined ? undefined : readFile(path);
  const plan = planOpening(openingEnv, text);
  const file =
    path !== undefined && text !== undefined && /\.json$/i.test(path) ? readProfileJson(path, text) : undefined;
  return openScenario(plan, env, journeyLaw(openingEnv.retryProfile, file));
}
