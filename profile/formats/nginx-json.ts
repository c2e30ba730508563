/**
 * nginx JSON access logs, one object a line, as `log_format ... escape=json` writes them. The
 * documented format floodgate reads (field names as nginx's variables):
 * `log_format floodgate escape=json '{"time_iso8601":"$time_iso8601","remote_addr":"$remote_addr",
 * "request":"$request","status":"$status","request_time":"$request_time",
 * "http_user_agent":"$http_user_agent"}';` — `time_local` instead of `time_iso8601`, and
 * `request_method` + `request_uri` instead of `request`, are read too; numbers may be unquoted.
 */

import { parseIsoTime, parseRequestLine, parseStatus, parseTimeLocal, type LogFormat } from '../record.ts';

export const nginxJsonFormat: LogFormat = {
  name: 'nginx-json',
  documented:
    '{"time_iso8601":"$time_iso8601","remote_addr":"$remote_addr","request":"$request","status":"$status","request_time":"$request_time","http_user_agent":"$http_user_agent"}',
  looksLike: (line) => line.trimStart().startsWith('{') && /"(time_iso8601|time_local)"/.test(line),
  createParser: () => (line) => {
    let object: unknown;
    try {
      object = JSON.parse(line);
    } catch {
      return { rejected: 'bad_json' };
    }
    if (typeof object !== 'object' || object === null || Array.isArray(object)) return { rejected: 'bad_json' };
    const field = (name: string): string | undefined => {
      const value = (object as Record<string, unknown>)[name];
      return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
    };
    const iso = field('time_iso8601');
    const local = field('time_local');
    const timeMs = iso !== undefined ? parseIsoTime(iso) : local !== undefined ? parseTimeLocal(local) : Number.NaN;
    if (!Number.isFinite(timeMs)) return { rejected: 'bad_time' };
    const requestLine = field('request');
    const method = field('request_method');
    const uri = field('request_uri') ?? field('uri');
    const request =
      requestLine !== undefined
        ? parseRequestLine(requestLine)
        : method && uri
          ? parseRequestLine(`${method} ${uri}`)
          : undefined;
    if (!request) return { rejected: 'bad_request' };
    const status = parseStatus(field('status') ?? '');
    if (status === undefined) return { rejected: 'bad_status' };
    const requestTime = Number(field('request_time'));
    return {
      timeMs,
      ...request,
      status,
      client: field('remote_addr') ?? '-',
      userAgent: field('http_user_agent') ?? '',
      ...(Number.isFinite(requestTime) && field('request_time') !== undefined ? { durationSeconds: requestTime } : {}),
    };
  },
};
