/**
 * The explicit list of `floodgate` commands, one file each. Add a command by adding its file and
 * one line here.
 */

import type { CommandDefinition } from './command.ts';
import { k8sCommand } from './k8s.ts';
import { dashboardsCommand } from './dashboards.ts';
import { exporterCommand } from './exporter.ts';
import { runCommand } from './run.ts';
import { targetCommand } from './target.ts';
import { reportCommand } from './report.ts';
import { demoCommand } from './demo.ts';

export const COMMANDS: readonly CommandDefinition<never>[] = [
  k8sCommand,
  dashboardsCommand,
  exporterCommand,
  runCommand,
  targetCommand,
  reportCommand,
  demoCommand,
];
