/**
 * Streams access logs — several files, gzip or plain, in any order — through one format and the
 * rules, and keeps what the analysis needs of each funnel request in compact columns. Lines that
 * cannot be read are counted by reason; lines left out on purpose are counted by why. Neither is
 * ever fatal.
 */

import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { FUNNEL_STAGES, type FunnelStage } from '../contracts/funnel.ts';
import { FloodgateError } from '../contracts/errors.ts';
import { isGzipMagic, K6LineSplitter } from '../contracts/k6-json.ts';
import { detectLogFormat, logFormat, LOG_FORMAT_NAMES } from './formats/index.ts';
import type { LogRejectionReason } from './record.ts';
import { createClassifier, type IgnoreReason, type LogRules } from './rules.ts';

/** The longest line read, in bytes; a longer one is rejected as `line_too_long`. */
export const MAX_LOG_LINE = 64 * 1024;

/** Funnel requests, one row each, in columns. */
export interface RequestColumns {
  readonly count: number;
  readonly timeMs: Float64Array;
  /** Index into FUNNEL_STAGES. */
  readonly stage: Uint8Array;
  readonly status: Uint16Array;
  /** Index into `clients`. */
  readonly client: Uint32Array;
  /** Seconds; NaN where the format records none. */
  readonly duration: Float32Array;
  readonly clients: number;
}

/** What reading the logs found. */
export interface LogRead {
  readonly requests: RequestColumns;
  readonly format: string;
  readonly lines: number;
  readonly rejected: Record<string, number>;
  readonly ignored: Record<string, number>;
}

/** Options of {@link readLogs}. */
export interface ReadLogsOptions {
  readonly files: readonly string[];
  /** A format name; detected from each file's first line when absent. */
  readonly format?: string;
  readonly rules: LogRules;
  /** What identifies one applicant: the client address, or address + user agent (default). */
  readonly clientKey?: 'ip' | 'ip+ua';
  readonly signal?: AbortSignal;
}

class Columns {
  count = 0;
  timeMs = new Float64Array(1024);
  stage = new Uint8Array(1024);
  status = new Uint16Array(1024);
  client = new Uint32Array(1024);
  duration = new Float32Array(1024);

  push(timeMs: number, stage: number, status: number, client: number, duration: number): void {
    if (this.count === this.timeMs.length) this.grow();
    const i = this.count;
    this.timeMs[i] = timeMs;
    this.stage[i] = stage;
    this.status[i] = status;
    this.client[i] = client;
    this.duration[i] = duration;
    this.count += 1;
  }

  private grow(): void {
    const size = this.timeMs.length * 2;
    const grown = <T extends Float64Array | Uint8Array | Uint16Array | Uint32Array | Float32Array>(
      old: T,
      make: (n: number) => T,
    ): T => {
      const next = make(size);
      next.set(old);
      return next;
    };
    this.timeMs = grown(this.timeMs, (n) => new Float64Array(n));
    this.stage = grown(this.stage, (n) => new Uint8Array(n));
    this.status = grown(this.status, (n) => new Uint16Array(n));
    this.client = grown(this.client, (n) => new Uint32Array(n));
    this.duration = grown(this.duration, (n) => new Float32Array(n));
  }
}

/** Reads every file; throws FloodgateError only for a file that cannot be opened or a format that cannot be told. */
export async function readLogs(options: ReadLogsOptions): Promise<LogRead> {
  if (options.format !== undefined && !logFormat(options.format)) {
    throw new FloodgateError('USAGE', {
      detail: `unknown log format "${options.format}"; use one of ${LOG_FORMAT_NAMES.join(', ')}`,
    });
  }
  const columns = new Columns();
  const applicants = new ApplicantIds();
  const rejected: Record<string, number> = {};
  const ignored: Record<string, number> = {};
  const formats = new Set<string>();
  let lines = 0;
  const byIp = options.clientKey === 'ip';
  const classify = createClassifier(options.rules);
  // user agents are long and few: an applicant is its address and a short id of its agent;
  // consecutive lines mostly share their agent, so the last one is compared before the map is asked
  const agentIds = new Map<string, number>();
  let lastAgent = '';
  let lastAgentId = -1;
  const agentId = (agent: string): number => {
    if (agent === lastAgent && lastAgentId >= 0) return lastAgentId;
    let id = agentIds.get(agent);
    if (id === undefined) {
      id = agentIds.size;
      agentIds.set(agent, id);
    }
    lastAgent = agent;
    lastAgentId = id;
    return id;
  };
  for (const file of options.files) {
    let format = options.format === undefined ? undefined : logFormat(options.format);
    let parse = format?.createParser();
    const tooLong = (): void => {
      lines += 1;
      count(rejected, 'line_too_long');
    };
    await forEachLogLine(
      file,
      options.signal,
      (line) => {
        if (line === '') return;
        lines += 1;
        if (!format) {
          format = detectLogFormat(line);
          if (!format) {
            throw new FloodgateError('USAGE', {
              detail: `cannot tell the log format of ${file} from its first line; pass --format (${LOG_FORMAT_NAMES.join(', ')})`,
            });
          }
          parse = format.createParser();
        }
        const record = parse!(line);
        if (record === undefined) return; // a header
        if ('rejected' in record) {
          count(rejected, record.rejected satisfies LogRejectionReason);
          return;
        }
        const stage = classify(record);
        const stageNumber = STAGE_NUMBERS[stage];
        if (stageNumber === undefined) {
          count(ignored, stage satisfies FunnelStage | IgnoreReason);
          return;
        }
        const client = applicants.id(record.client, byIp ? 0 : agentId(record.userAgent));
        columns.push(record.timeMs, stageNumber, record.status, client, record.durationSeconds ?? Number.NaN);
      },
      tooLong,
    );
    if (format) formats.add(format.name);
  }
  return {
    requests: { ...columns, clients: applicants.size },
    format: [...formats].join('+') || (options.format ?? 'none'),
    lines,
    rejected,
    ignored,
  };
}

/** FUNNEL_STAGES index by name; absent for the ignore reasons. */
const STAGE_NUMBERS: Readonly<Record<string, number | undefined>> = Object.fromEntries(
  FUNNEL_STAGES.map((stage, index) => [stage, index]),
);

/**
 * Dense ids of applicants (address + agent id) without building a key string per line: an
 * address keeps the first agent it was seen with in typed arrays; another agent from the same
 * address (rarer: a shared NAT) goes to a map keyed by number.
 */
class ApplicantIds {
  size = 0;
  private readonly addresses = new Map<string, number>();
  private firstAgent = new Int32Array(1024);
  private firstId = new Int32Array(1024);
  private readonly others = new Map<number | string, number>();

  id(address: string, agent: number): number {
    const index = this.addresses.get(address);
    if (index === undefined) {
      const next = this.addresses.size;
      if (next === this.firstAgent.length) this.grow();
      this.addresses.set(address, next);
      this.firstAgent[next] = agent;
      this.firstId[next] = this.size;
      return this.size++;
    }
    if (this.firstAgent[index] === agent) return this.firstId[index]!;
    // exact below 2^53 for 2^29 addresses × 2^24 agents; beyond that many agents, a string key
    const key: number | string = agent < 0x1000000 ? index * 0x1000000 + agent : `${index} ${agent}`;
    let id = this.others.get(key);
    if (id === undefined) {
      id = this.size++;
      this.others.set(key, id);
    }
    return id;
  }

  private grow(): void {
    const agents = new Int32Array(this.firstAgent.length * 2);
    agents.set(this.firstAgent);
    this.firstAgent = agents;
    const ids = new Int32Array(this.firstId.length * 2);
    ids.set(this.firstId);
    this.firstId = ids;
  }
}

function count(counter: Record<string, number>, key: string): void {
  counter[key] = (counter[key] ?? 0) + 1;
}

/**
 * Calls `onLine` for each line of a file (the bare baseline of bench/logs.ts too), gunzipped when
 * it starts with gzip's magic bytes, split by the one line splitter of contracts/k6-json.ts (the
 * report's and the exporter's): LF or CRLF (the CR is dropped here), a line longer than
 * {@link MAX_LOG_LINE} bytes skipped to its newline and reported once to `onTooLong`.
 */
export async function forEachLogLine(
  file: string,
  signal: AbortSignal | undefined,
  onLine: (line: string) => void,
  onTooLong: () => void = () => {},
): Promise<void> {
  let gzip = false;
  try {
    const handle = await open(file, 'r');
    const head = Buffer.alloc(2);
    await handle.read(head, 0, 2, 0);
    await handle.close();
    gzip = isGzipMagic(head);
  } catch (error) {
    throw new FloodgateError(
      'USAGE',
      { detail: `cannot read log file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` },
      { cause: error },
    );
  }
  const raw = createReadStream(file, { highWaterMark: 256 * 1024, ...(signal ? { signal } : {}) });
  const stream = gzip ? raw.pipe(createGunzip()) : raw;
  raw.on('error', (error) => stream.destroy(error));
  const splitter = new K6LineSplitter(MAX_LOG_LINE);
  const sink = {
    line: (text: string): void => onLine(text.charCodeAt(text.length - 1) === 13 ? text.slice(0, -1) : text),
    tooLong: onTooLong,
  };
  for await (const chunk of stream as AsyncIterable<Buffer>) splitter.push(chunk, sink);
  splitter.end(sink);
}
