import { describe, expect, test } from 'vitest';
import type { RunResult, RunSlot, StageSlot } from '../../contracts/run-result.ts';
import { analyseAmplification, PEAK_MIN_SECONDS } from './amplification.ts';

/** A stage slot: `entered` applicants, `ok` + `error` requests. */
function stage(entered: number, ok: number, error = 0): StageSlot {
  return { requests: { ok, error }, latency: {}, funnel: { entered } };
}

/**
 * 200 s of peak (10 new applicants/s planned), then 400 s off it (2/s). At the peak each applicant
 * makes 3 verify_nik requests (1 ok, 2 refused and retried); off it, 1. Landing: 1 request each.
 */
function stormRun(): RunResult {
  const slots: RunSlot[] = Array.from({ length: 600 }, (_, t) => {
    const arrivals = t < 200 ? 10 : 2;
    const nik = t < 200 ? stage(arrivals, arrivals, 2 * arrivals) : stage(arrivals, arrivals);
    return { t, planned: arrivals, stages: { landing: stage(arrivals, arrivals), verify_nik: nik } };
  });
  return { slots, resolutionSeconds: 1, scenarioStartSeconds: 0, durationSeconds: 600 } as unknown as RunResult;
}

describe('retry amplification', () => {
  const amplification = analyseAmplification(stormRun(), {});

  test('requests per applicant at the peak and off it are requests ÷ applicants who entered the stage', () => {
    expect(amplification.peakBy).toBe('planned-arrivals');
    expect(amplification.split).toBe(true);
    expect(amplification.peak.seconds).toBe(200);
    // a stage's own peak is found on its entries over ±5 s: the first off-peak second (2 applicants, 2 requests) joins it
    expect(amplification.peak.stages.verify_nik).toMatchObject({ seconds: 201, entered: 2_002, requests: 6_002 });
    expect(amplification.offPeak.stages.verify_nik).toMatchObject({ seconds: 399, requestsPerApplicant: 1 });
    expect(amplification.peak.stages.landing?.requestsPerApplicant).toBe(1);
    // all stages per new applicant: 1 + 3 at the peak, 1 + 1 off it
    expect(amplification.peak.requestsPerApplicant).toBe(4);
    expect(amplification.offPeak.requestsPerApplicant).toBe(2);
    expect(amplification.peakOverOffPeak).toBe(2);
    expect(amplification.overall.stages.verify_nik?.requests).toBe(200 * 30 + 400 * 2);
  });

  test('the retries share is the requests beyond one per applicant: two in three at the peak, none off it', () => {
    expect(amplification.peak.stages.verify_nik?.retryShare).toBeCloseTo(4_000 / 6_002, 12);
    expect(amplification.offPeak.stages.verify_nik?.retryShare).toBe(0);
  });

  test('what it did to capacity: the stage that refused most serves a third of the applicants per second at the peak’s amplification', () => {
    const impact = amplification.impact!;
    expect(impact).toMatchObject({
      stage: 'verify_nik',
      why: 'most-refused-at-peak',
      requestsPerSecond: 6_002 / 201,
      okPerSecond: 2_002 / 201,
      applicantsPerSecond: 2_002 / 201,
    });
    expect(impact.throughputPerSecond).toBe(impact.okPerSecond);
    expect(impact.applicantsPerSecondAtPeak).toBeCloseTo(impact.okPerSecond / (6_002 / 2_002), 12);
    expect(impact.applicantsPerSecondOffPeak).toBeCloseTo(impact.okPerSecond, 12);
    expect(impact.capacityLostShare).toBeCloseTo(1 - 2_002 / 6_002, 12);
  });

  test('with a breakpoint’s limiting stage, its saturation throughput is the capacity converted to applicants', () => {
    const impact = analyseAmplification(stormRun(), {
      limitingStage: 'verify_nik',
      limitingStageThroughputPerSecond: 12,
    }).impact!;
    expect(impact.why).toBe('limiting-stage');
    expect(impact.applicantsPerSecondAtPeak).toBeCloseTo(12 / (6_002 / 2_002), 12);
    expect(impact.applicantsPerSecondOffPeak).toBe(12);
  });

  test('a peak shorter than two minutes is not split: the figures and the impact rest on the whole run, against one request each', () => {
    const long = stormRun();
    // 60 s: 30 of peak, 30 off it
    const compressed = {
      ...long,
      slots: long.slots.slice(170, 230).map((slot, index) => ({ ...slot, t: index })),
    } as RunResult;
    const short = analyseAmplification(compressed, {});
    expect(short.peak.seconds).toBeLessThan(PEAK_MIN_SECONDS);
    expect(short.split).toBe(false);
    expect(short.peakOverOffPeak).toBeUndefined();
    // 30 s × 10 applicants × 3 requests + 30 s × 2 × 1, over 360 applicants
    expect(short.overall.stages.verify_nik?.requestsPerApplicant).toBeCloseTo(960 / 360, 12);
    expect(short.impact).toMatchObject({
      stage: 'verify_nik',
      requestsPerSecond: 16,
      okPerSecond: 6,
      applicantsPerSecondOffPeak: 6,
    });
    expect(short.impact!.applicantsPerSecondAtPeak).toBeCloseTo(6 / (960 / 360), 12);
  });

  test('a run that started no applicant has no amplification to state', () => {
    expect(
      analyseAmplification({ slots: [], resolutionSeconds: 1, scenarioStartSeconds: 0 } as unknown as RunResult, {})
        .available,
    ).toBe(false);
  });
});
