import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parseAllDocuments, parse } from 'yaml';
import { afterAll, describe, expect, test, vi } from 'vitest';
import { main } from '../cli/index.ts';
import { isFloodgateError } from '../contracts/errors.ts';
import { SCENARIO_NAMES } from '../contracts/plan.ts';
import {
  buildDistributedRun,
  collectScriptFiles,
  configMapKey,
  executionSegments,
  nativeHistogramEnv,
  relativeImports,
  renderManifests,
  SCRIPTS_MOUNT,
  type DistributedRunOptions,
  type ScriptFile,
} from './k8s/testrun.ts';

const REPO = join(import.meta.dirname, '..');
const CRD = parse(readFileSync(join(REPO, 'deploy/schemas/k6-operator-testruns-crd.yaml'), 'utf8')) as {
  spec: { versions: Array<{ name: string; schema: { openAPIV3Schema: Schema } }> };
};
const TESTRUN_SCHEMA = CRD.spec.versions.find((version) => version.name === 'v1alpha1')?.schema
  .openAPIV3Schema as Schema;

interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  [keyword: string]: unknown;
}

/** Paths of fields the schema does not know (Kubernetes would silently prune them). */
function unknownFields(value: unknown, schema: Schema | undefined, path = ''): string[] {
  if (schema === undefined || value === null || typeof value !== 'object') return [];
  if (Array.isArray(value))
    return value.flatMap((item, index) => unknownFields(item, schema.items, `${path}[${index}]`));
  if (!schema.properties) return [];
  return Object.entries(value).flatMap(([key, child]) => {
    const childSchema = schema.properties?.[key];
    if (childSchema === undefined) return typeof schema.additionalProperties === 'object' ? [] : [`${path}.${key}`];
    return unknownFields(child, childSchema, `${path}.${key}`);
  });
}

const options: DistributedRunOptions = {
  scenario: 'opening',
  runId: 'k8s-test-1',
  parallelism: 4,
  exporterUrl: 'http://floodgate-exporter:18080',
  targetUrl: 'http://staging.example.invalid:8080',
  env: { RATE_SCALE: '0.1', TIME_SCALE: '60' },
  namespace: 'load',
  tokenSecret: 'floodgate-exporter-token',
};

function realRun(overrides: Partial<DistributedRunOptions> = {}): {
  files: ScriptFile[];
  run: ReturnType<typeof buildDistributedRun>;
} {
  const files = collectScriptFiles(REPO, overrides.scenario ?? options.scenario);
  return { files, run: buildDistributedRun({ ...options, ...overrides }, files) };
}

describe('the TestRun', () => {
  test('validates against the k6-operator CRD schema, with no field the CRD does not know', () => {
    const { run } = realRun();
    const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
    const validate = ajv.compile(TESTRUN_SCHEMA);
    expect(validate(run.testRun), JSON.stringify(validate.errors)).toBe(true);
    expect(unknownFields(run.testRun, TESTRUN_SCHEMA)).toEqual([]);
  });

  test('the CRD check rejects a misspelt field (the check can fail)', () => {
    const { run } = realRun();
    const spec = run.testRun.spec as Record<string, unknown>;
    expect(unknownFields({ ...run.testRun, spec: { ...spec, paralelism: 2 } }, TESTRUN_SCHEMA)).toEqual([
      '.spec.paralelism',
    ]);
  });

  test('runs the scenario from the mounted ConfigMap in runners and initializer, pushing remote write to the exporter', () => {
    const { run } = realRun();
    const spec = run.testRun.spec as {
      parallelism: number;
      script: { localFile: string };
      arguments: string;
      runner: {
        env: Array<{ name: string; value?: string }>;
        volumeMounts: Array<{ mountPath: string }>;
        volumes: Array<{ configMap: { name: string } }>;
      };
      initializer: { volumeMounts: Array<{ mountPath: string }> };
    };
    expect(run.testRun).toMatchObject({
      apiVersion: 'k6.io/v1alpha1',
      kind: 'TestRun',
      metadata: { name: 'floodgate-opening', namespace: 'load' },
    });
    expect(spec.parallelism).toBe(4);
    expect(spec.script.localFile).toBe(`${SCRIPTS_MOUNT}/load-tests/scenarios/opening.ts`);
    expect(spec.arguments.split(' ')).toEqual(
      expect.arrayContaining([
        '--out',
        'experimental-prometheus-rw',
        'run=k8s-test-1',
        'RATE_SCALE=0.1',
        'TARGET_URL=http://staging.example.invalid:8080',
        'RUN_ID=k8s-test-1',
      ]),
    );
    const env = Object.fromEntries(spec.runner.env.map((entry) => [entry.name, entry.value ?? 'from secret']));
    expect(env).toMatchObject({
      K6_PROMETHEUS_RW_SERVER_URL: 'http://floodgate-exporter:18080/api/v1/write',
      K6_FEATURES: 'native-histograms',
      K6_PROMETHEUS_RW_BEARER_TOKEN: 'from secret',
    });
    expect(spec.runner.volumes[0]?.configMap.name).toBe('floodgate-opening-scripts');
    expect(spec.runner.volumeMounts[0]?.mountPath).toBe(SCRIPTS_MOUNT);
    expect(spec.initializer.volumeMounts[0]?.mountPath).toBe(SCRIPTS_MOUNT);
  });
});

describe('the ConfigMap', () => {
  test('holds the scenario and everything it imports, mapped back to their paths', () => {
    const { files, run } = realRun();
    const paths = files.map((file) => file.path);
    expect(paths).toContain('load-tests/scenarios/opening.ts');
    expect(paths.some((path) => path.startsWith('contracts/'))).toBe(true);
    expect(paths.every((path) => /^(load-tests|contracts)\/.+\.ts$/.test(path) && !path.endsWith('.test.ts'))).toBe(
      true,
    );
    // Every relative import of every file resolves to a file that is in the ConfigMap.
    for (const file of files) {
      for (const specifier of relativeImports(file.content)) {
        const resolved = join(file.path, '..', specifier).split('\\').join('/');
        expect(paths, `${file.path} imports ${specifier}`).toContain(resolved);
      }
    }
    const data = run.configMap.data as Record<string, string>;
    expect(Object.keys(data).every((key) => /^[-._a-zA-Z0-9]+$/.test(key))).toBe(true);
    const items =
      (
        run.testRun.spec as {
          runner: { volumes: Array<{ configMap: { items: Array<{ key: string; path: string }> } }> };
        }
      ).runner.volumes[0]?.configMap.items ?? [];
    expect(items.map((item) => item.path).sort()).toEqual([...paths].sort());
    for (const item of items) expect(data[item.key]).toBe(files.find((file) => file.path === item.path)?.content);
  });

  test('stays well under the 1 MiB ConfigMap limit, and a larger script set is refused', () => {
    const { files, run } = realRun();
    expect(run.configMapBytes).toBeLessThan(1_048_576 / 2);
    const huge: ScriptFile[] = [...files, { path: 'load-tests/lib/huge.ts', content: 'x'.repeat(1_048_576) }];
    expect(() => buildDistributedRun(options, huge)).toThrow(/do not fit a ConfigMap/);
  });

  test('renders as two YAML documents, ConfigMap first', () => {
    const documents = parseAllDocuments(renderManifests(realRun().run)).map(
      (document) => document.toJS() as { kind: string },
    );
    expect(documents.map((document) => document.kind)).toEqual(['ConfigMap', 'TestRun']);
  });
});

describe('plain machines', () => {
  test.each([
    { n: 1, segments: ['0:1'], sequence: '0,1' },
    { n: 2, segments: ['0:1/2', '1/2:1'], sequence: '0,1/2,1' },
    { n: 3, segments: ['0:1/3', '1/3:2/3', '2/3:1'], sequence: '0,1/3,2/3,1' },
  ])('$n machines get segments $segments', ({ n, segments, sequence }) => {
    expect(executionSegments(n)).toEqual({ segments, sequence });
  });

  test('each machine runs its own segment with its own instance_id and the same run tag', () => {
    const { run } = realRun({ parallelism: 2 });
    expect(run.segmentCommands).toHaveLength(2);
    expect(run.segmentCommands[0]).toContain(
      '--execution-segment 0:1/2 --execution-segment-sequence 0,1/2,1 --tag instance_id=1',
    );
    expect(run.segmentCommands[1]).toContain(
      '--execution-segment 1/2:1 --execution-segment-sequence 0,1/2,1 --tag instance_id=2',
    );
    for (const command of run.segmentCommands) {
      expect(command).toMatch(/^K6_PROMETHEUS_RW_SERVER_URL=http:\/\/floodgate-exporter:18080\/api\/v1\/write /);
      expect(command).toContain('--tag run=k8s-test-1');
      expect(command).toMatch(/ load-tests\/scenarios\/opening\.ts$/);
    }
  });
});

describe('inputs', () => {
  test.each([
    { image: 'grafana/k6:2.2.0', name: 'K6_FEATURES' },
    { image: 'grafana/k6:1.3.0', name: 'K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM' },
    { image: 'grafana/k6:0.57.0', name: 'K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM' },
    { image: 'grafana/k6:latest', name: 'K6_FEATURES' },
    { image: 'registry.local:5000/k6:v2.1.0-with-ext', name: 'K6_FEATURES' },
  ])('$image turns native histograms on with $name', ({ image, name }) => {
    expect(nativeHistogramEnv(image).name).toBe(name);
  });

  test.each([
    { source: "import { a } from '../lib/a.ts';\nimport type { B } from './b.ts';", imports: ['../lib/a.ts'] },
    { source: "import {\n  a,\n  b,\n} from '../../contracts/x.ts';", imports: ['../../contracts/x.ts'] },
    {
      source: "export { c } from './c.ts';\nexport type { D } from './d.ts';\nimport http from 'k6/http';",
      imports: ['./c.ts'],
    },
    { source: "import './side-effect.ts';", imports: ['./side-effect.ts'] },
  ])('finds the relative run-time imports $imports', ({ source, imports }) => {
    expect(relativeImports(source)).toEqual(imports);
  });

  test.each([
    { overrides: { runId: 'Bad Id' }, message: /run id "Bad Id" is not valid/ },
    { overrides: { parallelism: 0 }, message: /--parallelism/ },
    { overrides: { env: { RATE_SCALE: '0.1 0.2' } }, message: /cannot hold spaces/ },
  ])('refuses $overrides', ({ overrides, message }) => {
    expect(() => buildDistributedRun({ ...options, ...overrides }, [])).toThrow(message);
  });

  test('refuses an unknown scenario, naming it and the scenarios there are', () => {
    expect(() => collectScriptFiles(REPO, 'no-such-scenario')).toThrow(/no scenario "no-such-scenario"/);
    const error = catchError(() => collectScriptFiles(REPO, 'no-such-scenario'));
    expect(isFloodgateError(error, 'SCENARIO_UNKNOWN') && error.hint).toBe(
      `choose one of: ${SCENARIO_NAMES.join(', ')}`,
    );
    // a file in the folder is not yet a scenario: the planner must know it
    expect(
      isFloodgateError(
        catchError(() => buildDistributedRun({ ...options, scenario: 'nope' }, [])),
        'SCENARIO_UNKNOWN',
      ),
    ).toBe(true);
  });

  test('maps paths to ConfigMap keys without slashes', () => {
    expect(configMapKey('load-tests/lib/env.ts')).toBe('load-tests__lib__env.ts');
  });
});

function catchError(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('script variables are checked as floodgate run checks them, before anything is written', () => {
  test.each<{ scenario: string; env: Record<string, string>; code: string; message: RegExp }>([
    {
      scenario: 'opening',
      env: { RATE_SCALE: '-5' },
      code: 'SCRIPT_ENV_INVALID',
      message: /RATE_SCALE = "-5" is invalid/,
    },
    { scenario: 'opening', env: { WINDOW: '9-3' }, code: 'SCRIPT_ENV_INVALID', message: /WINDOW = "9-3" is invalid/ },
    { scenario: 'opening', env: { TIME_SCALE: '0.5' }, code: 'SCRIPT_ENV_INVALID', message: /TIME_SCALE/ },
    {
      scenario: 'opening',
      env: { PRE_ALLOCATED_VUS: '10', MAX_VUS: '5' },
      code: 'SCRIPT_ENV_INVALID',
      message: /MAX_VUS/,
    },
    {
      scenario: 'opening',
      env: { PROFILE: '/data/profile.csv' },
      code: 'SCRIPT_ENV_INVALID',
      message: /PROFILE .* runners/,
    },
    { scenario: 'breakpoint', env: { BREAKPOINT_STEPS: '0' }, code: 'SCRIPT_ENV_INVALID', message: /BREAKPOINT_STEPS/ },
    {
      scenario: 'soak',
      env: { SOAK_DURATION: '5s', TIME_SCALE: '10' },
      code: 'SCRIPT_ENV_INVALID',
      message: /SOAK_DURATION/,
    },
    {
      scenario: 'smoke',
      env: { EMAIL_TOKEN_SOURCE: 'pigeon' },
      code: 'SCRIPT_ENV_INVALID',
      message: /EMAIL_TOKEN_SOURCE/,
    },
  ])('$scenario with $env is $code', ({ scenario, env, code, message }) => {
    const error = catchError(() => buildDistributedRun({ ...options, scenario, env }, []));
    expect(isFloodgateError(error) && error.code).toBe(code);
    expect((error as Error).message).toMatch(message);
  });

  test.each(SCENARIO_NAMES.map((scenario) => [scenario]))('%s with its defaults passes', (scenario) => {
    expect(() => buildDistributedRun({ ...options, scenario, env: {} }, [])).not.toThrow();
  });

  describe('floodgate k8s', () => {
    const out = mkdtempSync(join(tmpdir(), 'floodgate-k8s-'));
    afterAll(() => rmSync(out, { recursive: true, force: true }));

    async function k8s(...args: string[]): Promise<{ code: number; text: string }> {
      let text = '';
      const write = (chunk: unknown): boolean => ((text += String(chunk)), true);
      const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(write);
      const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(write);
      try {
        return { code: await main(['k8s', ...args]), text };
      } finally {
        stdout.mockRestore();
        stderr.mockRestore();
      }
    }

    test.each([['RATE_SCALE=-5'], ['WINDOW=9-3']])(
      '-e %s exits 2 with the variable named, and writes no manifest',
      async (pair) => {
        const folder = join(out, pair.replace(/\W/g, '_'));
        const { code, text } = await k8s('--scenario', 'opening', '--run-id', 'k8s-check', '--out', folder, '-e', pair);
        expect(code).toBe(2);
        expect(text).toMatch(
          new RegExp(`^error: script variable ${pair.split('=')[0]} = "${pair.split('=')[1]}" is invalid`, 'm'),
        );
        expect(text).not.toMatch(/\n\s+at /);
        expect(existsSync(folder)).toBe(false);
      },
    );

    test('--scenario nope lists the scenarios there are', async () => {
      const { code, text } = await k8s('--scenario', 'nope', '--out', join(out, 'nope'));
      expect(code).toBe(2);
      expect(text).toContain(`hint: choose one of: ${SCENARIO_NAMES.join(', ')}`);
    });

    test('good variables still write the manifest', async () => {
      const { code, text } = await k8s(
        '--scenario',
        'opening',
        '--run-id',
        'k8s-check',
        '--out',
        join(out, 'good'),
        '-e',
        'RATE_SCALE=0.1',
        '-e',
        'WINDOW=0-3',
      );
      expect(code, text).toBe(0);
      expect(existsSync(join(out, 'good', 'floodgate-opening.yaml'))).toBe(true);
    });
  });
});
