import { describe, expect, test } from 'vitest';
import type { RunResult, RunSlot, StageSlot } from '../../contracts/run-result.ts';
import { analyseAmplification, meanJourneySeconds, PEAK_JOURNEYS, PEAK_MIN_SECONDS } from './amplification.ts';

/** A stage slot: `entered` applicants, `ok` + `error` requests. */
function stage(entered: number, ok: number, error = 0): StageSlot {
  return { requests: { ok, error }, latency: {}, funnel: { entered } };
}

/**
 * 200 s of peak (10 new applicants/s planned), then 400 s off it (2/s). At the peak each applicant
 * makes 3 verify_nik requests (1 ok, 2 refused and retried); off it, 1. Landing: 1 request each.
 * Each journey ends `journeySlots` slots after it began (its applicant stops before the photo).
 */
function stormRun(journeySlots = 0, peakSlots = 200, offSlots = 400): RunResult {
  const arrivalsAt = (t: number): number => (t < 0 ? 0 : t < peakSlots ? 10 : 2);
  const slots: RunSlot[] = Array.from({ length: peakSlots + offSlots }, (_, t) => {
    const arrivals = arrivalsAt(t);
    const nik = t < peakSlots ? stage(arrivals, arrivals, 2 * arrivals) : stage(arrivals, arrivals);
    const stopped = arrivalsAt(t - journeySlots);
    return {
      t,
      planned: arrivals,
      stages: {
        landing: stage(arrivals, arrivals),
        verify_nik: nik,
        ...(stopped > 0 ? { upload_photo: { requests: {}, latency: {}, funnel: { abandoned: stopped } } } : {}),
      },
    };
  });
  return {
    slots,
    resolutionSeconds: 1,
    scenarioStartSeconds: 0,
    durationSeconds: peakSlots + offSlots,
  } as unknown as RunResult;
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

  test('the mean journey is measured from the funnel counters: journeys under way over the slots, plus one slot', () => {
    expect(meanJourneySeconds(stormRun(0).slots, 1)).toBeCloseTo(1, 12);
    // every journey ends 7 slots after it began: 7 slots under way, + 1 — but those of the last 7
    // slots are cut off by the run's end, under way for 600 − t slots
    const run = stormRun(7);
    const started = 200 * 10 + 400 * 2;
    const underWay = (started - 7 * 2) * 7 + [1, 2, 3, 4, 5, 6, 7].reduce((sum, left) => sum + 2 * left, 0);
    expect(meanJourneySeconds(run.slots, 1)).toBeCloseTo(underWay / started + 1, 12);
    // ≈ 8 s: ten journeys are 80 s, and the 200 s peak is split
    expect(analyseAmplification(run, {})).toMatchObject({
      split: true,
      peakMinSeconds: PEAK_JOURNEYS * (underWay / started + 1),
    });
    expect(analyseAmplification(stormRun(0), {})).toMatchObject({ peakMinSeconds: PEAK_MIN_SECONDS });
  });

  test('a peak shorter than ten mean journeys is not split: the figures and the impact rest on the whole run, against one request each', () => {
    // 60 s: 30 of peak, 30 off it; journeys of 5 slots (a mean of about 6 s): a peak needs about 60 s
    const compressed = stormRun(5, 30, 30);
    const short = analyseAmplification(compressed, {});
    expect(short.peak.seconds).toBe(30);
    expect(short.peakMinSeconds).toBeGreaterThan(30);
    expect(short.split).toBe(false);
    // the same 30 s of peak with journeys that end in the slot they began is long enough
    expect(analyseAmplification(stormRun(0, 30, 30), {}).split).toBe(true);
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

  test('join_batch makes two requests a plain attempt (list, join): only those beyond two per applicant are retries', () => {
    const run = stormRun();
    const slots = run.slots.map((slot) => ({
      ...slot,
      // one applicant a slot: two requests each, and a third in every tenth slot (a full batch, the next tried)
      stages: { ...slot.stages, join_batch: stage(1, slot.t % 10 === 0 ? 3 : 2) },
    }));
    const join = analyseAmplification({ ...run, slots } as RunResult, {}).overall.stages.join_batch!;
    expect(join.requestsPerApplicant).toBeCloseTo(2.1, 12);
    expect(join.retryShare).toBeCloseTo(1 - (600 * 2) / 1260, 12);
  });

  test('a run that started no applicant has no amplification to state', () => {
    expect(
      analyseAmplification({ slots: [], resolutionSeconds: 1, scenarioStartSeconds: 0 } as unknown as RunResult, {})
        .available,
    ).toBe(false);
  });
});
