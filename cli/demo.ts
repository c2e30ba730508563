/**
 * `floodgate demo`: the embedded default — reference target with a slow ministry, exporter (and
 * Prometheus when installed), a breakpoint and a scaled opening, two capacity reports. A thin
 * adapter over demo/index.ts.
 */

import { z } from 'zod';
import { ENGINE_CHOICES, type EngineChoice } from '../runner/engine-choice.ts';
import type { LocalEngine } from '../runner/index.ts';
import { runDemo } from '../demo/index.ts';
import { defineCommand } from './command.ts';
import { option, schemas } from './config.ts';

/** The resolved config of `floodgate demo`. */
export interface DemoCommandConfig {
  readonly out: string;
  readonly engine: EngineChoice;
  readonly prometheus: boolean;
}

/** Loads the local engine only when it runs. */
const localEngine = async (): Promise<LocalEngine> => (await import('../engine/index.ts')).runScript;

export const demoCommand = defineCommand<DemoCommandConfig>({
  name: 'demo',
  summary:
    'Rehearse an opening end to end on this machine: target with a slow ministry API, exporter, Prometheus if installed, a breakpoint and a scaled opening, capacity reports.',
  help: [
    'Takes about 3 minutes on 2 cores; Ctrl-C stops everything it started.',
    'Writes results/demo-<time>-breakpoint/ and results/demo-<time>-opening/, each with report.html.',
  ].join('\n'),
  options: [
    option({
      key: 'out',
      env: 'FLOODGATE_DEMO_OUT',
      flag: '--out <dir>',
      default: 'results',
      description: 'results root: each run writes <out>/<run>/',
      schema: schemas.text,
    }),
    option({
      key: 'engine',
      env: 'FLOODGATE_ENGINE',
      flag: '--engine <engine>',
      default: 'auto',
      description: 'auto (k6 when on PATH, else local), k6 or local',
      schema: z.enum(ENGINE_CHOICES),
    }),
    option({
      key: 'prometheus',
      env: 'FLOODGATE_DEMO_PROMETHEUS',
      flag: '--prometheus <on|off>',
      default: true,
      description: 'start Prometheus when it is installed',
      schema: schemas.boolean,
    }),
  ],
  async run({ config, signal, stdout, stderr }) {
    const outcome = await runDemo({
      out: config.out,
      engine: config.engine,
      prometheus: config.prometheus ? 'auto' : 'off',
      stdout,
      stderr,
      signal,
      localEngine,
    });
    return outcome.exitCode;
  },
});
