/**
 * Turning k6 tags into bounded label values. Only the labels of the catalog exist (the allow-list
 * in contracts/metrics.ts); each has a fixed vocabulary or a cap on distinct values, beyond which
 * new values fold into `other` and are counted. `url`, `name`, `error`, `vu`, `iter`, emails and
 * ids never become labels: nothing here reads them.
 */

import { FUNNEL_STAGES, STAGE_RESULTS } from '../contracts/funnel.ts';
import { RUN_ID_PATTERN } from '../contracts/identity.ts';
import type { LABEL_ALLOW_LIST } from '../contracts/metrics.ts';

/** The value a label takes when its own value is unknown, malformed or over the cap. */
export const OTHER = 'other';
/** The value of `stage` or `scenario` when the sample carries no such tag. */
export const NONE = 'none';
/** The value of `run` when a sample carries neither a `run` nor a `testid` tag. */
export const UNKNOWN_RUN = 'unknown';

/** Labels whose values come from input and are capped. */
export type CappedLabel = Extract<
  (typeof LABEL_ALLOW_LIST)[number],
  'scenario' | 'method' | 'status' | 'check' | 'metric' | 'threshold'
>;

/** Counts distinct values per label and folds values beyond the cap into {@link OTHER}. */
export class LabelGuard {
  private readonly cap: number;
  private readonly seen = new Map<CappedLabel, Set<string>>();
  private readonly onFold: (label: CappedLabel) => void;
  private foldCount = 0;

  /**
   * @param cap - distinct values one label may take (besides `other` and `none`)
   * @param onFold - called each time a sample's value is folded into `other` because of the cap
   */
  constructor(cap: number, onFold: (label: CappedLabel) => void = () => {}) {
    this.cap = cap;
    this.onFold = onFold;
  }

  /** The label value to use for `raw`: itself while the label is under its cap, else `other`. */
  value(label: CappedLabel, raw: string): string {
    if (raw === OTHER || raw === NONE) return raw;
    let values = this.seen.get(label);
    if (!values) this.seen.set(label, (values = new Set()));
    if (values.has(raw)) return raw;
    if (values.size >= this.cap) {
      this.foldCount += 1;
      this.onFold(label);
      return OTHER;
    }
    values.add(raw);
    return raw;
  }

  /** Values folded into `other` so far, over all labels (a reader that remembers labels must not remember a fold). */
  get folds(): number {
    return this.foldCount;
  }

  /** Distinct values held for `label`. */
  distinct(label: CappedLabel): number {
    return this.seen.get(label)?.size ?? 0;
  }
}

/** The `run` label of a sample: its `run` tag, else `testid`; `other` when not a valid run id. */
export function runLabel(tags: Readonly<Record<string, string>>): string {
  const run = tags.run ?? tags.testid;
  if (run === undefined || run === '') return UNKNOWN_RUN;
  return RUN_ID_PATTERN.test(run) ? run : OTHER;
}

const STAGES: ReadonlySet<string> = new Set(FUNNEL_STAGES);
const RESULTS: ReadonlySet<string> = new Set(STAGE_RESULTS);

/** A funnel stage, `none` without a tag, `other` for anything else. */
export function stageLabel(stage: string | undefined): string {
  if (stage === undefined || stage === '') return NONE;
  return STAGES.has(stage) ? stage : OTHER;
}

/** A funnel result (entered, completed, failed, throttled, abandoned), else `other`. */
export function resultLabel(result: string | undefined): string {
  return result !== undefined && RESULTS.has(result) ? result : OTHER;
}

/** The scenario, `none` without a tag (setup, teardown, run-wide samples), capped. */
export function scenarioLabel(guard: LabelGuard, scenario: string | undefined): string {
  if (scenario === undefined || scenario === '') return NONE;
  return /^[0-9a-zA-Z_-]{1,128}$/.test(scenario) ? guard.value('scenario', scenario) : OTHER;
}

/** An HTTP status code as k6 writes it (`0` on a network error), capped. */
export function statusLabel(guard: LabelGuard, status: string | undefined): string {
  if (status === undefined || status === '') return NONE;
  return /^\d{1,3}$/.test(status) ? guard.value('status', status) : OTHER;
}

/** An HTTP method in capitals, capped. */
export function methodLabel(guard: LabelGuard, method: string | undefined): string {
  if (method === undefined || method === '') return NONE;
  return /^[A-Z]{1,16}$/.test(method) ? guard.value('method', method) : OTHER;
}

/** A check name (up to 256 characters), capped. */
export function checkLabel(guard: LabelGuard, check: string | undefined): string {
  if (check === undefined || check === '') return NONE;
  return check.length <= 256 ? guard.value('check', check) : OTHER;
}

/** Request outcomes: 429 is `throttled`; an expected response is `ok`; anything else `error`. */
export function outcomeLabel(tags: Readonly<Record<string, string>>): 'ok' | 'error' | 'throttled' {
  if (tags.status === '429') return 'throttled';
  if (tags.expected_response !== undefined) return tags.expected_response === 'true' ? 'ok' : 'error';
  // Without a response callback tag, fall back on k6's default: 200–399 are expected.
  const status = Number(tags.status);
  return status >= 200 && status < 400 ? 'ok' : 'error';
}
