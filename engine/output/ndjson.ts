/**
 * k6's JSON output (`--out json=FILE`, k6-contract.md §1): one Metric line before a metric's
 * first Point, then one Point line per sample, tags sorted, metadata only when non-empty,
 * flushed every 200 ms. A name ending in `.gz` is gzip-compressed, as in k6.
 */

import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { createGzip, type Gzip } from 'node:zlib';
import { rfc3339Nano } from '../clock.ts';
import type { Metric, Sample, Tags } from '../metrics/metric.ts';

/** Where samples go besides the sinks. */
export interface SampleOutput {
  write(sample: Sample): void;
  /** Writes everything buffered and closes the file. */
  close(): Promise<void>;
}

/** Options of {@link createNdjsonOutput}. */
export interface NdjsonOutputOptions {
  /** File to create (truncated if it exists); parent folders are created. */
  readonly path: string;
  /** Flush period in ms; default 200 (k6's fixed flushPeriod). */
  readonly flushIntervalMs?: number;
}

/** Renders the Metric line of `metric` (thresholds keyed on the metric itself, submetrics or null). */
export function renderMetricLine(metric: Metric): string {
  const thresholds = metric.thresholds.map((threshold) =>
    threshold.abortOnFail
      ? { threshold: threshold.source, abortOnFail: true, delayAbortEval: threshold.delayAbortEvalText }
      : threshold.source,
  );
  const submetrics =
    metric.submetrics.length === 0
      ? null
      : metric.submetrics.map((submetric) => ({
          name: submetric.name,
          suffix: submetric.suffix,
          tags: sortedObject(submetric.tags),
        }));
  return JSON.stringify({
    type: 'Metric',
    data: { name: metric.name, type: metric.type, contains: metric.contains, thresholds, submetrics },
    metric: metric.name,
  });
}

/**
 * JSON of tag sets by content: every request builds a new tags object, but a run has few
 * distinct tag sets. The key spells each key and value with its length, so no two sets share
 * one; bounded, cleared when full (a high-cardinality tag then only loses the cache). The
 * samples of one request come one after another with the same tags object, so the last one is
 * remembered by identity (cheaper than a WeakMap, whose entries cost as much as the lookup).
 */
/** A tag set's JSON, as text and as UTF-8 bytes. */
interface TagsJson {
  readonly text: string;
  readonly bytes: Buffer;
}

const tagsJsonByContent = new Map<string, TagsJson>();
const MAX_TAG_SETS = 10_000;

/** Remembers the last tag set it rendered by identity; tags and metadata have one each. */
class LastTagsJson {
  private last: Tags | undefined;
  private json: TagsJson = { text: '', bytes: Buffer.alloc(0) };

  of(tags: Tags): TagsJson {
    if (tags === this.last) return this.json;
    let key = '';
    for (const name of Object.keys(tags)) {
      const value = tags[name] as string;
      key += `${name.length}:${name}${value.length}:${value}`;
    }
    let json = tagsJsonByContent.get(key);
    if (json === undefined) {
      const text = JSON.stringify(sortedObject(tags));
      json = { text, bytes: Buffer.from(text, 'utf8') };
      if (tagsJsonByContent.size >= MAX_TAG_SETS) tagsJsonByContent.clear();
      tagsJsonByContent.set(key, json);
    }
    this.last = tags;
    this.json = json;
    return json;
  }
}

const tagsJson = new LastTagsJson();
const metadataJson = new LastTagsJson();

function sortedObject(tags: Tags): Record<string, string> {
  const sorted: Record<string, string> = {};
  for (const key of Object.keys(tags).sort()) sorted[key] = tags[key] as string;
  return sorted;
}

const linePrefixes = new WeakMap<Metric, { text: string; bytes: Buffer }>();

function linePrefix(metric: Metric): { text: string; bytes: Buffer } {
  let prefix = linePrefixes.get(metric);
  if (prefix === undefined) {
    const text = `{"metric":${JSON.stringify(metric.name)},"type":"Point","data":{"time":"`;
    prefix = { text, bytes: Buffer.from(text, 'utf8') };
    linePrefixes.set(metric, prefix);
  }
  return prefix;
}

const hasMetadata = (sample: Sample): sample is Sample & { metadata: Tags } =>
  sample.metadata !== undefined && Object.keys(sample.metadata).length > 0;

/** Renders the Point line of one sample; undefined when the value is not finite (Go's encoder would fail). */
export function renderPointLine(sample: Sample): string | undefined {
  if (!Number.isFinite(sample.value)) return undefined;
  const metadata = hasMetadata(sample) ? `,"metadata":${metadataJson.of(sample.metadata).text}` : '';
  return `${linePrefix(sample.metric).text}${rfc3339Nano(sample.time)}","value":${sample.value},"tags":${tagsJson.of(sample.tags).text}${metadata}}}`;
}

const METADATA_KEY = Buffer.from(',"metadata":', 'latin1');
/** Bytes a Point line needs besides its prefix and tag JSON: time, value, keys, braces, newline. */
const POINT_SLACK = 128;

/**
 * Encodes the Point line of `sample` and a newline into `chunk` at `offset`, byte for byte
 * {@link renderPointLine}; returns the new offset, or -1 when the chunk has no room for it.
 * The prefix and tag JSON are copied as cached bytes; the rest is ASCII.
 */
function encodePointLine(sample: Sample, chunk: Buffer, offset: number): number {
  const prefix = linePrefix(sample.metric).bytes;
  const tags = tagsJson.of(sample.tags).bytes;
  const metadata = hasMetadata(sample) ? metadataJson.of(sample.metadata).bytes : undefined;
  const need = prefix.length + tags.length + (metadata ? metadata.length + METADATA_KEY.length : 0) + POINT_SLACK;
  if (offset + need > chunk.length) return -1;
  let at = offset;
  chunk.set(prefix, at);
  at += prefix.length;
  at += chunk.write(`${rfc3339Nano(sample.time)}","value":${sample.value},"tags":`, at, 'latin1');
  chunk.set(tags, at);
  at += tags.length;
  if (metadata) {
    chunk.set(METADATA_KEY, at);
    at += METADATA_KEY.length;
    chunk.set(metadata, at);
    at += metadata.length;
  }
  chunk[at] = 0x7d; // }
  chunk[at + 1] = 0x7d;
  chunk[at + 2] = 0x0a; // newline
  return at + 3;
}

/** Bytes encoded before a chunk goes to the file (besides the flush period). */
const CHUNK_BYTES = 256 * 1024;

/** Opens an NDJSON output file. */
export function createNdjsonOutput(options: NdjsonOutputOptions): SampleOutput {
  mkdirSync(dirname(options.path), { recursive: true });
  const file: WriteStream = createWriteStream(options.path);
  let sink: NodeJS.WritableStream = file;
  let gzip: Gzip | undefined;
  if (options.path.endsWith('.gz')) {
    gzip = createGzip();
    gzip.pipe(file);
    sink = gzip;
  }
  const announced = new Set<Metric>();
  let failure: Error | undefined;
  file.on('error', (error) => {
    failure = error;
  });

  // Lines are encoded straight into a chunk buffer (no array of strings joined at each flush,
  // no flat copy of them), handed to the file when full and every flush period.
  let chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  let used = 0;
  const handOver = (): void => {
    if (used === 0) return;
    sink.write(chunk.subarray(0, used));
    chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    used = 0;
  };
  const append = (line: string): void => {
    const worst = line.length * 3 + 1; // UTF-8 needs at most 3 bytes per UTF-16 unit
    if (used + worst > chunk.length) {
      handOver();
      if (worst > chunk.length) {
        sink.write(`${line}\n`);
        return;
      }
    }
    used += chunk.write(line, used, 'utf8');
    chunk[used] = 0x0a;
    used += 1;
  };

  const flush = handOver;
  const timer = setInterval(flush, options.flushIntervalMs ?? 200);
  timer.unref();

  return {
    write(sample) {
      if (!Number.isFinite(sample.value)) return; // Go's encoder would fail on it; k6 writes no such line
      if (!announced.has(sample.metric)) {
        announced.add(sample.metric);
        append(renderMetricLine(sample.metric));
      }
      let end = encodePointLine(sample, chunk, used);
      if (end < 0) {
        handOver();
        end = encodePointLine(sample, chunk, used);
      }
      if (end < 0)
        append(renderPointLine(sample) as string); // a line longer than a chunk
      else used = end;
    },
    async close() {
      clearInterval(timer);
      flush();
      await new Promise<void>((resolve, reject) => {
        file.once('close', () => (failure ? reject(failure) : resolve()));
        file.once('error', reject);
        (gzip ?? file).end();
      });
    },
  };
}
