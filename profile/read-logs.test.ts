import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, test } from 'vitest';
import { forEachLogLine, MAX_LOG_LINE, readLogs } from './read-logs.ts';
import { REFERENCE_TARGET_RULES } from './rules.ts';

const dir = mkdtempSync(join(tmpdir(), 'floodgate-read-logs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const line = (second: number, path: string): string =>
  `203.0.113.${second} - - [11/Apr/2020:10:00:${String(second).padStart(2, '0')} +0700] "GET ${path} HTTP/1.1" 200 512 "-" "Mozilla/5.0"`;

describe('the log reader splits lines with the shared splitter', () => {
  test('LF and CRLF lines, a last line without a newline, gzip told by its magic bytes', async () => {
    const text = `${line(1, '/')}\r\n${line(2, '/')}\n${line(3, '/')}`;
    for (const [name, bytes] of [
      ['plain.log', Buffer.from(text)],
      ['packed.log', gzipSync(text)],
    ] as const) {
      const file = join(dir, name);
      writeFileSync(file, bytes);
      const lines: string[] = [];
      await forEachLogLine(file, undefined, (read) => lines.push(read));
      expect(lines).toEqual([line(1, '/'), line(2, '/'), line(3, '/')]);
    }
  });

  test('a line longer than MAX_LOG_LINE bytes is counted line_too_long, and the lines around it are read', async () => {
    const file = join(dir, 'long.log');
    writeFileSync(file, `${line(1, '/')}\n${line(2, `/${'x'.repeat(MAX_LOG_LINE)}`)}\n${line(3, '/')}\n`);
    const read = await readLogs({ files: [file], rules: REFERENCE_TARGET_RULES });
    expect(read.lines).toBe(3);
    expect(read.rejected).toEqual({ line_too_long: 1 });
    expect(read.requests.count).toBe(2);
  });
});
