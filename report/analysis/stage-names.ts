/**
 * The funnel stages in the words a manager uses: "the ministry's NIK check", not `verify_nik`.
 * The report's first screen speaks these; the detail tables keep the stage ids engineers grep for.
 */

import type { FunnelStage } from '../../contracts/funnel.ts';

/** How a stage is named in business words. */
export interface StageName {
  /** Mid-sentence name, e.g. "the ministry's NIK check". */
  readonly name: string;
  /** What one successful request of the stage is, plural, e.g. "NIK checks". */
  readonly requests: string;
  /**
   * Who can grow it: `ours` (scale out our own service) or `ministry` (a dependency we do not own:
   * ask its owner for the rate).
   */
  readonly owner: 'ours' | 'ministry';
}

/** Every stage's business name. */
export const STAGE_NAMES: Readonly<Record<FunnelStage, StageName>> = Object.freeze({
  landing: { name: 'the landing page', requests: 'page loads', owner: 'ours' },
  register: { name: 'registration (creating the account)', requests: 'registrations', owner: 'ours' },
  verify_email: { name: 'email verification', requests: 'email verifications', owner: 'ours' },
  verify_nik: { name: 'the ministry’s NIK check', requests: 'NIK checks', owner: 'ministry' },
  upload_photo: { name: 'the photo upload', requests: 'photo uploads', owner: 'ours' },
  join_batch: { name: 'joining a training batch', requests: 'batch joins', owner: 'ours' },
});

/** The stage's business name, capitalised for the start of a sentence. */
export function stageTitle(stage: FunnelStage): string {
  const { name } = STAGE_NAMES[stage];
  return name.charAt(0).toUpperCase() + name.slice(1);
}
