/**
 * `floodgate profile from-logs <file>…` turns the access logs of a real opening into a profile
 * file (the fitted or replayed arrival curve, the stage mix, think times, retry behaviour);
 * `floodgate profile show <profile.json>` draws one in the terminal with the k6 stages it becomes.
 * A thin adapter over profile/index.ts.
 */

import { z } from 'zod';
import { FloodgateError } from '../contracts/errors.ts';
import { LOG_FORMAT_NAMES } from '../profile/formats/index.ts';
import { profileFromLogs, readProfileFile, renderProfile } from '../profile/index.ts';
import { defineCommand } from './command.ts';
import { option, schemas } from './config.ts';

/** The resolved config of `floodgate profile`. */
export interface ProfileCommandConfig {
  readonly format?: string;
  readonly stageMap?: string;
  readonly out: string;
  readonly use: 'fit' | 'replay';
  readonly opening?: string;
  readonly clientKey: 'ip' | 'ip+ua';
  readonly name?: string;
  readonly rateScale?: number;
  readonly timeScale?: number;
}

const ACTIONS = ['from-logs', 'show'] as const;

export const profileCommand = defineCommand<ProfileCommandConfig>({
  name: 'profile',
  summary:
    'Build a traffic profile from the access logs of a real opening (curve, stage mix, think times, retries), or show one.',
  help: [
    'floodgate profile from-logs access.log.gz access.log.1 --out profile.json   (gzip or plain, several files, any order)',
    'floodgate profile show profile.json [--rate-scale 0.01 --time-scale 60]',
    'floodgate run --scenario opening -e PROFILE=$PWD/profile.json   plays it (RATE_SCALE, TIME_SCALE, WINDOW apply as to the built-in shapes).',
    `Formats: ${LOG_FORMAT_NAMES.join(', ')} (detected from each file's first line when --format is not given); profile/README.md documents each format string and the --stage-map file.`,
  ].join('\n'),
  arguments: [
    { name: 'action', description: `${ACTIONS.join(' | ')}`, required: true },
    {
      name: 'files',
      description: 'access-log files (from-logs) or one profile file (show)',
      required: true,
      variadic: true,
    },
  ],
  options: [
    option({
      key: 'format',
      flag: '--format <name>',
      description: `log format: ${LOG_FORMAT_NAMES.join(', ')} (default: detected)`,
      schema: z.enum(LOG_FORMAT_NAMES as [string, ...string[]]),
    }),
    option({
      key: 'stageMap',
      flag: '--stage-map <file>',
      description:
        "JSON table of method + path regex → funnel stage, and the filters (default: the reference target's routes)",
      schema: schemas.text,
    }),
    option({
      key: 'out',
      flag: '--out <file>',
      default: 'profile.json',
      description: 'where from-logs writes the profile',
      schema: schemas.text,
    }),
    option({
      key: 'use',
      flag: '--use <curve>',
      default: 'fit',
      description: 'what the opening scenario plays: fit (the chosen curve) or replay (the logged minutes)',
      schema: z.enum(['fit', 'replay']),
    }),
    option({
      key: 'opening',
      flag: '--opening <iso-time>',
      description: 'the opening instant, with its zone (default: the first minute reaching 5 % of the busiest)',
      schema: schemas.text,
    }),
    option({
      key: 'clientKey',
      flag: '--client-key <key>',
      default: 'ip+ua',
      description: 'what tells applicants apart: ip, or ip+ua (address and user agent)',
      schema: z.enum(['ip', 'ip+ua']),
    }),
    option({
      key: 'name',
      flag: '--name <name>',
      description: "the profile's name (default: from-logs)",
      schema: schemas.text,
    }),
    option({
      key: 'rateScale',
      flag: '--rate-scale <x>',
      description: 'show: multiply every rate (as RATE_SCALE)',
      schema: schemas.positive,
    }),
    option({
      key: 'timeScale',
      flag: '--time-scale <x>',
      description: 'show: event minutes per real minute (as TIME_SCALE)',
      schema: z.coerce.number().min(1),
    }),
  ],
  async run({ config, args, signal, stdout }) {
    const [action, ...files] = args;
    if (action === 'show') {
      if (files.length !== 1) throw new FloodgateError('USAGE', { detail: 'profile show takes one profile file' });
      const profile = await readProfileFile(files[0]!);
      const scaling = {
        rateScale: config.rateScale,
        timeScale: config.timeScale,
      };
      stdout.write(
        renderProfile(profile, {
          scaling,
          width: Math.min(100, Math.max(40, ((stdout as { columns?: number }).columns ?? 90) - 20)),
        }),
      );
      return 0;
    }
    if (action !== 'from-logs')
      throw new FloodgateError('USAGE', { detail: `unknown action "${action}"; use ${ACTIONS.join(' or ')}` });
    const profile = await profileFromLogs({
      files,
      out: config.out,
      use: config.use,
      clientKey: config.clientKey,
      signal,
      format: config.format,
      stageMap: config.stageMap,
      opening: config.opening,
      name: config.name,
    });
    const rejected = Object.values(profile.source.rejected).reduce((a, b) => a + b, 0);
    const ignored = Object.values(profile.source.ignored).reduce((a, b) => a + b, 0);
    const reasons = (counts: Readonly<Record<string, number>>): string =>
      Object.entries(counts)
        .map(([reason, n]) => `${reason} ${n}`)
        .join(', ');
    stdout.write(renderProfile(profile));
    stdout.write(
      `read ${profile.source.lines} lines: ${profile.source.accepted} funnel requests, ${ignored} left out${ignored ? ` (${reasons(profile.source.ignored)})` : ''}, ${rejected} unreadable${rejected ? ` (${reasons(profile.source.rejected)})` : ''}\n`,
    );
    stdout.write(`wrote ${config.out}\n`);
    return 0;
  },
});
