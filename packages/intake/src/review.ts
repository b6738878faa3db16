import { maskText, SENDER_NAME } from '@lingjun/core';
import { composeReply, parseInbound, textToHtml } from '@lingjun/mail';
import type { MessageRecord } from '@lingjun/registry';
import { regionContacts, tellRegionOfReplacement } from './bureau/replacement.ts';
import type { IntakeDeps } from './context.ts';
import type { Outcome } from './outcome.ts';
import { processInbound } from './pipeline.ts';

/** Finds a held message by the Message-ID the bureau was told (with or without angle brackets). */
export async function findHeld(deps: IntakeDeps, messageId: string): Promise<MessageRecord | undefined> {
  const wanted = messageId.replace(/^<|>$/g, '');
  const held = await deps.registry.listMessages('held');
  // Stored outcomes are masked, as is the Message-ID in the bureau's notice: either spelling finds it.
  const ids = new Set([wanted, maskText(wanted)]);
  return held.find((m) => ids.has(m.outcome?.messageId ?? '') || m.messageId === wanted);
}

/**
 * The bureau approves a held email: it is processed as received (same receipt time, so deadlines are judged
 * as they were), the sender is added to the region's contacts, and the sender gets the normal receipt; when
 * its lists replaced the region's, the region's contacts are told.
 */
export async function approveHeld(deps: IntakeDeps, messageId: string): Promise<Outcome | undefined> {
  const record = await findHeld(deps, messageId);
  const region = record?.outcome?.region?.code;
  if (!record || !region) return undefined;
  const now = deps.now?.() ?? new Date();
  // Taken before processing: an approved 附件3 may replace the very contacts that must hear of it.
  const contactsBefore = await regionContacts(deps, region);
  if (!(await deps.registry.reopenHeld(record.messageId, now))) return undefined;
  const outcome = await processInbound(
    {
      sesMessageId: record.rawKey.replace(/^.*\//, ''),
      rawKey: record.rawKey,
      receivedAt: new Date(record.receivedAt),
      // It passed the verdict checks when it arrived, or it would have been quarantined, not held.
      verdicts: { spam: 'PASS', virus: 'PASS', spf: 'PASS', dkim: 'PASS', dmarc: 'PASS' },
      approvedRegion: region,
    },
    deps,
  );
  await tellRegionOfReplacement(deps, { record, outcome, contactsBefore });
  return outcome;
}

/**
 * The bureau rejects a held email: the sender is told, and the email ends rejected with nothing recorded.
 * The decision is taken by a write conditional on the email still being held, before the sender is told, so a
 * concurrent approve or a second reject finds nothing to decide.
 */
export async function rejectHeld(
  deps: IntakeDeps,
  messageId: string,
  reason: string,
): Promise<Outcome | undefined> {
  const record = await findHeld(deps, messageId);
  // A held email always carries the outcome it was held with.
  if (!record?.outcome) return undefined;
  const previous = record.outcome;
  const mail = await parseInbound(await deps.store.get(record.rawKey));
  const to = mail.from?.address ? [mail.from.address] : [];
  const text = `您好！\n\n您报送的材料（回执编号 ${previous.receipt ?? ''}）经部中小企业局确认，未予受理。\n原因：${reason}\n\n如有疑问，请由${previous.region?.name ?? '本地区'}已登记的联系人与部中小企业局联系。\n\n${deps.program.title}\n${deps.program.mailbox}`;
  const reply =
    to.length > 0
      ? await composeReply({
          from: { address: deps.program.mailbox, name: SENDER_NAME },
          original: mail,
          to,
          subject: `【未予受理】${deps.program.title}报名材料 ${previous.receipt ?? ''}`.trim(),
          text,
          html: `<div>${textToHtml(text)}</div>`,
        })
      : undefined;
  const outcome: Outcome = {
    ...previous,
    status: 'rejected',
    reply: reply ? { to: reply.to, subject: reply.subject, attachments: [] } : null,
  };
  const decided = await deps.registry.saveMessage(
    {
      ...record,
      status: 'done',
      outcome,
      heldReason: `已拒绝：${reason}`,
      updatedAt: (deps.now?.() ?? new Date()).toISOString(),
    },
    { ifStatus: 'held' },
  );
  if (!decided) return undefined;
  if (reply) {
    try {
      await deps.mailer.sendRaw({ from: deps.program.mailbox, to: reply.to, raw: reply.raw });
    } catch (error) {
      // The sender was not told: the email goes back to held, so the bureau can reject it again.
      await deps.registry.saveMessage(record, { ifStatus: 'done' });
      throw error;
    }
  }
  return outcome;
}
