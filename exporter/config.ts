/**
 * The exporter's configuration: one frozen object, resolved by cli/exporter.ts (defaults < .env <
 * environment < flags) or built by tests with {@link exporterConfig}.
 */

/** Everything the exporter needs to know; see the option table in exporter/README.md. */
export interface ExporterConfig {
  /** Address to listen on. Default `127.0.0.1`; anything beyond loopback needs a token. */
  readonly host: string;
  /** TCP port; 0 picks a free one. Default 18080 (outside the 9100–9999 exporter range). */
  readonly port: number;
  /** Globs of k6 NDJSON files to follow from their start, e.g. `results/*\/k6.ndjson`. */
  readonly follow: readonly string[];
  /** Base URL of the target whose `/truth?run=` endpoint is polled; unset = no polling. */
  readonly targetTruth?: string;
  /** Bearer token required on ingest endpoints and /metrics when set. */
  readonly token?: string;
  /** Distinct values one label may take before new values fold into `other`. Default 500. */
  readonly labelCap: number;
  /** Runs held at once; a new run beyond this evicts the run with the oldest last sample. Default 50. */
  readonly maxRuns: number;
  /** Largest request body (and largest decompressed remote-write message), bytes. Default 64 MiB. */
  readonly maxBodyBytes: number;
  /** Longest NDJSON line, bytes; longer lines are skipped and counted as `too_long`. Default 64 KiB (k6 lines are well under 4 KiB). */
  readonly maxLineBytes: number;
  /**
   * Prometheus series of the label-keyed run metrics over every run and source; beyond it new
   * series fold scenario, method, status and check into `other` (counted). Default 20,000: a
   * scrape of that many series costs prom-client a few hundred ms of CPU on a busy machine.
   */
  readonly maxSeries: number;
  /** Remote-write series tracked for counter merging; beyond it new series are rejected. Default 100,000. */
  readonly maxRemoteSeries: number;
  /** Seconds between polls of the target's truth endpoint. Default 5. */
  readonly truthInterval: number;
  /** Milliseconds between scans of the followed globs and reads of the files. Default 500. */
  readonly followInterval: number;
  /**
   * Seconds without a sample of a run after which its planned rate shows 0, for runs whose
   * planned-rate helper never emitted its final 0 (cut by Ctrl-C or killed). Default 15: samples
   * arrive every second from files and every 5 s by remote write, and 15 s plus the recording
   * rules' 30 s window stays under FloodgateArrivalsBelowPlan's `for: 1m` (exporter/README.md).
   */
  readonly planStaleAfter: number;
  /**
   * Also expose requests and funnel counts by the second of their sample time (modulo 60), so a
   * report read from Prometheus places them in sample time exactly. Default off (more series).
   */
  readonly sampleSeconds: boolean;
  /** Prometheus base URL the live page (/live) runs the panels' queries on; unset = the exporter's own data. */
  readonly prometheus?: string;
}

/** Defaults of every option. */
export const EXPORTER_DEFAULTS = Object.freeze({
  host: '127.0.0.1',
  port: 18080,
  follow: [] as readonly string[],
  labelCap: 500,
  maxRuns: 50,
  maxBodyBytes: 64 * 1024 * 1024,
  maxLineBytes: 64 * 1024,
  maxSeries: 20_000,
  maxRemoteSeries: 100_000,
  truthInterval: 5,
  followInterval: 500,
  planStaleAfter: 15,
  sampleSeconds: false,
}) satisfies Omit<ExporterConfig, 'targetTruth' | 'token' | 'prometheus'>;

/** A complete, frozen config: the defaults with `overrides` on top. */
export function exporterConfig(overrides: Partial<ExporterConfig> = {}): ExporterConfig {
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined));
  return Object.freeze({ ...EXPORTER_DEFAULTS, ...defined });
}
