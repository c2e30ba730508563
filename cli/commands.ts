/**
 * The explicit list of `floodgate` commands, one file each. Add a command by adding its file and
 * one line here.
 */

import type { CommandDefinition } from './command.ts';
import { dashboardsCommand } from './dashboards.ts';
import { exporterCommand } from './exporter.ts';
import { runCommand } from './run.ts';

export const COMMANDS: readonly CommandDefinition<never>[] = [
  dashboardsCommand,
  exporterCommand,
  runCommand,
];
