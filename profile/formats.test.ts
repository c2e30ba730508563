import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { albFormat } from './formats/alb.ts';
import { combinedFormat } from './formats/combined.ts';
import { csvFormat } from './formats/csv.ts';
import { detectLogFormat } from './formats/index.ts';
import { nginxJsonFormat } from './formats/nginx-json.ts';
import type { LogFormat } from './record.ts';
import { parseRequestLine, parseTimeLocal } from './record.ts';

const fixture = (name: string): string[] =>
  readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => line !== '');
const parseAll = (format: LogFormat, name: string): unknown[] => {
  const parse = format.createParser();
  return fixture(name).map((line) => parse(line));
};
const at = (iso: string): number => Date.parse(iso);

describe('each documented log format is read field by field', () => {
  test('nginx combined: times in any zone land on the same instant; bad lines are rejected by reason', () => {
    const records = parseAll(combinedFormat, 'combined.log');
    expect(records[0]).toEqual({
      timeMs: at('2020-04-11T03:00:01Z'),
      method: 'GET',
      path: '/',
      status: 200,
      client: '203.0.113.7',
      userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)',
      durationSeconds: undefined,
    });
    // +0000 and -0500 on the previous evening are the same minute as 10:00 +0700
    expect(records[2]).toMatchObject({ timeMs: at('2020-04-11T03:00:30Z'), status: 503 });
    expect(records[3]).toMatchObject({ timeMs: at('2020-04-11T03:00:42Z'), status: 429 });
    expect(records.slice(7)).toEqual([
      { rejected: 'bad_time' }, // 31 April
      { rejected: 'bad_request' }, // nginx logs "-" for a request it could not parse
      { rejected: 'bad_status' },
      { rejected: 'unparsable_line' },
      expect.objectContaining({ path: '/admin', status: 404 }),
    ]);
  });

  test('nginx combined with $request_time: the duration is read, "-" means none', () => {
    const records = parseAll(combinedFormat, 'combined-request-time.log');
    expect(records[1]).toMatchObject({ path: '/api/register', durationSeconds: 1.25 });
    expect(records[2]).toMatchObject({ path: '/api/verify-email?token=abc' });
    expect((records[2] as { durationSeconds?: number }).durationSeconds).toBeUndefined();
  });

  test('nginx JSON: time_iso8601 or time_local, request or method + uri, quoted or bare numbers', () => {
    const records = parseAll(nginxJsonFormat, 'nginx.jsonl');
    expect(records[0]).toMatchObject({
      timeMs: at('2020-04-11T03:00:01Z'),
      method: 'GET',
      path: '/',
      status: 200,
      durationSeconds: 0.004,
    });
    expect(records[1]).toMatchObject({ timeMs: at('2020-04-11T03:00:09Z'), status: 201, durationSeconds: 1.25 });
    expect(records[2]).toMatchObject({
      timeMs: at('2020-04-11T03:00:20Z'),
      method: 'POST',
      path: '/api/verify-nik',
      status: 504,
    });
    expect(records[3]).toEqual({ rejected: 'bad_time' }); // no zone: refused rather than guessed
    expect(records[4]).toEqual({ rejected: 'bad_json' });
  });

  test('AWS ALB: microsecond times, the full URL cut to its path, -1 processing times mean no answer', () => {
    const records = parseAll(albFormat, 'alb.log');
    expect(records[0]).toMatchObject({
      timeMs: at('2020-04-11T03:00:01.186Z'),
      method: 'GET',
      path: '/',
      status: 200,
      client: '203.0.113.7',
    });
    expect((records[0] as { durationSeconds: number }).durationSeconds).toBeCloseTo(0.001191, 6);
    expect(records[1]).toMatchObject({ path: '/api/register', status: 504 });
    expect((records[1] as { durationSeconds?: number }).durationSeconds).toBeUndefined();
    expect(records[2]).toMatchObject({ status: 201, durationSeconds: expect.closeTo(0.2002, 6) });
    expect(records[3]).toEqual({ rejected: 'bad_time' });
  });

  test('CSV with a header: ISO or epoch-second times; a zone-less time and a bad method are rejected', () => {
    const records = parseAll(csvFormat, 'requests.csv');
    expect(records[0]).toBeUndefined(); // the header
    expect(records[1]).toMatchObject({
      timeMs: at('2020-04-11T03:00:01Z'),
      path: '/',
      status: 200,
      durationSeconds: 0.004,
    });
    expect(records[2]).toMatchObject({ timeMs: 1586574009500, method: 'POST' });
    expect(records[3]).toEqual({ rejected: 'bad_time' });
    expect(records[4]).toEqual({ rejected: 'bad_request' });
  });

  test.each([
    ['combined.log', 'combined'],
    ['combined-request-time.log', 'combined'],
    ['nginx.jsonl', 'nginx-json'],
    ['alb.log', 'alb'],
    ['requests.csv', 'csv'],
  ])('%s is detected as %s from its first line', (name, format) => {
    expect(detectLogFormat(fixture(name)[0]!)?.name).toBe(format);
  });

  test('year 0050 is year 50, not 1950', () => {
    expect(new Date(parseTimeLocal('01/Jan/0050:00:00:00 +0000')).getUTCFullYear()).toBe(50);
  });

  test.each([
    ['GET / HTTP/1.1', { method: 'GET', path: '/' }],
    ['POST /api/register?x=1 HTTP/2.0', { method: 'POST', path: '/api/register?x=1' }],
    ['GET https://a.example:443/x?y HTTP/1.1', { method: 'GET', path: '/x?y' }],
    ['GET https://a.example:443 HTTP/1.1', { method: 'GET', path: '/' }],
    ['-', undefined],
    ['get / HTTP/1.1', undefined],
    ['GET  HTTP/1.1', undefined],
    ['GET x HTTP/1.1', undefined],
  ])('the request line %j is %j', (text, expected) => {
    expect(parseRequestLine(text)).toEqual(expected);
  });

  test.each([
    ['29/Feb/2020:23:59:59 -0530', '2020-03-01T05:29:59.000Z'],
    ['31/Dec/1969:23:59:59 +0000', '1969-12-31T23:59:59.000Z'],
    ['29/Feb/2019:00:00:00 +0000', 'invalid'],
    ['11/Apr/2020:24:00:00 +0700', 'invalid'],
    ['11/Apr/2020:10:00:00 0700', 'invalid'],
  ])('the local time %s is %s', (text, iso) => {
    const ms = parseTimeLocal(text);
    expect(Number.isNaN(ms) ? 'invalid' : new Date(ms).toISOString()).toBe(iso);
  });
});
