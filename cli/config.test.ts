import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { isFloodgateError } from '../contracts/errors.ts';
import { option, resolveConfig, schemas } from './config.ts';

const specs = [
  option({
    key: 'port',
    env: 'FG_TEST_PORT',
    flag: '--port <port>',
    default: 18081,
    description: 'port',
    schema: schemas.port,
  }),
  option({
    key: 'host',
    env: 'FG_TEST_HOST',
    flag: '--host <host>',
    default: '127.0.0.1',
    description: 'host',
    schema: schemas.host,
  }),
  option({
    key: 'hooks',
    env: 'FG_TEST_HOOKS',
    flag: '--test-hooks',
    default: false,
    description: 'hooks',
    schema: schemas.boolean,
  }),
  option({ key: 'token', env: 'FG_TEST_TOKEN', flag: '--token <t>', description: 'token', schema: schemas.text }),
];

function envFile(text: string): string {
  const folder = mkdtempSync(join(tmpdir(), 'fg-config-'));
  const path = join(folder, '.env');
  writeFileSync(path, text);
  return path;
}

describe('configuration resolves defaults < .env < environment < flags', () => {
  test('defaults apply when nothing is set', () => {
    const config = resolveConfig(specs, {}, { env: {}, envFile: '/nonexistent/.env' });
    expect(config).toEqual({ port: 18081, host: '127.0.0.1', hooks: false });
  });

  test('.env overrides defaults, the environment overrides .env, flags override both', () => {
    const file = envFile('FG_TEST_PORT=1000\nFG_TEST_HOST=0.0.0.0\nFG_TEST_HOOKS=yes\n');
    expect(resolveConfig(specs, {}, { env: {}, envFile: file })).toMatchObject({
      port: 1000,
      host: '0.0.0.0',
      hooks: true,
    });
    expect(resolveConfig(specs, {}, { env: { FG_TEST_PORT: '2000' }, envFile: file })).toMatchObject({ port: 2000 });
    expect(resolveConfig(specs, { port: '3000' }, { env: { FG_TEST_PORT: '2000' }, envFile: file })).toMatchObject({
      port: 3000,
    });
  });

  test('an empty environment variable does not override', () => {
    expect(resolveConfig(specs, {}, { env: { FG_TEST_PORT: '' }, envFile: '/nonexistent' })).toMatchObject({
      port: 18081,
    });
  });

  test('the result is frozen', () => {
    const config = resolveConfig(specs, {}, { env: {}, envFile: '/nonexistent' });
    expect(Object.isFrozen(config)).toBe(true);
  });

  test.each([
    [{ port: 'eighty' }, {}, /--port = "eighty"/],
    [{}, { FG_TEST_PORT: '70000' }, /FG_TEST_PORT \(environment\) = "70000"/],
    [{}, { FG_TEST_HOOKS: 'maybe' }, /expected true or false/],
  ])('invalid values name their source: flags %j env %j', (flags, env, message) => {
    let caught: unknown;
    try {
      resolveConfig(specs, flags, { env, envFile: '/nonexistent' });
    } catch (error) {
      caught = error;
    }
    expect(isFloodgateError(caught, 'CONFIG_INVALID')).toBe(true);
    expect((caught as Error).message).toMatch(message);
  });
});
