/**
 * The metric catalog: every Prometheus metric floodgate exposes (exporter and reference target),
 * and every custom k6 metric its scripts emit. Names, help, units and label sets live here and
 * only here; the exporter, the dashboards, the rules and the report import them.
 *
 * Conventions (prometheus.io naming): snake_case, base units in the name (`_seconds`, `_bytes`),
 * `_total` on counters. Every label set is bounded: the exporter caps distinct values per label.
 *
 * Over 400 lines on purpose: the catalog is one table by design (the brief: every metric name comes from it); splitting it would scatter the one place names live.
 */

/** Prometheus metric types used by floodgate. */
export type MetricType = 'counter' | 'gauge' | 'histogram';

/** One catalog entry. */
export interface MetricDefinition {
  /** Full metric name, e.g. `floodgate_http_requests_total`. */
  readonly name: string;
  readonly type: MetricType;
  /** HELP text: what one sample means. */
  readonly help: string;
  /** Base unit, or '' for counts and ratios (`seconds`, `bytes`, `per_second`, `timestamp_seconds`). */
  readonly unit: string;
  /** Label names, in exposition order. */
  readonly labels: readonly string[];
  /** Histogram bucket upper bounds, in the metric's unit. */
  readonly buckets?: readonly number[];
}

/**
 * Latency buckets (seconds) for request histograms: dense around the SLO lines of
 * SLO table in slo.ts (0.5 s – 3 s) and reaching past the 30 s client timeout.
 */
export const LATENCY_BUCKETS_SECONDS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 7.5, 10, 15, 20, 30, 60,
] as const;

/** Request outcomes: `ok` (expected answer), `error` (5xx, network, unexpected), `throttled` (429 / waiting room). */
export const REQUEST_OUTCOMES = ['ok', 'error', 'throttled'] as const;
/** One request outcome. */
export type RequestOutcome = (typeof REQUEST_OUTCOMES)[number];

const def = <const T extends MetricDefinition>(definition: T): T => definition;

/** Metrics the exporter exposes about load-test runs. */
export const RUN_METRICS = {
  httpRequests: def({
    name: 'floodgate_http_requests_total',
    type: 'counter',
    help: 'HTTP requests made by the load generator, by funnel stage and outcome.',
    unit: '',
    labels: ['run', 'scenario', 'stage', 'method', 'status', 'outcome'],
  }),
  httpRequestDuration: def({
    name: 'floodgate_http_request_duration_seconds',
    type: 'histogram',
    help: 'Duration of HTTP requests made by the load generator (k6 http_req_duration), by stage and outcome.',
    unit: 'seconds',
    labels: ['run', 'scenario', 'stage', 'outcome'],
    buckets: LATENCY_BUCKETS_SECONDS,
  }),
  funnelStage: def({
    name: 'floodgate_funnel_stage_total',
    type: 'counter',
    help: 'Applicants per funnel stage and result (entered, completed, failed, throttled, abandoned).',
    unit: '',
    labels: ['run', 'scenario', 'stage', 'result'],
  }),
  /**
   * The two counters below (exporter `--sample-seconds`, off by default) hold the same samples as
   * httpRequests and funnelStage, keyed by the whole second of each sample's k6 time modulo 60
   * (`second`, "0"–"59"): a reader of scrapes learns how many samples fell in each second of sample
   * time, exactly, which one scrape's total never says (report/read-prometheus.ts).
   */
  httpRequestsBySecond: def({
    name: 'floodgate_http_requests_by_second_total',
    type: 'counter',
    help: 'HTTP requests by stage and outcome, keyed by the second (0-59) of their k6 sample time, to place counts in sample time.',
    unit: '',
    labels: ['run', 'stage', 'outcome', 'second'],
  }),
  funnelStageBySecond: def({
    name: 'floodgate_funnel_stage_by_second_total',
    type: 'counter',
    help: 'Applicants per funnel stage and result, keyed by the second (0-59) of their k6 sample time, to place counts in sample time.',
    unit: '',
    labels: ['run', 'stage', 'result', 'second'],
  }),
  plannedArrivalRate: def({
    name: 'floodgate_planned_arrival_rate',
    type: 'gauge',
    help: 'New applicants per second the traffic profile asks for now.',
    unit: 'per_second',
    labels: ['run', 'scenario'],
  }),
  plannedArrivals: def({
    name: 'floodgate_planned_arrivals_total',
    type: 'counter',
    help: 'New applicants the traffic profile has asked for so far (the integral of the planned rate).',
    unit: '',
    labels: ['run', 'scenario'],
  }),
  iterations: def({
    name: 'floodgate_iterations_total',
    type: 'counter',
    help: 'Applicant journeys (k6 iterations) that ran to their end.',
    unit: '',
    labels: ['run', 'scenario'],
  }),
  droppedIterations: def({
    name: 'floodgate_dropped_iterations_total',
    type: 'counter',
    help: 'Planned arrivals the load generator could not start (no free VU): unserved demand.',
    unit: '',
    labels: ['run', 'scenario'],
  }),
  vus: def({
    name: 'floodgate_vus',
    type: 'gauge',
    help: 'Active virtual users of the load generator.',
    unit: '',
    labels: ['run'],
  }),
  vusMax: def({
    name: 'floodgate_vus_max',
    type: 'gauge',
    help: 'Initialised virtual users of the load generator.',
    unit: '',
    labels: ['run'],
  }),
  checks: def({
    name: 'floodgate_checks_total',
    type: 'counter',
    help: 'k6 check results, by check name and result (pass or fail).',
    unit: '',
    labels: ['run', 'check', 'result'],
  }),
  thresholdPassing: def({
    name: 'floodgate_threshold_passing',
    type: 'gauge',
    help: '1 while a k6 threshold holds on the data seen so far, 0 once it fails.',
    unit: '',
    labels: ['run', 'metric', 'threshold'],
  }),
  runInfo: def({
    name: 'floodgate_run_info',
    type: 'gauge',
    help: 'Always 1; labels describe a run the exporter has seen.',
    unit: '',
    labels: ['run', 'scenario', 'source'],
  }),
  runStart: def({
    name: 'floodgate_run_start_timestamp_seconds',
    type: 'gauge',
    help: 'Time of the first sample of a run (Unix seconds).',
    unit: 'timestamp_seconds',
    labels: ['run'],
  }),
  runLastSample: def({
    name: 'floodgate_run_last_sample_timestamp_seconds',
    type: 'gauge',
    help: 'Time of the newest sample of a run (Unix seconds).',
    unit: 'timestamp_seconds',
    labels: ['run'],
  }),
  targetRecords: def({
    name: 'floodgate_target_records',
    type: 'gauge',
    help: "Records the target actually stored for a run, per stage, from the target's truth endpoint.",
    unit: '',
    labels: ['run', 'stage'],
  }),
  reconciliationLost: def({
    name: 'floodgate_reconciliation_lost',
    type: 'gauge',
    help: 'Acknowledged by the target but not stored (acknowledged − stored, when positive), per stage.',
    unit: '',
    labels: ['run', 'stage'],
  }),
} as const;

/** The exporter's own health. */
export const EXPORTER_METRICS = {
  ingestLines: def({
    name: 'floodgate_ingest_lines_total',
    type: 'counter',
    help: 'Input lines or remote-write series read, by source (file, ingest, remote_write).',
    unit: '',
    labels: ['source'],
  }),
  ingestRejected: def({
    name: 'floodgate_ingest_rejected_total',
    type: 'counter',
    help: 'Input lines or series rejected, by source and reason; rejected input is counted and skipped.',
    unit: '',
    labels: ['source', 'reason'],
  }),
  seriesDropped: def({
    name: 'floodgate_series_dropped_total',
    type: 'counter',
    help: 'Label values folded into "other" because a label reached its cap of distinct values.',
    unit: '',
    labels: ['label'],
  }),
  ingestLag: def({
    name: 'floodgate_ingest_lag_seconds',
    type: 'gauge',
    help: 'Age of the newest sample ingested when it was read, by source.',
    unit: 'seconds',
    labels: ['source'],
  }),
  sourceErrors: def({
    name: 'floodgate_source_errors_total',
    type: 'counter',
    help: 'Errors reading a source (file, truth poll, request), by source.',
    unit: '',
    labels: ['source'],
  }),
  followedFiles: def({
    name: 'floodgate_followed_files',
    type: 'gauge',
    help: 'NDJSON files the exporter is following.',
    unit: '',
    labels: [],
  }),
  runsEvicted: def({
    name: 'floodgate_runs_evicted_total',
    type: 'counter',
    help: 'Runs forgotten because the exporter held its maximum number of runs (the run with the oldest last sample goes first).',
    unit: '',
    labels: [],
  }),
  exposedSeries: def({
    name: 'floodgate_exporter_series',
    type: 'gauge',
    help: 'Run-metric series the exporter exposes now; bounded by the label caps and the run cap.',
    unit: '',
    labels: [],
  }),
  remoteWriteSeries: def({
    name: 'floodgate_remote_write_series',
    type: 'gauge',
    help: 'Remote-write input series tracked to merge cumulative values across runners without double counting.',
    unit: '',
    labels: [],
  }),
} as const;

/** Metrics of the reference target (target/). */
export const TARGET_METRICS = {
  httpRequests: def({
    name: 'floodgate_target_http_requests_total',
    type: 'counter',
    help: 'Requests answered by the reference target, by route and status.',
    unit: '',
    labels: ['route', 'method', 'status'],
  }),
  httpRequestDuration: def({
    name: 'floodgate_target_http_request_duration_seconds',
    type: 'histogram',
    help: 'Time the reference target took to answer, by route.',
    unit: 'seconds',
    labels: ['route'],
    buckets: LATENCY_BUCKETS_SECONDS,
  }),
  ministryCalls: def({
    name: 'floodgate_target_ministry_calls_total',
    type: 'counter',
    help: 'Calls from the target to the ministry NIK API, by outcome (ok, rejected, unavailable, timeout, error).',
    unit: '',
    labels: ['outcome'],
  }),
  ministryInFlight: def({
    name: 'floodgate_target_ministry_in_flight',
    type: 'gauge',
    help: 'Ministry NIK API calls the target is waiting on.',
    unit: '',
    labels: [],
  }),
  ministryCallDuration: def({
    name: 'floodgate_target_ministry_call_duration_seconds',
    type: 'histogram',
    help: 'Duration of calls to the ministry NIK API as the target saw them.',
    unit: 'seconds',
    labels: ['outcome'],
    buckets: LATENCY_BUCKETS_SECONDS,
  }),
  waitingRoomInFlight: def({
    name: 'floodgate_target_waiting_room_in_flight',
    type: 'gauge',
    help: 'Requests inside the waiting room limit.',
    unit: '',
    labels: [],
  }),
  waitingRoomRejected: def({
    name: 'floodgate_target_waiting_room_rejected_total',
    type: 'counter',
    help: 'Requests turned away with 429 by the waiting room.',
    unit: '',
    labels: [],
  }),
  lostWrites: def({
    name: 'floodgate_target_lost_writes_total',
    type: 'counter',
    help: 'Registrations acknowledged with 201 but deliberately not stored (fault injection, --lost-write-rate).',
    unit: '',
    labels: [],
  }),
  injectedErrors: def({
    name: 'floodgate_target_injected_errors_total',
    type: 'counter',
    help: 'Requests answered 500 on purpose by fault injection (--error-rate), by funnel stage.',
    unit: '',
    labels: ['stage'],
  }),
  ministryBusySlots: def({
    name: 'floodgate_ministry_busy_slots',
    type: 'gauge',
    help: 'Service slots of the simulated ministry NIK API busy now (at most its capacity).',
    unit: '',
    labels: [],
  }),
  ministryQueuedCalls: def({
    name: 'floodgate_ministry_queued_calls',
    type: 'gauge',
    help: 'Calls waiting in the simulated ministry NIK API queue for a free slot.',
    unit: '',
    labels: [],
  }),
  ministryCapacity: def({
    name: 'floodgate_ministry_capacity_per_second',
    type: 'gauge',
    help: 'Sustained throughput the simulated ministry NIK API is configured for: slots / mean service time.',
    unit: 'per_second',
    labels: [],
  }),
  ministryAnswers: def({
    name: 'floodgate_ministry_answers_total',
    type: 'counter',
    help: 'Answers of the simulated ministry NIK API, by result (match, no_match, queue_full, deadline_exceeded, cancelled, bad_request).',
    unit: '',
    labels: ['result'],
  }),
  ministryQueueWait: def({
    name: 'floodgate_ministry_queue_wait_seconds',
    type: 'histogram',
    help: 'Time a call waited in the simulated ministry NIK API queue before a slot served it.',
    unit: 'seconds',
    labels: [],
    buckets: LATENCY_BUCKETS_SECONDS,
  }),
  records: def({
    name: 'floodgate_target_stored_records',
    type: 'gauge',
    help: 'Records stored by the target, per stage, over all runs.',
    unit: '',
    labels: ['stage'],
  }),
} as const;

/**
 * Custom k6 metrics emitted by floodgate's scripts (load-tests/). Names follow k6's rule
 * `^[a-zA-Z_][a-zA-Z0-9_]{1,128}$`; they are k6 sample names, not Prometheus names.
 */
export const K6_METRICS = {
  /** Counter, +1 per applicant and stage result; tags `stage`, `result`. */
  funnelStage: 'funnel_stage',
  /**
   * Gauge, once a second: planned new applicants per second, emitted by the helper scenario
   * `planned_rate` (so `scenario` is `planned_rate`); tag `planned_scenario` names the load
   * scenario it describes.
   */
  plannedArrivalRate: 'planned_arrival_rate',
} as const;

/** k6's built-in metric names the exporter and the report read (k6-contract.md §2). */
export const K6_BUILTIN = {
  httpReqs: 'http_reqs',
  httpReqDuration: 'http_req_duration',
  httpReqFailed: 'http_req_failed',
  iterations: 'iterations',
  iterationDuration: 'iteration_duration',
  droppedIterations: 'dropped_iterations',
  vus: 'vus',
  vusMax: 'vus_max',
  checks: 'checks',
  dataSent: 'data_sent',
  dataReceived: 'data_received',
} as const;

/**
 * Tags that may become labels. Anything else (url, name, error, ids, emails) never does.
 * `stage` and `result` come from floodgate's scripts; the rest are k6 system tags.
 */
/**
 * k6 tags floodgate's commands and docs set on every sample (`--tag NAME=VALUE`): the runner, so
 * runners behind one address stay apart in remote write, and the target, so truth is polled only
 * for runs made against it. Tags, not metric labels: the exporter reads them and drops them.
 */
export const FLOODGATE_TAGS = Object.freeze({ runner: 'floodgate_runner', target: 'floodgate_target' } as const);

export const LABEL_ALLOW_LIST = [
  'run',
  'scenario',
  'stage',
  'method',
  'status',
  'outcome',
  'result',
  'check',
  'metric',
  'threshold',
  'second',
] as const;

/** Every metric floodgate exposes, for catalog-wide checks. */
export const ALL_METRICS: readonly MetricDefinition[] = [
  ...Object.values(RUN_METRICS),
  ...Object.values(EXPORTER_METRICS),
  ...Object.values(TARGET_METRICS),
];
