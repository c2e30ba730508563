import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, test } from 'vitest';
import { DASHBOARDS } from '../dashboards/index.ts';
import { GRAFANA_DASHBOARDS_PATH } from '../dashboards/provisioning.ts';

const REPO = join(import.meta.dirname, '..');
const read = (path: string): string => readFileSync(join(REPO, path), 'utf8');

interface Service {
  image?: string;
  build?: { context: string; dockerfile?: string };
  profiles?: string[];
  volumes?: string[];
  environment?: Record<string, string | null> | string[];
  healthcheck?: { test: string[] };
  network_mode?: string;
  command?: string[];
  depends_on?: Record<string, { condition: string }>;
}
interface Compose {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
}

const text = read('docker-compose.yml');
const compose = parse(text, { merge: true }) as Compose;
const services = Object.entries(compose.services);

/** The Compose schema; its `$schema` names draft-07 by an https URL Ajv does not register, so it goes. */
function composeSchema(): object {
  const { $schema: _draft, ...schema } = JSON.parse(read('deploy/schemas/compose-spec.json')) as Record<
    string,
    unknown
  >;
  return schema;
}

/** `${NAME}`, `${NAME:-default}`, `${NAME:?message}` → the default (or '' when none), as compose would with NAME unset. */
function withDefaults(value: string): string {
  return value.replace(/\$\{(\w+)(?::?[-?]([^}]*))?\}/g, (_whole, _name: string, fallback?: string) => fallback ?? '');
}

/** Host side of each bind mount (`./x:/y[:ro]`), with compose defaults filled in. */
function bindMounts(service: Service): Array<{ host: string; container: string }> {
  return (service.volumes ?? [])
    .filter((volume) => volume.startsWith('./'))
    .map((volume) => {
      const [host, container] = withDefaults(volume).split(':');
      return { host: host as string, container: container as string };
    });
}

describe('docker-compose.yml', () => {
  test('validates against the Compose Specification schema', () => {
    const schema = composeSchema();
    const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
    const validate = ajv.compile(schema);
    // Validate the file as written (anchors resolved, as compose reads it).
    expect(validate(compose), JSON.stringify(validate.errors, null, 2)).toBe(true);
  });

  test('the schema check catches a mistake (it can fail)', () => {
    const ajv = new Ajv({ strict: false, validateFormats: false });
    const validate = ajv.compile(composeSchema());
    expect(validate({ services: { broken: { image: 'x', healthcheck: { intervall: '5s' } } } })).toBe(false);
  });

  test('runs prometheus, grafana and the exporter always, the target with profile demo and k6 with profile loadtest', () => {
    expect(compose.services.prometheus?.profiles).toBeUndefined();
    expect(compose.services.grafana?.profiles).toBeUndefined();
    expect(compose.services.exporter?.profiles).toBeUndefined();
    expect(compose.services.target?.profiles).toEqual(['demo']);
    expect(compose.services.k6?.profiles).toEqual(['loadtest']);
    expect(compose.services.k6?.image).toMatch(/^grafana\/k6:/);
  });

  test.each(services)('%s pins its image to a version', (_name, service) => {
    const image = service.image ?? '';
    if (service.build) {
      expect(image).toBe('floodgate:local');
      return;
    }
    expect(image).toMatch(/^[\w./-]+:v?\d+\.\d+\.\d+$/);
  });

  /** One-shot services: others wait for them to complete successfully. */
  const oneShot = new Set(
    services.flatMap(([, service]) =>
      Object.entries(service.depends_on ?? {})
        .filter(([, dependency]) => dependency.condition === 'service_completed_successfully')
        .map(([name]) => name),
    ),
  );

  test.each(services.filter(([name, service]) => !service.profiles?.includes('loadtest') && !oneShot.has(name)))(
    '%s, a long-running service, has a healthcheck',
    (_name, service) => {
      expect(service.healthcheck?.test.length ?? 0).toBeGreaterThan(1);
    },
  );

  test.each(services)('every file or folder %s mounts or builds from exists', (_name, service) => {
    for (const mount of bindMounts(service)) expect(existsSync(join(REPO, mount.host)), mount.host).toBe(true);
    if (service.build) {
      expect(statSync(join(REPO, service.build.context)).isDirectory()).toBe(true);
      expect(existsSync(join(REPO, service.build.context, service.build.dockerfile ?? 'Dockerfile'))).toBe(true);
    }
  });

  test('keeps secrets out of the file: passwords and tokens come from .env', () => {
    for (const [name, service] of services) {
      const environment = Array.isArray(service.environment) ? {} : (service.environment ?? {});
      for (const [key, value] of Object.entries(environment)) {
        // A value is either interpolated from .env, or null: passed through from the environment.
        if (/PASSWORD|TOKEN|SECRET/.test(key) && value !== null)
          expect(value, `${name}.${key}`).toMatch(/^\$\{\w+(:[-?][^}]*)?\}$/);
      }
    }
  });

  test("has no top-level name: Debian's docker-compose 1.29 rejects it", () => {
    // compose 1.29 validates against its own v3 schema, where the top level allows only
    // version, services, networks, volumes, secrets, configs and x- extensions.
    const allowed = new Set(['version', 'services', 'networks', 'volumes', 'secrets', 'configs']);
    expect(Object.keys(compose).filter((key) => !allowed.has(key) && !key.startsWith('x-'))).toEqual([]);
  });

  test(".env.example sets no Grafana password: compose's required-password check (${GRAFANA_ADMIN_PASSWORD:?…}) must fire", () => {
    expect(text).toMatch(/GF_SECURITY_ADMIN_PASSWORD: \$\{GRAFANA_ADMIN_PASSWORD:\?/);
    expect(read('.env.example')).not.toMatch(/^GRAFANA_ADMIN_PASSWORD=/m);
    expect(read('.env.example')).toMatch(/^# GRAFANA_ADMIN_PASSWORD=/m);
  });

  test('hands the exporter token to Prometheus where prometheus.yml reads it', () => {
    const config = parse(read('deploy/prometheus/prometheus.yml')) as {
      scrape_configs: Array<{ job_name: string; authorization?: { credentials_file?: string } }>;
    };
    const file = config.scrape_configs.find((job) => job.job_name === 'floodgate-exporter')?.authorization
      ?.credentials_file;
    expect(file).toBe('secrets/exporter-token');
    const writer = compose.services['prometheus-token'];
    expect(writer?.command?.join(' ')).toMatch(/FLOODGATE_EXPORTER_TOKEN.*> \/secrets\/exporter-token/);
    const secretsVolume = (writer?.volumes ?? []).find((volume) => volume.endsWith(':/secrets'))!.split(':')[0];
    expect(compose.services.prometheus?.volumes).toContain(
      `${secretsVolume}:/etc/prometheus/${file!.replace(/\/[^/]+$/, '')}:ro`,
    );
    expect(compose.services.prometheus?.depends_on?.['prometheus-token']?.condition).toBe(
      'service_completed_successfully',
    );
    expect((writer?.environment as Record<string, string>).FLOODGATE_EXPORTER_TOKEN).toBe(
      (compose.services.exporter?.environment as Record<string, string>).FLOODGATE_EXPORTER_TOKEN,
    );
  });

  test('names every variable it reads from .env in .env.example', () => {
    const example = read('.env.example');
    const variables = new Set([...text.matchAll(/\$\{(\w+)/g)].map((match) => match[1] as string));
    const missing = [...variables].filter((name) => !new RegExp(`^#?\\s*${name}=`, 'm').test(example));
    expect(missing).toEqual([]);
  });

  test('gives Grafana the provisioning and the generated dashboards where the provider looks', () => {
    const mounts = bindMounts(compose.services.grafana as Service);
    expect(mounts).toContainEqual({ host: './deploy/grafana/provisioning', container: '/etc/grafana/provisioning' });
    expect(mounts).toContainEqual({ host: './dashboards/generated', container: GRAFANA_DASHBOARDS_PATH });
    const provider = parse(read('deploy/grafana/provisioning/dashboards/floodgate.yml')) as {
      providers: Array<{ options: { path: string } }>;
    };
    expect(provider.providers[0]?.options.path).toBe(GRAFANA_DASHBOARDS_PATH);
    const home =
      (compose.services.grafana?.environment as Record<string, string>).GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH ?? '';
    expect(DASHBOARDS.map((board) => `${GRAFANA_DASHBOARDS_PATH}/${board.file}`)).toContain(home);
  });

  test("gives Prometheus the project config, and puts Prometheus, target and k6 in the exporter's network namespace", () => {
    expect(bindMounts(compose.services.prometheus as Service)).toContainEqual({
      host: './deploy/prometheus',
      container: '/etc/prometheus',
    });
    expect(compose.services.prometheus?.command).toContain('--config.file=/etc/prometheus/prometheus.yml');
    for (const name of ['prometheus', 'target', 'k6'])
      expect(compose.services[name]?.network_mode, name).toBe('service:exporter');
  });

  test('runs a k6 scenario that exists, with --out json onto the results volume the exporter follows', () => {
    const k6 = compose.services.k6 as Service;
    const environment = k6.environment as Record<string, string>;
    const scenario = withDefaults(environment.SCENARIO ?? '');
    expect(existsSync(join(REPO, 'load-tests/scenarios', `${scenario}.ts`))).toBe(true);
    expect(k6.command?.join(' ')).toContain('--out "json=$$RESULTS_DIR/k6.ndjson"');
    expect(withDefaults(environment.RESULTS_DIR ?? '')).toMatch(/^\/results\//);
    const exporter = compose.services.exporter?.environment as Record<string, string>;
    expect(exporter.FLOODGATE_EXPORTER_FOLLOW).toBe('/results/*/k6.ndjson');
    expect(compose.services.exporter?.volumes).toContain('results:/results:ro');
    expect(k6.volumes).toContain('results:/results');
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');

  test('pins its base image and runs the floodgate command as an unprivileged user', () => {
    const bases = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((match) => match[1]);
    expect(bases.length).toBeGreaterThan(0);
    for (const base of bases) expect(base).toMatch(/^node:\d+\.\d+\.\d+-/);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "bin\/floodgate\.js"\]$/m);
  });

  test('copies files that exist', () => {
    for (const match of dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
      for (const source of (match[1] as string).split(/\s+/)) expect(existsSync(join(REPO, source)), source).toBe(true);
    }
  });

  test('.dockerignore keeps node_modules, results and .env out of the image', () => {
    const ignored = read('.dockerignore').split('\n');
    for (const entry of ['node_modules', 'results', '.env']) expect(ignored).toContain(entry);
  });
});
