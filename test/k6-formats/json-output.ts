/**
 * k6's JSON output (`--out json=FILE`, `.gz` gzips it), line by line.
 *
 * Follows k6 `internal/output/json/json.go` (Metric line written once per metric name, just
 * before that metric's first Point; thresholds only under the exact parent metric name, so a
 * submetric's thresholds never appear, only the submetric itself in `submetrics`; gzip writer
 * from `klauspost/compress/gzip` over a bufio writer, closed once at Stop) and
 * `internal/output/json/wrapper.go` (field order of `sampleEnvelope`: metric, type, data{time,
 * value, tags, metadata omitempty}; of `metricEnvelope`: type, data{name, type, contains,
 * thresholds, submetrics}, metric). Thresholds marshal as `metrics/thresholds.go`
 * `Thresholds.MarshalJSON`: a string, or `{"threshold","abortOnFail","delayAbortEval"}` when
 * abortOnFail is set. Submetrics as `metrics/metric.go` `Submetric` (name, suffix, tags).
 */
import { gzipSync } from 'node:zlib';
import {
  goDurationString,
  goJsonNumber,
  goJsonString,
  goJsonStringMap,
  goRfc3339Nano,
  k6ParseDuration,
} from './go-json.ts';
import type { K6Run, K6Sample, MetricDef, ThresholdDef } from './model.ts';
import { submetricsFor } from './model.ts';

/** Options of `jsonLines` / `jsonFile`. */
export interface JsonOutputOptions {
  /** Which runner's file (a JSON file is one k6 process's output). Default the first runner. */
  readonly runner?: string;
  /** Which process of that runner (1, or 2 after a restart). Default 1. */
  readonly process?: number;
  /** Local zone offset of the k6 host, minutes east of UTC (e.g. 420 for +07:00). Default 0 (Z). */
  readonly zoneOffsetMinutes?: number;
}

function thresholdJson(t: ThresholdDef): string {
  if (!t.abortOnFail) return goJsonString(t.source);
  // `thresholdConfig.AbortGracePeriod` is a `types.NullDuration`: parsed, then re-printed by Go's
  // `time.Duration.String()` (`lib/types/types.go` `MarshalJSON`), so '10000ms' is written "10s".
  const delay =
    t.delayAbortEval === undefined || t.delayAbortEval === null
      ? 'null'
      : goJsonString(goDurationString(k6ParseDuration(t.delayAbortEval)));
  return `{"threshold":${goJsonString(t.source)},"abortOnFail":true,"delayAbortEval":${delay}}`;
}

/**
 * The `submetrics` of a metric: every threshold key `parent{...}` registers one, and k6 adds
 * `http_req_duration{expected_response:true}` itself, deduplicated by tag set and named as k6 names them (see model.ts `submetricsFor`).
 */
export function submetricsOf(
  metric: string,
  thresholds: Readonly<Record<string, readonly ThresholdDef[]>>,
): { name: string; suffix: string; tags: Record<string, string> }[] {
  return submetricsFor(thresholds)
    .filter((s) => s.parent === metric)
    .map((s) => ({ name: s.name, suffix: s.suffix, tags: { ...s.tags } }));
}

/** One `{"type":"Metric",...}` line (without the newline). */
export function metricLine(def: MetricDef, thresholds: Readonly<Record<string, readonly ThresholdDef[]>>): string {
  const own = thresholds[def.name] ?? [];
  const subs = submetricsOf(def.name, thresholds);
  const subsJson =
    subs.length === 0
      ? 'null'
      : '[' +
        subs
          .map(
            (s) =>
              `{"name":${goJsonString(s.name)},"suffix":${goJsonString(s.suffix)},"tags":${goJsonStringMap(s.tags)}}`,
          )
          .join(',') +
        ']';
  return (
    `{"type":"Metric","data":{"name":${goJsonString(def.name)},"type":"${def.type}","contains":"${def.contains}",` +
    `"thresholds":[${own.map(thresholdJson).join(',')}],"submetrics":${subsJson}},"metric":${goJsonString(def.name)}}`
  );
}

/** One `{"metric":...,"type":"Point",...}` line (without the newline). */
export function pointLine(sample: K6Sample, zoneOffsetMinutes: number): string {
  const meta =
    sample.metadata && Object.keys(sample.metadata).length > 0 ? `,"metadata":${goJsonStringMap(sample.metadata)}` : '';
  return (
    `{"metric":${goJsonString(sample.metric)},"type":"Point","data":{"time":"${goRfc3339Nano(sample.unixNano, zoneOffsetMinutes)}",` +
    `"value":${goJsonNumber(sample.value)},"tags":${goJsonStringMap(sample.tags)}${meta}}}`
  );
}

/**
 * The lines of one runner's JSON output, in order, without newlines. A sample whose value Go
 * cannot encode (NaN, ±Inf) is left out, as k6 logs and skips it.
 */
export function jsonLines(run: K6Run, options: JsonOutputOptions = {}): string[] {
  const runner = options.runner ?? run.runners[0]?.id;
  const process = options.process ?? 1;
  const zone = options.zoneOffsetMinutes ?? 0;
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const s of run.samples) {
    if (s.runner !== runner || s.process !== process) continue;
    if (!seen.has(s.metric)) {
      seen.add(s.metric);
      const def = run.metrics.get(s.metric);
      if (!def) throw new Error(`kit: sample of unregistered metric ${s.metric}`);
      lines.push(metricLine(def, run.thresholds));
    }
    if (!Number.isFinite(s.value)) continue;
    lines.push(pointLine(s, zone));
  }
  return lines;
}

/** Options of `jsonFile`. */
export interface JsonFileOptions extends JsonOutputOptions {
  /** Write what `--out json=FILE.gz` writes. Default false. */
  readonly gzip?: boolean;
}

/**
 * The bytes of one runner's JSON output file: every line followed by `\n` (Go's
 * `json.Encoder.Encode`). With `gzip`, one gzip member: k6 closes its gzip writer once at Stop
 * and never flushes it in between, so there is a single member with a Go-style header (no name,
 * mtime 0, OS byte 255 "unknown", as `klauspost/compress/gzip` writes). The deflate bytes
 * themselves differ from Go's compressor (zlib here), which any gzip reader accepts.
 */
export function jsonFile(run: K6Run, options: JsonFileOptions = {}): Buffer {
  const text = Buffer.from(
    jsonLines(run, options)
      .map((l) => l + '\n')
      .join(''),
    'utf8',
  );
  if (!options.gzip) return text;
  const gz = gzipSync(text);
  gz[9] = 0xff; // OS byte: Go's gzip writer writes 255 (unknown); zlib writes 3 (Unix)
  return gz;
}
