/**
 * What an applicant does after a bad answer, when RETRY_PROFILE asks for it: try the same stage
 * again after a while, or give up — by the class of the answer, as a profile file measured it in
 * the logs of a real opening (`floodgate profile from-logs`), or as the built-in retry storm.
 * Pure: no k6 imports.
 */

import type { FunnelStage } from '../../contracts/funnel.ts';
import type { ProfileFile } from '../../contracts/profile-file.ts';
import type { RetryProfileChoice } from '../../contracts/script-variables.ts';
import type { Lognormal } from '../lib/random.ts';
import type { StageAnswer } from '../targets/adapter.ts';

/** The classes of bad answer a retry law distinguishes. */
export type AnswerClass = 'throttled' | 'capacity' | 'behavioural';

/** One class's law: the chance of another attempt, and the wait before it. */
export interface RetryRule {
  readonly share: number;
  readonly delay: Lognormal;
}

/** How applicants retry, and (from logs) how long they think before each stage. */
export interface JourneyLaw {
  readonly retries: Readonly<Partial<Record<AnswerClass, RetryRule>>>;
  /** Think times measured in the logs; stages absent keep the journey's defaults. */
  readonly thinkTimes: Readonly<Partial<Record<FunnelStage, Lognormal>>>;
  /** Attempts of one stage at most, so a storm still ends. */
  readonly maxAttempts: number;
}

/**
 * The built-in storm: applicants who meet a throttled or failing page refresh almost at once and
 * keep at it (the amplification a real opening sees at its peak); a validation error is retried
 * by a few. Shares and delays are assumptions, stated as such in the report.
 */
export const RETRY_STORM: JourneyLaw = Object.freeze({
  retries: {
    throttled: { share: 0.95, delay: { medianSeconds: 2, sigma: 0.6 } },
    capacity: { share: 0.9, delay: { medianSeconds: 3, sigma: 0.7 } },
    behavioural: { share: 0.3, delay: { medianSeconds: 20, sigma: 0.5 } },
  },
  thinkTimes: {},
  maxAttempts: 10,
});

/** The law a profile file measured. */
export function journeyLawFromProfile(file: ProfileFile): JourneyLaw {
  const retries: Partial<Record<AnswerClass, RetryRule>> = {};
  for (const kind of ['throttled', 'capacity', 'behavioural'] as const) {
    const measured = file.retries[kind];
    if (measured?.delay)
      retries[kind] = {
        share: measured.retryShare,
        delay: { medianSeconds: measured.delay.medianSeconds, sigma: measured.delay.sigma },
      };
    else if (measured) retries[kind] = { share: 0, delay: { medianSeconds: 1, sigma: 0 } };
  }
  const thinkTimes: Partial<Record<FunnelStage, Lognormal>> = {};
  for (const [stage, figures] of Object.entries(file.stages) as Array<
    [FunnelStage, NonNullable<ProfileFile['stages'][FunnelStage]>]
  >) {
    if (figures.delay) thinkTimes[stage] = { medianSeconds: figures.delay.medianSeconds, sigma: figures.delay.sigma };
  }
  return { retries, thinkTimes, maxAttempts: 20 };
}

/** The law RETRY_PROFILE chose, or undefined for `off`. */
export function journeyLaw(choice: RetryProfileChoice, file: ProfileFile | undefined): JourneyLaw | undefined {
  if (choice === 'off') return undefined;
  if (choice === 'storm') return RETRY_STORM;
  if (!file) throw new RangeError('RETRY_PROFILE=logs needs a profile file (PROFILE=/abs/path/profile.json)');
  return journeyLawFromProfile(file);
}

/** The class of a stage's answer that did not complete. */
export function answerClass(answer: Exclude<StageAnswer<unknown>, { readonly result: 'completed' }>): AnswerClass {
  if (answer.result === 'throttled' || answer.status === 429) return 'throttled';
  if (answer.status === 0 || answer.status >= 500) return 'capacity';
  return 'behavioural';
}
