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
import { isGzipMagic, K6LineSplitter, type K6LineSink } from '../contracts/k6-json.ts';
import { combinedFields, readCombinedBytes } from './formats/combined-bytes.ts';
import { combinedFormat } from './formats/combined.ts';
import { detectLogFormat, logFormat, LOG_FORMAT_NAMES } from './formats/index.ts';
import { AddressIndexes, ApplicantIds } from './applicants.ts';
import { ABSENT, asciiText, ByteTable } from './intern.ts';
import { parseRequestLine, type LogFormat, type LogRecord, type LogRejectionReason } from './record.ts';
import { classifyRequest, createClassifier, IGNORE_REASONS, type IgnoreReason, type LogRules } from './rules.ts';

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
  /**
   * False reads `combined` lines as text only (the byte path off): for the test that holds both
   * paths to the same answers, and for bench/logs.ts. Default true.
   */
  readonly bytePath?: boolean;
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
  const reader = new LogReader(options);
  const formats = new Set<string>();
  for (const file of options.files) {
    const format = await reader.readFile(file, options.format === undefined ? undefined : logFormat(options.format));
    if (format) formats.add(format.name);
  }
  return {
    requests: { ...reader.columns, clients: reader.applicants.size },
    format: [...formats].join('+') || (options.format ?? 'none'),
    lines: reader.lines,
    rejected: reader.rejected,
    ignored: reader.ignored,
  };
}

/** FUNNEL_STAGES index by name; absent for the ignore reasons. */
const STAGE_NUMBERS: Readonly<Record<string, number | undefined>> = Object.fromEntries(
  FUNNEL_STAGES.map((stage, index) => [stage, index]),
);

/** The byte path's code of a request: a FUNNEL_STAGES index, IGNORED + an IGNORE_REASONS index, or BAD_REQUEST. */
const IGNORED = 100;
const BAD_REQUEST = 200;
const HEALTH = IGNORED + IGNORE_REASONS.indexOf('health');
const STATIC = IGNORED + IGNORE_REASONS.indexOf('static');
/** Distinct requests the byte path remembers before it starts afresh (as the classifier does). */
const REQUEST_MEMORY = 50_000;

const utf8 = new TextDecoder('utf-8');

/**
 * The state of one read over several files. A line comes as text (every format: parse, classify,
 * count) or, from the `combined` format, as bytes: read in place by formats/combined-bytes.ts,
 * its client, request and agent looked up in byte-keyed tables (intern.ts) that hold the same ids
 * and answers the text path gives — a request's stage, an agent's id and whether it is a bot, an
 * address's index. A line the byte path does not take is decoded and read as text.
 */
class LogReader {
  readonly columns = new Columns();
  readonly applicants = new ApplicantIds();
  readonly rejected: Record<string, number> = {};
  readonly ignored: Record<string, number> = {};
  lines = 0;
  private readonly options: ReadLogsOptions;
  private readonly byIp: boolean;
  private readonly classify: (record: LogRecord) => FunnelStage | IgnoreReason;
  // user agents are long and few: an applicant is its address and a short id of its agent
  private readonly agentIds = new Map<string, number>();
  private readonly agentIsBot: boolean[] = [];
  private lastAgent = '';
  private lastAgentId = -1;
  // the byte path's tables
  private readonly requestCodes = new ByteTable();
  private readonly agentTable = new ByteTable();
  private readonly addresses = new AddressIndexes();
  private readonly fields = combinedFields();

  constructor(options: ReadLogsOptions) {
    this.options = options;
    this.byIp = options.clientKey === 'ip';
    this.classify = createClassifier(options.rules);
  }

  /** Reads one file; returns its format (undefined for a file without a line). */
  async readFile(file: string, named: LogFormat | undefined): Promise<LogFormat | undefined> {
    let format = named;
    let parse = format?.createParser();
    let bytePath = format === combinedFormat && this.options.bytePath !== false;
    const text = (line: string): void => {
      if (line === '') return;
      this.lines += 1;
      if (!format) {
        format = detectLogFormat(line);
        if (!format) {
          throw new FloodgateError('USAGE', {
            detail: `cannot tell the log format of ${file} from its first line; pass --format (${LOG_FORMAT_NAMES.join(', ')})`,
          });
        }
        parse = format.createParser();
        bytePath = format === combinedFormat && this.options.bytePath !== false;
      }
      const record = parse!(line);
      if (record === undefined) return; // a header
      if ('rejected' in record) {
        count(this.rejected, record.rejected satisfies LogRejectionReason);
        return;
      }
      this.keep(record);
    };
    const sink = {
      line: (line: string): void => text(line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line),
      tooLong: (): void => {
        this.lines += 1;
        count(this.rejected, 'line_too_long');
      },
      bytes: (chunk: Uint8Array, start: number, end: number): void => {
        const last = end > start && chunk[end - 1] === 13 ? end - 1 : end;
        if (!(bytePath && this.combinedBytes(chunk, start, last))) text(utf8.decode(chunk.subarray(start, last)));
      },
    };
    await forEachLogLine(file, this.options.signal, sink);
    return format;
  }

  /** A record the text path read: its stage, or why it is left out; a funnel request goes to the columns. */
  private keep(record: LogRecord): void {
    const stage = this.classify(record);
    const stageNumber = STAGE_NUMBERS[stage];
    if (stageNumber === undefined) {
      count(this.ignored, stage satisfies FunnelStage | IgnoreReason);
      return;
    }
    const address = this.addresses.ofText(record.client);
    const client = this.applicants.id(address, this.byIp ? 0 : this.agentId(record.userAgent));
    this.columns.push(record.timeMs, stageNumber, record.status, client, record.durationSeconds ?? Number.NaN);
  }

  /** One `combined` line by the byte path; false (nothing counted) when the text path must read it. */
  private combinedBytes(chunk: Uint8Array, start: number, end: number): boolean {
    const fields = this.fields;
    if (!readCombinedBytes(chunk, start, end, fields)) return false;
    // client, request and agent are ASCII here, their hashes made while they were scanned
    let request = this.requestCodes.getHashed(chunk, fields.requestStart, fields.requestEnd, fields.requestHash);
    if (request === ABSENT) {
      request = this.requestCode(asciiText(chunk, fields.requestStart, fields.requestEnd));
      if (this.requestCodes.size >= REQUEST_MEMORY) {
        this.requestCodes.clear();
        this.requestCodes.getHashed(chunk, fields.requestStart, fields.requestEnd, fields.requestHash);
      }
      this.requestCodes.set(chunk, fields.requestStart, fields.requestEnd, request);
    }
    let agent = this.agentTable.getHashed(chunk, fields.agentStart, fields.agentEnd, fields.agentHash);
    if (agent === ABSENT) {
      agent = this.agentId(asciiText(chunk, fields.agentStart, fields.agentEnd));
      this.agentTable.set(chunk, fields.agentStart, fields.agentEnd, agent);
    }
    const address = this.addresses.ofBytes(chunk, fields.clientStart, fields.clientEnd, fields.clientHash);
    this.lines += 1;
    if (request === BAD_REQUEST) {
      count(this.rejected, 'bad_request');
      return true;
    }
    // as the classifier: health and static whoever asks, then bots, then the stage table
    if (request !== HEALTH && request !== STATIC && this.agentIsBot[agent]) {
      count(this.ignored, 'bot');
      return true;
    }
    if (request >= IGNORED) {
      count(this.ignored, IGNORE_REASONS[request - IGNORED]!);
      return true;
    }
    const client = this.applicants.id(address, this.byIp ? 0 : agent);
    this.columns.push(fields.timeMs, request, fields.status, client, fields.duration);
    return true;
  }

  /** The byte path's code of a request's text. */
  private requestCode(text: string): number {
    const request = parseRequestLine(text);
    if (!request) return BAD_REQUEST;
    const stage = classifyRequest(request.method, request.path, this.options.rules);
    return STAGE_NUMBERS[stage] ?? IGNORED + IGNORE_REASONS.indexOf(stage as IgnoreReason);
  }

  /** The id of a user agent; consecutive text lines mostly share it, so the last one is compared first. */
  private agentId(agent: string): number {
    if (agent === this.lastAgent && this.lastAgentId >= 0) return this.lastAgentId;
    let id = this.agentIds.get(agent);
    if (id === undefined) {
      id = this.agentIds.size;
      this.agentIds.set(agent, id);
      this.agentIsBot.push(this.options.rules.bots.test(agent));
    }
    this.lastAgent = agent;
    this.lastAgentId = id;
    return id;
  }
}

function count(counter: Record<string, number>, key: string): void {
  counter[key] = (counter[key] ?? 0) + 1;
}

/** What {@link forEachLogLine} calls per line: `bytes` (when given) instead of `line`. */
export interface LogLineSink {
  line(text: string): void;
  tooLong?(): void;
  /** The line's bytes, `chunk[start, end)` with its CR (of CRLF) still there, valid only during the call. */
  bytes?(chunk: Uint8Array, start: number, end: number): void;
}

/**
 * Calls `onLine` for each line of a file (the bare baseline of bench/logs.ts too), gunzipped when
 * it starts with gzip's magic bytes, split by the one line splitter of contracts/k6-json.ts (the
 * report's and the exporter's): LF or CRLF (the CR is dropped from a text line here), a line
 * longer than {@link MAX_LOG_LINE} bytes skipped to its newline and reported once to `tooLong`. A
 * sink with `bytes` gets each line's bytes instead of its text.
 */
export async function forEachLogLine(
  file: string,
  signal: AbortSignal | undefined,
  onLine: ((line: string) => void) | LogLineSink,
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
  const sink: K6LineSink =
    typeof onLine === 'function'
      ? {
          line: (text) => onLine(text.charCodeAt(text.length - 1) === 13 ? text.slice(0, -1) : text),
          tooLong: onTooLong,
        }
      : {
          line: (text) => onLine.line(text),
          tooLong: onLine.tooLong ?? onTooLong,
          ...(onLine.bytes ? { bytes: onLine.bytes } : {}),
        };
  for await (const chunk of stream as AsyncIterable<Buffer>) splitter.push(chunk, sink);
  splitter.end(sink);
}
