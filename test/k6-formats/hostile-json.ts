/**
 * A hostile JSON-output file: a real kit run's lines with bad lines mixed in, as a user can hand
 * floodgate (a file hand-edited, concatenated from another tool, cut off when k6 was killed
 * mid-write: `internal/output/json/json.go` writes through a bufio writer, so a kill can leave a
 * partial last line). k6 itself never writes these; a reader must reject each one, count it by
 * reason, and keep every good line: the totals stay exactly `run.expected`.
 *
 * The reasons are the kit's own words; a test maps them to floodgate's rejection reasons.
 */
import { jsonLines } from './json-output.ts';
import type { K6Run } from './model.ts';

/** Why a line must be rejected (kit vocabulary). */
export type HostileReason = 'not_json' | 'not_an_envelope' | 'bad_time' | 'bad_value' | 'truncated';

/** The hostile file and what a reader must conclude. */
export interface HostileJsonFile {
  /** The file text (every line ends with `\n` except the truncated last one). */
  readonly text: string;
  /** Good lines (all of the run's). */
  readonly goodLines: number;
  /** Good Point lines among them. */
  readonly goodPoints: number;
  /** The bad lines by reason, with their 1-based line numbers. */
  readonly rejected: readonly { readonly line: number; readonly reason: HostileReason }[];
}

const BAD: readonly { readonly text: string; readonly reason: Exclude<HostileReason, 'truncated'> }[] = [
  { text: 'this is not json', reason: 'not_json' },
  {
    text: '{"metric":"http_reqs","type":"Point","data":{"time":"2026-08-21T09:00:01Z","value":1,"tags":{}',
    reason: 'not_json',
  },
  { text: '[1,2,3]', reason: 'not_an_envelope' },
  { text: '{"type":"Point","metric":"http_reqs"}', reason: 'not_an_envelope' },
  {
    text: '{"metric":"http_reqs","type":"Sample","data":{"time":"2026-08-21T09:00:01Z","value":1,"tags":{}}}',
    reason: 'not_an_envelope',
  },
  { text: '{"metric":"http_reqs","type":"Point","data":{"time":"yesterday","value":1,"tags":{}}}', reason: 'bad_time' },
  {
    text: '{"metric":"http_reqs","type":"Point","data":{"time":"2026-08-21T09:00:01Z","value":"1","tags":{}}}',
    reason: 'bad_value',
  },
  {
    text: '{"metric":"http_reqs","type":"Point","data":{"time":"2026-08-21T09:00:01Z","value":null,"tags":{}}}',
    reason: 'bad_value',
  },
];

/**
 * The run's JSON lines (runner 1, process 1) with the bad lines spread through them, and a last
 * line cut in half without its newline.
 */
export function hostileJsonFile(run: K6Run): HostileJsonFile {
  const good = jsonLines(run);
  const out: string[] = [];
  const rejected: { line: number; reason: HostileReason }[] = [];
  const every = Math.max(1, Math.floor(good.length / (BAD.length + 1)));
  let bad = 0;
  good.forEach((line, i) => {
    out.push(line);
    if ((i + 1) % every === 0 && bad < BAD.length) {
      out.push(BAD[bad]!.text);
      rejected.push({ line: out.length, reason: BAD[bad]!.reason });
      bad++;
    }
  });
  while (bad < BAD.length) {
    out.push(BAD[bad]!.text);
    rejected.push({ line: out.length, reason: BAD[bad]!.reason });
    bad++;
  }
  const cut = good[good.length - 1]!.slice(0, 40); // a Point line cut off mid-write
  rejected.push({ line: out.length + 1, reason: 'truncated' });
  return {
    text: out.map((l) => l + '\n').join('') + cut,
    goodLines: good.length,
    goodPoints: good.filter((l) => l.startsWith('{"metric":')).length,
    rejected,
  };
}
