/**
 * The kit's sample model: the raw samples a small scripted k6 run emits, one list per run, in
 * emission order, plus the run's metric definitions and thresholds. Every other generator of the
 * kit (JSON output, remote write, summaries) is computed from these samples alone, and so are the
 * expected totals (`expectedTotals`), never from floodgate code.
 *
 * What a sample carries follows k6's source:
 * - metric names, types and value types: `metrics/builtin.go` (k6 HEAD, see README for the commit);
 * - HTTP request tags and their order of emission (`http_reqs`, `http_req_duration`, the six
 *   phase trends, then `http_req_failed`; `status` "0", `error` and `error_code` and no `proto`
 *   on a network error; `error_code` 1000+status from 400): `lib/netext/httpext/transport.go`
 *   `measureAndEmitMetrics` and `lib/netext/httpext/tracer.go` `SaveSamples`;
 * - `name` = `url` = the cleaned URL when the script sets no `name` tag: `transport.go`;
 * - `vus`/`vus_max` once a second with the run tags only: `internal/execution/scheduler.go`
 *   (contract §1 "Tags");
 * - `vu`/`iter` go to metadata, not tags, when enabled with `--system-tags`: `metrics/system_tag.go`;
 * - a feature flag adds `k6_feature_<name>="true"` to every sample: `internal/features/features.go`
 *   `Tags()`;
 * - k6-operator runners carry `--tag instance_id=<i> --tag testrun_name=<name>` (k6-operator
 *   `pkg/resources/jobs/runner.go`, contract §11), i.e. two more run tags on every sample.
 *
 * Over 400 lines on purpose: the kit’s sample model is one port of k6’s builtin metrics and sample rules; keeping it whole lets a reviewer check it against k6’s source file by file.
 */
import { FUNNEL_STAGES, type FunnelStage } from '../../contracts/funnel.ts';
import { computeExpected, type ExpectedTotals } from './expected.ts';

/** k6 metric types, as `metrics/metric_type.go` spells them in JSON. */
export type MetricType = 'counter' | 'gauge' | 'rate' | 'trend';
/** k6 value types, as `metrics/value_type.go` spells them in JSON. */
export type ValueType = 'default' | 'time' | 'data';

/** One registered k6 metric. */
export interface MetricDef {
  readonly name: string;
  readonly type: MetricType;
  readonly contains: ValueType;
}

/** One threshold as a script declares it (`metrics/thresholds.go` `thresholdConfig`). */
export interface ThresholdDef {
  readonly source: string;
  readonly abortOnFail?: boolean;
  /** Go duration text (e.g. "10s"); null or absent when not set. */
  readonly delayAbortEval?: string | null;
}

/** One raw k6 sample, as the metrics engine and every output receive it. */
export interface K6Sample {
  readonly metric: string;
  /** Sample time in Unix nanoseconds (k6 keeps ns precision; remote write truncates to ms). */
  readonly unixNano: bigint;
  /** ms for time metrics, bytes for data metrics, 0/1 for rates, the increment for counters. */
  readonly value: number;
  /** Indexed tags (become JSON `tags` and remote-write labels). */
  readonly tags: Readonly<Record<string, string>>;
  /** Non-indexed metadata (JSON `metadata`; never sent by remote write). */
  readonly metadata?: Readonly<Record<string, string>>;
  /** Which runner (k6 process owner) emitted it. */
  readonly runner: string;
  /** 1 for the runner's first k6 process, 2 after a restart. */
  readonly process: number;
}

/** One k6 runner: a machine or pod running `k6 run`. */
export interface RunnerSpec {
  readonly id: string;
  /** Loopback address remote-write pushes come from (the kit only labels it). */
  readonly address: string;
  /** Extra run tags this runner's k6 adds (`--tag`), e.g. `instance_id`, `testrun_name`. */
  readonly tags?: Readonly<Record<string, string>>;
  /** Restart the runner's k6 after this many iterations (fresh process, fresh sinks). */
  readonly restartAfterIteration?: number;
}

/** A check in the root group, with its counts. */
export interface CheckResult {
  readonly name: string;
  readonly passes: number;
  readonly fails: number;
}

/** Options of `buildRun`. Every default gives the same bytes on every call. */
export interface RunOptions {
  /** PRNG seed (mulberry32). Default 1. */
  readonly seed?: number;
  /** The `run` tag (`--tag run=<id>`, what `floodgate run` passes). Default `kit-run-1`. */
  readonly runId?: string;
  /** Start of the run in Unix ns. Default 2026-08-21T09:00:00.123456789Z. */
  readonly startUnixNano?: bigint;
  /** Runners. Default one plain runner `runner-1` at 127.0.0.2 with no extra tags. */
  readonly runners?: readonly RunnerSpec[];
  /** Iterations (applicant journeys) per runner. Default 40. */
  readonly iterationsPerRunner?: number;
  /** Gap between iteration starts on one runner, ms. Default 250. */
  readonly iterationGapMs?: number;
  /**
   * 0 (default): each stage has one URL. N > 0: every request's URL carries `?applicant=<k>`
   * with k cycling through N distinct values, so `url` and `name` take N distinct values.
   */
  readonly distinctUrls?: number;
  /** `--features native-histograms`: adds `k6_feature_native_histograms="true"` everywhere. */
  readonly nativeHistograms?: boolean;
  /** `--system-tags` including `vu` and `iter`: they go to metadata. Default false. */
  readonly vuIterMetadata?: boolean;
  /** Thresholds (script `options.thresholds`). Default `DEFAULT_THRESHOLDS`. */
  readonly thresholds?: Readonly<Record<string, readonly ThresholdDef[]>>;
  /** Pre-allocated VUs per runner (the `vus`/`vus_max` gauge values). Default 5. */
  readonly vusPerRunner?: number;
  /** The funnel stages a journey walks (default all of FUNNEL_STAGES, in order). */
  readonly stages?: readonly FunnelStage[];
  /** Chance to abandon before each stage after the first. Default 0.08. */
  readonly abandonRate?: number;
  /**
   * Emit the six HTTP phase trends (`http_req_blocked` … `http_req_receiving`) as k6 always does.
   * Default true. Only the 50,000-URL case turns them off, to stay fast: they carry the same
   * labels as `http_req_duration`, so they multiply the series count and nothing else.
   */
  readonly phaseTrends?: boolean;
}

/** A scripted run: its samples and everything derived from them. */
export interface K6Run {
  readonly runId: string;
  readonly scenario: string;
  readonly startUnixNano: bigint;
  /** Test run duration in ms (what k6's summary uses for counter rates). */
  readonly durationMs: number;
  readonly runners: readonly RunnerSpec[];
  readonly metrics: ReadonlyMap<string, MetricDef>;
  readonly thresholds: Readonly<Record<string, readonly ThresholdDef[]>>;
  /** Every sample of every runner, in emission order (time order, runners interleaved). */
  readonly samples: readonly K6Sample[];
  readonly nativeHistograms: boolean;
  /** The value `setup()` returned (summaries carry it as `setup_data`). */
  readonly setupData: unknown;
  /** Expected totals, recounted from `samples` (see expected.ts). */
  readonly expected: ExpectedTotals;
  /**
   * Set only by `runFromSamples({unvalidatedThresholds: true})`: thresholds were taken as given,
   * as k6's own unit tests build them without `Thresholds.Validate`; those k6 would refuse get no
   * outcome (left out of `expected.thresholds` and the summaries) instead of throwing.
   */
  readonly unvalidatedThresholds?: boolean;
}

/** k6's built-in metrics this kit emits (`metrics/builtin.go`) plus floodgate's custom ones. */
export const KIT_METRICS: readonly MetricDef[] = [
  { name: 'vus', type: 'gauge', contains: 'default' },
  { name: 'vus_max', type: 'gauge', contains: 'default' },
  { name: 'iterations', type: 'counter', contains: 'default' },
  { name: 'iteration_duration', type: 'trend', contains: 'time' },
  { name: 'dropped_iterations', type: 'counter', contains: 'default' },
  { name: 'checks', type: 'rate', contains: 'default' },
  { name: 'http_reqs', type: 'counter', contains: 'default' },
  { name: 'http_req_duration', type: 'trend', contains: 'time' },
  { name: 'http_req_blocked', type: 'trend', contains: 'time' },
  { name: 'http_req_connecting', type: 'trend', contains: 'time' },
  { name: 'http_req_tls_handshaking', type: 'trend', contains: 'time' },
  { name: 'http_req_sending', type: 'trend', contains: 'time' },
  { name: 'http_req_waiting', type: 'trend', contains: 'time' },
  { name: 'http_req_receiving', type: 'trend', contains: 'time' },
  { name: 'http_req_failed', type: 'rate', contains: 'default' },
  { name: 'data_sent', type: 'counter', contains: 'data' },
  { name: 'data_received', type: 'counter', contains: 'data' },
  // floodgate's custom metric (contracts/metrics.ts K6_METRICS.funnelStage): Counter, tags stage+result
  { name: 'funnel_stage', type: 'counter', contains: 'default' },
];

/**
 * The default thresholds. By construction of the default run, `http_req_duration p(95)<3000`
 * FAILS (the ministry-backed `verify_nik` stage is slow) and the others pass; `expected.thresholds`
 * states every outcome, recomputed from the samples.
 */
export const DEFAULT_THRESHOLDS: Readonly<Record<string, readonly ThresholdDef[]>> = {
  http_req_duration: [{ source: 'p(95)<3000' }],
  'http_req_duration{stage:register}': [{ source: 'p(95)<800' }],
  http_req_failed: [{ source: 'rate<0.2', abortOnFail: true, delayAbortEval: '10s' }],
  checks: [{ source: 'rate>0.5' }],
  funnel_stage: [{ source: 'count>=0' }],
};

/** The scenario every kit run uses (a constant-arrival-rate scenario in the scripts). */
export const KIT_SCENARIO = 'registration_opening';

/** The check every request runs. */
export const KIT_CHECK = 'status is 2xx';

/** The base URL requests go to (a loopback target, as floodgate's scripts use). */
export const KIT_TARGET = 'http://127.0.0.1:8080';

const STAGE_REQUEST: Readonly<Record<FunnelStage, { method: string; path: string; okStatus: number }>> = {
  landing: { method: 'GET', path: '/', okStatus: 200 },
  register: { method: 'POST', path: '/register', okStatus: 201 },
  verify_email: { method: 'POST', path: '/verify-email', okStatus: 200 },
  verify_nik: { method: 'POST', path: '/verify-nik', okStatus: 200 },
  upload_photo: { method: 'POST', path: '/upload-photo', okStatus: 201 },
  join_batch: { method: 'POST', path: '/join-batch', okStatus: 200 },
};

/** A seeded PRNG (mulberry32): deterministic, fast, good enough for fixtures. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Rounds to whole microseconds, as the k6 trail's durations are (ms with 6 decimals). */
function micro(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

const NS_PER_MS = 1_000_000n;

/** One plain runner, the default. */
export const PLAIN_RUNNER: RunnerSpec = { id: 'runner-1', address: '127.0.0.2' };

/**
 * Builds one scripted run: per runner, `iterationsPerRunner` applicant journeys through the
 * funnel stages, each request emitting k6's nine HTTP samples, plus checks, funnel counters,
 * iterations, data counters, dropped iterations and the 1 s `vus`/`vus_max` gauges.
 */
export function buildRun(options: RunOptions = {}): K6Run {
  const seed = options.seed ?? 1;
  const runId = options.runId ?? 'kit-run-1';
  const start = options.startUnixNano ?? 1_787_302_800_123_456_789n; // 2026-08-21T09:00:00.123456789Z
  const runners = options.runners ?? [PLAIN_RUNNER];
  const iterations = options.iterationsPerRunner ?? 40;
  const gapMs = options.iterationGapMs ?? 250;
  const distinctUrls = options.distinctUrls ?? 0;
  const nativeHistograms = options.nativeHistograms ?? false;
  const vus = options.vusPerRunner ?? 5;
  const thresholds = options.thresholds ?? DEFAULT_THRESHOLDS;
  const stages = options.stages ?? FUNNEL_STAGES;
  const abandonRate = options.abandonRate ?? 0.08;
  const phaseTrends = options.phaseTrends ?? true;
  const random = seededRandom(seed);

  const metrics = new Map(KIT_METRICS.map((m) => [m.name, m]));
  const all: K6Sample[] = [];
  let urlCounter = 0;
  let lastNs = start;

  runners.forEach((runner, runnerIndex) => {
    const runTags: Record<string, string> = { run: runId, ...(runner.tags ?? {}) };
    if (nativeHistograms) runTags.k6_feature_native_histograms = 'true';
    const vuTags = { ...runTags, scenario: KIT_SCENARIO };
    const runnerStart = start + BigInt(runnerIndex * 37) * NS_PER_MS + BigInt(runnerIndex * 1013);
    const samples: K6Sample[] = [];
    const restartAt = runner.restartAfterIteration;
    // iteration null: a sample outside any iteration (vus, dropped_iterations): no vu/iter metadata
    const push = (
      metric: string,
      unixNano: bigint,
      value: number,
      tags: Record<string, string>,
      iteration: number | null,
      vu: number,
      process?: number,
    ): void => {
      const proc = process ?? (restartAt !== undefined && iteration !== null && iteration >= restartAt ? 2 : 1);
      const metadata =
        options.vuIterMetadata && iteration !== null ? { vu: String(vu), iter: String(iteration) } : undefined;
      samples.push({
        metric,
        unixNano,
        value,
        tags,
        ...(metadata ? { metadata } : {}),
        runner: runner.id,
        process: proc,
      });
    };

    let restartShiftNs = 0n;
    for (let i = 0; i < iterations; i++) {
      const vu = (i % vus) + 1;
      if (restartAt !== undefined && i === restartAt) {
        // the old process is gone: the new one starts 2 s after the old one's last sample
        const lastOld = samples.reduce((m, s) => (s.unixNano > m ? s.unixNano : m), runnerStart);
        restartShiftNs = lastOld + 2_000_000_000n - (runnerStart + BigInt(Math.round(i * gapMs * 1e6)));
      }
      const iterStartNs =
        runnerStart + restartShiftNs + BigInt(Math.round(i * gapMs * 1e6)) + BigInt(Math.floor(random() * 1e6));
      let tNs = iterStartNs;
      let bytesSent = 0;
      let bytesReceived = 0;
      let journeyDone = false;
      for (const [stageIndex, stage] of stages.entries()) {
        if (journeyDone) break;
        if (stageIndex > 0 && random() < abandonRate) {
          push('funnel_stage', tNs, 1, { ...vuTags, group: '', result: 'abandoned', stage }, i, vu);
          break;
        }
        push('funnel_stage', tNs, 1, { ...vuTags, group: '', result: 'entered', stage }, i, vu);
        const req = STAGE_REQUEST[stage];
        const roll = random();
        const networkError = roll < 0.02;
        const status = networkError ? 0 : roll < 0.07 ? 503 : roll < 0.1 ? 429 : req.okStatus;
        const slow = stage === 'verify_nik' ? 2200 + random() * 3800 : 15 + random() * 180;
        const blocked = micro(random() * 2);
        const connecting = micro(blocked * 0.5);
        const sending = micro(0.02 + random() * 0.3);
        const waiting = networkError ? 0 : micro(slow);
        const receiving = networkError ? 0 : micro(0.05 + random() * 2);
        const duration = micro(sending + waiting + receiving);
        tNs += BigInt(Math.round((blocked + duration) * 1e6));
        let url = KIT_TARGET + req.path;
        if (distinctUrls > 0) url += `?applicant=${urlCounter++ % distinctUrls}`;
        const tags: Record<string, string> = {
          ...vuTags,
          expected_response: status >= 200 && status < 400 ? 'true' : 'false',
          group: '',
          method: req.method,
          name: url,
          stage,
          status: String(status),
          url,
        };
        if (networkError) {
          tags.error = 'dial tcp 127.0.0.1:8080: connect: connection refused';
          tags.error_code = '1212';
        } else {
          tags.proto = 'HTTP/1.1';
          if (status >= 400) tags.error_code = String(1000 + status);
        }
        push('http_reqs', tNs, 1, tags, i, vu);
        push('http_req_duration', tNs, duration, tags, i, vu);
        if (phaseTrends) {
          push('http_req_blocked', tNs, blocked, tags, i, vu);
          push('http_req_connecting', tNs, connecting, tags, i, vu);
          push('http_req_tls_handshaking', tNs, 0, tags, i, vu);
          push('http_req_sending', tNs, sending, tags, i, vu);
          push('http_req_waiting', tNs, waiting, tags, i, vu);
          push('http_req_receiving', tNs, receiving, tags, i, vu);
        }
        push('http_req_failed', tNs, tags.expected_response === 'true' ? 0 : 1, tags, i, vu);
        const ok = status >= 200 && status < 300;
        push('checks', tNs, ok ? 1 : 0, { ...vuTags, check: KIT_CHECK, group: '' }, i, vu);
        const result = ok ? 'completed' : status === 429 ? 'throttled' : 'failed';
        push('funnel_stage', tNs, 1, { ...vuTags, group: '', result, stage }, i, vu);
        bytesSent += 180 + Math.floor(random() * 120);
        bytesReceived += networkError ? 0 : 320 + Math.floor(random() * 900);
        if (!ok) journeyDone = true;
        tNs += BigInt(Math.round(random() * 3e6));
      }
      const iterTags = { ...vuTags, group: '' };
      push('data_sent', tNs, bytesSent, iterTags, i, vu);
      push('data_received', tNs, bytesReceived, iterTags, i, vu);
      push('iterations', tNs, 1, iterTags, i, vu);
      push('iteration_duration', tNs, micro(Number(tNs - iterStartNs) / 1e6), iterTags, i, vu);
      if (i % 17 === 16)
        push(
          'dropped_iterations',
          iterStartNs,
          1,
          { ...runTags, scenario: KIT_SCENARIO },
          null,
          0,
          restartAt !== undefined && i >= restartAt ? 2 : 1,
        );
    }

    // vus / vus_max once a second, run tags only, from the runner's start to its last sample
    const endNs = samples.reduce((m, s) => (s.unixNano > m ? s.unixNano : m), runnerStart);
    const boundary = processBoundary(samples);
    for (let sec = 0; runnerStart + BigInt(sec) * 1_000_000_000n <= endNs + 1_000_000_000n; sec++) {
      const t = runnerStart + BigInt(sec) * 1_000_000_000n + 412_345n;
      const process = t >= boundary ? 2 : 1;
      push('vus', t, vus, runTags, null, 0, process);
      push('vus_max', t, vus, runTags, null, 0, process);
    }
    for (const s of samples) if (s.unixNano > lastNs) lastNs = s.unixNano;
    for (const s of samples) all.push(s);
  });

  // stable sort by time; relative ns fit a double exactly for any run shorter than 104 days
  const keys = new Float64Array(all.length);
  all.forEach((s, i) => (keys[i] = Number(s.unixNano - start)));
  const order = [...all.keys()].sort((a, b) => keys[a]! - keys[b]! || a - b);
  const cleaned = order.map((i) => all[i]!);
  const durationMs = Math.ceil(Number(lastNs - start) / 1e6) + 500;
  const base = {
    runId,
    scenario: KIT_SCENARIO,
    startUnixNano: start,
    durationMs,
    runners,
    metrics,
    thresholds,
    samples: cleaned,
    nativeHistograms,
    setupData: { runId, target: KIT_TARGET },
  };
  return { ...base, expected: computeExpected(base) };
}

/** Time of the first sample of process 2 (a restart), or +inf. */
function processBoundary(samples: readonly K6Sample[]): bigint {
  let first: bigint | undefined;
  for (const s of samples) if (s.process === 2 && (first === undefined || s.unixNano < first)) first = s.unixNano;
  return first ?? BigInt(Number.MAX_SAFE_INTEGER) * 1_000_000_000n;
}

/** The samples one runner's k6 process emitted (what one JSON file or one summary holds). */
export function samplesOf(run: K6Run, runner: string, process?: number): K6Sample[] {
  return run.samples.filter((s) => s.runner === runner && (process === undefined || s.process === process));
}

/** Parses a submetric key `metric{k:v,k2:v2}` as `metrics/metric.go` `AddSubmetric` does. */
export function parseSubmetric(key: string): { parent: string; suffix?: string; tags?: Record<string, string> } {
  const brace = key.indexOf('{');
  if (brace < 0 || !key.endsWith('}')) return { parent: key };
  const parent = key.slice(0, brace);
  const suffix = key.slice(brace + 1, -1).trim();
  const tags: Record<string, string> = {};
  for (const kv of suffix.split(',')) {
    if (kv === '') continue;
    const colon = kv.indexOf(':');
    const k = colon < 0 ? kv : kv.slice(0, colon);
    const v = colon < 0 ? '' : kv.slice(colon + 1);
    tags[k.trim().replace(/^["']+|["']+$/g, '')] = v === '' ? '' : v.trim().replace(/^["']+|["']+$/g, '');
  }
  return { parent, suffix, tags };
}

/** Whether a sample belongs to a submetric (its tags contain every submetric tag). */
export function matchesTags(sample: K6Sample, tags: Readonly<Record<string, string>> | undefined): boolean {
  if (!tags) return true;
  return Object.entries(tags).every(([k, v]) => sample.tags[k] === v);
}

/** One submetric as k6 registers it (`metrics/metric.go` `AddSubmetric`). */
export interface SubmetricSpec {
  /** k6's `Submetric.Name`: parent + `{` + the trimmed text inside the braces + `}`. */
  readonly name: string;
  readonly parent: string;
  /** k6's `Submetric.Suffix`: the text inside the braces, trimmed (inner spacing kept). */
  readonly suffix: string;
  readonly tags: Readonly<Record<string, string>>;
  /** Every threshold key (or the automatic one) that resolved to this submetric, first one first. */
  readonly keys: readonly string[];
}

/**
 * k6's name for a threshold key: a plain metric keeps its name; `parent{ a:b }` becomes
 * `parent{a:b}` (`AddSubmetric` trims the text inside the braces, nothing else). This is the name
 * of a *new* submetric; when a submetric with the same tags exists already, k6 reuses it and its
 * name (see `submetricsFor`).
 */
export function submetricName(key: string): string {
  const p = parseSubmetric(key);
  return p.suffix === undefined ? key : `${p.parent}{${p.suffix}}`;
}

function tagIdentity(parent: string, tags: Readonly<Record<string, string>>): string {
  return JSON.stringify([parent, Object.entries(tags).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]);
}

/**
 * The submetrics k6 registers for a run, deduplicated by tag set as `AddSubmetric` does (an
 * existing submetric with the same tags is returned instead of a new one): every threshold key
 * `metric{...}` in declaration order, then `http_req_duration{expected_response:true}`, which
 * `internal/metrics/engine/engine.go` `InitSubMetricsAndThresholds` always adds when the
 * `expected_response` system tag is on (the default), after the thresholds. k6 ranges over the
 * thresholds map, so with several submetric keys their order in k6 is unspecified (and when two
 * keys share a tag set, which spelling names the submetric, and which key's thresholds it keeps,
 * is unspecified too); the kit keeps declaration order and the first spelling.
 */
export function submetricsFor(thresholds: Readonly<Record<string, readonly ThresholdDef[]>>): SubmetricSpec[] {
  const byIdentity = new Map<
    string,
    { name: string; parent: string; suffix: string; tags: Record<string, string>; keys: string[] }
  >();
  for (const key of [...Object.keys(thresholds).filter((k) => k.includes('{')), AUTO_SUBMETRIC]) {
    const p = parseSubmetric(key);
    if (p.suffix === undefined || !p.tags) continue;
    const id = tagIdentity(p.parent, p.tags);
    const found = byIdentity.get(id);
    if (found) {
      if (!found.keys.includes(key)) found.keys.push(key);
    } else
      byIdentity.set(id, {
        name: `${p.parent}{${p.suffix}}`,
        parent: p.parent,
        suffix: p.suffix,
        tags: p.tags,
        keys: [key],
      });
  }
  return [...byIdentity.values()];
}

/** The name k6 shows for a threshold key in this run: the (possibly reused) submetric's name, or the metric's. */
export function registeredName(thresholds: Readonly<Record<string, readonly ThresholdDef[]>>, key: string): string {
  if (!key.includes('{')) return key;
  return submetricsFor(thresholds).find((s) => s.keys.includes(key))?.name ?? submetricName(key);
}

/**
 * The submetric keys k6 registers for a run: the first key of each submetric of `submetricsFor`
 * (deduplicated by tag set; `http_req_duration{expected_response:true}` only when no threshold key
 * already names that tag set). For k6's names use `submetricsFor(...).map((s) => s.name)`.
 */
export function submetricKeys(thresholds: Readonly<Record<string, readonly ThresholdDef[]>>): string[] {
  return submetricsFor(thresholds).map((s) => s.keys[0]!);
}

/** The submetric k6 registers on its own (see `submetricKeys`). */
export const AUTO_SUBMETRIC = 'http_req_duration{expected_response:true}';

/** Parts of a run given by hand (see `runFromSamples`). */
export interface HandRun {
  readonly metrics: readonly MetricDef[];
  readonly samples: readonly Omit<K6Sample, 'runner' | 'process'>[];
  readonly thresholds?: Readonly<Record<string, readonly ThresholdDef[]>>;
  readonly startUnixNano?: bigint;
  readonly durationMs?: number;
  readonly runner?: RunnerSpec;
  readonly nativeHistograms?: boolean;
  readonly setupData?: unknown;
  /** Take the thresholds as given (like k6's json_test.go); see `K6Run.unvalidatedThresholds`. */
  readonly unvalidatedThresholds?: boolean;
}

/**
 * A run from hand-written samples (one runner, one process), for hostile or tiny cases: every
 * generator accepts it like a `buildRun` run, and its `expected` is recounted the same way.
 */
export function runFromSamples(hand: HandRun): K6Run {
  const runner = hand.runner ?? PLAIN_RUNNER;
  const samples = hand.samples.map((s) => ({ ...s, runner: runner.id, process: 1 }));
  const start = hand.startUnixNano ?? samples[0]?.unixNano ?? 0n;
  const last = samples.reduce((m, s) => (s.unixNano > m ? s.unixNano : m), start);
  const base = {
    runId: samples[0]?.tags.run ?? '',
    scenario: samples[0]?.tags.scenario ?? '',
    startUnixNano: start,
    durationMs: hand.durationMs ?? Math.ceil(Number(last - start) / 1e6) + 500,
    runners: [runner],
    metrics: new Map(hand.metrics.map((m) => [m.name, m])),
    thresholds: hand.thresholds ?? {},
    samples,
    nativeHistograms: hand.nativeHistograms ?? false,
    setupData: hand.setupData,
    ...(hand.unvalidatedThresholds ? { unvalidatedThresholds: true } : {}),
  };
  return { ...base, expected: computeExpected(base) };
}

/**
 * `run` as if its script called no `check()`: the same samples without the `checks` metric and
 * its threshold (k6 reports only metrics that got samples; `checks` then has none).
 */
export function withoutChecks(run: K6Run): K6Run {
  const samples = run.samples.filter((sample) => sample.metric !== 'checks');
  const metrics = new Map([...run.metrics].filter(([name]) => name !== 'checks'));
  const thresholds = Object.fromEntries(Object.entries(run.thresholds).filter(([metric]) => metric !== 'checks'));
  const base = { ...run, samples, metrics, thresholds };
  return { ...base, expected: computeExpected(base) };
}
