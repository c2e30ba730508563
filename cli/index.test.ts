import { describe, expect, test, vi } from 'vitest';
import { defineCommand } from './command.ts';
import { COMMANDS } from './commands.ts';
import { option, schemas } from './config.ts';
import { main } from './index.ts';

function capture(): { text: () => string; restore: () => void } {
  let text = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((text += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((text += String(chunk)), true));
  return { text: () => text, restore: () => (out.mockRestore(), err.mockRestore()) };
}

describe('the floodgate command line', () => {
  const seen: Array<Record<string, unknown>> = [];
  const probe = defineCommand<{ errorRates?: string[]; port: number; hooks: boolean }>({
    name: 'probe',
    summary: 'a command for this test',
    options: [
      option({
        key: 'errorRates',
        flag: '--error-rate <stage=p>',
        description: 'x',
        schema: schemas.text.array(),
        repeatable: true,
      }),
      option({ key: 'port', flag: '--port <port>', default: 1, description: 'x', schema: schemas.port }),
      option({ key: 'hooks', flag: '--test-hooks', default: false, description: 'x', schema: schemas.boolean }),
    ],
    async run({ config }) {
      seen.push({ ...config });
      return 7;
    },
  });

  test('passes flags to the config by key even when the flag is spelled differently', async () => {
    const output = capture();
    try {
      const code = await main(
        ['probe', '--error-rate', 'a=1', '--error-rate', 'b=2', '--port', '9', '--test-hooks'],
        [probe as never],
      );
      expect(code).toBe(7);
    } finally {
      output.restore();
    }
    expect(seen.at(-1)).toEqual({ errorRates: ['a=1', 'b=2'], port: 9, hooks: true });
  });

  test('a bad flag value exits 2 with an error and a hint, no stack trace', async () => {
    const output = capture();
    let code: number;
    try {
      code = await main(['probe', '--port', 'nope'], [probe as never]);
    } finally {
      output.restore();
    }
    expect(code).toBe(2);
    expect(output.text()).toMatch(/^error: configuration is invalid: --port = "nope": expected a number$/m);
    expect(output.text()).toMatch(/^hint: .*`floodgate probe --help`/m);
    expect(output.text()).not.toMatch(/\n\s+at /);
  });

  test.each(COMMANDS.map((command) => [command.name]))('floodgate %s --help exits 0', async (name) => {
    const output = capture();
    let code: number;
    try {
      code = await main([name, '--help']);
    } finally {
      output.restore();
    }
    expect(code).toBe(0);
    expect(output.text()).toContain(`Usage: floodgate ${name}`);
  });

  test('every option of every command has a unique key and flag', () => {
    for (const command of COMMANDS) {
      const keys = command.options.map((spec) => spec.key);
      const flags = command.options.map((spec) => spec.flag.match(/--[a-z0-9-]+/)?.[0]);
      expect(new Set(keys).size, command.name).toBe(keys.length);
      expect(new Set(flags).size, command.name).toBe(flags.length);
    }
  });
});
