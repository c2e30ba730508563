/**
 * `run.json`, the record `floodgate run` writes in a results folder (runner/run-record.ts writes
 * it): the one reader of it for the report and the exporter, checking each field's type instead of
 * trusting a cast. Pure: parsing only.
 */

/** The fields of `run.json` readers use; each is present only when the file holds it with the right type. */
export interface RunManifest {
  readonly run?: string;
  readonly scenario?: string;
  readonly engine?: string;
  /** Base URL of the target the run was made against. */
  readonly target?: string;
  /** ISO 8601. */
  readonly startedAt?: string;
  readonly endedAt?: string;
  readonly exitCode?: number;
  /** The `-e KEY=VALUE` pairs the script ran with. */
  readonly env?: Readonly<Record<string, string>>;
}

/** Reads a parsed run.json; fields of the wrong type are left out (null endedAt/exitCode while running). Throws TypeError when it is not an object. */
export function readRunManifest(value: unknown): RunManifest {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError('run.json is not a JSON object');
  const record = value as Record<string, unknown>;
  const manifest: Record<string, unknown> = {};
  for (const key of ['run', 'scenario', 'engine', 'target', 'startedAt', 'endedAt'] as const) {
    if (typeof record[key] === 'string') manifest[key] = record[key];
  }
  if (typeof record.exitCode === 'number' && Number.isInteger(record.exitCode)) manifest.exitCode = record.exitCode;
  const env = record.env;
  if (typeof env === 'object' && env !== null && !Array.isArray(env)) {
    manifest.env = Object.fromEntries(Object.entries(env as Record<string, unknown>).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  }
  return manifest as RunManifest;
}
