/**
 * Fault injection for the reference target: added latency, injected errors per funnel stage, and
 * lost writes (a registration acknowledged but not stored). Every draw comes from a seeded
 * generator, so the same seed and the same request order give the same faults.
 */

import { FloodgateError } from '../contracts/errors.ts';
import { FUNNEL_STAGES, isFunnelStage, type FunnelStage } from '../contracts/funnel.ts';
import { seededRandom } from '../contracts/random.ts';

/** Probability (0..1) of an injected 500 answer, per funnel stage; missing stages never fail. */
export type ErrorRates = Readonly<Partial<Record<FunnelStage, number>>>;

/**
 * Parses `stage=p` pairs (from a repeatable flag, or one comma-separated text from the
 * environment) into error rates. `all=p` sets every stage. Throws INPUT_INVALID naming the pair.
 *
 * @example parseErrorRates(['register=0.05', 'verify_nik=0.2'])
 */
export function parseErrorRates(pairs: string | readonly string[]): ErrorRates {
  const items = (typeof pairs === 'string' ? [pairs] : pairs)
    .flatMap((text) => text.split(','))
    .map((text) => text.trim())
    .filter((text) => text !== '');
  const rates: Partial<Record<FunnelStage, number>> = {};
  for (const item of items) {
    const match = /^([a-z_]+)\s*=\s*([0-9]*\.?[0-9]+)$/.exec(item);
    const stage = match?.[1];
    const probability = Number(match?.[2]);
    if (!match || stage === undefined || !(probability >= 0 && probability <= 1)) {
      throw new FloodgateError('INPUT_INVALID', {
        what: `error rate "${item}"`,
        detail: 'expected <stage>=<probability between 0 and 1>, e.g. register=0.05',
      });
    }
    if (stage === 'all') {
      for (const each of FUNNEL_STAGES) rates[each] = probability;
    } else if (isFunnelStage(stage)) {
      rates[stage] = probability;
    } else {
      throw new FloodgateError('INPUT_INVALID', {
        what: `error rate "${item}"`,
        detail: `"${stage}" is not a funnel stage; use one of ${FUNNEL_STAGES.join(', ')} or all`,
      });
    }
  }
  return Object.freeze(rates);
}

/** What fault injection is asked to do. */
export interface FaultOptions {
  /** Delay added before every funnel request is handled, in milliseconds. Default 0. */
  readonly latencyMs: number;
  /** Injected-error probability per stage. Default none. */
  readonly errorRates: ErrorRates;
  /** Probability that an acknowledged registration is not stored. Default 0. */
  readonly lostWriteRate: number;
  /** Seed of the draws. */
  readonly seed: number;
}

/** The fault draws of one target. */
export interface FaultInjector {
  /** Milliseconds to wait before handling a funnel request (0 = none). */
  readonly latencyMs: number;
  /** Draws whether this request of `stage` gets an injected error. */
  injectError(stage: FunnelStage): boolean;
  /** Draws whether this registration is acknowledged but not stored. */
  loseWrite(): boolean;
}

/**
 * Creates the fault draws. Errors and lost writes use separate generators, so turning one on
 * does not change the other's sequence.
 */
export function createFaultInjector(options: FaultOptions): FaultInjector {
  const errorDraw = seededRandom(options.seed ^ 0x9e3779b9);
  const lostDraw = seededRandom(options.seed ^ 0x85ebca6b);
  return {
    latencyMs: options.latencyMs,
    injectError(stage) {
      const rate = options.errorRates[stage] ?? 0;
      return rate > 0 && errorDraw() < rate;
    },
    loseWrite() {
      return options.lostWriteRate > 0 && lostDraw() < options.lostWriteRate;
    },
  };
}
