/** A claimed email ready for the pipeline's steps, on a harness's table: the state `processInbound` builds. */
import { parseInbound } from '@lingjun/mail';
import type { Harness } from '../../../../test/support/intake.ts';
import { storeInbound } from '../../../../test/support/intake.ts';
import type { IntakeDeps } from '../../src/context.ts';
import { messageKey } from '../../src/lifecycle.ts';
import { beginProcessing, type Processing } from '../../src/pipeline.ts';

/** Stores, parses and claims `raw` as the pipeline does, and returns the processing state the steps take. */
export async function claimed(
  h: Harness,
  raw: Buffer,
  opts: { receivedAt?: Date; spam?: string; deps?: Partial<IntakeDeps> } = {},
): Promise<Processing> {
  const ref = await storeInbound(h, raw, opts.receivedAt);
  if (opts.spam) ref.verdicts = { ...ref.verdicts, spam: opts.spam };
  const deps = h.deps(opts.deps);
  const now = new Date();
  const stored = await deps.store.get(ref.rawKey);
  const mail = await parseInbound(stored);
  const key = messageKey(mail);
  const claim = await deps.registry.claimMessage({
    messageId: key,
    receivedAt: ref.receivedAt.toISOString(),
    rawKey: ref.rawKey,
    now,
    leaseMs: 60_000,
  });
  if (claim.state !== 'claimed') throw new Error(`expected a fresh claim, got ${claim.state}`);
  return beginProcessing({ ref, deps, now, raw: stored, mail, key, record: claim.record });
}
