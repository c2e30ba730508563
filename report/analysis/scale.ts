/**
 * How a run's load compares with the real opening (RATE_SCALE, TIME_SCALE), in words for the
 * headline: a scaled run says its scale where a manager reads first.
 */

import type { RunProfile } from '../../contracts/run-result.ts';
import type { CapacityOutcome } from './capacity.ts';
import { formatFactor } from './numbers.ts';

/** What the scale reads of an analysis. */
export interface ScaledRun {
  readonly profile: RunProfile;
  readonly capacity: { readonly outcome: CapacityOutcome };
}

/**
 * The scale of a non-breakpoint run against the real opening: "at 1/5,000 of the real opening:
 * says nothing about launch day" (at 1/10 or smaller), "at 1/2 of the real opening", "at 2× the
 * real opening", or "at full size but 60× faster than real time". Undefined at full size and
 * speed, and for breakpoint runs (their step rates are absolute).
 */
export function scaleWords(analysis: ScaledRun): string | undefined {
  const parts = scaleParts(analysis);
  if (!parts) return undefined;
  if (parts.size === 'full size') return `at full size but ${parts.faster} than real time`;
  return `at ${parts.size}${parts.saysNothing ? ': says nothing about launch day' : ''}`;
}

/** The pieces of {@link scaleWords}. */
export function scaleParts(analysis: ScaledRun): { size: string; saysNothing: boolean; faster?: string } | undefined {
  if (analysis.capacity.outcome !== 'not-measured') return undefined;
  const { rateScale, timeScale } = analysis.profile;
  const faster = timeScale !== 1 ? { faster: `${formatFactor(timeScale)} faster` } : {};
  if (rateScale === 1) return timeScale !== 1 ? { size: 'full size', saysNothing: false, ...faster } : undefined;
  if (rateScale > 1) return { size: `${formatFactor(rateScale)} the real opening`, saysNothing: false, ...faster };
  const fraction = `1/${Number((1 / rateScale).toPrecision(2)).toLocaleString('en-US')}`;
  return { size: `${fraction} of the real opening`, saysNothing: rateScale <= 0.1, ...faster };
}
