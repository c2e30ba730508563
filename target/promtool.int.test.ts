/**
 * The reference target's /metrics and its ministry's /metrics pass `promtool check metrics`
 * (Prometheus' own linter), after traffic has filled every kind of series: counters, gauges,
 * histograms, and Node's default process metrics. Skipped only where promtool is not installed
 * (deploy/setup-machine.sh installs it).
 */

import { execFileSync, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { syntheticApplicant } from '../contracts/identity.ts';
import { createTargetClient } from './client.ts';
import { PROMTOOL_UNCLEAN_DEFAULTS } from './metrics.ts';
import { createTarget, type Target, type TargetAddresses } from './target.ts';

const promtool = (() => {
  try {
    execFileSync('promtool', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

let target: Target;
let addresses: TargetAddresses;

beforeAll(async () => {
  target = createTarget({
    port: 0,
    ministryPort: 0,
    db: ':memory:',
    testHooks: true,
    nikServiceMs: 2,
    waitingRoom: 50,
  });
  addresses = await target.listen();
  const client = createTargetClient(addresses.url);
  const applicant = syntheticApplicant('promtool', 1, 1);
  const registered = await client.register(applicant);
  await client.verifyEmail(applicant.email, registered.headers.get('x-test-email-token')!);
  await client.verifyNik(registered.body.sessionToken!, applicant.nik);
  await client.send('GET', '/nowhere');
});

afterAll(async () => {
  await target?.close();
});

/** promtool's verdict on one exposition: exit code and what it printed. */
async function check(url: string): Promise<{ status: number | null; output: string; text: string }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const result = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}`, text };
}

describe.skipIf(!promtool)('promtool check metrics', () => {
  test("passes on the target's /metrics, which still has Node's process metrics and every floodgate_target_ series", async () => {
    const { status, output, text } = await check(addresses.url);
    expect(output).toBe('');
    expect(status).toBe(0);
    expect(text).toContain('floodgate_target_http_request_duration_seconds_bucket');
    expect(text).toContain('process_cpu_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    // The per-type gauges whose sums were the `…_total` gauges promtool refused.
    expect(text).toMatch(/^nodejs_active_handles\{type="Server"\} \d+$/m);
    for (const name of PROMTOOL_UNCLEAN_DEFAULTS) expect(text).not.toContain(`${name} `);
  });

  test("passes on the ministry's /metrics", async () => {
    const { status, output, text } = await check(addresses.ministryUrl);
    expect(output).toBe('');
    expect(status).toBe(0);
    expect(text).toContain('floodgate_ministry_answers_total');
  });
});
