/**
 * `floodgate adapter new <name>`: writes a complete target adapter skeleton to
 * load-tests/targets/<name>.ts and registers it in load-tests/targets/index.ts, so a QA engineer
 * fills in their API's paths and runs the smoke against it. A thin adapter over adapter-template.ts.
 */

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { FloodgateError } from '../contracts/errors.ts';
import { PROJECT_ROOT } from '../runner/index.ts';
import { adapterFactoryName, adapterSkeleton, registerAdapter } from './adapter-template.ts';
import { defineCommand } from './command.ts';
import { option, schemas } from './config.ts';

/** The resolved config of `floodgate adapter`. */
export interface AdapterCommandConfig {
  readonly targetsDir?: string;
}

export const adapterCommand = defineCommand<AdapterCommandConfig>({
  name: 'adapter',
  summary:
    'Write a target adapter skeleton for your own API (adapter new <name>) into load-tests/targets/, registered and type-checked.',
  help: [
    'Example: floodgate adapter new acme   →   load-tests/targets/acme.ts, registered in load-tests/targets/index.ts',
    'Then fill in the TODOs (paths, bodies, answers) and run: floodgate run --scenario smoke -e ADAPTER=acme -e EMAIL_TOKEN_SOURCE=header --target <url>',
  ].join('\n'),
  arguments: [
    { name: 'action', description: 'new', required: true },
    {
      name: 'name',
      description: 'adapter name: lower-case letters, digits, dashes (the file name and -e ADAPTER=<name>)',
      required: true,
    },
  ],
  options: [
    option({
      key: 'targetsDir',
      flag: '--targets-dir <dir>',
      description: "folder of the adapters and their index.ts (default floodgate's load-tests/targets)",
      schema: schemas.text,
    }),
  ],
  async run({ config, args, stdout }) {
    const [action, name] = args;
    if (action !== 'new' || name === undefined)
      throw new FloodgateError('USAGE', {
        detail: `floodgate adapter knows one action: new <name> (got "${args.join(' ')}")`,
      });
    const factory = adapterFactoryName(name);
    const targetsDir = config.targetsDir ?? join(PROJECT_ROOT, 'load-tests', 'targets');
    const file = join(targetsDir, `${name}.ts`);
    const index = join(targetsDir, 'index.ts');
    if (existsSync(file))
      throw new FloodgateError('USAGE', { detail: `${file} exists already; pick another name or edit that file` });
    if (!existsSync(index))
      throw new FloodgateError('USAGE', {
        detail: `${index} not found: --targets-dir must be the folder of load-tests/targets/`,
      });
    const registered = registerAdapter(readFileSync(index, 'utf8'), name);
    writeFileSync(file, adapterSkeleton(name));
    writeFileSync(index, registered);
    const shown = (path: string): string => relative(process.cwd(), path) || path;
    stdout.write(
      [
        `wrote ${shown(file)} (${factory}: all six stages, a TODO where your API's paths and answers go)`,
        `registered it in ${shown(index)} (an import and one ADAPTERS entry)`,
        'next:',
        `  1. fill in the TODOs in ${shown(file)}`,
        "  2. npx tsc -p load-tests/tsconfig.json --noEmit   (checks it against k6's types)",
        `  3. floodgate run --scenario smoke -e ADAPTER=${name} -e EMAIL_TOKEN_SOURCE=header --target https://your-staging.example`,
        '',
      ].join('\n'),
    );
    return 0;
  },
});
