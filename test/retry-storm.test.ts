/**
 * A retry storm, end to end: the opening on the local engine, fed a profile fitted from logs and
 * RETRY_PROFILE=storm, against the reference target with a small ministry (10 NIK checks/s, a
 * short queue: 503 beyond), followed by `floodgate exporter` into a real Prometheus. run.json
 * records which profile, fit and scales the run played; the report states them and the
 * amplification it measured (requests per applicant at the peak vs off it, retries at the stage
 * that refused most, capacity in applicants); the dashboards' amplification panel reads the same
 * counters on Prometheus. The peak lasts 6 s, against journeys of tens of seconds (every refused
 * check waits for the target's 2 s ministry timeout): the report measures the journeys and does not
 * split the peak from the rest (a split needs a peak of ten mean journeys).
 */

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RUN_METRICS } from '../contracts/metrics.ts';
import { chosenFit, type ProfileFile } from '../contracts/profile-file.ts';
import { readRunManifest, type RunManifest } from '../contracts/run-record.ts';
import { checkDashboards, type QueryCheck } from '../dashboards/check.ts';
import { DASHBOARDS } from '../dashboards/index.ts';
import { SCRAPE_JOBS } from '../deploy/prometheus/rules/index.ts';
import { profileFromLogs } from '../profile/index.ts';
import { syntheticCombinedLog } from '../profile/synthetic.ts';
import { PEAK_JOURNEYS, PEAK_MIN_SECONDS } from '../report/analysis/amplification.ts';
import { buildReport, type ReportOutcome } from '../report/index.ts';
import { PROJECT_ROOT } from '../runner/index.ts';
import { projectPrometheusConfig } from './dashboards-prometheus-config.ts';
import { runToEnd, startProcess, stopAll } from './support/processes.ts';
import { startPrometheus, type TestPrometheus } from './support/prometheus.ts';

const FLOODGATE = join(PROJECT_ROOT, 'bin', 'floodgate.js');
const RUN = `storm-${Date.now().toString(36)}`;
const scratch = mkdtempSync(join(tmpdir(), 'floodgate-retry-storm-'));
const out = join(scratch, RUN);
const profilePath = join(scratch, 'profile.json');
const TIME_SCALE = 120;

let prometheus: TestPrometheus | undefined;
let profile: ProfileFile;
let manifest: RunManifest;
let report: ReportOutcome;
let runOutput = '';
let panelChecks: QueryCheck[] = [];

type Point = { type: string; metric: string; data: { value: number; tags: Record<string, string> } };
function countPoints(metric: string, keep: (tags: Record<string, string>) => boolean): number {
  let total = 0;
  for (const line of readFileSync(join(out, 'k6.ndjson'), 'utf8').split('\n')) {
    if (!line.includes(`"metric":"${metric}"`)) continue;
    const point = JSON.parse(line) as Point;
    if (point.type === 'Point' && keep(point.data.tags)) total += point.data.value;
  }
  return total;
}

beforeAll(async () => {
  // the profile: an opening of 1,000 new applicants a minute decaying with τ = 17.4 min, in combined logs
  const log = await syntheticCombinedLog({
    model: 'opening-exp',
    amplitudePerMinute: 1_000,
    shapeMinutes: 17.4,
    minutes: 45,
    continuation: { register: 0.9, verify_email: 0.7, verify_nik: 0.6, upload_photo: 0.9, join_batch: 0.2 },
    thinkTime: { mu: Math.log(10), sigma: 0.5 },
    errors: { verify_nik: { capacity: 0.1 } },
    retry: {
      throttled: { share: 0.8, mu: 1, sigma: 0.5 },
      capacity: { share: 0.7, mu: 2, sigma: 0.5 },
      behavioural: { share: 0.3, mu: 3, sigma: 0.5 },
    },
    openingAtMs: Date.UTC(2020, 3, 11, 3, 0),
    seed: 14,
  });
  const logFile = join(scratch, 'access.log');
  writeFileSync(logFile, `${log.lines.join('\n')}\n`);
  const fitted = profileFromLogs({ files: [logFile], out: profilePath });

  // the profile is fitted while the target and the exporter start
  const target = startProcess(
    process.execPath,
    [
      FLOODGATE,
      'target',
      '--port',
      '0',
      '--ministry-port',
      '0',
      '--test-hooks',
      '--db',
      ':memory:',
      '--nik-capacity',
      '2',
      '--nik-service-ms',
      '200',
      '--nik-queue',
      '4',
    ],
    { cwd: PROJECT_ROOT },
  );
  const exporter = startProcess(
    process.execPath,
    [FLOODGATE, 'exporter', '--port', '0', '--follow', join(scratch, '*/k6.ndjson'), '--follow-interval', '200'],
    { cwd: PROJECT_ROOT },
  );
  const [targetMatch, exporterMatch] = await Promise.all([
    target.waitFor(/listening on (http:\/\/\S+)/, 60_000),
    exporter.waitFor(/listening on (http:\/\/\S+)/, 60_000),
  ]);
  const targetUrl = targetMatch[1]!;
  const exporterUrl = exporterMatch[1]!;
  profile = await fitted;
  prometheus = await startPrometheus(
    projectPrometheusConfig({
      [SCRAPE_JOBS.exporter]: new URL(exporterUrl).host,
      [SCRAPE_JOBS.target]: new URL(targetUrl).host,
    }),
  );

  const started = Date.now() / 1000;
  // 30 event minutes in 15 s (TIME_SCALE=120): ≈ 30 new applicants/s at first, 5/s at the end,
  // against a ministry that checks 10/s; ≈ 215 applicants in all
  const run = await runToEnd(
    process.execPath,
    [
      FLOODGATE,
      'run',
      '--engine',
      'local',
      '--target',
      targetUrl,
      '--scenario',
      'opening',
      '--run-id',
      RUN,
      '--out',
      out,
      '--profile',
      profilePath,
      '--rate-scale',
      String(15 / profile.fits.find((fit) => fit.model === profile.chosen)!.amplitudePerMinute),
      '--time-scale',
      String(TIME_SCALE),
      '-e',
      'WINDOW=0-30',
      '-e',
      'RETRY_PROFILE=storm',
      '-e',
      'CONTINUATION=full',
      '-e',
      'THINK_TIME_SCALE=0.001',
    ],
    { cwd: PROJECT_ROOT, env: { ...process.env, PATH: '/usr/bin:/bin' }, timeoutMs: 150_000 },
  );
  runOutput = run.output;
  manifest = readRunManifest(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')));
  report = await buildReport({ dir: out, truth: 'off', pdf: 'off' });

  const served = prometheus;
  const entered = `sum(${RUN_METRICS.funnelStage.name}{run="${RUN}", stage="verify_nik", result="entered"})`;
  const want = countPoints('funnel_stage', (tags) => tags.stage === 'verify_nik' && tags.result === 'entered');
  const deadline = Date.now() + 30_000;
  while (Number((await served.query(entered)).result[0]?.value?.[1] ?? 0) < want) {
    if (Date.now() > deadline) throw new Error('the run did not reach Prometheus within 30 s');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const rangeSeconds = Math.ceil(Date.now() / 1000 - started) + 5;
  panelChecks = await checkDashboards(
    DASHBOARDS.filter((board) => board.file === 'funnel.json'),
    {
      prometheusUrl: served.url,
      variables: { runs: [RUN], rateInterval: '5s', interval: '1s', range: `${rangeSeconds}s` },
      rangeSeconds,
      stepSeconds: 1,
    },
  );
}, 240_000);

afterAll(async () => {
  await prometheus?.stop();
  await stopAll();
  rmSync(scratch, { recursive: true, force: true });
});

describe('a retry-storm run against the reference target', () => {
  test('run.json records the profile file, the fit AIC chose with its parameters, the curve played, the scales and RETRY_PROFILE', () => {
    const fit = chosenFit(profile);
    expect(manifest.profile, runOutput.slice(-2000)).toMatchObject({
      source: profilePath,
      curve: 'fit',
      name: profile.name,
      timeScale: TIME_SCALE,
      window: { fromMinute: 0, toMinute: 30 },
      retryProfile: 'storm',
      fit: {
        model: profile.chosen,
        aic: fit.aic,
        candidates: profile.fits.map((candidate) => ({ model: candidate.model, aic: candidate.aic })),
      },
    });
    expect(manifest.profile?.fit?.parameters.amplitudePerMinute).toBe(fit.amplitudePerMinute);
    expect(manifest.profile?.logAmplification).toEqual(profile.amplification);
  });

  test('the report states the same profile, fit and scales in HTML, Markdown and JSON', () => {
    const markdown = readFileSync(join(out, 'report.md'), 'utf8');
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    const json = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as {
      profile: { recorded?: unknown };
      amplification?: unknown;
    };
    for (const text of [markdown, html]) {
      expect(text).toContain('Traffic profile played');
      expect(text).toContain(profile.chosen);
      expect(text).toContain('the fitted curve');
      expect(text).toContain(`TIME_SCALE ${TIME_SCALE}`);
      expect(text).toMatch(/storm: nearly everyone/);
      expect(text).toContain('Retry amplification');
    }
    // report.json keeps six significant digits; the block is run.json's
    expect(json.profile.recorded).toMatchObject({
      source: profilePath,
      curve: 'fit',
      retryProfile: 'storm',
      fit: { model: profile.chosen },
    });
    expect(json.amplification).toBeDefined();
  });

  test('requests per applicant are the run’s own counts: requests ÷ applicants who entered the stage', () => {
    const amplification = report.analysis.amplification!;
    const requests = countPoints('http_reqs', (tags) => tags.stage === 'verify_nik');
    const entered = countPoints('funnel_stage', (tags) => tags.stage === 'verify_nik' && tags.result === 'entered');
    expect(amplification.overall.stages.verify_nik?.requests).toBe(requests);
    expect(amplification.overall.stages.verify_nik?.entered).toBe(entered);
    expect(amplification.overall.stages.verify_nik?.requestsPerApplicant).toBeCloseTo(requests / entered, 9);
    expect(amplification.peak.stages.verify_nik!.requests + amplification.offPeak.stages.verify_nik!.requests).toBe(
      requests,
    );
  });

  test('the storm multiplies the ministry’s requests, the report says how much were retries and what they cost in applicants', () => {
    const amplification = report.analysis.amplification!;
    const nik = amplification.overall.stages.verify_nik!;
    const shown = JSON.stringify({
      overall: nik,
      peak: amplification.peak.stages.verify_nik,
      off: amplification.offPeak.stages.verify_nik,
      impact: amplification.impact,
      journey: amplification.meanJourneySeconds,
    });
    // ≈ 30 arrivals/s at first against 10 checks/s: most checks are refused (503, 504) and retried
    expect(nik.requestsPerApplicant, shown).toBeGreaterThan(1.5);
    expect(nik.retryShare, shown).toBeGreaterThan(0.3);
    expect(amplification.overall.stages.landing?.requestsPerApplicant, shown).toBe(1);
    expect(amplification.impact?.stage, shown).toBe('verify_nik');
    // not split (below): the impact rests on the whole run
    expect(amplification.impact!.retryShare).toBeCloseTo(1 - nik.entered / nik.requests, 9);
    expect(amplification.impact!.applicantsPerSecondAtPeak).toBeCloseTo(
      amplification.impact!.throughputPerSecond / nik.requestsPerApplicant,
      9,
    );
    const markdown = readFileSync(join(out, 'report.md'), 'utf8');
    expect(markdown).toMatch(
      /At verify_nik \(the stage that refused or failed most\): [\d.,]+ requests\/s over the run/,
    );
  });

  test('the mean journey the report measured is the run’s: from the landing to the journey’s end, by the NDJSON’s own times', () => {
    // each journey's start (landing entered) and end (a stage failed or throttled, a stop, or the
    // last stage done) as the NDJSON times them; journeys under way at the end run to the last point
    let starts = 0;
    let startSum = 0;
    let ends = 0;
    let endSum = 0;
    let last = 0;
    for (const line of readFileSync(join(out, 'k6.ndjson'), 'utf8').split('\n')) {
      if (!line.includes('"type":"Point"')) continue;
      const point = JSON.parse(line) as Point & { data: { time: string } };
      const time = Date.parse(point.data.time) / 1000;
      last = Math.max(last, time);
      if (point.metric !== 'funnel_stage') continue;
      const { stage, result } = point.data.tags;
      if (stage === 'landing' && result === 'entered') {
        starts += point.data.value;
        startSum += point.data.value * time;
      }
      if (
        result === 'failed' ||
        result === 'throttled' ||
        result === 'abandoned' ||
        (stage === 'join_batch' && result === 'completed')
      ) {
        ends += point.data.value;
        endSum += point.data.value * time;
      }
    }
    const exact = (endSum + (starts - ends) * last - startSum) / starts;
    const amplification = report.analysis.amplification!;
    const resolution = report.runResult.resolutionSeconds;
    // the report counts journeys under way per slot, + one slot: an upper bound by up to two slots
    expect(amplification.meanJourneySeconds!, `exact ${exact}`).toBeGreaterThanOrEqual(exact - 1e-6);
    expect(amplification.meanJourneySeconds!, `exact ${exact}`).toBeLessThanOrEqual(exact + 2 * resolution);
  });

  test('the peak is shorter than ten of the run’s journeys, so it is not split, and the report says so with the measured journey', () => {
    const amplification = report.analysis.amplification!;
    const shown = JSON.stringify({ peak: amplification.peak.seconds, journey: amplification.meanJourneySeconds });
    // 12 event minutes of peak at TIME_SCALE=120 last 6 s, against journeys of seconds at the least
    expect(amplification.peak.seconds, shown).toBeLessThanOrEqual(8);
    expect(amplification.peakMinSeconds, shown).toBeCloseTo(
      Math.max(PEAK_MIN_SECONDS, PEAK_JOURNEYS * amplification.meanJourneySeconds!),
      9,
    );
    expect(amplification.split).toBe(false);
    expect(amplification.peakOverOffPeak).toBeUndefined();
    const markdown = readFileSync(join(out, 'report.md'), 'utf8');
    expect(markdown).toContain(
      `The peak lasted ${Math.round(amplification.peak.seconds)} s, under ${Math.round(amplification.peakMinSeconds)} s`,
    );
    if (PEAK_JOURNEYS * amplification.meanJourneySeconds! > PEAK_MIN_SECONDS)
      expect(markdown).toContain(
        `${PEAK_JOURNEYS} × the ${amplification.meanJourneySeconds!.toFixed(1)} s a journey took on average`,
      );
  });

  test('on Prometheus, the amplification panel fills and the counters give the report’s requests per applicant', async () => {
    const panels = panelChecks.filter(
      (check) =>
        check.title === 'Requests per applicant by stage' || check.title === 'Retries share of requests by stage',
    );
    expect(panels.map((check) => `${check.title} ${check.refId}: ${check.status}`)).toEqual([
      'Requests per applicant by stage A: data',
      'Requests per applicant by stage B: data',
      'Retries share of requests by stage A: data',
    ]);
    const requests = await prometheus!.query(`sum(${RUN_METRICS.httpRequests.name}{run="${RUN}", stage="verify_nik"})`);
    const entered = await prometheus!.query(
      `sum(${RUN_METRICS.funnelStage.name}{run="${RUN}", stage="verify_nik", result="entered"})`,
    );
    const perApplicant = Number(requests.result[0]?.value?.[1]) / Number(entered.result[0]?.value?.[1]);
    expect(perApplicant).toBeCloseTo(report.analysis.amplification!.overall.stages.verify_nik!.requestsPerApplicant, 9);
  });
});
