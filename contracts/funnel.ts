/**
 * The registration funnel: the stages one applicant walks, the figures of the event floodgate is
 * modelled on (Kartu Prakerja, 11–12 April 2020; ../shared/SEED.md), and the continuation
 * probabilities derived from them.
 *
 * Pure TypeScript: k6 scripts and Node code import this same file.
 */

/** Funnel stages, in the order an applicant walks them. */
export const FUNNEL_STAGES = [
  'landing',
  'register',
  'verify_email',
  'verify_nik',
  'upload_photo',
  'join_batch',
] as const;

/** One stage of the funnel. */
export type FunnelStage = (typeof FUNNEL_STAGES)[number];

/**
 * What happened to one applicant at one stage (DESIGN §4):
 * - `entered`: the applicant started the stage;
 * - `completed`: the system accepted the stage;
 * - `failed`: an error ended the journey (5xx, timeout, network error, unexpected answer);
 * - `throttled`: the system deliberately refused (429 or a waiting-room answer) and retries ran out;
 * - `abandoned`: the applicant chose to stop before this stage (behavioural, drawn from the
 *   continuation probability). An abandoned stage is never entered.
 */
export const STAGE_RESULTS = ['entered', 'completed', 'failed', 'throttled', 'abandoned'] as const;

/** One per-stage result. */
export type StageResult = (typeof STAGE_RESULTS)[number];

/** True when `value` names a funnel stage. */
export function isFunnelStage(value: string): value is FunnelStage {
  return (FUNNEL_STAGES as readonly string[]).includes(value);
}

/** The stage before `stage`, or undefined for the first. */
export function previousStage(stage: FunnelStage): FunnelStage | undefined {
  const index = FUNNEL_STAGES.indexOf(stage);
  return index > 0 ? FUNNEL_STAGES[index - 1] : undefined;
}

/** The figures of the opening floodgate is modelled on (SEED.md). Counts of people. */
export const SEED_FIGURES = {
  /** Unique visitors since the site launched on 20 March 2020. */
  uniqueVisitorsSinceLaunch: 2_400_000,
  /** Visitors on opening day, Saturday 11 April 2020. */
  openingDayVisitors: 1_100_000,
  /** Peak sign-up attempts in one minute. */
  peakPerMinute: 80_000,
  /** Registrations 21 hours after the opening. */
  registrations: 1_432_133,
  /** Length of the window the registrations were counted over, in minutes (21 h). */
  windowMinutes: 1_260,
  /** Of the registrations: email verified. */
  emailVerified: 1_063_028,
  /** Of the registrations: NIK (national identity number) verified. */
  nikVerified: 624_090,
  /** Of the registrations: joined a training batch. */
  joinedBatch: 77_834,
} as const;

/**
 * Continuation probabilities from the seed, each conditional on the previous step.
 * email = 1,063,028 / 1,432,133; NIK = 624,090 / 1,063,028; batch = 77,834 / 624,090.
 */
export const SEED_CONTINUATION = {
  emailOfRegistered: 0.7385,
  nikOfEmailVerified: 0.5911,
  batchOfNikVerified: 0.1244,
} as const;

/**
 * ASSUMPTION, not a seed fact: the share of NIK-verified applicants who upload a photo. The source
 * names photo upload as a problem but gives no figure. The batch continuation is derived from it
 * so that batch-of-NIK-verified stays 0.1244 whatever this share is.
 */
export const DEFAULT_PHOTO_UPLOAD_SHARE = 0.9;

/** Probability of attempting each stage given the previous stage completed. */
export type ContinuationTable = Readonly<Record<FunnelStage, number>>;

/**
 * Continuation per stage: the probability that an applicant who completed the previous stage
 * attempts this one. `landing` and `register` are 1: every arrival is an applicant who intends to
 * register (the seed's 80,000/min counts sign-up attempts).
 *
 * @param photoUploadShare - share of NIK-verified applicants who upload a photo (an assumption,
 *   default {@link DEFAULT_PHOTO_UPLOAD_SHARE}); must be at least 0.1244 so the batch share stays ≤ 1.
 */
export function continuationTable(photoUploadShare: number = DEFAULT_PHOTO_UPLOAD_SHARE): ContinuationTable {
  if (!(photoUploadShare >= SEED_CONTINUATION.batchOfNikVerified && photoUploadShare <= 1)) {
    throw new RangeError(
      `photo upload share must be between ${SEED_CONTINUATION.batchOfNikVerified} and 1, got ${photoUploadShare}`,
    );
  }
  return Object.freeze({
    landing: 1,
    register: 1,
    verify_email: SEED_CONTINUATION.emailOfRegistered,
    verify_nik: SEED_CONTINUATION.nikOfEmailVerified,
    upload_photo: photoUploadShare,
    join_batch: SEED_CONTINUATION.batchOfNikVerified / photoUploadShare,
  });
}

/**
 * Expected share of arrivals that complete each stage when nothing fails: the product of the
 * continuations up to and including the stage.
 */
export function expectedCompletion(
  table: ContinuationTable = continuationTable(),
): Readonly<Record<FunnelStage, number>> {
  let cumulative = 1;
  const result = {} as Record<FunnelStage, number>;
  for (const stage of FUNNEL_STAGES) {
    cumulative *= table[stage];
    result[stage] = cumulative;
  }
  return Object.freeze(result);
}
