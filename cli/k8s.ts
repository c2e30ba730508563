/**
 * `floodgate k8s`: writes a k6-operator TestRun and the ConfigMap with the scenario's scripts,
 * every runner pushing remote write to the exporter, and prints the `--execution-segment` commands
 * that split the same run over plain machines. A thin adapter over deploy/k8s/testrun.ts.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { FloodgateError } from '../contracts/errors.ts';
import {
  buildDistributedRun,
  collectScriptFiles,
  CONFIGMAP_LIMIT_BYTES,
  DEFAULT_K6_IMAGE,
  renderManifests,
} from '../deploy/k8s/testrun.ts';
import { SCENARIO_NAMES } from '../contracts/plan.ts';
import { defineCommand } from './command.ts';
import { option, schemas } from './config.ts';

/** The resolved config of `floodgate k8s`. */
export interface K8sCommandConfig {
  readonly scenario: string;
  readonly parallelism: number;
  readonly runId?: string;
  readonly out: string;
  readonly exporterUrl: string;
  readonly target: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly image: string;
  readonly separate: boolean;
  readonly tokenSecret?: string;
  readonly env?: readonly string[];
}

const keyValues = z.union([z.array(z.string()), z.string().transform((text) => [text])]);

/** `k8s-<yyyymmdd-hhmmss>-<scenario>`, valid per RUN_ID_PATTERN. */
function defaultRunId(scenario: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `k8s-${stamp}-${scenario}`.toLowerCase().slice(0, 48);
}

export const k8sCommand = defineCommand<K8sCommandConfig>({
  name: 'k8s',
  summary:
    'Write a k6-operator TestRun and a ConfigMap with the scripts, runners pushing remote write to the exporter.',
  help: [
    'Writes <out>/<name>.yaml (ConfigMap + TestRun) and prints the k6 commands for the same run on plain machines.',
    'The -e variables are checked first, as floodgate run checks them: a bad value stops here, not in every runner.',
    'Example: floodgate k8s --scenario opening --parallelism 4 --exporter-url http://floodgate-exporter:18080 --target http://staging:8080 -e RATE_SCALE=0.1',
    'The exporter must be reachable from the runners; beyond loopback it needs a token: put it in a Secret (key "token") named by --token-secret.',
  ].join('\n'),
  options: [
    option({
      key: 'scenario',
      env: 'FLOODGATE_K8S_SCENARIO',
      flag: '--scenario <name>',
      default: 'opening',
      description: `scenario: ${SCENARIO_NAMES.join(', ')}`,
      schema: schemas.text,
    }),
    option({
      key: 'parallelism',
      env: 'FLOODGATE_K8S_PARALLELISM',
      flag: '--parallelism <n>',
      default: 4,
      description: 'runner pods (or machines), each running one execution segment',
      schema: schemas.positiveInt,
    }),
    option({
      key: 'runId',
      env: 'FLOODGATE_K8S_RUN_ID',
      flag: '--run-id <id>',
      description: 'run id (default: k8s-<date>-<time>-<scenario>)',
      schema: schemas.text,
    }),
    option({
      key: 'out',
      env: 'FLOODGATE_K8S_OUT',
      flag: '--out <dir>',
      default: join('results', 'k8s'),
      description: 'folder for the manifests',
      schema: schemas.text,
    }),
    option({
      key: 'exporterUrl',
      env: 'FLOODGATE_K8S_EXPORTER_URL',
      flag: '--exporter-url <url>',
      default: 'http://floodgate-exporter:18080',
      description: 'the floodgate exporter as the runners reach it (remote write goes to /api/v1/write)',
      schema: schemas.url,
    }),
    option({
      key: 'target',
      env: 'FLOODGATE_K8S_TARGET_URL',
      flag: '--target <url>',
      default: 'http://floodgate-target:18081',
      description: 'TARGET_URL of the script: the system under test as the runners reach it',
      schema: schemas.url,
    }),
    option({
      key: 'namespace',
      env: 'FLOODGATE_K8S_NAMESPACE',
      flag: '--namespace <ns>',
      description: "namespace of both objects (default: kubectl's current one)",
      schema: schemas.text,
    }),
    option({
      key: 'name',
      flag: '--name <name>',
      description: 'TestRun name (default: floodgate-<scenario>)',
      schema: z.string().regex(/^[a-z0-9]([-a-z0-9]{0,51}[a-z0-9])?$/, 'expected a DNS label of at most 53 characters'),
    }),
    option({
      key: 'image',
      env: 'FLOODGATE_K8S_IMAGE',
      flag: '--image <image>',
      default: DEFAULT_K6_IMAGE,
      description: 'k6 image of the runners',
      schema: schemas.text,
    }),
    option({
      key: 'separate',
      flag: '--separate',
      default: false,
      description: 'put every runner on a different node',
      schema: schemas.boolean,
    }),
    option({
      key: 'tokenSecret',
      env: 'FLOODGATE_K8S_TOKEN_SECRET',
      flag: '--token-secret <name>',
      default: 'floodgate-exporter-token',
      description: 'Secret whose key "token" holds the exporter token (optional at run time)',
      schema: schemas.text,
    }),
    option({
      key: 'env',
      flag: '-e, --env <KEY=VALUE>',
      repeatable: true,
      description: 'script variable for every runner (repeatable), e.g. -e RATE_SCALE=0.1',
      schema: keyValues,
    }),
  ],
  async run({ config, stdout }) {
    const env: Record<string, string> = {};
    for (const pair of config.env ?? []) {
      const at = pair.indexOf('=');
      if (at <= 0) throw new FloodgateError('USAGE', { detail: `-e ${pair}: expected KEY=VALUE` });
      env[pair.slice(0, at)] = pair.slice(at + 1);
    }
    const files = collectScriptFiles('.', config.scenario);
    const run = buildDistributedRun(
      {
        scenario: config.scenario,
        runId: config.runId ?? defaultRunId(config.scenario),
        parallelism: config.parallelism,
        exporterUrl: config.exporterUrl,
        targetUrl: config.target,
        env,
        separate: config.separate,
        image: config.image,
        ...(config.namespace ? { namespace: config.namespace } : {}),
        ...(config.name ? { name: config.name } : {}),
        ...(config.tokenSecret ? { tokenSecret: config.tokenSecret } : {}),
      },
      files,
    );
    const name = String((run.testRun.metadata as { name: string }).name);
    mkdirSync(config.out, { recursive: true });
    const path = join(config.out, `${name}.yaml`);
    writeFileSync(path, renderManifests(run));
    stdout.write(
      `wrote ${path}: ConfigMap ${name}-scripts (${files.length} files, ${run.configMapBytes} of ${CONFIGMAP_LIMIT_BYTES} bytes) and TestRun ${name} (parallelism ${config.parallelism})\n`,
    );
    stdout.write(
      `apply: kubectl create -f ${path}\n\nWithout Kubernetes, run one command per machine (from the repository root):\n`,
    );
    for (const command of run.segmentCommands) stdout.write(`  ${command}\n`);
    return 0;
  },
});
