/**
 * From funnel requests to a profile (capacity-model.md §3.6, §4.2): arrivals per minute (each
 * applicant's first request), the stage mix, the delays between stages, what applicants did after
 * an error or a slow page, the censored (saturated) minutes, and the opening-curve fits. Pure:
 * columns in, numbers out.
 */

import { FUNNEL_STAGES, type FunnelStage } from '../contracts/funnel.ts';
import {
  LOG_ERROR_CLASSES,
  PROFILE_FILE_KIND,
  PROFILE_FILE_VERSION,
  type LogErrorClass,
  type LognormalDelay,
  type ProfileFile,
  type RetryBehaviour,
  type StageFigures,
} from '../contracts/profile-file.ts';
import { fitOpening } from './fit.ts';
import type { LogRead, RequestColumns } from './read-logs.ts';
import { answerClass } from './rules.ts';

/** Options of {@link analyseLogs}. */
export interface AnalyseOptions {
  readonly name: string;
  readonly files: readonly string[];
  /** Event minute 0; default the first minute whose arrivals reach 5 % of the busiest minute's. */
  readonly openingAtMs?: number;
  /** Play the fitted curve (default) or the logged minutes. */
  readonly use?: 'fit' | 'replay';
  /** A minute whose throttled + capacity answers reach this share of its requests is censored. Default 0.05. */
  readonly saturationShare?: number;
  /** A success slower than this, followed by another attempt, is a `slow` retry. */
  readonly slowSeconds: number;
}

/** Builds the profile file's content from what {@link readLogs} read. */
export function analyseLogs(read: LogRead, options: AnalyseOptions): ProfileFile {
  const requests = read.requests;
  if (requests.count === 0)
    throw new RangeError(
      'the logs hold no funnel request: check --format and --stage-map (every line was rejected or ignored)',
    );
  const order = sortedBy(
    requests,
    (a, b) => requests.client[a]! - requests.client[b]! || requests.timeMs[a]! - requests.timeMs[b]!,
  );
  const openingMs = options.openingAtMs ?? detectOpening(requests, order);
  const minuteOf = (ms: number): number => Math.floor((ms - openingMs) / 60_000);

  const arrivals: number[] = [];
  const requestsPerMinute: number[] = [];
  const badPerMinute: number[] = [];
  const stageRequests = new Map<
    FunnelStage,
    {
      requests: number;
      applicants: number;
      completed: number;
      errors: Record<'behavioural' | 'throttled' | 'capacity', number>;
      delays: number[];
    }
  >();
  const retryEvents = new Map<LogErrorClass, { events: number; retried: number; delays: number[] }>(
    LOG_ERROR_CLASSES.map((c) => [c, { events: 0, retried: 0, delays: [] }]),
  );
  let arrived = 0;
  let beforeOpening = 0;

  for (let i = 0; i < requests.count; i += 1) {
    const minute = minuteOf(requests.timeMs[i]!);
    if (minute < 0) continue;
    requestsPerMinute[minute] = (requestsPerMinute[minute] ?? 0) + 1;
    const bad = answerClass(requests.status[i]!);
    if (bad === 'throttled' || bad === 'capacity') badPerMinute[minute] = (badPerMinute[minute] ?? 0) + 1;
  }

  // One applicant at a time, their requests in time order.
  for (let start = 0; start < order.length;) {
    const client = requests.client[order[start]!]!;
    let end = start;
    while (end < order.length && requests.client[order[end]!] === client) end += 1;
    const rows = order.subarray(start, end);
    start = end;
    const firstMinute = minuteOf(requests.timeMs[rows[0]!]!);
    if (firstMinute < 0) {
      beforeOpening += 1;
      continue;
    }
    arrived += 1;
    arrivals[firstMinute] = (arrivals[firstMinute] ?? 0) + 1;
    const completedAt = new Map<number, number>(); // stage index → time of its first success
    const byStage = new Map<number, number[]>();
    for (const row of rows) {
      const stage = requests.stage[row]!;
      const list = byStage.get(stage) ?? [];
      list.push(row);
      byStage.set(stage, list);
    }
    for (const [stageIndex, attempts] of [...byStage].sort((a, b) => a[0] - b[0])) {
      const stage = FUNNEL_STAGES[stageIndex]!;
      const figures = stageRequests.get(stage) ?? {
        requests: 0,
        applicants: 0,
        completed: 0,
        errors: { behavioural: 0, throttled: 0, capacity: 0 },
        delays: [],
      };
      stageRequests.set(stage, figures);
      figures.requests += attempts.length;
      figures.applicants += 1;
      // Delay from the latest stage before this one that the applicant completed.
      let previousDone: number | undefined;
      for (let earlier = stageIndex - 1; earlier >= 0 && previousDone === undefined; earlier -= 1)
        previousDone = completedAt.get(earlier);
      const firstAttempt = attempts[0]!;
      if (previousDone !== undefined)
        figures.delays.push(Math.max(0.001, startSeconds(requests, firstAttempt) - previousDone / 1000));
      attempts.forEach((row, k) => {
        const status = requests.status[row]!;
        const bad = answerClass(status);
        if (bad) figures.errors[bad] += 1;
        else if (!completedAt.has(stageIndex)) completedAt.set(stageIndex, requests.timeMs[row]!);
        const next = attempts[k + 1];
        const slow = !bad && next !== undefined && requests.duration[row]! > options.slowSeconds;
        const eventClass: LogErrorClass | undefined = bad ?? (slow ? 'slow' : undefined);
        if (!eventClass) return;
        const event = retryEvents.get(eventClass)!;
        event.events += 1;
        if (next !== undefined) {
          event.retried += 1;
          event.delays.push(Math.max(0.001, startSeconds(requests, next) - requests.timeMs[row]! / 1000));
        }
      });
      if (answerClass(requests.status[attempts[attempts.length - 1]!]!) === undefined) figures.completed += 1;
    }
  }

  const minutes = arrivals.length;
  const perMinute = Array.from({ length: minutes }, (_, m) => arrivals[m] ?? 0);
  const saturation = options.saturationShare ?? 0.05;
  const censoredMinutes = perMinute
    .map((_, m) => m)
    .filter((m) => (requestsPerMinute[m] ?? 0) > 0 && (badPerMinute[m] ?? 0) / requestsPerMinute[m]! >= saturation);
  const fit = fitOpening(perMinute, new Set(censoredMinutes));

  const stages: Partial<Record<FunnelStage, StageFigures>> = {};
  for (const stage of FUNNEL_STAGES) {
    const figures = stageRequests.get(stage);
    if (!figures) continue;
    const delay = lognormal(figures.delays);
    stages[stage] = {
      requests: figures.requests,
      applicants: figures.applicants,
      reachedShare: figures.applicants / arrived,
      completed: figures.completed,
      requestsPerApplicant: figures.requests / figures.applicants,
      errors: figures.errors,
      ...(delay ? { delay } : {}),
    };
  }
  const retries: Partial<Record<LogErrorClass, RetryBehaviour>> = {};
  for (const [eventClass, event] of retryEvents) {
    if (event.events === 0) continue;
    const delay = lognormal(event.delays);
    retries[eventClass] = {
      events: event.events,
      retryShare: event.retried / event.events,
      giveUpShare: 1 - event.retried / event.events,
      ...(delay ? { delay } : {}),
    };
  }

  const peakArrivals = perMinute.reduce((a, b) => Math.max(a, b), 0);
  let peakRequests = 0;
  let peakArrived = 0;
  let offRequests = 0;
  let offArrived = 0;
  perMinute.forEach((count, m) => {
    if (count >= peakArrivals / 2) {
      peakRequests += requestsPerMinute[m] ?? 0;
      peakArrived += count;
    } else {
      offRequests += requestsPerMinute[m] ?? 0;
      offArrived += count;
    }
  });
  const totalRequests = requestsPerMinute.reduce((sum, n) => sum + (n ?? 0), 0);

  return {
    kind: PROFILE_FILE_KIND,
    version: PROFILE_FILE_VERSION,
    name: options.name,
    use: options.use ?? 'fit',
    chosen: fit.chosen,
    fits: fit.fits,
    perMinute,
    censoredMinutes,
    stages,
    retries,
    amplification: {
      overall: totalRequests / arrived,
      peak: peakArrived > 0 ? peakRequests / peakArrived : 0,
      offPeak: offArrived > 0 ? offRequests / offArrived : 0,
    },
    source: {
      files: options.files,
      format: read.format,
      openingAt: new Date(openingMs).toISOString(),
      lines: read.lines,
      accepted: requests.count,
      rejected: read.rejected,
      ignored: { ...read.ignored, ...(beforeOpening > 0 ? { before_opening: beforeOpening } : {}) },
    },
  };
}

/** When a request started, in seconds: its log time less its duration where the format has one. */
function startSeconds(requests: RequestColumns, row: number): number {
  const duration = requests.duration[row]!;
  return requests.timeMs[row]! / 1000 - (Number.isFinite(duration) ? duration : 0);
}

/** Lognormal maximum-likelihood fit (mean and deviation of ln x); undefined below two samples. */
export function lognormal(samples: readonly number[]): LognormalDelay | undefined {
  if (samples.length < 2) return undefined;
  let sum = 0;
  for (const x of samples) sum += Math.log(x);
  const mu = sum / samples.length;
  let squares = 0;
  for (const x of samples) squares += (Math.log(x) - mu) ** 2;
  const sigma = Math.sqrt(squares / samples.length);
  return {
    model: 'lognormal',
    mu,
    sigma,
    medianSeconds: Math.exp(mu),
    meanSeconds: Math.exp(mu + (sigma * sigma) / 2),
    samples: samples.length,
  };
}

/**
 * The opening: the first minute (of the clock) whose new applicants reach 5 % of the busiest
 * minute's, so a stray request hours before the surge does not become minute 0.
 */
function detectOpening(requests: RequestColumns, byClientThenTime: Uint32Array): number {
  const perMinute = new Map<number, number>();
  let previous = -1;
  for (const row of byClientThenTime) {
    const client = requests.client[row]!;
    if (client === previous) continue;
    previous = client;
    const minute = Math.floor(requests.timeMs[row]! / 60_000);
    perMinute.set(minute, (perMinute.get(minute) ?? 0) + 1);
  }
  let busiest = 0;
  for (const count of perMinute.values()) busiest = Math.max(busiest, count);
  let opening = Infinity;
  for (const [minute, count] of perMinute) if (count >= busiest * 0.05) opening = Math.min(opening, minute);
  return opening * 60_000;
}

function sortedBy(requests: RequestColumns, compare: (a: number, b: number) => number): Uint32Array {
  const order = new Uint32Array(requests.count);
  for (let i = 0; i < requests.count; i += 1) order[i] = i;
  return order.sort(compare);
}
