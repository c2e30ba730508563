/**
 * One applicant per iteration: landing → register → verify_email → verify_nik → upload_photo →
 * join_batch, through a target adapter. Before each stage the applicant may stop (continuation
 * from the seed's funnel, recorded as `abandoned`) and thinks for a while (awaited timers, never
 * k6's blocking sleep()). Each attempted stage records `entered`, then exactly one of
 * `completed`, `failed` or `throttled`; the journey ends at the first stage that does not complete
 * (after the retries a retry law allows: journeys/retries.ts).
 */

import { check } from 'k6';
import exec from 'k6/execution';
import { FUNNEL_STAGES, type FunnelStage } from '../../contracts/funnel.ts';
import { syntheticApplicant, type Applicant } from '../../contracts/identity.ts';
import type { CommonEnv } from '../../contracts/script-variables.ts';
import { createHttpClient, pause } from '../lib/http.ts';
import { recordStage } from '../lib/metrics.ts';
import { pngPhoto } from '../lib/photo.ts';
import type { Photo, Session, StageAnswer, TargetAdapter } from '../targets/adapter.ts';
import { createAdapter } from '../targets/index.ts';
import { applicantBehaviour } from './behaviour.ts';
import { answerClass, type JourneyLaw } from './retries.ts';

/** k6's console (a global in k6; @types/k6 leaves it out, and Node's types must stay out of load-tests). */
declare const console: { warn(...values: unknown[]): void };

/** Runs one applicant's journey; the scenario's default function. */
export type ApplicantJourney = () => Promise<void>;

/**
 * Builds the journey for a script: adapter, client and photo are made once, in the init context.
 * With a retry law (RETRY_PROFILE), a stage that does not complete is tried again as the law
 * says, and the law alone decides: the client's own 429 retries are off.
 */
export function applicantJourney(env: CommonEnv, law?: JourneyLaw): ApplicantJourney {
  const client = createHttpClient({
    baseUrl: env.targetUrl,
    timeout: env.requestTimeout,
    retryMax: law ? 0 : env.retryMax,
    retryAfterMaxSeconds: env.retryAfterMaxSeconds,
  });
  const adapter = createAdapter(env.adapter, { client, env });
  const photo: Photo = { bytes: pngPhoto(env.photoBytes), filename: 'photo.png', contentType: 'image/png' };

  return async () => {
    const vu = exec.vu.idInTest;
    const iteration = exec.vu.iterationInScenario;
    const applicant = syntheticApplicant(env.runId, vu, iteration);
    const behaviour = applicantBehaviour({
      seed: env.seed,
      vu,
      iteration,
      thinkTimeScale: env.thinkTimeScale,
      continuation: env.continuation,
      photoShare: env.photoShare,
      ...(law ? { law } : {}),
    });
    let session: Session | undefined;
    for (const stage of FUNNEL_STAGES) {
      if (!behaviour.continues(stage)) {
        recordStage(stage, 'abandoned');
        return;
      }
      await pause(behaviour.thinkSeconds(stage));
      recordStage(stage, 'entered');
      let answer = await runStage(adapter, stage, applicant, session, photo, vu + iteration);
      for (let attempt = 1; answer.result !== 'completed'; attempt += 1) {
        const wait = behaviour.retryAfterSeconds(answerClass(answer), attempt);
        if (wait === undefined) break;
        await pause(wait);
        answer = await runStage(adapter, stage, applicant, session, photo, vu + iteration);
      }
      recordStage(stage, answer.result);
      if (answer.result !== 'completed' && env.logFailures) console.warn(`${stage} ${answer.result}: ${answer.reason}`);
      if (answer.result !== 'throttled') {
        check(answer, { [`${stage} completed`]: (a) => a.result === 'completed' }, { stage });
      }
      if (answer.result !== 'completed') return;
      if (stage === 'register') session = answer.value as Session;
    }
  };
}

async function runStage(
  adapter: TargetAdapter,
  stage: FunnelStage,
  applicant: Applicant,
  session: Session | undefined,
  photo: Photo,
  batchChoice: number,
): Promise<StageAnswer<unknown>> {
  if (stage === 'landing') return adapter.landing(applicant);
  if (stage === 'register') return adapter.register(applicant);
  if (session === undefined)
    return { result: 'failed', status: 0, reason: 'no session: registration did not complete' };
  switch (stage) {
    case 'verify_email':
      return adapter.verifyEmail(applicant, session);
    case 'verify_nik':
      return adapter.verifyNik(applicant, session);
    case 'upload_photo':
      return adapter.uploadPhoto(applicant, session, photo);
    case 'join_batch':
      return adapter.joinBatch(applicant, session, batchChoice);
  }
}
