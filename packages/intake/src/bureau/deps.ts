import type { ProgramVersions } from '@lingjun/program';
import type { Bounces, SendOnce } from '@lingjun/registry';
import type { IntakeDeps } from '../context.ts';

/** What the bureau's mail commands need beyond intake: send-once records and the program versions. */
export interface BureauDeps extends IntakeDeps {
  sendOnce: SendOnce;
  versions: ProgramVersions;
  /** Bounced addresses by region, which the 进度 digest lists. */
  bounces: Bounces;
  /** Wall clock for send-once leases (default: the real time). */
  clock?: () => Date;
}
