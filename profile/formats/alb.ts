/**
 * AWS Application Load Balancer access logs, as AWS documents the entry format ("Access log
 * entries", Elastic Load Balancing user guide): space-separated fields, some quoted —
 * `type time elb client:port target:port request_processing_time target_processing_time
 * response_processing_time elb_status_code target_status_code received_bytes sent_bytes "request"
 * "user_agent" ssl_cipher ssl_protocol target_group_arn "trace_id" "domain_name" "chosen_cert_arn"
 * matched_rule_priority request_creation_time "actions_executed" "redirect_url" "error_reason"
 * "target:port_list" "target_status_code_list" "classification" "classification_reason"
 * [conn_trace_id]`. A processing time of -1 means the load balancer got no answer in time; the
 * status is the load balancer's (`elb_status_code`), which is what the applicant saw.
 */

import { parseIsoTime, parseRequestLine, parseStatus, type LogFormat } from '../record.ts';

const FIELD = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
const MIN_FIELDS = 14;

function fields(line: string): string[] {
  const out: string[] = [];
  FIELD.lastIndex = 0;
  for (let match = FIELD.exec(line); match; match = FIELD.exec(line)) out.push(match[1] ?? match[2]!);
  return out;
}

export const albFormat: LogFormat = {
  name: 'alb',
  documented:
    'type time elb client:port target:port request_processing_time target_processing_time response_processing_time elb_status_code target_status_code received_bytes sent_bytes "request" "user_agent" ...',
  looksLike: (line) => /^(http|https|h2|grpcs|ws|wss) \d{4}-\d{2}-\d{2}T/.test(line),
  createParser: () => (line) => {
    const parts = fields(line);
    if (parts.length < MIN_FIELDS || !/^(http|https|h2|grpcs|ws|wss)$/.test(parts[0]!))
      return { rejected: 'unparsable_line' };
    const timeMs = parseIsoTime(parts[1]!);
    if (!Number.isFinite(timeMs)) return { rejected: 'bad_time' };
    const request = parseRequestLine(parts[12]!);
    if (!request) return { rejected: 'bad_request' };
    const status = parseStatus(parts[8]!);
    if (status === undefined) return { rejected: 'bad_status' };
    const times = [parts[5], parts[6], parts[7]].map(Number);
    const answered = times.every((time) => Number.isFinite(time) && time >= 0);
    return {
      timeMs,
      ...request,
      status,
      client: parts[3]!.replace(/:\d+$/, ''),
      userAgent: parts[13]!,
      ...(answered ? { durationSeconds: times.reduce((sum, time) => sum + time, 0) } : {}),
    };
  },
};
