/**
 * k6's `run` flags beyond the ones floodgate run declares itself (`-u/--vus`, `-d/--duration`,
 * `-i/--iterations`, `-s/--stage`, `-e`, `--tag`, `-o/--out`, `--summary-export`,
 * `--no-thresholds`, `-q`, the segment flags): every other flag of k6's flag sets, read from k6's
 * `internal/cmd/options.go` (optionFlagSet), `runtime_options.go`, `config.go` (configFlagSet) and
 * `root.go` (the persistent flags). With k6 they are passed through unchanged; on the local engine
 * those that are script options are applied the way k6 applies CLI flags (over the script's
 * `options`), and the rest are refused, each with what to use instead. Pure.
 */

import { FloodgateError } from '../contracts/errors.ts';

/** How a flag takes its value (pflag's kinds). */
type Arity = 'none' | 'value' | 'optional';

/** One k6 flag floodgate passes through. */
export interface K6FlagSpec {
  readonly name: string;
  readonly short?: string;
  readonly arity: Arity;
  /** The k6 option it sets, with the value as the option holds it: the local engine applies it. */
  readonly option?: { readonly key: string; readonly parse: (value: string) => unknown };
  /** Why the local engine cannot honour it, and what to use instead. */
  readonly instead?: string;
}

const INSTALL_K6 = 'install k6 (https://grafana.com/docs/k6/latest/set-up/install-k6/) and pass --engine k6';
const int = (value: string): number => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed)) throw new Error(`expected a whole number, got "${value}"`);
  return parsed;
};
const list = (value: string): string[] =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
const on = (): boolean => true;

/** Every k6 `run` flag floodgate passes through (see the module comment). */
export const K6_PASS_THROUGH_FLAGS: readonly K6FlagSpec[] = [
  // options.go
  {
    name: 'paused',
    short: 'p',
    arity: 'none',
    instead: `the local engine has no REST API to resume a paused test; start it when you want it to run, or ${INSTALL_K6}`,
  },
  { name: 'no-setup', arity: 'none', instead: `the local engine always runs setup(); ${INSTALL_K6}` },
  {
    name: 'no-teardown',
    arity: 'none',
    instead: `the local engine always runs teardown() (floodgate's scenarios report a planned rate of 0 there); ${INSTALL_K6}`,
  },
  { name: 'max-redirects', arity: 'value', option: { key: 'maxRedirects', parse: int } },
  { name: 'batch', arity: 'value', instead: `the local engine has no http.batch(); ${INSTALL_K6}` },
  { name: 'batch-per-host', arity: 'value', instead: `the local engine has no http.batch(); ${INSTALL_K6}` },
  {
    name: 'rps',
    arity: 'value',
    instead: `the local engine does not cap requests per second; use an arrival-rate scenario (floodgate's open scenarios are), or ${INSTALL_K6}`,
  },
  { name: 'user-agent', arity: 'value', option: { key: 'userAgent', parse: String } },
  {
    name: 'http-debug',
    arity: 'optional',
    instead: `the local engine does not print HTTP traffic; every request is a line in <results>/k6.ndjson (status, stage, error_code), LOG_FAILURES=true prints why a stage failed, or ${INSTALL_K6}`,
  },
  { name: 'insecure-skip-tls-verify', arity: 'none', option: { key: 'insecureSkipTLSVerify', parse: on } },
  { name: 'no-connection-reuse', arity: 'none', option: { key: 'noConnectionReuse', parse: on } },
  {
    name: 'no-vu-connection-reuse',
    arity: 'none',
    instead: `the local engine shares its connection pool across iterations; use --no-connection-reuse, or ${INSTALL_K6}`,
  },
  {
    name: 'min-iteration-duration',
    arity: 'value',
    instead: `the local engine does not stretch iterations; ${INSTALL_K6}`,
  },
  { name: 'throw', short: 'w', arity: 'none', option: { key: 'throw', parse: on } },
  {
    name: 'blacklist-ip',
    arity: 'value',
    instead: `the local engine does not filter addresses; point --target at the system under test only, or ${INSTALL_K6}`,
  },
  { name: 'block-hostnames', arity: 'value', instead: `the local engine does not filter host names; ${INSTALL_K6}` },
  { name: 'summary-trend-stats', arity: 'value', option: { key: 'summaryTrendStats', parse: list } },
  { name: 'summary-time-unit', arity: 'value', option: { key: 'summaryTimeUnit', parse: String } },
  { name: 'system-tags', arity: 'value', option: { key: 'systemTags', parse: list } },
  {
    name: 'console-output',
    arity: 'value',
    instead: `the local engine prints console output with floodgate's own; redirect floodgate run's stderr (2>file), or ${INSTALL_K6}`,
  },
  { name: 'discard-response-bodies', arity: 'none', option: { key: 'discardResponseBodies', parse: on } },
  {
    name: 'local-ips',
    arity: 'value',
    instead: `the local engine connects from the host's default address; ${INSTALL_K6}`,
  },
  { name: 'dns', arity: 'value', instead: `the local engine uses Node's resolver; ${INSTALL_K6}` },
  // runtime_options.go
  {
    name: 'include-system-env-vars',
    arity: 'optional',
    instead:
      'floodgate run shows a script only its -e pairs (run.json then lists every variable it saw); pass each variable with -e KEY=VALUE',
  },
  {
    name: 'compatibility-mode',
    arity: 'value',
    instead: `the local engine bundles TypeScript and modern JavaScript itself; ${INSTALL_K6}`,
  },
  {
    name: 'type',
    short: 't',
    arity: 'value',
    instead: 'floodgate run takes a script file (.ts or .js); run an archive with k6 itself: k6 run archive.tar',
  },
  {
    name: 'summary-mode',
    arity: 'value',
    instead: `the local engine prints k6's compact summary; ${INSTALL_K6} for full or disabled`,
  },
  {
    name: 'new-machine-readable-summary',
    arity: 'none',
    instead: `the local engine hands handleSummary k6's default (legacy) data; ${INSTALL_K6}`,
  },
  { name: 'traces-output', arity: 'value', instead: `the local engine writes no traces; ${INSTALL_K6}` },
  // config.go
  {
    name: 'linger',
    short: 'l',
    arity: 'none',
    instead: 'the local engine has no REST API to keep alive; the results folder holds everything the run wrote',
  },
  { name: 'no-usage-report', arity: 'none', option: { key: '', parse: on } }, // the local engine sends no usage report: nothing to turn off
  { name: 'features', arity: 'value', instead: `k6 feature flags need k6; ${INSTALL_K6}` },
  // root.go (persistent flags)
  {
    name: 'secret-source',
    arity: 'value',
    instead: `the local engine has no k6/secrets; pass values with -e, or ${INSTALL_K6}`,
  },
  {
    name: 'log-output',
    arity: 'value',
    instead: "the local engine logs to floodgate run's stderr; redirect it (2>file)",
  },
  { name: 'log-format', arity: 'value', instead: 'the local engine logs plain lines to stderr' },
  {
    name: 'config',
    short: 'c',
    arity: 'value',
    instead:
      "floodgate run takes its settings from flags, -e and .env (FLOODGATE_*); put the options in the script's `options`",
  },
  { name: 'no-color', arity: 'none', option: { key: '', parse: on } }, // floodgate colours only on a terminal; accepted, nothing to change
  {
    name: 'verbose',
    short: 'v',
    arity: 'none',
    instead: 'the local engine has no debug log; FLOODGATE_DEBUG=1 prints stack traces of unexpected errors',
  },
  {
    name: 'address',
    short: 'a',
    arity: 'value',
    instead:
      'the local engine has no REST API; watch the run with `floodgate exporter` (its /live page) or the terminal view',
  },
  {
    name: 'profiling-enabled',
    arity: 'none',
    instead: 'the local engine has no pprof endpoints; node --cpu-prof is the Node equivalent',
  },
];

/** A pass-through flag as given: its spec and its value (`true` for a flag without one). */
export interface GivenK6Flag {
  readonly spec: K6FlagSpec;
  readonly value: string | true;
  /** The argv words it took, to pass to k6 unchanged. */
  readonly argv: readonly string[];
}

/**
 * Takes k6's pass-through flags out of `argv` (the words after `run`): `--name value`,
 * `--name=value`, `-x value` and, for flags without a value, `--name`/`-x`. The rest is left for
 * floodgate's own parser, in order. Words after `--` are not looked at.
 */
export function extractK6Flags(
  argv: readonly string[],
  specs: readonly K6FlagSpec[] = K6_PASS_THROUGH_FLAGS,
): { rest: string[]; flags: GivenK6Flag[] } {
  const rest: string[] = [];
  const flags: GivenK6Flag[] = [];
  for (let index = 0; index < argv.length; index += 1) {
    const word = argv[index]!;
    if (word === '--') {
      rest.push(...argv.slice(index));
      break;
    }
    const long = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/s.exec(word);
    const short = /^-([a-zA-Z])$/.exec(word);
    const spec = long
      ? specs.find((candidate) => candidate.name === long[1])
      : short
        ? specs.find((candidate) => candidate.short === short[1])
        : undefined;
    if (!spec) {
      rest.push(word);
      continue;
    }
    const inline = long?.[2];
    if (spec.arity === 'none' || (spec.arity === 'optional' && inline === undefined)) {
      if (inline !== undefined && spec.arity === 'none') {
        flags.push({ spec, value: inline, argv: [word] });
      } else {
        flags.push({ spec, value: true, argv: [word] });
      }
      continue;
    }
    if (inline !== undefined) {
      flags.push({ spec, value: inline, argv: [word] });
      continue;
    }
    const next = argv[index + 1];
    if (next === undefined || (next.startsWith('-') && next !== '-')) {
      throw new FloodgateError('USAGE', { detail: `${word} needs a value (k6's --${spec.name} <value>)` });
    }
    flags.push({ spec, value: next, argv: [word, next] });
    index += 1;
  }
  return { rest, flags };
}

/**
 * The script options the given flags set on the local engine, in k6's option names; USAGE naming
 * what to use instead for the first flag the local engine cannot honour.
 */
export function localEngineOptions(flags: readonly GivenK6Flag[]): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const flag of flags) {
    const { spec } = flag;
    if (!spec.option) {
      throw new FloodgateError('USAGE', {
        detail: `--${spec.name} is a k6 flag the local engine cannot honour: ${spec.instead ?? INSTALL_K6}`,
      });
    }
    if (spec.option.key === '') continue;
    try {
      options[spec.option.key] = spec.option.parse(flag.value === true ? 'true' : flag.value);
    } catch (error) {
      throw new FloodgateError(
        'USAGE',
        { detail: `--${spec.name} ${String(flag.value)}: ${(error as Error).message}` },
        { cause: error },
      );
    }
  }
  return options;
}
