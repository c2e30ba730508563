/**
 * `-e` names floodgate's scripts do not read. Usually a typo (`BREAKPONT_START` runs the
 * defaults, silently), sometimes a custom adapter's own variable: so the runner warns, naming the
 * closest known variable, and still passes the pair on. Pure.
 */

import { FloodgateError } from '../contracts/errors.ts';
import {
  COMMON_VARIABLE_NAMES,
  SCENARIO_VARIABLE_NAMES,
  SCRIPT_VARIABLE_NAMES,
} from '../contracts/script-variables.ts';

/** A `-e` name no script of floodgate's reads, and the known name it most resembles. */
export interface UnknownVariable {
  readonly name: string;
  /** The closest known variable, when one is close enough to be a likely typo. */
  readonly closest?: string;
}

/** The names in `names` that are not in `known` (default: the scripts' variables), in order. */
export function unknownVariables(
  names: Iterable<string>,
  known: readonly string[] = SCRIPT_VARIABLE_NAMES,
): UnknownVariable[] {
  const unknown: UnknownVariable[] = [];
  for (const name of names) {
    if (known.includes(name)) continue;
    const closest = closestName(name, known);
    unknown.push(closest === undefined ? { name } : { name, closest });
  }
  return unknown;
}

/**
 * The `-e` names of a run of `scenario`: USAGE for a variable only other scenarios read (it would
 * change nothing, silently: `--scenario opening -e SOAK_DURATION=2h` runs the opening's hour);
 * the names no scenario reads, each with the closest name this scenario reads, to warn about.
 */
export function checkScenarioVariables(
  scenario: keyof typeof SCENARIO_VARIABLE_NAMES,
  names: Iterable<string>,
): UnknownVariable[] {
  const own = [...COMMON_VARIABLE_NAMES, ...SCENARIO_VARIABLE_NAMES[scenario]];
  const unknown: UnknownVariable[] = [];
  for (const name of names) {
    if (own.includes(name)) continue;
    const readBy = Object.entries(SCENARIO_VARIABLE_NAMES)
      .filter(([, list]) => list.includes(name))
      .map(([other]) => other);
    if (readBy.length > 0) {
      const ownList = SCENARIO_VARIABLE_NAMES[scenario];
      throw new FloodgateError('USAGE', {
        detail:
          `-e ${name} is read by the ${readBy.join(' and ')} scenario${readBy.length > 1 ? 's' : ''}, not by ${scenario}, so it would change nothing` +
          ` (${scenario} reads ${ownList.length > 0 ? `${ownList.join(', ')} and ` : ''}the common variables of load-tests/README.md);` +
          ` run --scenario ${readBy[0]}, or leave -e ${name} out`,
      });
    }
    const closest = closestName(name, own);
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
  return known.find(
    (candidate) => candidate.toUpperCase().startsWith(wanted) || wanted.startsWith(candidate.toUpperCase()),
  );
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
