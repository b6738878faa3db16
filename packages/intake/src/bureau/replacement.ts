import { log, SENDER_NAME } from '@lingjun/core';
import { composeMessage, textToHtml } from '@lingjun/mail';
import { localDateTime } from '@lingjun/program';
import type { MessageRecord } from '@lingjun/registry';
import type { IntakeDeps } from '../context.ts';
import type { Outcome } from '../outcome.ts';

/** A region's registered contacts (the program's and the registry's), lower-cased, once each. */
export async function regionContacts(deps: Pick<IntakeDeps, 'program' | 'registry'>, code: string) {
  // The deadlines package carries the one definition; loaded on use so the intake bundle does not grow.
  const { contactsOf } = await import('@lingjun/deadlines/status');
  return contactsOf(deps, code);
}

/**
 * After the bureau approved a held email from a sender who was not the region's contact: when its lists
 * replaced the region's earlier ones (students withdrawn), the region's contacts as they were before the
 * approval are told what replaced what, so a list sent in their name without their knowledge is noticed.
 */
export async function tellRegionOfReplacement(
  deps: Pick<IntakeDeps, 'program' | 'mailer'>,
  input: { record: MessageRecord; outcome: Outcome | undefined; contactsBefore: string[] },
): Promise<{ to: string[] } | undefined> {
  const { outcome, record } = input;
  const sender = (record.sender ?? '').toLowerCase();
  const replaced = outcome?.classes.filter((c) => c.withdrawn > 0) ?? [];
  if (!outcome?.region || replaced.length === 0) return undefined;
  // A registered contact replacing its own region's list (a late list the bureau let in) is ordinary.
  if (input.contactsBefore.includes(sender)) return undefined;
  const to = input.contactsBefore.filter((c) => c !== sender);
  if (to.length === 0) return undefined;
  const { program } = deps;
  const region = outcome.region;
  const lines = [
    `${region.name}：`,
    '',
    `部中小企业局批准了 ${sender || '未知发件人'} 于 ${localDateTime(new Date(record.receivedAt), program.timezone)} 为${region.name}报送的材料。该发件人此前不是${region.name}登记的联系人。`,
    '该邮件的名单已替换贵地区此前报送的名单：',
    ...replaced.map(
      (c) =>
        `  第${c.no}期：原名单撤销 ${c.withdrawn} 人，新名单受理 ${c.accepted} 人${c.rejected > 0 ? `，未受理 ${c.rejected} 人` : ''}。`,
    ),
    ...(outcome.receipt ? [`回执编号：${outcome.receipt}`] : []),
    '',
    '如该名单并非贵地区所报，或替换有误，请尽快联系部中小企业局，或重新报送正确的名单。',
    '',
    SENDER_NAME,
  ];
  const msg = await composeMessage({
    from: { address: program.mailbox, name: SENDER_NAME },
    to,
    subject: `【名单已替换】${region.name}：${replaced.map((c) => `第${c.no}期`).join('、')}名单已由 ${sender} 报送的名单替换`,
    text: lines.join('\n'),
    html: `<div>${lines.map((l) => (l ? `<p style="margin:0 0 6px">${textToHtml(l)}</p>` : '<br>')).join('')}</div>`,
  });
  await deps.mailer.sendRaw({ from: program.mailbox, to, raw: msg.raw });
  log.info('region told of a replaced list', { region: region.code, classes: replaced.length });
  return { to };
}
