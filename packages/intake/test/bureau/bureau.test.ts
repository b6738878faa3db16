/**
 * The bureau acts by email, against the local stack: a held email approved by an admin's 同意 reply, the same
 * words from anyone else changing nothing, 名额调整 with a 附件2, 进度, 名单, and the region told when an
 * approved stranger's list replaced its own.
 */
import { documentClient, programVersions, rawMailKey } from '@lingjun/aws';
import { parseInbound } from '@lingjun/mail';
import { Bounces, SendOnce } from '@lingjun/registry';
import ExcelJS from 'exceljs';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { buildEmail } from '../../../../test/support/email.ts';
import { type Harness, harness } from '../../../../test/support/intake.ts';
import { people, submission } from '../../../../test/support/submission.ts';
import {
  type BureauDeps,
  composeHoldNotice,
  handleBureauMail,
  holdToken,
  routeInbound,
  routeSesEvent,
} from '../../src/bureau/index.ts';
import type { InboundRef } from '../../src/context.ts';
import { readForms } from '../../src/steps/forms.ts';

const IN_TIME = '2025-06-05T10:00:00+08:00';
const ADMIN = 'admin@example.gov.cn';
const HEBEI = 'hbzxqy@163.com';

function bureauDeps(h: Harness): BureauDeps {
  return {
    ...h.deps(),
    sendOnce: new SendOnce(documentClient(h.config), h.config.tableName),
    versions: programVersions(h.config),
    bounces: new Bounces(documentClient(h.config), h.config.tableName, h.program.year),
  };
}

/** Stores a raw email as SES would, with its Authentication-Results for `auth` (as `ingest --auth` takes it). */
async function arrive(h: Harness, raw: Buffer, auth = 'pass'): Promise<InboundRef> {
  const { parseAuthOption, sesMessageId, withSesAuthenticationResults } = await import('@lingjun/local');
  const a = parseAuthOption(auth);
  const id = sesMessageId();
  await h.deps().store.put(rawMailKey(id), withSesAuthenticationResults(raw, a.verdicts, a.domains));
  return { sesMessageId: id, rawKey: rawMailKey(id), receivedAt: new Date(), verdicts: a.verdicts };
}

async function parsedAt(h: Harness, ref: InboundRef) {
  return parseInbound(await h.deps().store.get(ref.rawKey));
}

/** A stranger's one-class 河北 list, ingested and held; with the hold notice this module composes for it. */
async function held(h: Harness, from: string, seed: number, n = 2) {
  const list = people(n, seed);
  const sub = await submission({ program: h.program, from, region: '河北', classNo: 1, people: list });
  const [outcome] = await h.ingest([sub.raw], { receivedAt: IN_TIME });
  expect(outcome?.status).toBe('held');
  const [record] = await h.deps().registry.listMessages('held');
  const mail = await parseInbound(sub.raw);
  const notice = await composeHoldNotice({
    program: h.program,
    keySecret: h.deps().keySecret,
    heldKey: record!.messageId,
    messageId: outcome!.messageId,
    mail,
    region: { code: '130000', name: '河北省' },
    reason: '发件人不是河北省登记的联系人',
    forms: (await readForms(mail, h.program)).forms,
    ...(outcome?.receipt ? { receipt: outcome.receipt } : {}),
    title: '【待确认】河北省：未登记发件人报送材料',
  });
  return { sub, list, record: record!, notice, token: holdToken(h.deps().keySecret, record!.messageId) };
}

/** An admin's (or anyone's) reply to a hold notice: threaded on it, the notice's subject kept. */
function replyTo(notice: { subject: string; messageId: string }, from: string, text: string) {
  return buildEmail({
    from,
    subject: `Re: ${notice.subject}`,
    text,
    headers: { 'In-Reply-To': notice.messageId, References: notice.messageId },
    attachments: [],
  });
}

async function subjects(raws: Buffer[]) {
  return Promise.all(raws.map(async (r) => (await simpleParser(r)).subject ?? ''));
}

describe.skipIf(process.env.LINGJUN_NO_STACK === '1')('the bureau acts by email', () => {
  it('the hold notice summarises the held email and carries the token in subject and Message-ID', async () => {
    const h = await harness();
    const { notice, token, sub } = await held(h, 'notice@example.com', 301, 3);
    expect(notice.subject).toContain(`[HOLD-${token}]`);
    expect(notice.messageId).toContain(`hold-${token}`);
    const parsed = await simpleParser(Buffer.from(notice.raw));
    expect(parsed.to && !Array.isArray(parsed.to) ? parsed.to.value.map((v) => v.address) : []).toEqual([
      ADMIN,
    ]);
    const text = parsed.text ?? '';
    expect(text).toContain('声称地区：河北省（130000）');
    expect(text).toContain('第1期 3人');
    expect(text).toContain('学员共 3 人');
    expect(text).toContain('附件4-第1期报名汇总表.xlsx');
    expect(text).toContain('暂存原因：发件人不是河北省登记的联系人');
    expect(text).toContain('“同意”');
    expect(text).toContain('“拒绝：原因”');
    expect(sub.messageId).toBeTruthy();
  });

  it('an admin replying 同意 to the notice gets the email processed: the sender gets its 全部受理 receipt', async () => {
    const h = await harness();
    const deps = bureauDeps(h);
    const { sub, list, notice } = await held(h, 'stranger@example.com', 302);
    // The token travels in In-Reply-To/References alone: the admin's client rewrote the subject.
    const reply = await buildEmail({
      from: ADMIN,
      subject: '回复：待确认邮件',
      text: '同意\n\n> 以下邮件已暂存',
      headers: { 'In-Reply-To': notice.messageId, References: notice.messageId },
      attachments: [],
    });
    const ref = await arrive(h, reply.raw);
    const outcome = await routeInbound(ref, deps);
    expect(outcome).toMatchObject({ status: 'accepted', bureau: { command: 'approve', done: true } });
    expect((await h.deps().registry.listRegion('130000', 1)).map((r) => r.name).sort()).toEqual(
      list.map((p) => p.name).sort(),
    );
    expect(await h.deps().registry.listMessages('held')).toEqual([]);
    const toSender = await subjects(await h.repliesTo(sub.messageId));
    expect(toSender.some((s) => s.includes('全部受理'))).toBe(true);
    const confirmations = await h.repliesTo(reply.messageId);
    expect(await subjects(confirmations)).toEqual([expect.stringContaining('已批准')]);
    expect((await simpleParser(confirmations[0]!)).text).toContain('第1期：受理 2 人');

    // Nothing of the region's was replaced, so its contact hears nothing.
    expect((await subjects(await h.sentTo(HEBEI))).some((s) => s.includes('名单已替换'))).toBe(false);

    // The same command mail delivered again is a duplicate: nothing more is done or sent.
    const again = await routeInbound(ref, deps);
    expect(again.status).toBe('duplicate');
    expect(await h.repliesTo(reply.messageId)).toHaveLength(1);
  });

  it('the same reply from a non-admin, an admin without the token, or an unaligned admin changes nothing', async () => {
    const h = await harness();
    const deps = bureauDeps(h);
    const { notice, record } = await held(h, 'waiting@example.com', 303);

    // A non-admin who got hold of the notice: ordinary intake answers it (no forms), the email stays held.
    const forwarded = await replyTo(notice, HEBEI, '同意');
    const fRef = await arrive(h, forwarded.raw);
    expect((await handleBureauMail(await parsedAt(h, fRef), fRef, deps)).handled).toBe(false);
    const asIntake = await routeInbound(fRef, deps);
    expect(asIntake).toMatchObject({
      status: 'rejected',
      findings: [expect.objectContaining({ code: 'NO_FORMS' })],
    });

    // The admin's address, but not aligned (SPF for another domain, no DKIM, no DMARC record).
    const spoofed = await replyTo(notice, ADMIN, '同意');
    const sRef = await arrive(h, spoofed.raw, 'dmarc=none,spf=pass@evil.example,dkim=none');
    expect((await handleBureauMail(await parsedAt(h, sRef), sRef, deps)).handled).toBe(false);

    // The admin, aligned, but without the token: a help reply, nothing decided.
    const bare = await buildEmail({ from: ADMIN, subject: '待确认邮件', text: '同意', attachments: [] });
    const bRef = await arrive(h, bare.raw);
    const helped = await routeInbound(bRef, deps);
    expect(helped).toMatchObject({ status: 'rejected', bureau: { command: 'help', done: false } });
    const [help] = await h.repliesTo(bare.messageId);
    expect((await simpleParser(help!)).text).toContain('没有待确认邮件的编号');

    // A token that is not this email's (forged): nothing found, nothing decided.
    const forged = await buildEmail({
      from: ADMIN,
      subject: `Re: 【待确认】 [HOLD-${'A'.repeat(16)}]`,
      text: '同意',
      attachments: [],
    });
    const gRef = await arrive(h, forged.raw);
    expect(await routeInbound(gRef, deps)).toMatchObject({ bureau: { command: 'approve', done: false } });

    const [still] = await h.deps().registry.listMessages('held');
    expect(still?.messageId).toBe(record.messageId);
    expect(await h.deps().registry.listRegion('130000')).toEqual([]);
  });

  it('a confirmation that failed to send is sent on retry from the stored bytes; the command is not run twice', async () => {
    const h = await harness();
    const real = bureauDeps(h);
    const { notice, sub } = await held(h, 'retry@example.com', 309);
    let failures = 1;
    const flaky: BureauDeps = {
      ...real,
      mailer: {
        async sendRaw(m) {
          if (m.to.includes(ADMIN) && failures-- > 0) throw new Error('SES unavailable');
          return real.mailer.sendRaw(m);
        },
      },
    };
    const reply = await replyTo(notice, ADMIN, '同意');
    const ref = await arrive(h, reply.raw);
    await expect(routeInbound(ref, flaky)).rejects.toThrow('SES unavailable');
    // The decision is taken and recorded; only the confirmation is owed.
    expect(await h.deps().registry.listMessages('held')).toEqual([]);
    expect(await h.repliesTo(reply.messageId)).toHaveLength(0);
    // Within its lease the failed send's claim still stands (busy: retry later); the retry comes after it.
    await expect(routeInbound(ref, flaky)).rejects.toThrow('being sent by another invocation');
    const later = { ...flaky, clock: () => new Date(Date.now() + 5 * 60_000) };
    const retried = await routeInbound(ref, later);
    expect(retried).toMatchObject({ status: 'accepted', bureau: { command: 'approve', done: true } });
    expect(await subjects(await h.repliesTo(reply.messageId))).toEqual([expect.stringContaining('已批准')]);
    expect(
      (await subjects(await h.repliesTo(sub.messageId))).filter((s) => s.includes('全部受理')),
    ).toHaveLength(1);
    expect((await routeInbound(ref, flaky)).status).toBe('duplicate');
    expect(await h.repliesTo(reply.messageId)).toHaveLength(1);
  });

  it('拒绝：原因 rejects the held email and the sender is told the reason', async () => {
    const h = await harness();
    const deps = bureauDeps(h);
    const { sub, notice } = await held(h, 'refused@example.com', 304);
    const reply = await replyTo(notice, ADMIN, '拒绝：非本地区主管部门');
    const outcome = await routeInbound(await arrive(h, reply.raw), deps);
    expect(outcome).toMatchObject({ status: 'accepted', bureau: { command: 'reject', done: true } });
    const texts = await Promise.all(
      (await h.repliesTo(sub.messageId)).map(async (r) => (await simpleParser(r)).text),
    );
    expect(texts.some((t) => t?.includes('非本地区主管部门'))).toBe(true);
    expect(await subjects(await h.repliesTo(reply.messageId))).toEqual([expect.stringContaining('已拒绝')]);
    expect(await h.deps().registry.listRegion('130000')).toEqual([]);
  });

  it('名额调整 with a 附件2 publishes its diff, refuses a cut below enrolment, and replies with both', async () => {
    const h = await harness();
    const deps = bureauDeps(h);
    const first = await submission({
      program: h.program,
      from: HEBEI,
      region: '河北',
      classNo: 1,
      people: people(2, 305),
    });
    expect((await h.ingest([first.raw], { receivedAt: IN_TIME }))[0]?.status).toBe('accepted');
    const before = await deps.versions.currentVersion();

    // The bureau's complete table: 山西 25 → 20 (allowed), 河北 25 → 1 (2 already accepted: refused).
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Sheet1');
    ws.addRow(['2025年领军人才培训名额分配表']);
    ws.addRow(['地区', '名额']);
    for (const [code, q] of Object.entries(h.program.quotas)) {
      const total = code === '140000' ? 20 : code === '130000' ? 1 : q.total;
      ws.addRow([code === '140000' ? '山西' : code === '130000' ? '河北' : code, total]);
    }
    const sheet = new Uint8Array(await wb.xlsx.writeBuffer());
    const mail = await buildEmail({
      from: ADMIN,
      subject: '名额调整',
      text: '请按附件调整名额。',
      attachments: [{ filename: '附件2-名额分配表.xlsx', content: sheet }],
    });
    const outcome = await routeInbound(await arrive(h, mail.raw), deps);
    expect(outcome).toMatchObject({ status: 'accepted', bureau: { command: 'quota', done: true } });

    const after = await deps.versions.currentVersion();
    expect(after).toBe((before ?? 0) + 1);
    const published = await deps.versions.get(after!);
    expect(published?.program.quotas['140000']?.total).toBe(20);
    expect(published?.program.quotas['130000']?.total).toBe(25);
    expect(published?.publishedBy).toBe(ADMIN);

    const [reply] = await h.repliesTo(mail.messageId);
    const text = (await simpleParser(reply!)).text ?? '';
    expect(text).toContain(`已发布程序版本 ${after}`);
    expect(text).toContain('山西省：名额 25 → 20');
    expect(text).toContain('以下调整未获准');
    expect(text).toContain('河北省已录取2名，总名额不能减至1名');
  });

  it('进度 returns the status workbook; 名单 第1期 the class roster', async () => {
    const h = await harness();
    const deps = bureauDeps(h);
    const first = await submission({
      program: h.program,
      from: HEBEI,
      region: '河北',
      classNo: 1,
      people: people(2, 306),
    });
    await h.ingest([first.raw], { receivedAt: IN_TIME });

    const status = await buildEmail({ from: ADMIN, subject: '进度', text: '', attachments: [] });
    expect(await routeInbound(await arrive(h, status.raw), deps)).toMatchObject({
      bureau: { command: 'status' },
    });
    const [statusReply] = await h.repliesTo(status.messageId);
    const parsed = await simpleParser(statusReply!);
    const xlsx = parsed.attachments.find((a) => a.filename?.startsWith('报名进度-'));
    expect(xlsx).toBeDefined();
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(xlsx!.content as unknown as ArrayBuffer);
    expect(book.worksheets.map((w) => w.name)).toContain('报名进度');
    expect(parsed.text).toContain('河北省：2/25');

    const roster = await buildEmail({ from: ADMIN, subject: '名单 第1期', text: '', attachments: [] });
    await routeInbound(await arrive(h, roster.raw), deps);
    const [rosterReply] = await h.repliesTo(roster.messageId);
    const r = await simpleParser(rosterReply!);
    expect(r.subject).toContain('第1期学员名单（2人）');
    expect(r.attachments.map((a) => a.filename)).toEqual(['第1期学员名单.xlsx']);
  });

  it("the region's contacts are told when an approved stranger's list replaced their own", async () => {
    const h = await harness();
    const deps = bureauDeps(h);
    const own = await submission({
      program: h.program,
      from: HEBEI,
      region: '河北',
      classNo: 1,
      people: people(2, 307),
    });
    expect((await h.ingest([own.raw], { receivedAt: IN_TIME }))[0]?.status).toBe('accepted');
    const since = Date.now() - 1000;
    const { notice, sub } = await held(h, 'replacer@example.com', 308, 3);
    const reply = await replyTo(notice, ADMIN, '同意');
    const outcome = await routeInbound(await arrive(h, reply.raw), deps);
    expect(outcome).toMatchObject({ bureau: { command: 'approve', done: true } });
    expect((await simpleParser((await h.repliesTo(reply.messageId))[0]!)).text).toContain('替换原名单 2 人');

    const told = (await Promise.all((await h.sentTo(HEBEI, since)).map((m) => simpleParser(m)))).filter((m) =>
      m.subject?.includes('名单已替换'),
    );
    expect(told).toHaveLength(1);
    expect(told[0]!.subject).toContain('replacer@example.com');
    expect(told[0]!.text).toContain('第1期：原名单撤销 2 人，新名单受理 3 人');
    // The stranger is not told about itself, and gets its own receipt.
    expect(await h.sentTo('replacer@example.com', since).then((l) => l.length)).toBeGreaterThan(0);
    expect(
      (await subjects(await h.sentTo('replacer@example.com', since))).some((s) => s.includes('名单已替换')),
    ).toBe(false);
    expect(sub.messageId).toBeTruthy();
  });

  it('wired as the intake handler would: an SES event through routeSesEvent, admin command and submission alike', async () => {
    const h = await harness();
    const deps = bureauDeps(h);
    const { buildSesEvent } = await import('@lingjun/local');
    const status = await buildEmail({ from: ADMIN, subject: '进度', text: '', attachments: [] });
    const list = await submission({
      program: h.program,
      from: HEBEI,
      region: '河北',
      classNo: 1,
      people: people(1, 310),
    });
    const refs = [await arrive(h, status.raw), await arrive(h, list.raw)];
    const event = {
      Records: (
        await Promise.all(
          [status.raw, list.raw].map((raw, i) =>
            buildSesEvent({
              messageId: refs[i]!.sesMessageId,
              raw,
              mailFrom: 'sender@localhost',
              recipients: [h.program.mailbox],
              receivedAt: new Date(IN_TIME),
              verdicts: refs[i]!.verdicts,
            }),
          ),
        )
      ).flatMap((e) => e.Records),
    };
    const [command, intake] = await routeSesEvent(event, deps);
    expect(command).toMatchObject({ bureau: { command: 'status', done: true } });
    expect(intake).toMatchObject({ status: 'accepted', region: { code: '130000' } });
    expect(await h.repliesTo(status.messageId)).toHaveLength(1);
  });
});
