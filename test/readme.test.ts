import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { COMMANDS } from '../cli/commands.ts';
import { renderEnvExample, renderReadmeSections, replaceEnvExample, replaceGeneratedSections } from '../cli/docs.ts';

const README = new URL('../README.md', import.meta.url);

describe('the README', () => {
  test('its reference tables match the code (UPDATE_GOLDEN=1 rewrites them)', () => {
    const current = readFileSync(README, 'utf8');
    const expected = replaceGeneratedSections(current, renderReadmeSections(COMMANDS));
    if (process.env.UPDATE_GOLDEN === '1' && expected !== current) writeFileSync(README, expected);
    else expect(current).toBe(expected);
  });

  test('.env.example lists every option that has an environment variable (UPDATE_GOLDEN=1 rewrites it)', () => {
    const file = new URL('../.env.example', import.meta.url);
    const current = readFileSync(file, 'utf8');
    const expected = replaceEnvExample(current, renderEnvExample(COMMANDS));
    if (process.env.UPDATE_GOLDEN === '1' && expected !== current) writeFileSync(file, expected);
    else expect(current).toBe(expected);
  });

  test('opens with the two commands: the demo and the tests', () => {
    const firstScreen = readFileSync(README, 'utf8').split('\n').slice(0, 40).join('\n');
    expect(firstScreen).toContain('npm ci && npx floodgate demo');
    expect(firstScreen).toContain('npm run setup && npm run check');
  });

  test('.ci/run runs exactly the README test command', () => {
    const ci = readFileSync(new URL('../.ci/run', import.meta.url), 'utf8');
    expect(ci).toMatch(/^npm run setup && npm run check$/m);
  });
});
