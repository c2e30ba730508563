/**
 * `-e` names floodgate's scripts do not read. Usually a typo (`BREAKPONT_START` runs the
 * defaults, silently), sometimes a custom adapter's own variable: so the runner warns, naming the
 * closest known variable, and still passes the pair on. Pure.
 */

import { SCRIPT_VARIABLE_NAMES } from '../load-tests/lib/env.ts';

/** A `-e` name no script of floodgate's reads, and the known name it most resembles. */
export interface UnknownVariable {
  readonly name: string;
  /** The closest known variable, when one is close enough to be a likely typo. */
  readonly closest?: string;
}

/** The names in `names` that are not in `known` (default: the scripts' variables), in order. */
export function unknownVariables(names: Iterable<string>, known: readonly string[] = SCRIPT_VARIABLE_NAMES): UnknownVariable[] {
  const unknown: UnknownVariable[] = [];
  for (const name of names) {
    if (known.includes(name)) continue;
    const closest = closestName(name, known);
    unknown.push(closest === undefined ? { name } : { name, closest });
  }
  return unknown;
}

/** One warning line for an unknown variable. */
export function unknownVariableWarning(variable: UnknownVariable): string {
  const guess = variable.closest === undefined ? '' : ` (did you mean ${variable.closest}?)`;
  return `warning: -e ${variable.name} is not a variable floodgate's scripts read${guess}; it is passed on for a custom adapter (load-tests/README.md lists the variables)`;
}

/**
 * The known name nearest to `name` (case-insensitive): by edit distance when at most a third of
 * its letters (and at least 2) differ, else one that starts with it or that it starts with
 * (`THINK_TIME` for `THINK_TIME_SCALE`); undefined when none is that close.
 */
export function closestName(name: string, known: readonly string[]): string | undefined {
  const wanted = name.toUpperCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = editDistance(wanted, candidate.toUpperCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  if (bestDistance <= Math.max(2, Math.floor(name.length / 3))) return best;
  if (wanted.length < 4) return undefined;
  return known.find((candidate) => candidate.toUpperCase().startsWith(wanted) || wanted.startsWith(candidate.toUpperCase()));
}

/** Levenshtein distance: insertions, deletions and substitutions. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    }
    previous = current;
  }
  return previous[b.length]!;
}
