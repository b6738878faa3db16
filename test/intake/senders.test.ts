/** Who may submit (spec §5): verdicts, contacts, first contacts, held mail and the bureau's decision. */
import { readFile } from 'node:fs/promises';
import { approveHeld, findHeld, rejectHeld } from '@lingjun/intake';
import { parseStrictHtml } from '@lingjun/mail/testing';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { buildEmail } from '../support/email.ts';
import { harness, testProgram } from '../support/intake.ts';
import { people, submission } from '../support/submission.ts';

const IN_TIME = '2025-06-05T10:00:00+08:00';
const ADMIN = 'admin@example.gov.cn';

/** A stranger's one-person 河北 class-1 submission, ingested: held, as 河北 has contacts in the test program. */
async function heldFromStranger(from: string, seed: number) {
  const program = await testProgram();
  const h = await harness(program);
  const { raw, messageId } = await submission({
    program,
    from,
    region: '河北',
    classNo: 1,
    people: people(1, seed),
  });
  const [held] = await h.ingest([raw], { receivedAt: IN_TIME });
  expect(held?.status).toBe('held');
  return { h, held: held!, messageId };
}

describe('sender policy through lingjun ingest', () => {
  it('quarantines mail that fails SPF, DKIM and DMARC: kept, never answered, the bureau told', async () => {
    const program = await testProgram();
    const h = await harness(program);
    const since = Date.now() - 1000;
    const { raw, messageId } = await submission({
      program,
      from: 'hbzxqy@163.com',
      region: '河北',
      classNo: 1,
      people: people(1, 40),
    });
    const [o] = await h.ingest([raw], { receivedAt: IN_TIME, auth: 'fail' });
    expect(o?.status).toBe('quarantined');
    expect(o?.reply).toBeNull();
    expect(await h.repliesTo(messageId)).toHaveLength(0);
    const subjects = await Promise.all(
      (await h.sentTo(ADMIN, since)).map(async (n) => (await simpleParser(n)).subject),
    );
    expect(subjects.some((s) => s?.includes('隔离') && s.includes('hbzxqy@163.com'))).toBe(true);
    expect(await h.deps().registry.listRegion('130000')).toEqual([]);
  });

  it('holds mail from an unknown sender for a region with contacts; approve processes it as received', async () => {
    const program = await testProgram();
    const h = await harness(program);
    const list = people(2, 41);
    const { raw, messageId } = await submission({
      program,
      from: 'stranger@example.com',
      region: '河北',
      classNo: 1,
      people: list,
    });
    const [held] = await h.ingest([raw], { receivedAt: IN_TIME });
    expect(held?.status).toBe('held');
    expect(held?.region?.code).toBe('130000');
    const [toSender] = await h.repliesTo(messageId);
    const heldReply = await simpleParser(toSender!);
    expect(heldReply.subject).toContain('待确认');
    parseStrictHtml(String(heldReply.html));
    expect(await h.deps().registry.listRegion('130000')).toEqual([]);

    const approved = await h.cli(['approve', held!.messageId]);
    expect(approved.code).toBe(0);
    expect(approved.json[0]).toMatchObject({ status: 'accepted', classes: [{ no: 1, accepted: 2 }] });
    expect((await h.deps().registry.listRegion('130000', 1)).map((r) => r.name).sort()).toEqual(
      list.map((p) => p.name).sort(),
    );
    // Approving twice does nothing more.
    expect((await h.cli(['approve', held!.messageId])).code).toBe(1);
    // The approved sender is now a contact: their next email is processed without holding.
    const next = await submission({
      program,
      from: 'stranger@example.com',
      region: '河北',
      classNo: 2,
      people: people(1, 42, '130000', 2),
    });
    const [o2] = await h.ingest([next.raw], { receivedAt: IN_TIME });
    expect(o2?.status).toBe('accepted');
  });

  it('reject tells the sender and records nothing', async () => {
    const { h, held, messageId } = await heldFromStranger('other@example.com', 43);
    const res = await h.cli(['reject', held.messageId, '--reason', '非本地区主管部门']);
    expect(res.code).toBe(0);
    expect(res.json[0]).toMatchObject({ status: 'rejected' });
    const replies = await h.repliesTo(messageId);
    expect(replies).toHaveLength(2);
    const texts = await Promise.all(replies.map(async (r) => (await simpleParser(r)).text ?? ''));
    expect(texts.some((t) => t.includes('非本地区主管部门'))).toBe(true);
    expect(await h.deps().registry.listRegion('130000')).toEqual([]);
  });

  it('approve and reject of the same held email at once: exactly one decision is taken', async () => {
    const { h, held, messageId } = await heldFromStranger('race@example.com', 44);
    const [approved, rejected] = await Promise.all([
      approveHeld(h.deps(), held.messageId),
      rejectHeld(h.deps(), held.messageId, '重复确认'),
    ]);
    // One of the two finds the email still held; the other finds nothing to decide.
    expect([approved, rejected].filter(Boolean)).toHaveLength(1);
    const registered = await h.deps().registry.listRegion('130000');
    if (approved) {
      expect(approved.status).toBe('accepted');
      expect(registered).toHaveLength(1);
    } else {
      expect(rejected?.status).toBe('rejected');
      expect(registered).toEqual([]);
    }
    // The held notice plus exactly one decision reached the sender.
    expect(await h.repliesTo(messageId)).toHaveLength(2);
    expect(await h.deps().registry.listMessages('held')).toEqual([]);
  });

  it('a reject whose reply cannot be sent leaves the email held, to be rejected again', async () => {
    const { h, held, messageId } = await heldFromStranger('unlucky@example.com', 45);
    const failing = h.deps({
      mailer: {
        sendRaw: async () => {
          throw new Error('SES unavailable');
        },
      },
    });
    await expect(rejectHeld(failing, held.messageId, '材料不全')).rejects.toThrow('SES unavailable');
    expect((await findHeld(h.deps(), held.messageId))?.status).toBe('held');
    const again = await rejectHeld(h.deps(), held.messageId, '材料不全');
    expect(again?.status).toBe('rejected');
    expect(await h.repliesTo(messageId)).toHaveLength(2);
  });

  it('trusts the first sender of a region without contacts, and tells the bureau', async () => {
    const program = await testProgram();
    const h = await harness(program);
    const since = Date.now() - 1000;
    const { raw } = await submission({
      program,
      from: 'sz-new@sz.gov.cn',
      region: '深圳市',
      classNo: 1,
      people: people(1, 44, '440300'),
      form3: [
        {
          region: '深圳',
          unit: '深圳市中小企业服务局',
          contact: '李明',
          mobile: '13812345678',
          email: 'sz-new@sz.gov.cn',
        },
      ],
    });
    const [o] = await h.ingest([raw], { receivedAt: IN_TIME });
    expect(o?.status).toBe('accepted');
    expect(await h.deps().registry.getContacts('440300')).toEqual(['sz-new@sz.gov.cn']);
    const notices = await Promise.all(
      (await h.sentTo(ADMIN, since)).map(async (n) => (await simpleParser(n)).subject),
    );
    expect(notices.some((s) => s?.includes('新联系人') && s.includes('深圳市'))).toBe(true);
  });

  it('answers the authenticated From, never Reply-To alone', async () => {
    const program = await testProgram();
    const h = await harness(program);
    const { raw, messageId } = await buildEmail({
      from: 'hbzxqy@163.com',
      headers: { 'Reply-To': 'attacker@example.net' },
      attachments: [{ filename: '说明.txt', content: new TextEncoder().encode('x') }],
    });
    const [o] = await h.ingest([raw], { receivedAt: IN_TIME });
    expect(o?.reply?.to).toEqual(['hbzxqy@163.com']);
    const [reply] = await h.repliesTo(messageId);
    const parsed = await simpleParser(reply!);
    expect(parsed.to && !Array.isArray(parsed.to) ? parsed.to.value.map((v) => v.address) : []).toEqual([
      'hbzxqy@163.com',
    ]);
    expect(parsed.headers.get('auto-submitted')).toBe('auto-replied');
    expect(parsed.inReplyTo).toBe(messageId);
  });

  it('never answers bounces, delivery reports or abuse reports from the corpus', async () => {
    const h = await harness();
    const files = ['postal-mime/bounce.eml', 'mailparser/delivery-status.eml', 'postal-mime/arf.eml'];
    const raws = await Promise.all(
      files.map((f) => readFile(new URL(`../fixtures/corpus/${f}`, import.meta.url))),
    );
    const outcomes = await h.ingest(raws, { receivedAt: IN_TIME });
    expect(outcomes).toHaveLength(3);
    for (const o of outcomes) expect(o.reply).toBeNull();
  });
});

/** A one-person 河北 class-1 submission whose From header line is exactly `from` (raw, not re-encoded). */
async function withFromHeader(from: string, seed: number) {
  const program = await testProgram();
  const h = await harness(program);
  const sub = await submission({
    program,
    from: 'hbzxqy@163.com',
    region: '河北',
    classNo: 1,
    people: people(1, seed),
  });
  const text = sub.raw.toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  const head = text.slice(0, end).replace(/^From: .*(?:\r?\n[ \t].*)*$/m, `From: ${from}`);
  expect(head).toContain(`From: ${from}`);
  return { h, raw: Buffer.from(head + text.slice(end), 'latin1'), messageId: sub.messageId };
}

/** Held, not one student recorded, the bureau told why, and nothing but the held notice sent back. */
async function expectHeld(
  h: Awaited<ReturnType<typeof harness>>,
  outcome: unknown,
  messageId: string,
  since: number,
) {
  expect(outcome).toMatchObject({ status: 'held', region: { code: '130000' }, classes: [] });
  expect(await h.deps().registry.listRegion('130000')).toEqual([]);
  for (const r of await h.repliesTo(messageId)) expect((await simpleParser(r)).subject).toContain('待确认');
  const notices = await Promise.all(
    (await h.sentTo(ADMIN, since)).map(async (n) => (await simpleParser(n)).text ?? ''),
  );
  expect(notices.some((t) => t.includes('未通过发件人认证'))).toBe(true);
  const [held] = await h.deps().registry.listMessages('held');
  expect(held?.heldReason).toContain('未通过发件人认证');
}

describe('forged senders (issue 14): a contact is trusted only as one mailbox with aligned authentication', () => {
  const variants: [string, string][] = [
    ['a list with the contact first', 'hbzxqy@163.com, attacker@evil.example'],
    ['group syntax', 'Hebei: hbzxqy@163.com;'],
    ['an address in a comment', 'hbzxqy@163.com (attacker@evil.example)'],
    ['trailing junk', '<hbzxqy@163.com> attacker@evil.example'],
    ['a display name spoofing the contact', '"hbzxqy@163.com" <attacker@evil.example>'],
  ];
  for (const [i, [what, from]] of variants.entries()) {
    it(`holds ${what}: never answered as 河北`, async () => {
      const since = Date.now() - 1000;
      const { h, raw, messageId } = await withFromHeader(from, 60 + i);
      const [o] = await h.ingest([raw], { receivedAt: IN_TIME });
      await expectHeld(h, o, messageId, since);
    });
  }

  it('holds a contact address whose SPF and DKIM passed for another domain (DMARC without a record)', async () => {
    const since = Date.now() - 1000;
    const { h, raw, messageId } = await withFromHeader('hbzxqy@163.com', 70);
    const [o] = await h.ingest([raw], {
      receivedAt: IN_TIME,
      auth: 'dmarc=none,spf=pass@evil.example,dkim=pass@evil.example',
    });
    await expectHeld(h, o, messageId, since);
  });

  const aligned: [string, string][] = [
    ['DMARC pass (SPF for a relay, no DKIM)', 'dmarc=pass,spf=pass@relay.example,dkim=none'],
    ['SPF alone (DMARC without a record, no DKIM)', 'dmarc=none,dkim=none'],
    ['DKIM alone (DMARC without a record, SPF for a relay)', 'dmarc=none,spf=pass@relay.example'],
  ];
  for (const [i, [what, auth]] of aligned.entries()) {
    it(`accepts the contact with aligned ${what}`, async () => {
      const { h, raw } = await withFromHeader(
        `=?UTF-8?B?${Buffer.from('河北省中小企业局').toString('base64')}?= <hbzxqy@163.com>`,
        71 + i,
      );
      const [o] = await h.ingest([raw], { receivedAt: IN_TIME, auth });
      expect(o).toMatchObject({ status: 'accepted', region: { code: '130000' } });
      expect(await h.deps().registry.listRegion('130000')).toHaveLength(1);
    });
  }

  it('holds an unauthenticated first contact instead of registering it', async () => {
    const program = await testProgram();
    const h = await harness(program);
    const { raw } = await submission({
      program,
      from: 'sz-new@sz.gov.cn',
      region: '深圳市',
      classNo: 1,
      people: people(1, 75, '440300'),
    });
    const [o] = await h.ingest([raw], {
      receivedAt: IN_TIME,
      auth: 'dmarc=none,spf=pass@evil.example,dkim=none',
    });
    expect(o?.status).toBe('held');
    expect(await h.deps().registry.getContacts('440300')).toEqual([]);
  });
});
