/**
 * nginx's (and Apache's) `combined` format, with or without a trailing `$request_time`:
 * `log_format combined '$remote_addr - $remote_user [$time_local] "$request" $status
 * $body_bytes_sent "$http_referer" "$http_user_agent"';` (nginx docs, ngx_http_log_module), and the
 * common variant that appends ` $request_time` (seconds with a millisecond part).
 *
 * Read by position (indexOf), not by one regex: a log of millions of lines pays this per line.
 */

import { parseRequestLine, parseStatus, parseTimeLocal, type LogFormat, type LogLineParser } from '../record.ts';

const SHAPE = /^\S+ \S+ \S+ \[[^\]]+\] "/;

/** The index of the quote closing a field that starts at `from`, skipping backslash escapes; -1 if none. */
function closingQuote(line: string, from: number): number {
  for (let i = from; i < line.length; i += 1) {
    const code = line.charCodeAt(i);
    if (code === 92) i += 1; // backslash: skip the escaped character
    else if (code === 34) return i;
  }
  return -1;
}

function createCombinedParser(): LogLineParser {
  // consecutive lines of a log mostly share their second: read each distinct time once
  let lastTime = '';
  let lastTimeMs = Number.NaN;
  return (line) => {
    const firstSpace = line.indexOf(' ');
    const open = line.indexOf(' [', firstSpace);
    const close = open < 0 ? -1 : line.indexOf('] "', open);
    if (firstSpace <= 0 || close < 0) return { rejected: 'unparsable_line' };
    const requestEnd = closingQuote(line, close + 3);
    if (requestEnd < 0 || line.charCodeAt(requestEnd + 1) !== 32) return { rejected: 'unparsable_line' };
    const statusEnd = line.indexOf(' ', requestEnd + 2);
    const bytesEnd = statusEnd < 0 ? -1 : line.indexOf(' ', statusEnd + 1);
    if (bytesEnd < 0 || line.charCodeAt(bytesEnd + 1) !== 34) return { rejected: 'unparsable_line' };
    const refererEnd = closingQuote(line, bytesEnd + 2);
    if (refererEnd < 0 || line.charCodeAt(refererEnd + 1) !== 32 || line.charCodeAt(refererEnd + 2) !== 34) return { rejected: 'unparsable_line' };
    const agentEnd = closingQuote(line, refererEnd + 3);
    if (agentEnd < 0) return { rejected: 'unparsable_line' };
    const rest = line.slice(agentEnd + 1).trim();
    if (rest !== '' && rest !== '-' && !/^\d+(\.\d+)?$/.test(rest)) return { rejected: 'unparsable_line' };

    const time = line.slice(open + 2, close);
    if (time !== lastTime) {
      lastTime = time;
      lastTimeMs = parseTimeLocal(time);
    }
    if (!Number.isFinite(lastTimeMs)) return { rejected: 'bad_time' };
    const request = parseRequestLine(line.slice(close + 3, requestEnd));
    if (!request) return { rejected: 'bad_request' };
    const status = parseStatus(line.slice(requestEnd + 2, statusEnd));
    if (status === undefined) return { rejected: 'bad_status' };
    return {
      timeMs: lastTimeMs,
      method: request.method,
      path: request.path,
      status,
      client: line.slice(0, firstSpace),
      userAgent: line.slice(refererEnd + 3, agentEnd),
      durationSeconds: rest === '' || rest === '-' ? undefined : Number(rest),
    };
  };
}

export const combinedFormat: LogFormat = {
  name: 'combined',
  documented: '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" [$request_time]',
  looksLike: (line) => SHAPE.test(line),
  createParser: createCombinedParser,
};
