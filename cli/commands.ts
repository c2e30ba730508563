/**
 * The explicit list of `floodgate` commands, one file each, in the order a newcomer meets them.
 * Add a command by adding its file and one line here.
 */

import { adapterCommand } from './adapter.ts';
import type { CommandDefinition } from './command.ts';
import { dashboardsCommand } from './dashboards.ts';
import { demoCommand } from './demo.ts';
import { exporterCommand } from './exporter.ts';
import { k8sCommand } from './k8s.ts';
import { profileCommand } from './profile.ts';
import { reportCommand } from './report.ts';
import { runCommand } from './run.ts';
import { targetCommand } from './target.ts';

export const COMMANDS: readonly CommandDefinition<never>[] = [
  demoCommand,
  targetCommand,
  runCommand,
  adapterCommand,
  exporterCommand,
  reportCommand,
  dashboardsCommand,
  k8sCommand,
  profileCommand,
];
