import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { combinedFields, readCombinedBytes, type CombinedFields } from './formats/combined-bytes.ts';
import { combinedFormat } from './formats/combined.ts';
import { ABSENT, ByteTable, hashBytes, NOT_ASCII } from './intern.ts';
import { readLogs, type LogRead } from './read-logs.ts';
import { parseRequestLine } from './record.ts';
import { REFERENCE_TARGET_RULES } from './rules.ts';
import { syntheticCombinedLog } from './synthetic.ts';

const dir = mkdtempSync(join(tmpdir(), 'floodgate-combined-bytes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fixture = (name: string): string[] =>
  readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => line !== '');
const at = (time: string, rest: string): string => `203.0.113.9 - - [${time}] ${rest}`;
const ok = (request: string, tail = ''): string =>
  at('11/Apr/2020:10:01:07 +0700', `"${request}" 200 12 "-" "Mozilla/5.0"${tail}`);

/** Lines at the edges of the byte path's shape: each must read as the text parser reads it. */
const EDGE_LINES = [
  ok('GET / HTTP/1.1', ' 0.004'),
  ok('GET / HTTP/1.1', ' 12'),
  ok('GET / HTTP/1.1', ' 007.50'),
  ok('GET / HTTP/1.1', '\t0.5\t '),
  ok('GET / HTTP/1.1', ' -'),
  ok('GET / HTTP/1.1', ' 1.2.3'),
  ok('GET / HTTP/1.1', ' .5'),
  ok('GET / HTTP/1.1', ' 5.'),
  ok('GET / HTTP/1.1', ' 0.1234567890123456789'),
  ok('GET / HTTP/1.1', ' 12345678901234567'),
  ok('GET / HTTP/1.1', ' x'),
  ok('POST http://registration.example.invalid:8080/api/register?x=1 HTTP/1.1'),
  ok('POST /api/batches/b-9/join HTTP/2.0'),
  ok('POST /api/verify-nik?retry=1 HTTP/1.1'),
  ok('GET /healthz HTTP/1.1'),
  ok('GET /app.css HTTP/1.1'),
  ok('GET /api/test/x HTTP/1.1'),
  ok('DELETE /api/register HTTP/1.1'),
  ok('get / HTTP/1.1'),
  ok('GET'),
  ok('-'),
  ok('GET /a b c HTTP/1.1'),
  ok('GET /\\"quoted\\" HTTP/1.1'),
  at('29/Feb/2020:10:00:00 +0700', '"GET / HTTP/1.1" 200 1 "-" "Mozilla/5.0"'),
  at('29/Feb/2021:10:00:00 +0700', '"GET / HTTP/1.1" 200 1 "-" "Mozilla/5.0"'),
  at('11/apr/2020:10:00:00 +0700', '"GET / HTTP/1.1" 200 1 "-" "Mozilla/5.0"'),
  at('11/Apr/2020:24:00:00 +0700', '"GET / HTTP/1.1" 200 1 "-" "Mozilla/5.0"'),
  at('11/Apr/2020:10:00:60 +0000', '"GET / HTTP/1.1" 200 1 "-" "Mozilla/5.0"'),
  at('11/Apr/2020:10:00:00 0700', '"GET / HTTP/1.1" 200 1 "-" "Mozilla/5.0"'),
  at('11/Apr/2020:10:00:00 +07:00', '"GET / HTTP/1.1" 200 1 "-" "Mozilla/5.0"'),
  at('11/Apr/2020:10é00:00 +0700', '"GET / HTTP/1.1" 200 1 "-" "Mozilla/5.0"'),
  at('11/Apr/2020:10:00:00 +0700', '"GET / HTTP/1.1" - 0 "-" "Mozilla/5.0"'),
  at('11/Apr/2020:10:00:00 +0700', '"GET / HTTP/1.1" 099 0 "-" "Mozilla/5.0"'),
  at('11/Apr/2020:10:00:00 +0700', '"GET / HTTP/1.1" 600 0 "-" "Mozilla/5.0"'),
  at('11/Apr/2020:10:00:00 +0700', '"GET / HTTP/1.1" 2x0 0 "-" "Mozilla/5.0"'),
  at('11/Apr/2020:10:00:00 +0700', '"GET / HTTP/1.1" 200  "-" "Mozilla/5.0"'),
  at('11/Apr/2020:10:00:00 +0700', '"GET / HTTP/1.1" 200 0 "-"'),
  at('11/Apr/2020:10:00:00 +0700', '"GET / HTTP/1.1" 200 0 "-" "Mozilla/5.0 \\"quoted\\" (X11)"'),
  at('11/Apr/2020:10:00:00 +0700', '"GET / HTTP/1.1" 200 0 "-" "Mozilla/5.0 (Ünïcödé)" 0.2'),
  at('11/Apr/2020:10:00:00 +0700', '"GET /ü HTTP/1.1" 200 0 "-" "Mozilla/5.0"'),
  at('11/Apr/2020:10:00:00 +0700', '"GET / HTTP/1.1" 200 0 "https://ref.example/ü" "Mozilla/5.0"'),
  at('11/Apr/2020:10:00:00 +0700', '"GET / HTTP/1.1" 200 0 "-" "Googlebot/2.1 (+http://www.google.com/bot.html)"'),
  at('11/Apr/2020:10:00:00 +0700', '"GET / HTTP/1.1" 200 0 "-" "Mozilla/5.0 (Android)"'),
  `\uFEFF${ok('GET / HTTP/1.1')}`,
  `2001:db8::ü - - [11/Apr/2020:10:00:00 +0700] "GET / HTTP/1.1" 200 0 "-" "Mozilla/5.0"`,
  ` 203.0.113.9 - - [11/Apr/2020:10:00:00 +0700] "GET / HTTP/1.1" 200 0 "-" "Mozilla/5.0"`,
  `203.0.113.9 - - [11/Apr/2020:10:00:00 +0700] "GET / HTTP/1.1\\" 200 0 "-" "Mozilla/5.0"`,
  `203.0.113.9 - - [11/Apr/2020:10:00:00 +0700] "GET / HTTP/1.1" 200`,
  `203.0.113.9\t- - [11/Apr/2020:10:00:00 +0700] "GET / HTTP/1.1" 200 0 "-" "Mozilla/5.0"`,
  `203.0.113.9 - - 11/Apr/2020:10:00:00 +0700] "GET / HTTP/1.1" 200 0 "-" "Mozilla/5.0"`,
  `203.0.113.9 - - [11/Apr/2020:10:00:00 +0700]"GET / HTTP/1.1" 200 0 "-" "Mozilla/5.0"`,
  '203.0.113.9',
  'x',
];

let synthetic: string[] | undefined;
/** A small synthetic opening: every stage, errors and retries, noise lines, four time zones. */
async function syntheticLines(): Promise<string[]> {
  synthetic ??= (
    await syntheticCombinedLog({
      model: 'opening-exp',
      amplitudePerMinute: 400,
      shapeMinutes: 5,
      minutes: 10,
      continuation: { register: 0.9, verify_email: 0.8, verify_nik: 0.7, upload_photo: 0.9, join_batch: 0.5 },
      thinkTime: { mu: Math.log(20), sigma: 0.6 },
      errors: { register: { behavioural: 0.1 }, verify_nik: { capacity: 0.1, throttled: 0.1 } },
      retry: {
        throttled: { share: 0.8, mu: Math.log(5), sigma: 0.5 },
        capacity: { share: 0.6, mu: Math.log(12), sigma: 0.7 },
        behavioural: { share: 0.3, mu: Math.log(40), sigma: 0.4 },
      },
      openingAtMs: Date.UTC(2020, 3, 11, 3, 0),
      seed: 7,
    })
  ).lines;
  return synthetic;
}

type ByteReader = (bytes: Uint8Array, start: number, end: number, out: CombinedFields) => boolean;

/**
 * Each line through the byte path and the text parser: where the byte path takes a line, every
 * field it read must be the text parser's. Returns the disagreements and how many lines the byte
 * path took.
 */
function compareLine(lines: readonly string[], readBytes: ByteReader = readCombinedBytes) {
  const parse = combinedFormat.createParser();
  const fields = combinedFields();
  const disagreements: string[] = [];
  let taken = 0;
  for (const line of lines) {
    const text = parse(line);
    // as the splitter hands it over: the line's UTF-8 bytes inside a larger chunk
    const chunk = Buffer.from(`junk\n${line}\njunk`);
    const start = 5;
    const end = start + Buffer.byteLength(line);
    if (!readBytes(chunk, start, end, fields)) continue;
    taken += 1;
    const slice = (from: number, to: number): string => chunk.toString('utf8', from, to);
    const request = parseRequestLine(slice(fields.requestStart, fields.requestEnd));
    // a request the text parser cannot read is the reader's to reject (bad_request), by its request table
    if (text !== undefined && 'rejected' in text && text.rejected === 'bad_request' && request === undefined) continue;
    if (text === undefined || 'rejected' in text) {
      disagreements.push(`${line}: the byte path read a line the text parser rejects (${JSON.stringify(text)})`);
      continue;
    }
    const byBytes = {
      timeMs: fields.timeMs,
      method: request?.method,
      path: request?.path,
      status: fields.status,
      client: slice(fields.clientStart, fields.clientEnd),
      userAgent: slice(fields.agentStart, fields.agentEnd),
      durationSeconds: Number.isNaN(fields.duration) ? undefined : fields.duration,
    };
    const hashes = [
      [fields.clientHash, hashBytes(chunk, fields.clientStart, fields.clientEnd)],
      [fields.requestHash, hashBytes(chunk, fields.requestStart, fields.requestEnd)],
      [fields.agentHash, hashBytes(chunk, fields.agentStart, fields.agentEnd)],
    ];
    if (JSON.stringify(byBytes) !== JSON.stringify(text) || hashes.some(([made, fresh]) => made !== fresh))
      disagreements.push(`${line}: bytes ${JSON.stringify(byBytes)} vs text ${JSON.stringify(text)}`);
  }
  return { disagreements, taken };
}

/** A LogRead with its typed arrays as plain arrays, for toEqual. */
const plain = (read: LogRead) => ({
  ...read,
  requests: {
    count: read.requests.count,
    clients: read.requests.clients,
    timeMs: Array.from(read.requests.timeMs.subarray(0, read.requests.count)),
    stage: Array.from(read.requests.stage.subarray(0, read.requests.count)),
    status: Array.from(read.requests.status.subarray(0, read.requests.count)),
    client: Array.from(read.requests.client.subarray(0, read.requests.count)),
    duration: Array.from(read.requests.duration.subarray(0, read.requests.count)),
  },
});

describe('the byte path of the combined format reads every line as the text parser does', () => {
  test('every fixture line and every edge line: the same fields, or left to the text parser', () => {
    const lines = [...fixture('combined.log'), ...fixture('combined-request-time.log'), ...EDGE_LINES];
    const { disagreements, taken } = compareLine(lines);
    expect(disagreements).toEqual([]);
    // the plain lines are the byte path's: most of the fixtures, and the well-formed edge lines
    expect(taken).toBeGreaterThanOrEqual(30);
  });

  test('a synthetic opening: every line agrees, and the byte path takes all but the malformed ones', async () => {
    const lines = await syntheticLines();
    const { disagreements, taken } = compareLine(lines);
    expect(disagreements).toEqual([]);
    const malformed = lines.filter((line) => line === 'this line is not an access log line').length;
    expect(taken).toBe(lines.length - malformed);
  });

  test('the comparison catches a byte path broken on purpose', () => {
    const lines = [...fixture('combined.log'), ...EDGE_LINES];
    const broken = (change: (fields: CombinedFields) => void): ByteReader => {
      return (bytes, start, end, out) => {
        if (!readCombinedBytes(bytes, start, end, out)) return false;
        change(out);
        return true;
      };
    };
    const sabotage: Array<[string, ByteReader]> = [
      ['time off by a second', broken((out) => (out.timeMs += 1000))],
      ['status off by one', broken((out) => (out.status += 1))],
      ['agent one byte short', broken((out) => (out.agentEnd -= 1))],
      ['request hash stale', broken((out) => (out.requestHash ^= 1))],
      ['duration lost', broken((out) => (out.duration = Number.NaN))],
      ['takes a line it cannot read', (bytes, start, end, out) => readCombinedBytes(bytes, start, end, out) || true],
    ];
    for (const [name, reader] of sabotage)
      expect(compareLine(lines, reader).disagreements.length, name).toBeGreaterThan(0);
  });

  test('readLogs gives the same columns and counts with the byte path on and off, CRLF and both client keys', async () => {
    const lines = [
      ...fixture('combined.log'),
      ...fixture('combined-request-time.log'),
      ...EDGE_LINES,
      // one address behind a NAT with two agents, and the same applicant by text and by bytes
      at('11/Apr/2020:10:02:00 +0700', '"GET / HTTP/1.1" 200 1 "-" "Mozilla/5.0 (Ünï)"'),
      at('11/Apr/2020:10:02:01 +0700', '"POST /api/register HTTP/1.1" 200 1 "-" "Mozilla/5.0 (Ünï)"'),
      ...(await syntheticLines()),
    ];
    const file = join(dir, 'mixed.log');
    writeFileSync(file, lines.map((line, index) => (index % 3 === 0 ? `${line}\r` : line)).join('\n'));
    for (const clientKey of ['ip', 'ip+ua'] as const) {
      const options = { files: [file], format: 'combined', rules: REFERENCE_TARGET_RULES, clientKey };
      const bytes = await readLogs(options);
      const text = await readLogs({ ...options, bytePath: false });
      expect(plain(bytes)).toEqual(plain(text));
      expect(bytes.requests.count).toBeGreaterThan(5000);
    }
  });
});

describe('the byte-keyed table', () => {
  test('keeps a value per key over many keys, refuses non-ASCII keys, and forgets on clear', () => {
    const table = new ByteTable(16);
    const key = (n: number): Buffer => Buffer.from(`2001:db8::${n.toString(16)}`);
    const wrong: number[] = [];
    for (let n = 0; n < 20_000; n += 1) {
      const bytes = key(n);
      if (table.get(bytes, 0, bytes.length) !== ABSENT) wrong.push(n);
      table.set(bytes, 0, bytes.length, n);
    }
    for (let n = 0; n < 20_000; n += 1) {
      const bytes = key(n);
      if (table.get(bytes, 0, bytes.length) !== n) wrong.push(n);
    }
    expect(wrong).toEqual([]);
    expect(table.size).toBe(20_000);
    const wide = Buffer.from('Mozilla (Ünï)');
    expect(table.get(wide, 0, wide.length)).toBe(NOT_ASCII);
    table.clear();
    expect(table.get(key(5), 0, key(5).length)).toBe(ABSENT);
  });
});
