/**
 * The profile file `floodgate profile from-logs` writes and the opening scenario reads
 * (`PROFILE=/abs/path/profile.json`): the arrival curve of a real opening (a fitted
 * `opening-exp` / `opening-hyperbolic` curve, or the per-minute replay), the stage mix, the
 * think-time delays between stages and the retry behaviour measured in the logs.
 *
 * Pure TypeScript: k6 (`open()` + `JSON.parse`) and Node read the same file with the same checks.
 */

import { FUNNEL_STAGES, type FunnelStage } from './funnel.ts';
import {
  binnedProfile,
  openingExpProfile,
  openingHyperbolicProfile,
  type EventScaling,
  type TrafficProfile,
} from './profiles.ts';

/** The file's `kind` and `version`; a reader refuses any other. */
export const PROFILE_FILE_KIND = 'floodgate-profile';
export const PROFILE_FILE_VERSION = 1;

/** The two fitted opening shapes (capacity-model.md §3.2). */
export const FITTED_MODELS = ['opening-exp', 'opening-hyperbolic'] as const;
export type FittedModel = (typeof FITTED_MODELS)[number];

/** One fitted curve: λ(t) per event minute, with its Poisson log-likelihood and AIC. */
export type FittedCurve =
  | {
      readonly model: 'opening-exp';
      readonly amplitudePerMinute: number;
      readonly tauMinutes: number;
      readonly logLikelihood: number;
      readonly aic: number;
    }
  | {
      readonly model: 'opening-hyperbolic';
      readonly amplitudePerMinute: number;
      readonly cMinutes: number;
      readonly logLikelihood: number;
      readonly aic: number;
    };

/** A positive delay distribution: ln(delay in seconds) ~ Normal(mu, sigma). */
export interface LognormalDelay {
  readonly model: 'lognormal';
  readonly mu: number;
  readonly sigma: number;
  /** e^mu, for people. */
  readonly medianSeconds: number;
  readonly meanSeconds: number;
  /** How many measured delays the fit rests on. */
  readonly samples: number;
}

/** Error classes as the logs show them (capacity-model.md §3.6 step 2). */
export const LOG_ERROR_CLASSES = ['behavioural', 'throttled', 'capacity', 'slow'] as const;
export type LogErrorClass = (typeof LOG_ERROR_CLASSES)[number];

/** What applicants did after one class of bad answer, measured per (applicant, stage). */
export interface RetryBehaviour {
  /** Bad answers of this class seen. */
  readonly events: number;
  /** Share of them followed by another attempt at the same stage. */
  readonly retryShare: number;
  /** Share after which the applicant never came back to the stage (1 − retryShare). */
  readonly giveUpShare: number;
  /** Time from the bad answer to the next attempt; absent when no retry was seen. */
  readonly delay?: LognormalDelay;
}

/** Per-stage figures of the logs. */
export interface StageFigures {
  /** Requests at the stage. */
  readonly requests: number;
  /** Applicants who tried the stage at least once. */
  readonly applicants: number;
  /** Share of arrived applicants who tried the stage. */
  readonly reachedShare: number;
  /** Applicants whose last attempt at the stage succeeded. */
  readonly completed: number;
  /** Requests per applicant at the stage (retries make it > 1). */
  readonly requestsPerApplicant: number;
  readonly errors: Readonly<Record<Exclude<LogErrorClass, 'slow'>, number>>;
  /** Delay from completing the previous stage to the first attempt at this one. */
  readonly delay?: LognormalDelay;
}

/** The whole file. */
export interface ProfileFile {
  readonly kind: typeof PROFILE_FILE_KIND;
  readonly version: typeof PROFILE_FILE_VERSION;
  readonly name: string;
  /** Which curve the opening scenario plays: the chosen fit, or the raw per-minute replay. */
  readonly use: 'fit' | 'replay';
  /** The model AIC picked. */
  readonly chosen: FittedModel;
  readonly fits: readonly FittedCurve[];
  /** Arrivals (unique applicants' first request) per event minute from the opening. */
  readonly perMinute: readonly number[];
  /** Minutes flagged as saturated (served, not demanded): right-censored in the fit. */
  readonly censoredMinutes: readonly number[];
  readonly stages: Readonly<Partial<Record<FunnelStage, StageFigures>>>;
  readonly retries: Readonly<Partial<Record<LogErrorClass, RetryBehaviour>>>;
  /** Requests per applicant over the whole log, and at the peak vs off the peak. */
  readonly amplification: { readonly overall: number; readonly peak: number; readonly offPeak: number };
  readonly source: {
    readonly files: readonly string[];
    readonly format: string;
    /** ISO time of event minute 0. */
    readonly openingAt: string;
    readonly lines: number;
    readonly accepted: number;
    /** Lines that could not be read, by reason. */
    readonly rejected: Readonly<Record<string, number>>;
    /** Lines read but left out on purpose (health checks, static assets, bots, unmapped paths). */
    readonly ignored: Readonly<Record<string, number>>;
  };
}

/**
 * Checks that `value` is a profile file this version understands, naming the first field that is
 * not. Returns the value typed; throws RangeError otherwise.
 */
export function parseProfileFile(value: unknown, where = 'profile file'): ProfileFile {
  const fail = (detail: string): never => {
    throw new RangeError(`${where}: ${detail}`);
  };
  if (typeof value !== 'object' || value === null) fail('expected a JSON object');
  const file = value as Record<string, unknown>;
  if (file.kind !== PROFILE_FILE_KIND)
    fail(`"kind" must be "${PROFILE_FILE_KIND}" (write it with floodgate profile from-logs)`);
  if (file.version !== PROFILE_FILE_VERSION)
    fail(`"version" ${String(file.version)} is not supported; this floodgate reads version ${PROFILE_FILE_VERSION}`);
  if (file.use !== 'fit' && file.use !== 'replay') fail('"use" must be "fit" or "replay"');
  if (!(FITTED_MODELS as readonly unknown[]).includes(file.chosen))
    fail(`"chosen" must be one of ${FITTED_MODELS.join(', ')}`);
  if (!Array.isArray(file.perMinute) || file.perMinute.length === 0)
    fail('"perMinute" must be a non-empty array of counts');
  (file.perMinute as unknown[]).forEach((count, minute) => {
    if (typeof count !== 'number' || !Number.isFinite(count) || count < 0)
      fail(`"perMinute"[${minute}] must be a count ≥ 0`);
  });
  if (!Array.isArray(file.fits)) fail('"fits" must be an array');
  for (const fit of file.fits as unknown[]) {
    const curve = fit as Record<string, unknown>;
    const shape = curve.model === 'opening-exp' ? curve.tauMinutes : curve.cMinutes;
    if (!(FITTED_MODELS as readonly unknown[]).includes(curve.model))
      fail(`a fit names unknown model ${String(curve.model)}`);
    if (!(typeof curve.amplitudePerMinute === 'number' && curve.amplitudePerMinute > 0))
      fail(`fit ${String(curve.model)}: amplitudePerMinute must be > 0`);
    if (!(typeof shape === 'number' && shape > 0)) fail(`fit ${String(curve.model)}: its shape parameter must be > 0`);
  }
  const chosen = (file.fits as FittedCurve[]).find((fit) => fit.model === file.chosen);
  if (file.use === 'fit' && !chosen) fail(`"use" is "fit" but "fits" holds no ${String(file.chosen)} curve`);
  for (const stage of Object.keys((file.stages as object | undefined) ?? {})) {
    if (!(FUNNEL_STAGES as readonly string[]).includes(stage))
      fail(`"stages" names unknown stage ${stage} (stages: ${FUNNEL_STAGES.join(', ')})`);
  }
  return value as ProfileFile;
}

/** The fitted curve the file chose. */
export function chosenFit(file: ProfileFile): FittedCurve {
  const fit = file.fits.find((candidate) => candidate.model === file.chosen);
  if (!fit) throw new RangeError(`profile ${file.name}: no ${file.chosen} fit`);
  return fit;
}

/**
 * The arrival curve the opening scenario plays from a profile file, with the same scaling as
 * the built-in shapes. A fitted curve covers `scaling.window` (default the logs' own length);
 * the replay plays the logged minutes.
 */
export function profileFromFile(file: ProfileFile, scaling: EventScaling = {}): TrafficProfile {
  const window = scaling.window ?? { fromMinute: 0, toMinute: file.perMinute.length };
  const played = playedCurve(file, { ...scaling, window });
  const fit = chosenFit(file);
  const fitText =
    fit.model === 'opening-exp' ? `τ ${fit.tauMinutes.toFixed(2)} min` : `c ${fit.cMinutes.toFixed(3)} min`;
  const what =
    file.use === 'replay'
      ? 'the logged minutes replayed'
      : `fitted ${fit.model} (A ${Math.round(fit.amplitudePerMinute)}/min, ${fitText})`;
  // the run record and the report name the file and the fit, not only the shape
  return {
    ...played,
    name: file.name,
    description: `profile ${file.name} from ${file.source.format} logs, ${what}; ${played.description}`,
  };
}

function playedCurve(file: ProfileFile, scaling: EventScaling): TrafficProfile {
  if (file.use === 'replay') return binnedProfile(file.name, file.perMinute, scaling);
  const fit = chosenFit(file);
  if (fit.model === 'opening-exp') {
    return openingExpProfile(scaling, {
      exponential: { amplitudePerMinute: fit.amplitudePerMinute, tauMinutes: fit.tauMinutes },
      hyperbolic: { amplitudePerMinute: fit.amplitudePerMinute, cMinutes: 1 },
    });
  }
  return openingHyperbolicProfile(scaling, {
    exponential: { amplitudePerMinute: fit.amplitudePerMinute, tauMinutes: 1 },
    hyperbolic: { amplitudePerMinute: fit.amplitudePerMinute, cMinutes: fit.cMinutes },
  });
}

/**
 * Arrivals the fitted curve expects in event minute `minute` (∫λ over [minute, minute + 1]).
 * The same integral the fit maximises the likelihood of.
 */
export function fittedArrivalsInMinute(
  fit: Pick<FittedCurve, 'model' | 'amplitudePerMinute'> & { tauMinutes?: number; cMinutes?: number },
  minute: number,
): number {
  if (fit.model === 'opening-exp') {
    const tau = fit.tauMinutes!;
    return fit.amplitudePerMinute * tau * (Math.exp(-minute / tau) - Math.exp(-(minute + 1) / tau));
  }
  const c = fit.cMinutes!;
  return fit.amplitudePerMinute * c * Math.log((c + minute + 1) / (c + minute));
}

/** Draws one delay (seconds) from a lognormal, given a uniform pair from the seeded generator. */
export function sampleLognormal(delay: Pick<LognormalDelay, 'mu' | 'sigma'>, u1: number, u2: number): number {
  // Box–Muller: two uniforms in (0, 1] give one standard normal.
  const normal = Math.sqrt(-2 * Math.log(Math.max(u1, Number.MIN_VALUE))) * Math.cos(2 * Math.PI * u2);
  return Math.exp(delay.mu + delay.sigma * normal);
}
