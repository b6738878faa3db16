import type { ProgramVersions } from '@lingjun/program';
import type { SendOnce } from '@lingjun/registry';
import type { IntakeDeps } from '../context.ts';

/** What the bureau's mail commands need beyond intake: send-once records and the program versions. */
export interface BureauDeps extends IntakeDeps {
  sendOnce: SendOnce;
  versions: ProgramVersions;
  /** Wall clock for send-once leases (default: the real time). */
  clock?: () => Date;
}
