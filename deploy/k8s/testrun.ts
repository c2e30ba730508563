/**
 * Distributed runs: a k6-operator `TestRun` plus the ConfigMap holding the scenario and every file
 * it imports, with each runner pushing Prometheus remote write to the floodgate exporter; and the
 * `--execution-segment` commands that split the same run over plain machines.
 *
 * Read (the scenario's import graph) → build (plain objects) → render (YAML) are separate steps.
 */

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, sep } from 'node:path';
import { stringify } from 'yaml';
import { FloodgateError } from '../../contracts/errors.ts';
import { RUN_ID_PATTERN } from '../../contracts/identity.ts';
import { FLOODGATE_TAGS } from '../../contracts/metrics.ts';
import { readCommonEnv } from '../../contracts/script-variables.ts';
import { isScenarioName, planScenario, SCENARIO_NAMES, type ScenarioName } from '../../contracts/plan.ts';

/** Largest ConfigMap Kubernetes stores (etcd's object limit), in bytes. */
export const CONFIGMAP_LIMIT_BYTES = 1_048_576;
/** Where the runners see the scripts; the layout under it mirrors the repository. */
export const SCRIPTS_MOUNT = '/floodgate';
/** k6 image the runners use unless told otherwise. */
export const DEFAULT_K6_IMAGE = 'grafana/k6:2.2.0';
/** Folders a k6 script may import from (DESIGN §2: load-tests/ imports only contracts/ besides itself). */
const SCRIPT_ROOTS = ['load-tests', 'contracts'];

/** One script file, by its path relative to the repository root (forward slashes). */
export interface ScriptFile {
  readonly path: string;
  readonly content: string;
}

/** The relative module specifiers a TypeScript/JavaScript source imports (static imports and re-exports). */
export function relativeImports(source: string): string[] {
  const specifiers = new Set<string>();
  const pattern = /(?:^|[;\s])(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\s+from\s+)?['"](\.{1,2}\/[^'"]+)['"]/g;
  for (const match of source.matchAll(pattern)) {
    const specifier = match[1] as string;
    const statement = match[0];
    // `import type` brings nothing at run time; esbuild drops it, and k6 never loads the file.
    if (/\b(?:import|export)\s+type\b/.test(statement)) continue;
    specifiers.add(specifier);
  }
  return [...specifiers];
}

/**
 * Reads the scenario and, transitively, every relative file it imports. Refuses imports that
 * leave load-tests/ and contracts/ (k6 would not find them in the ConfigMap either).
 */
export function collectScriptFiles(repoRoot: string, scenario: string): ScriptFile[] {
  const entry = join('load-tests', 'scenarios', `${scenario}.ts`);
  if (!isScenarioName(scenario) || !existsSync(join(repoRoot, entry))) throw unknownScenario(scenario);
  const files = new Map<string, string>();
  const pending = [entry];
  while (pending.length > 0) {
    const path = pending.pop() as string;
    if (files.has(path)) continue;
    const content = readFileSync(join(repoRoot, path), 'utf8');
    files.set(path, content);
    for (const specifier of relativeImports(content)) {
      const imported = normalize(join(dirname(path), specifier));
      if (!SCRIPT_ROOTS.some((root) => imported.startsWith(`${root}${sep}`))) {
        throw new FloodgateError('INPUT_INVALID', {
          what: `the import "${specifier}" in ${path}`,
          detail: 'k6 scripts may import only from load-tests/ and contracts/',
        });
      }
      if (!existsSync(join(repoRoot, imported))) {
        throw new FloodgateError('INPUT_INVALID', {
          what: `the import "${specifier}" in ${path}`,
          detail: `${imported} does not exist`,
        });
      }
      pending.push(imported);
    }
  }
  return [...files.entries()]
    .map(([path, content]) => ({ path: path.split(sep).join('/'), content }))
    .sort((a, b) => a.path.localeCompare(b.path));
}

/** What to run and where results go. */
export interface DistributedRunOptions {
  readonly scenario: string;
  readonly runId: string;
  /** Runner pods (k6-operator) or machines (execution segments). */
  readonly parallelism: number;
  /** Base URL of the floodgate exporter as the runners reach it, e.g. `http://floodgate-exporter:18080`. */
  readonly exporterUrl: string;
  /** TARGET_URL of the script. */
  readonly targetUrl: string;
  /** Script variables besides TARGET_URL and RUN_ID (`-e KEY=VALUE`). */
  readonly env?: Readonly<Record<string, string>>;
  readonly namespace?: string;
  /** TestRun name; default `floodgate-<scenario>`. */
  readonly name?: string;
  readonly image?: string;
  /** Spread runners over different nodes (pod anti-affinity). */
  readonly separate?: boolean;
  /** Secret (key `token`) with the exporter's bearer token; the runners send it when it exists. */
  readonly tokenSecret?: string;
}

/** A Kubernetes object as plain data. */
export type Manifest = Record<string, unknown>;

/** Everything a distributed run needs. */
export interface DistributedRun {
  readonly configMap: Manifest;
  readonly testRun: Manifest;
  /** Bytes the ConfigMap's data takes (keys and values). */
  readonly configMapBytes: number;
  /** One `k6 run` command per machine, for runs without Kubernetes. */
  readonly segmentCommands: readonly string[];
}

/** ConfigMap keys cannot hold `/`; `__` stands for it and `items` maps the keys back to paths. */
export function configMapKey(path: string): string {
  return path.replaceAll('/', '__');
}

/** The k6 major version of an image tag (`grafana/k6:2.2.0` → 2), or undefined for `latest` and digests. */
export function k6MajorVersion(image: string): number | undefined {
  const tag = /:(v?)(\d+)\.\d+(?:\.\d+)?(?:[-+].*)?$/.exec(image);
  return tag ? Number(tag[2]) : undefined;
}

/**
 * Native histograms for trends: `K6_FEATURES=native-histograms` from k6 v2.1 (where the old
 * variable is a deprecated alias that logs a warning), `K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM`
 * before. Images without a version tag get the new form.
 */
export function nativeHistogramEnv(image: string): { name: string; value: string } {
  const major = k6MajorVersion(image);
  return major !== undefined && major < 2
    ? { name: 'K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM', value: 'true' }
    : { name: 'K6_FEATURES', value: 'native-histograms' };
}

/** The execution segments of `n` equal parts: `0:1/n`, `1/n:2/n`, …, and the sequence. */
export function executionSegments(n: number): { segments: string[]; sequence: string } {
  const point = (i: number): string => (i === 0 ? '0' : i === n ? '1' : `${i}/${n}`);
  const segments = Array.from({ length: n }, (_, i) => `${point(i)}:${point(i + 1)}`);
  return { segments, sequence: Array.from({ length: n + 1 }, (_, i) => point(i)).join(',') };
}

function unknownScenario(scenario: string): FloodgateError {
  return new FloodgateError('SCENARIO_UNKNOWN', { scenario, known: SCENARIO_NAMES.join(', ') });
}

/**
 * Checks the script variables every runner will get (the `-e` pairs with TARGET_URL, RUN_ID and
 * RESULTS_DIR as set here) the way the scenario reads them, with the planner `floodgate run`
 * uses: a bad value stops the command here instead of in every runner pod. Throws the planner's
 * FloodgateError (SCRIPT_ENV_INVALID, PROFILE_INVALID).
 */
export function checkScriptVariables(options: DistributedRunOptions): void {
  if (!isScenarioName(options.scenario)) throw unknownScenario(options.scenario);
  const variables = scriptEnv(options);
  readCommonEnv(variables);
  planScenario(options.scenario as ScenarioName, variables, (path) => {
    // The ConfigMap carries the scenario's imports only, so the runners would not find the file.
    throw new FloodgateError('SCRIPT_ENV_INVALID', {
      name: 'PROFILE',
      value: path,
      detail:
        'floodgate k8s does not ship profile files to the runners; use opening-exp or opening-hyperbolic, or run the CSV profile with floodgate run',
    });
  });
}

function validate(options: DistributedRunOptions): void {
  if (!RUN_ID_PATTERN.test(options.runId)) throw new FloodgateError('RUN_ID_INVALID', { run: options.runId });
  if (!Number.isInteger(options.parallelism) || options.parallelism < 1 || options.parallelism > 1000) {
    throw new FloodgateError('USAGE', {
      detail: `--parallelism must be a whole number from 1 to 1000, got ${options.parallelism}`,
    });
  }
  for (const [key, value] of Object.entries(scriptEnv(options))) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key))
      throw new FloodgateError('USAGE', { detail: `-e ${key}=…: not a variable name` });
    // The operator splits `arguments` on whitespace.
    if (/\s/.test(value))
      throw new FloodgateError('USAGE', {
        detail: `-e ${key}=${value}: values cannot hold spaces in a TestRun's arguments`,
      });
  }
  if (/\s/.test(options.targetUrl))
    throw new FloodgateError('USAGE', {
      detail: `--target ${options.targetUrl}: a URL cannot hold spaces in a TestRun's arguments`,
    });
  checkScriptVariables(options);
}

function scriptEnv(options: DistributedRunOptions): Record<string, string> {
  return { ...options.env, TARGET_URL: options.targetUrl, RUN_ID: options.runId, RESULTS_DIR: '/tmp' };
}

function remoteWriteUrl(exporterUrl: string): string {
  return new URL('/api/v1/write', exporterUrl).toString();
}

/**
 * The k6 flags every runner and machine gets: remote-write output, the run tag, the target tag
 * (`floodgate_target`: the exporter polls the target's truth only for runs made against it, see
 * exporter/truth.ts TruthTargeting; `floodgate run` says the same in run.json), script variables.
 */
function k6Flags(options: DistributedRunOptions): string[] {
  const env = Object.entries(scriptEnv(options)).sort(([a], [b]) => a.localeCompare(b));
  return [
    '--out',
    'experimental-prometheus-rw',
    '--tag',
    `run=${options.runId}`,
    '--tag',
    `${FLOODGATE_TAGS.target}=${options.targetUrl}`,
    ...env.flatMap(([key, value]) => ['-e', `${key}=${value}`]),
  ];
}

/**
 * Builds the ConfigMap, the TestRun and the segment commands. Throws a FloodgateError for a bad
 * run id, parallelism or script variable (see {@link checkScriptVariables}), or when the scripts
 * do not fit a ConfigMap.
 */
export function buildDistributedRun(options: DistributedRunOptions, files: readonly ScriptFile[]): DistributedRun {
  validate(options);
  const name = options.name ?? `floodgate-${options.scenario}`;
  const image = options.image ?? DEFAULT_K6_IMAGE;
  const scriptsName = `${name}-scripts`;
  const metadata = (objectName: string): Manifest => ({
    name: objectName,
    ...(options.namespace ? { namespace: options.namespace } : {}),
    labels: {
      'app.kubernetes.io/part-of': 'floodgate',
      'floodgate/run': options.runId,
      'floodgate/scenario': options.scenario,
    },
  });

  const data = Object.fromEntries(files.map((file) => [configMapKey(file.path), file.content]));
  const configMapBytes = Object.entries(data).reduce(
    (total, [key, value]) => total + Buffer.byteLength(key) + Buffer.byteLength(value),
    0,
  );
  if (configMapBytes > CONFIGMAP_LIMIT_BYTES * 0.95) {
    throw new FloodgateError('INPUT_INVALID', {
      what: `the scripts of scenario ${options.scenario}`,
      detail: `${configMapBytes} bytes do not fit a ConfigMap (limit ${CONFIGMAP_LIMIT_BYTES}); bundle them with \`k6 archive\` into a volumeClaim instead`,
    });
  }
  const configMap: Manifest = { apiVersion: 'v1', kind: 'ConfigMap', metadata: metadata(scriptsName), data };

  const volume = {
    name: 'floodgate-scripts',
    configMap: { name: scriptsName, items: files.map((file) => ({ key: configMapKey(file.path), path: file.path })) },
  };
  const volumeMount = { name: 'floodgate-scripts', mountPath: SCRIPTS_MOUNT, readOnly: true };
  const env = [
    { name: 'K6_PROMETHEUS_RW_SERVER_URL', value: remoteWriteUrl(options.exporterUrl) },
    nativeHistogramEnv(image),
    { name: 'K6_PROMETHEUS_RW_STALE_MARKERS', value: 'true' },
    { name: 'K6_PROMETHEUS_RW_PUSH_INTERVAL', value: '5s' },
    ...(options.tokenSecret
      ? [
          {
            name: 'K6_PROMETHEUS_RW_BEARER_TOKEN',
            valueFrom: { secretKeyRef: { name: options.tokenSecret, key: 'token', optional: true } },
          },
        ]
      : []),
  ];
  const pod = { image, env, volumes: [volume], volumeMounts: [volumeMount] };
  const testRun: Manifest = {
    apiVersion: 'k6.io/v1alpha1',
    kind: 'TestRun',
    metadata: metadata(name),
    spec: {
      parallelism: options.parallelism,
      separate: options.separate ?? false,
      script: { localFile: `${SCRIPTS_MOUNT}/load-tests/scenarios/${options.scenario}.ts` },
      arguments: k6Flags(options).join(' '),
      runner: { ...pod, metadata: { labels: { 'app.kubernetes.io/part-of': 'floodgate' } } },
      initializer: pod,
    },
  };

  const { segments, sequence } = executionSegments(options.parallelism);
  const script = `load-tests/scenarios/${options.scenario}.ts`;
  const segmentCommands = segments.map((segment, index) =>
    [
      `K6_PROMETHEUS_RW_SERVER_URL=${remoteWriteUrl(options.exporterUrl)}`,
      `${nativeHistogramEnv(image).name}=${nativeHistogramEnv(image).value}`,
      'K6_PROMETHEUS_RW_STALE_MARKERS=true',
      'k6 run',
      ...(options.parallelism > 1
        ? [`--execution-segment ${segment}`, `--execution-segment-sequence ${sequence}`]
        : []),
      `--tag instance_id=${index + 1}`,
      ...k6Flags(options),
      script,
    ].join(' '),
  );
  return { configMap, testRun, configMapBytes, segmentCommands };
}

/** The two manifests as one multi-document YAML stream, ConfigMap first. */
export function renderManifests(run: DistributedRun, generator = 'floodgate k8s'): string {
  const header = `# Written by ${generator}. Apply with: kubectl create -f <this file>  (or kubectl apply --server-side:\n# a plain apply stores the whole ConfigMap in an annotation, limited to 256 KiB)\n`;
  return `${header}---\n${stringify(run.configMap, { lineWidth: 0 })}---\n${stringify(run.testRun, { lineWidth: 0 })}`;
}
