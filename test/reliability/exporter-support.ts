/**
 * Support for the exporter's reliability tests: `floodgate exporter` as a child process (so its
 * memory and CPU are its own, and it can be killed with -9), and its memory read from /proc.
 */

import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort, type ManagedProcess, startProcess } from '../support/processes.ts';

const BIN = fileURLToPath(new URL('../../bin/floodgate.js', import.meta.url));

/** A running `floodgate exporter`. */
export interface ExporterProcess {
  readonly process: ManagedProcess;
  readonly url: string;
  readonly port: number;
}

/** Starts `floodgate exporter` with `args` on a free port (or `port`) and waits until it listens. */
export async function startExporterProcess(
  args: readonly string[],
  options: { port?: number; cwd?: string } = {},
): Promise<ExporterProcess> {
  const port = options.port ?? (await freePort());
  const child = startProcess(process.execPath, [BIN, 'exporter', '--port', String(port), ...args], {
    cwd: options.cwd,
  });
  await child.waitFor(/listening on (http:\/\/\S+)/, 60_000);
  return { process: child, url: `http://127.0.0.1:${port}`, port };
}

/** A field of /proc/<pid>/status in bytes (VmRSS: resident now; VmHWM: peak since the last reset). */
export function procMemory(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

/** Resets the process's peak RSS (VmHWM) to its current RSS (Linux: `echo 5 > /proc/pid/clear_refs`). */
export function resetPeakMemory(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

/** CPU seconds (user + system) the process has used, from /proc/<pid>/stat. */
export function procCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[11] = utime, fields[12] = stime (fields 14 and 15 of stat(5), counted from after the name)
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
