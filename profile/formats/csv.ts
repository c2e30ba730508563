/**
 * A plain CSV export of requests, with a header naming the columns (any order):
 * `time,method,path,status,client[,user_agent][,duration_seconds]`. `time` is ISO 8601 with a
 * zone, or seconds since the epoch. For logs from systems with no access-log format of their own.
 */

import { parseIsoTime, parseStatus, type LogFormat, type LogLineParser } from '../record.ts';

const REQUIRED = ['time', 'method', 'path', 'status', 'client'] as const;

export const csvFormat: LogFormat = {
  name: 'csv',
  documented: 'time,method,path,status,client[,user_agent][,duration_seconds] (header row first)',
  looksLike: (line) =>
    REQUIRED.every((column) =>
      line
        .split(',')
        .map((cell) => cell.trim())
        .includes(column),
    ),
  createParser: (): LogLineParser => {
    let columns: Map<string, number> | undefined;
    return (line) => {
      const cells = line.split(',').map((cell) => cell.trim());
      if (!columns) {
        const named = new Map(cells.map((name, index) => [name, index]));
        if (!REQUIRED.every((column) => named.has(column))) return { rejected: 'unparsable_line' };
        columns = named;
        return undefined;
      }
      const cell = (name: string): string | undefined => {
        const index = columns!.get(name);
        return index === undefined ? undefined : cells[index];
      };
      if (cells.length < columns.size) return { rejected: 'unparsable_line' };
      const timeText = cell('time')!;
      const timeMs = /^\d+(\.\d+)?$/.test(timeText) ? Number(timeText) * 1000 : parseIsoTime(timeText);
      if (!Number.isFinite(timeMs)) return { rejected: 'bad_time' };
      const method = cell('method')!;
      const path = cell('path')!;
      if (!/^[A-Z]{3,10}$/.test(method) || !path.startsWith('/')) return { rejected: 'bad_request' };
      const status = parseStatus(cell('status')!);
      if (status === undefined) return { rejected: 'bad_status' };
      const duration = Number(cell('duration_seconds'));
      return {
        timeMs,
        method,
        path,
        status,
        client: cell('client')!,
        userAgent: cell('user_agent') ?? '',
        ...(cell('duration_seconds') !== undefined && Number.isFinite(duration) ? { durationSeconds: duration } : {}),
      };
    };
  },
};
