/**
 * One typed configuration per command: defaults < `.env` (dotenv) < environment < flags,
 * validated once with a schema at the edge, then frozen. Each command declares its options as a
 * list of {@link OptionSpec}; the README's config table is rendered from the same lists.
 */

import { existsSync, readFileSync } from 'node:fs';
import { parse as parseDotenv } from 'dotenv';
import { z } from 'zod';
import { FloodgateError } from '../contracts/errors.ts';

/** One option: its config key, environment variable, flag, default and meaning. */
export interface OptionSpec<T = unknown> {
  /** Key in the resolved config object, camelCase. */
  readonly key: string;
  /** Environment variable (also read from `.env`), e.g. `FLOODGATE_TARGET_PORT`; omit for flag-only options. */
  readonly env?: string;
  /** Flag as commander spells it, e.g. `--port <port>` or `--test-hooks`. */
  readonly flag: string;
  /** Value when nothing sets it; undefined means "unset". */
  readonly default?: T;
  /** One line: what it does, with its unit. */
  readonly description: string;
  /** Validates and converts the raw text (or flag value) into the typed value. */
  readonly schema: z.ZodType<T>;
  /** The flag may be given many times; its values arrive as an array (e.g. `-e KEY=VALUE`). */
  readonly repeatable?: boolean;
}

/** Declares an option with its type inferred from the schema. */
export function option<T>(spec: OptionSpec<T>): OptionSpec<T> {
  return spec;
}

/** Where a value came from, for error messages. */
type Origin = 'default' | '.env' | 'environment' | 'flag';

/** Sources besides flags; tests pass their own. */
export interface ConfigSources {
  /** Environment variables; default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Path of the dotenv file; default `.env` in the working directory. Missing is fine. */
  readonly envFile?: string;
}

/**
 * Resolves the options of one command. `flags` holds only what the user passed (commander
 * without defaults). Throws CONFIG_INVALID naming the option and where its value came from.
 */
export function resolveConfig<T extends Record<string, unknown>>(
  specs: readonly OptionSpec[],
  flags: Readonly<Record<string, unknown>>,
  sources: ConfigSources = {},
): Readonly<T> {
  const env = sources.env ?? process.env;
  const envFile = sources.envFile ?? '.env';
  const dotenv = existsSync(envFile) ? parseDotenv(readFileSync(envFile)) : {};
  const resolved: Record<string, unknown> = {};
  for (const spec of specs) {
    let raw: unknown = spec.default;
    let origin: Origin = 'default';
    if (spec.env && dotenv[spec.env] !== undefined) [raw, origin] = [dotenv[spec.env], '.env'];
    if (spec.env && env[spec.env] !== undefined && env[spec.env] !== '') [raw, origin] = [env[spec.env], 'environment'];
    if (flags[spec.key] !== undefined) [raw, origin] = [flags[spec.key], 'flag'];
    if (raw === undefined) continue;
    const parsed = spec.schema.safeParse(raw);
    if (!parsed.success) {
      const where =
        origin === 'flag'
          ? spec.flag.split(/[ ,]/)[0]
          : origin === 'default'
            ? `default of ${spec.key}`
            : `${spec.env} (${origin})`;
      const problem = parsed.error.issues.map(describeIssue).join('; ');
      throw new FloodgateError('CONFIG_INVALID', { detail: `${where} = ${JSON.stringify(raw)}: ${problem}` });
    }
    resolved[spec.key] = parsed.data;
  }
  return Object.freeze(resolved) as Readonly<T>;
}

/** A validation problem in plain words: "expected a whole number ≥ 0", not the schema library's phrasing. */
function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.expected === 'number'
        ? 'expected a number'
        : issue.expected === 'int'
          ? 'expected a whole number'
          : `expected ${issue.expected}`;
    case 'too_small':
      return `must be ${issue.inclusive ? '≥' : '>'} ${String(issue.minimum)}`;
    case 'too_big':
      return `must be ${issue.inclusive ? '≤' : '<'} ${String(issue.maximum)}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((value) => String(value)).join(', ')}`;
    case 'invalid_format':
      return issue.format === 'url' ? 'expected a URL such as http://127.0.0.1:18081' : `expected ${issue.format}`;
    default:
      return issue.message;
  }
}

/** Schemas for the kinds of values options take, accepting the text forms env and flags give. */
export const schemas = {
  /** TCP port, 0 = any free port. */
  port: z.coerce.number().int().min(0).max(65535),
  /** Host or address to listen on. */
  host: z.string().min(1),
  /** Positive integer. */
  positiveInt: z.coerce.number().int().positive(),
  /** Integer ≥ 0. */
  count: z.coerce.number().int().min(0),
  /** Number > 0. */
  positive: z.coerce.number().positive(),
  /** Number ≥ 0. */
  nonNegative: z.coerce.number().min(0),
  /** Probability 0..1. */
  probability: z.coerce.number().min(0).max(1),
  /** On/off, from a boolean flag or text such as `true`, `1`, `yes`, `false`, `0`, `no`. */
  boolean: z.union([z.boolean(), z.string()]).transform((value, context) => {
    if (typeof value === 'boolean') return value;
    const text = value.trim().toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(text)) return true;
    if (['false', '0', 'no', 'off'].includes(text)) return false;
    context.addIssue({ code: 'custom', message: 'expected true or false (or yes/no, on/off, 1/0)' });
    return z.NEVER;
  }),
  /** An http(s) URL. */
  url: z.string().refine((text) => {
    try {
      return ['http:', 'https:'].includes(new URL(text).protocol);
    } catch {
      return false; // not a URL at all
    }
  }, 'expected an http:// or https:// URL, e.g. http://127.0.0.1:18081'),
  /** Non-empty text. */
  text: z.string().min(1),
};

/** Renders the options of commands as README table rows: option, default, env, flag, meaning. */
export function renderOptionTable(commands: ReadonlyArray<{ name: string; options: readonly OptionSpec[] }>): string {
  const rows = ['| command | option | default | env | flag | meaning |', '|---|---|---|---|---|---|'];
  for (const command of commands) {
    for (const spec of command.options) {
      const shown = spec.default === undefined ? '—' : `\`${String(spec.default)}\``;
      const envName = spec.env ? `\`${spec.env}\`` : '—';
      rows.push(`| ${command.name} | ${spec.key} | ${shown} | ${envName} | \`${spec.flag}\` | ${spec.description} |`);
    }
  }
  return rows.join('\n');
}
