/**
 * How one applicant behaves, apart from HTTP: the pause before each stage (think time) and the
 * choice to go on or stop, both drawn from a seeded stream per applicant. Pure: no k6 imports.
 */

import { continuationTable, FUNNEL_STAGES, type FunnelStage } from '../../contracts/funnel.ts';
import { lognormalDraw, lognormalMean, seededStream, type Lognormal, type RandomStream } from '../lib/random.ts';
import type { AnswerClass, JourneyLaw } from './retries.ts';

/**
 * Think time before each stage as a person takes it, in seconds (before THINK_TIME_SCALE):
 * reading the page and filling the form, opening the mail, typing the NIK, choosing a photo,
 * browsing the batches. Medians are guesses at human pace, not seed facts; the scale shrinks them
 * for a rehearsal (0.01 makes a journey a few seconds long).
 */
export const THINK_TIMES: Readonly<Record<FunnelStage, Lognormal>> = Object.freeze({
  landing: { medianSeconds: 0, sigma: 0 },
  register: { medianSeconds: 45, sigma: 0.6 },
  verify_email: { medianSeconds: 60, sigma: 1 },
  verify_nik: { medianSeconds: 20, sigma: 0.5 },
  upload_photo: { medianSeconds: 30, sigma: 0.7 },
  join_batch: { medianSeconds: 40, sigma: 0.6 },
});

/** A draw is capped at this multiple of the median, so one tail draw cannot stall a short run. */
export const THINK_TIME_CAP_MEDIANS = 10;

/** The behaviour of one applicant. */
export interface ApplicantBehaviour {
  /** Think time before `stage`, in seconds, already scaled. */
  thinkSeconds(stage: FunnelStage): number;
  /** True when the applicant goes on to attempt `stage`. */
  continues(stage: FunnelStage): boolean;
  /**
   * After a bad answer of class `kind` on attempt `attempt` (1 for the first): seconds to wait
   * before trying the stage again (scaled as think times are), or undefined to give up. Always
   * undefined without a retry law (RETRY_PROFILE=off).
   */
  retryAfterSeconds(kind: AnswerClass, attempt: number): number | undefined;
}

/** Options of {@link applicantBehaviour}. */
export interface BehaviourOptions {
  /** Seed of the run's draws (SEED, default the run id). */
  readonly seed: string;
  readonly vu: number;
  readonly iteration: number;
  /** Multiplies every think time; 0 removes them. */
  readonly thinkTimeScale: number;
  /** `seed`: stop as the seed's funnel says; `full`: attempt every stage. */
  readonly continuation: 'seed' | 'full';
  /** Share of NIK-verified applicants who upload a photo (an assumption). */
  readonly photoShare: number;
  /** Retries and measured think times (RETRY_PROFILE); absent: no retries, default think times. */
  readonly law?: JourneyLaw;
}

/** The behaviour of the applicant (vu, iteration), reproducible from the seed. */
export function applicantBehaviour(options: BehaviourOptions): ApplicantBehaviour {
  const table = continuationTable(options.photoShare);
  // Separate streams, so changing the think-time scale never changes who stops where.
  const thinking = seededStream(options.seed, options.vu, options.iteration, 'think');
  const choosing = seededStream(options.seed, options.vu, options.iteration, 'continue');
  const retrying = seededStream(options.seed, options.vu, options.iteration, 'retry');
  const law = options.law;
  return {
    thinkSeconds(stage) {
      return scaledThinkSeconds(thinking, law?.thinkTimes[stage] ?? THINK_TIMES[stage], options.thinkTimeScale);
    },
    retryAfterSeconds(kind, attempt) {
      const rule = law?.retries[kind];
      if (!law || !rule || attempt >= law.maxAttempts) return undefined;
      if (retrying.next() >= rule.share) return undefined;
      return scaledThinkSeconds(retrying, rule.delay, options.thinkTimeScale);
    },
    continues(stage) {
      const draw = choosing.next(); // always drawn, so each stage keeps its own draw
      return options.continuation === 'full' || draw < table[stage];
    },
  };
}

/** Mean think time of a whole journey in seconds at `thinkTimeScale`, for VU sizing. */
export function meanJourneyThinkSeconds(thinkTimeScale: number): number {
  return FUNNEL_STAGES.reduce((sum, stage) => sum + lognormalMean(THINK_TIMES[stage]) * thinkTimeScale, 0);
}

function scaledThinkSeconds(stream: RandomStream, distribution: Lognormal, scale: number): number {
  const draw = lognormalDraw(stream, distribution);
  if (scale === 0 || distribution.medianSeconds === 0) return 0;
  return Math.min(draw, distribution.medianSeconds * THINK_TIME_CAP_MEDIANS) * scale;
}
