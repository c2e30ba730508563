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
      : metric.submetrics.map((submetric) => ({ name: submetric.name, suffix: submetric.suffix, tags: sortedObject(submetric.tags) }));
  return JSON.stringify({
    type: 'Metric',
    data: { name: metric.name, type: metric.type, contains: metric.contains, thresholds, submetrics },
    metric: metric.name,
  });
}

const tagsJsonCache = new WeakMap<Tags, string>();

function tagsJson(tags: Tags): string {
  let json = tagsJsonCache.get(tags);
  if (json === undefined) {
    json = JSON.stringify(sortedObject(tags));
    tagsJsonCache.set(tags, json);
  }
  return json;
}

function sortedObject(tags: Tags): Record<string, string> {
  const sorted: Record<string, string> = {};
  for (const key of Object.keys(tags).sort()) sorted[key] = tags[key] as string;
  return sorted;
}

const linePrefixes = new WeakMap<Metric, string>();

/** Renders the Point line of one sample; undefined when the value is not finite (Go's encoder would fail). */
export function renderPointLine(sample: Sample): string | undefined {
  if (!Number.isFinite(sample.value)) return undefined;
  let prefix = linePrefixes.get(sample.metric);
  if (prefix === undefined) {
    prefix = `{"metric":${JSON.stringify(sample.metric.name)},"type":"Point","data":{"time":"`;
    linePrefixes.set(sample.metric, prefix);
  }
  const metadata = sample.metadata && Object.keys(sample.metadata).length > 0 ? `,"metadata":${tagsJson(sample.metadata)}` : '';
  return `${prefix}${rfc3339Nano(sample.time)}","value":${sample.value},"tags":${tagsJson(sample.tags)}${metadata}}}`;
}

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
  let buffer: string[] = [];
  let failure: Error | undefined;
  file.on('error', (error) => {
    failure = error;
  });

  const flush = (): void => {
    if (buffer.length === 0) return;
    const chunk = buffer.join('\n') + '\n';
    buffer = [];
    sink.write(chunk);
  };
  const timer = setInterval(flush, options.flushIntervalMs ?? 200);
  timer.unref();

  return {
    write(sample) {
      const line = renderPointLine(sample);
      if (line === undefined) return;
      if (!announced.has(sample.metric)) {
        announced.add(sample.metric);
        buffer.push(renderMetricLine(sample.metric));
      }
      buffer.push(line);
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
