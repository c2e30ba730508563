/**
 * `floodgate demo` as a user runs it: a child process on a fresh results folder. It must write
 * both reports and leave nothing running — target, exporter and Prometheus all stopped — also
 * when interrupted with Ctrl-C (SIGINT). Bounded by a timeout per run; the demo itself plans about
 * 1 000 + 250 applicants on 127.0.0.1.
 */

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { startProcess, stopAll, type ManagedProcess } from '../test/support/processes.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'floodgate-demo-'));

afterAll(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

function startDemo(out: string): ManagedProcess {
  return startProcess(process.execPath, [join(ROOT, 'bin', 'floodgate.js'), 'demo', '--out', out], { cwd: ROOT });
}

async function exitOf(demo: ManagedProcess, timeoutMs: number): Promise<number | null> {
  if (demo.child.exitCode !== null) return demo.child.exitCode;
  const timer = setTimeout(() => void demo.stop(), timeoutMs);
  const code = await new Promise<number | null>((done) => demo.child.once('exit', (exitCode) => done(exitCode)));
  clearTimeout(timer);
  return code;
}

/** What the demo said it started. */
function started(output: string): { urls: string[]; prometheusPid?: number } {
  const urls = [...output.matchAll(/^(?:target|exporter|prometheus):\s+(http:\/\/127\.0\.0\.1:\d+)/gm)].map(
    (match) => match[1]!,
  );
  const pid = /^prometheus: .*\(pid (\d+)/m.exec(output)?.[1];
  return { urls, ...(pid ? { prometheusPid: Number(pid) } : {}) };
}

/** Asserts nothing the demo started still runs: its ports refuse, its Prometheus is gone. */
async function expectNothingLeft(output: string, out: string): Promise<void> {
  const { urls, prometheusPid } = started(output);
  expect(urls.length).toBeGreaterThanOrEqual(2);
  for (const url of urls) {
    await expect(fetch(url, { signal: AbortSignal.timeout(2000) }), url).rejects.toThrow();
  }
  if (prometheusPid !== undefined) expect(() => process.kill(prometheusPid, 0)).toThrow(/ESRCH/);
  // Only this demo's processes: others may run a demo on the same machine at the same time.
  const processes = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
  const prometheusUrl = /^prometheus:\s+(http:\/\/127\.0\.0\.1:\d+)/m.exec(output)?.[1];
  if (prometheusUrl) expect(processes).not.toContain(`--web.listen-address=${new URL(prometheusUrl).host}`);
  expect(processes).not.toContain(`demo --out ${out}`);
}

describe('floodgate demo', () => {
  test('writes both reports, prints the verdicts, and leaves no process behind', { timeout: 330_000 }, async () => {
    const out = join(work, 'full');
    const demo = startDemo(out);
    const code = await exitOf(demo, 300_000);
    const output = demo.output();
    expect(code, output.slice(-3000)).toBe(0);
    // The live page comes first, so a browser can watch from the start.
    expect(output.split('\n')[0]).toMatch(/^live page:\s+http:\/\/127\.0\.0\.1:\d+\/live\b/);
    for (const kind of ['breakpoint', 'opening']) {
      const path = new RegExp(`^${kind} report:\\s+(\\S+)`, 'm').exec(output)?.[1];
      expect(path, `${kind} report path in the output`).toBeDefined();
      const html = resolve(ROOT, path!);
      expect(existsSync(html)).toBe(true);
      const report = JSON.parse(readFileSync(join(html, '..', 'report.json'), 'utf8')) as {
        valid: boolean;
        scenario: string;
      };
      expect(report.scenario).toBe(kind);
      expect(report.valid).toBe(true);
      // The live page's snapshot of the run, beside its report, opens offline.
      const snapshot = readFileSync(join(html, '..', 'live.html'), 'utf8');
      expect(snapshot).toContain('id="floodgate-snapshot"');
      expect(snapshot).not.toMatch(/(?:src|href)="https?:/);
    }
    const breakpoint = JSON.parse(
      readFileSync(join(resolve(ROOT, /^breakpoint report:\s+(\S+)/m.exec(output)![1]!), '..', 'report.json'), 'utf8'),
    ) as {
      capacity: { limitingStage?: string };
    };
    expect(breakpoint.capacity.limitingStage).toBe('verify_nik');
    expect(output).toMatch(/Not ready for an 80,000\/min opening/);
    await expectNothingLeft(output, out);
  });

  test('stops everything it started on Ctrl-C and exits 130', { timeout: 120_000 }, async () => {
    const out = join(work, 'interrupted');
    const demo = startDemo(out);
    await demo.waitFor(/arrivals \d+/, 60_000);
    demo.child.kill('SIGINT');
    const code = await exitOf(demo, 60_000);
    const output = demo.output();
    expect(code, output.slice(-3000)).toBe(130);
    expect(output).toMatch(/stopped: target, exporter and Prometheus are shut down/);
    expect(output).not.toMatch(/^\s+at /m); // no stack trace for an expected interruption
    await expectNothingLeft(output, out);
  });
});
