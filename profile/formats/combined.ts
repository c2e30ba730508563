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
    if (code === 92)
      i += 1; // backslash: skip the escaped character
    else if (code === 34) return i;
  }
  return -1;
}

/**
 * The optional ` $request_time` after the user agent, read in place: undefined when absent or
 * `-`, null when the rest of the line is anything but blanks around `digits[.digits]`.
 */
function trailingDuration(line: string, from: number): number | undefined | null {
  let start = from;
  let end = line.length;
  while (start < end && isBlank(line.charCodeAt(start))) start += 1;
  while (end > start && isBlank(line.charCodeAt(end - 1))) end -= 1;
  if (start === end) return undefined;
  if (end === start + 1 && line.charCodeAt(start) === 45) return undefined; // "-"
  let dot = -1;
  for (let i = start; i < end; i += 1) {
    const code = line.charCodeAt(i);
    if (code === 46 && dot < 0 && i > start && i < end - 1) dot = i;
    else if (code < 48 || code > 57) return null;
  }
  return Number(line.slice(start, end));
}

function isBlank(code: number): boolean {
  return code === 32 || code === 9;
}

/** A status of exactly three digits at `at`, as parseStatus reads it (100–599), without slicing. */
function threeDigitStatus(line: string, at: number): number | undefined {
  const a = line.charCodeAt(at) - 48;
  const b = line.charCodeAt(at + 1) - 48;
  const c = line.charCodeAt(at + 2) - 48;
  if (a < 0 || a > 9 || b < 0 || b > 9 || c < 0 || c > 9) return undefined;
  const status = a * 100 + b * 10 + c;
  return status >= 100 && status <= 599 ? status : undefined;
}

function createCombinedParser(): LogLineParser {
  // consecutive lines of a log mostly share their second: read each distinct time once
  let lastTime = '';
  let lastTimeMs = Number.NaN;
  let lastAgent = '';
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
    if (refererEnd < 0 || line.charCodeAt(refererEnd + 1) !== 32 || line.charCodeAt(refererEnd + 2) !== 34)
      return { rejected: 'unparsable_line' };
    const agentEnd = closingQuote(line, refererEnd + 3);
    if (agentEnd < 0) return { rejected: 'unparsable_line' };
    const duration = trailingDuration(line, agentEnd + 1);
    if (duration === null) return { rejected: 'unparsable_line' };

    // compared in place, so a line that repeats the last time or agent slices neither
    if (!(close - open - 2 === lastTime.length && line.startsWith(lastTime, open + 2))) {
      lastTime = line.slice(open + 2, close);
      lastTimeMs = parseTimeLocal(lastTime);
    }
    if (!(agentEnd - refererEnd - 3 === lastAgent.length && line.startsWith(lastAgent, refererEnd + 3)))
      lastAgent = line.slice(refererEnd + 3, agentEnd);
    if (!Number.isFinite(lastTimeMs)) return { rejected: 'bad_time' };
    const request = parseRequestLine(line.slice(close + 3, requestEnd));
    if (!request) return { rejected: 'bad_request' };
    const status =
      statusEnd === requestEnd + 5
        ? threeDigitStatus(line, requestEnd + 2)
        : parseStatus(line.slice(requestEnd + 2, statusEnd));
    if (status === undefined) return { rejected: 'bad_status' };
    return {
      timeMs: lastTimeMs,
      method: request.method,
      path: request.path,
      status,
      client: line.slice(0, firstSpace),
      userAgent: lastAgent,
      durationSeconds: duration,
    };
  };
}

export const combinedFormat: LogFormat = {
  name: 'combined',
  documented:
    '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" [$request_time]',
  looksLike: (line) => SHAPE.test(line),
  createParser: createCombinedParser,
};
