/**
 * nginx's (and Apache's) `combined` format, with or without a trailing `$request_time`:
 * `log_format combined '$remote_addr - $remote_user [$time_local] "$request" $status
 * $body_bytes_sent "$http_referer" "$http_user_agent"';` (nginx docs, ngx_http_log_module), and the
 * common variant that appends ` $request_time` (seconds with a millisecond part).
 */

import { parseRequestLine, parseStatus, parseTimeLocal, type LogFormat } from '../record.ts';

const QUOTED = '"((?:[^"\\\\]|\\\\.)*)"';
const LINE = new RegExp(`^(\\S+) \\S+ \\S+ \\[([^\\]]+)\\] ${QUOTED} (\\S+) (\\S+) ${QUOTED} ${QUOTED}(?: (\\d+(?:\\.\\d+)?|-))?\\s*$`);

export const combinedFormat: LogFormat = {
  name: 'combined',
  documented: '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" [$request_time]',
  looksLike: (line) => LINE.test(line),
  createParser: () => {
    // consecutive lines of a log mostly share their second: read each distinct time once
    let lastTime = '';
    let lastTimeMs = Number.NaN;
    return (line) => {
      const match = LINE.exec(line);
      if (!match) return { rejected: 'unparsable_line' };
      if (match[2] !== lastTime) {
        lastTime = match[2]!;
        lastTimeMs = parseTimeLocal(lastTime);
      }
      const timeMs = lastTimeMs;
      if (!Number.isFinite(timeMs)) return { rejected: 'bad_time' };
      const request = parseRequestLine(match[3]!);
      if (!request) return { rejected: 'bad_request' };
      const status = parseStatus(match[4]!);
      if (status === undefined) return { rejected: 'bad_status' };
      const requestTime = match[8];
      return {
        timeMs,
        ...request,
        status,
        client: match[1]!,
        userAgent: match[7]!,
        ...(requestTime === undefined || requestTime === '-' ? {} : { durationSeconds: Number(requestTime) }),
      };
    };
  },
};
