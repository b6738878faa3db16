import { createHash } from 'node:crypto';
import { log, MailParseError, TransientError } from '@lingjun/core';
import { annotateWorkbook, type Form4, type Form5, type RowStatus } from '@lingjun/forms';
import {
  composeMessage,
  composeReply,
  type InboundMail,
  parseInbound,
  shouldReply,
  textToHtml,
  verdictPolicy,
} from '@lingjun/mail';
import { localDateTime, type Program, regionByCode } from '@lingjun/program';
import { type MessageRecord, personKey } from '@lingjun/registry';
import { enterpriseRegionWarning, type Finding, finding, isError } from '@lingjun/rules';
import type { InboundRef, IntakeDeps } from './context.ts';
import { type ClassOutcome, type Outcome, statusFromCounts } from './outcome.ts';
import { assemble, type Candidate } from './steps/assemble.ts';
import { readForms } from './steps/forms.ts';
import { type ClassResult, recordClass } from './steps/record.ts';
import { decideRegion, form3s } from './steps/region.ts';
import { type QuotaView, renderHeld, renderReceipt } from './steps/render.ts';

/** Longer than the intake function's timeout, so a live invocation never loses its claim. */
const DEFAULT_LEASE_MS = 90_000;
/** Display name on every mail the system sends. */
export const SENDER_NAME = '领军人才培训报名系统';

/** Everything one run of the pipeline learns about an email; steps fill it in order. */
interface Run {
  ref: InboundRef;
  deps: IntakeDeps;
  now: Date;
  raw?: Uint8Array;
  mail?: InboundMail;
  key?: string;
  record?: MessageRecord;
}

/**
 * Processes one inbound email end to end: claim it, read it, screen the sender, check and record its forms,
 * answer it, and store the one outcome. Safe to run again for the same email: a finished email is reported
 * as `duplicate` and nothing is written or sent.
 */
export async function processInbound(ref: InboundRef, deps: IntakeDeps): Promise<Outcome> {
  const run: Run = { ref, deps, now: deps.now?.() ?? new Date() };
  run.raw = await deps.store.get(ref.rawKey);
  try {
    run.mail = await parseInbound(run.raw);
  } catch (err) {
    if (!(err instanceof MailParseError)) throw err;
    return unparseable(run, err);
  }
  run.key = messageKey(run.mail);
  const claim = await deps.registry.claimMessage({
    messageId: run.key,
    receivedAt: ref.receivedAt.toISOString(),
    rawKey: ref.rawKey,
    now: run.now,
    leaseMs: deps.leaseMs ?? DEFAULT_LEASE_MS,
  });
  if (claim.state === 'finished') {
    log.info('duplicate delivery', { messageKey: run.key, status: claim.record.status });
    return duplicateOf(claim.record, run.mail);
  }
  if (claim.state === 'busy') {
    // Another invocation holds the lease: fail so Lambda retries later instead of dropping the email.
    throw new TransientError(`message ${run.key} is being processed by another invocation`);
  }
  run.record = claim.record;
  try {
    if (run.record.status === 'recorded' && run.record.outcome) return await resumeReply(run);
    return await process(run);
  } catch (err) {
    await deps.registry.saveMessage({
      ...run.record,
      status: run.record.status === 'recorded' ? 'recorded' : 'failed',
      leaseUntil: 0,
      updatedAt: new Date().toISOString(),
    });
    throw err;
  }
}

async function process(run: Run): Promise<Outcome> {
  const { deps, ref } = run;
  const mail = run.mail!;
  const program = deps.program;
  const base: Outcome = {
    messageId: stripBrackets(mail.messageId),
    status: 'rejected',
    region: null,
    classes: [],
    findings: [],
    reply: null,
    receivedAt: ref.receivedAt.toISOString(),
  };
  const sender = mail.from?.address?.toLowerCase() ?? '';

  // Step: screen — forged or dangerous mail is kept but never answered (no backscatter).
  if (
    verdictPolicy({
      spamVerdict: ref.verdicts.spam,
      virusVerdict: ref.verdicts.virus,
      spfVerdict: ref.verdicts.spf,
      dkimVerdict: ref.verdicts.dkim,
      dmarcVerdict: ref.verdicts.dmarc,
    }) === 'quarantine'
  ) {
    const outcome: Outcome = { ...base, status: 'quarantined' };
    await notifyBureau(run, `【隔离】来自 ${sender || '未知发件人'} 的邮件未通过安全检查`, [
      `邮件（${outcome.messageId}）未通过反垃圾/病毒/发件人认证检查（SPAM ${ref.verdicts.spam}，VIRUS ${ref.verdicts.virus}，SPF ${ref.verdicts.spf}，DKIM ${ref.verdicts.dkim}，DMARC ${ref.verdicts.dmarc}），已隔离保存，未回复发件人。`,
      `原始邮件：${ref.rawKey}`,
    ]);
    return save(run, outcome, 'quarantined');
  }
  // Step: reports and automatic mail carry no submission and are never answered.
  if (!shouldReply(mail, { ownAddresses: [program.mailbox] })) {
    log.info('report or automatic mail, not answered', { messageKey: run.key, kind: mail.kind });
    return save(run, base, 'done');
  }

  // Step: read the forms.
  const read = await readForms(mail, program);
  const findings: Finding[] = [...read.findings];
  if (read.forms.length === 0) {
    return answer(run, { ...base, findings }, undefined, []);
  }

  // Step: who is this for.
  const decision = await decideRegion({
    forms: read.forms,
    sender,
    program,
    registry: deps.registry,
    ...(ref.approvedRegion ? { approvedRegion: ref.approvedRegion } : {}),
  });
  if (decision.kind === 'reject') {
    const region = decision.region ? { code: decision.region.code, name: decision.region.name } : null;
    return answer(run, { ...base, region, findings: [...findings, ...decision.findings] }, undefined, []);
  }
  const region = { code: decision.region.code, name: decision.region.name };
  if (decision.kind === 'hold') {
    const outcome: Outcome = {
      ...base,
      status: 'held',
      region,
      receipt: receiptNo(program, region.code, run.key!),
    };
    await notifyBureau(run, `【待确认】${region.name}：未登记发件人报送材料`, [
      `${decision.reason}。邮件 ${outcome.messageId} 已暂存，待确认。`,
      `批准：lingjun approve ${outcome.messageId}`,
      `拒绝：lingjun reject ${outcome.messageId}`,
    ]);
    const held = renderHeld(program, region.name, outcome.receipt!);
    return finishWithReply(run, outcome, { ...held, attachments: [] }, 'held', decision.reason);
  }

  if (ref.approvedRegion) await deps.registry.addContact(region.code, sender, run.key!, run.now);

  // Step: contacts from 附件3.
  let hadContacts = false;
  for (const f3 of form3s(read.forms)) {
    const emails = f3.records
      .filter((r) => !r.findings.some(isError) && r.values.email)
      .map((r) => r.values.email!);
    findings.push(...f3.records.flatMap((r) => r.findings));
    if (emails.length > 0) {
      hadContacts = true;
      await deps.registry.setContacts(region.code, emails, run.key!, run.now);
      await deps.registry.markSubmitted(region.code, 'FORM3', run.key!, run.now);
    }
  }
  if (decision.firstContact) {
    if (!hadContacts) await deps.registry.setContacts(region.code, [sender], run.key!, run.now);
    await notifyBureau(run, `【新联系人】${region.name}`, [
      `${sender} 首次为${region.name}报送材料，${region.name}此前没有登记联系人，已将其登记为联系人。如有误请联系该地区核实。`,
    ]);
  }

  // Step: join forms and apply the rules that span them.
  const assembly = assemble(read.forms, program, ref.receivedAt);
  findings.push(...assembly.findings);
  for (const list of assembly.classes.values()) {
    for (const c of list) {
      const w = enterpriseRegionWarning(c.values.uscc, region.code);
      if (w)
        c.findings.push(
          finding(w.code, w.message, {
            form: '附件4',
            file: c.file,
            ...(c.row ? { row: c.row } : {}),
            student: c.name,
            field: '统一社会信用代码',
            classNo: c.classNo,
          }),
        );
    }
  }
  if (program.lateSubmissions === 'hold' && assembly.late.size > 0 && !ref.approvedRegion) {
    const outcome: Outcome = {
      ...base,
      status: 'held',
      region,
      receipt: receiptNo(program, region.code, run.key!),
    };
    const reason = `第${[...assembly.late].join('、')}期报名已截止，按规定暂存待部中小企业局决定`;
    await notifyBureau(run, `【逾期待定】${region.name}逾期报送`, [
      `${reason}。邮件 ${outcome.messageId}。`,
      `批准：lingjun approve ${outcome.messageId}`,
    ]);
    const held = renderHeld(program, region.name, outcome.receipt!);
    return finishWithReply(run, outcome, { ...held, attachments: [] }, 'held', reason);
  }

  // Step: record, class by class, in the order the classes appear.
  const results: ClassResult[] = [];
  for (const [no, candidates] of [...assembly.classes.entries()].sort(([a], [b]) => a - b)) {
    const res = await recordClass({
      region: region.code,
      classNo: no,
      candidates,
      messageId: run.key!,
      program,
      registry: deps.registry,
      keySecret: deps.keySecret,
      now: run.now,
      open: !assembly.late.has(no) || ref.approvedRegion !== undefined,
    });
    if (res.accepted.length + res.withdrawn.length > 0 || candidates.length > 0) {
      await deps.registry.markSubmitted(region.code, `C#${String(no).padStart(2, '0')}`, run.key!, run.now);
    }
    results.push(res);
  }
  for (const list of assembly.classes.values()) for (const c of list) findings.push(...c.findings);
  const loose = await attachLooseForm5s(run, region.code, assembly.loose);
  findings.push(...loose.findings);
  const classes: ClassOutcome[] = results.map((r) => ({
    no: r.no,
    accepted: r.accepted.length,
    rejected: r.rejected.length,
    withdrawn: r.withdrawn.length,
  }));
  const whole = findings.some((f) => f.code === 'NO_FORMS');
  const outcome: Outcome = {
    ...base,
    region,
    classes,
    findings,
    status: statusFromCounts(classes, whole, hadContacts || loose.attached > 0),
    receipt: receiptNo(program, region.code, run.key!),
  };
  return answer(
    run,
    outcome,
    await quotaView(run, region.code),
    results,
    read.forms.filter((f): f is Form4 => f.form === '附件4'),
  );
}

/**
 * A 附件5 that no 附件4 row of the email lists completes a student already on file for the region (a
 * follow-up email with the forms that were missing); otherwise it is reported as unlisted.
 */
async function attachLooseForm5s(
  run: Run,
  region: string,
  loose: Form5[],
): Promise<{ findings: Finding[]; attached: number }> {
  if (loose.length === 0) return { findings: [], attached: 0 };
  const onFile = (await run.deps.registry.listRegion(region)).filter((r) => r.status === 'active');
  const out: Finding[] = [];
  let attached = 0;
  for (const f5 of loose) {
    const id = f5.record.values.idNumber;
    const key = id ? personKey(run.deps.keySecret, id) : undefined;
    const reg = key ? onFile.find((r) => r.personKey === key) : undefined;
    if (reg && !f5.record.findings.some(isError)) {
      await run.deps.registry.update(
        reg,
        {
          uscc: reg.uscc,
          name: reg.name,
          values: { ...f5.record.values, ...reg.values, form5: '1' },
          messageId: run.key!,
          seq: reg.seq,
        },
        run.now,
      );
      attached++;
      continue;
    }
    out.push(
      finding(
        'FORM_UNLISTED',
        `该学员报名表（附件5）在报名汇总表（附件4）中没有对应的行，本表未作处理。如需报名，请将其列入对应期次的报名汇总表一并报送。`,
        { form: '附件5', file: f5.file, student: f5.record.values.name ?? '', field: '姓名' },
      ),
    );
  }
  return { findings: out, attached };
}

/** Renders the receipt (with annotated workbooks), stores the outcome as recorded, then sends. */
async function answer(
  run: Run,
  outcome: Outcome,
  quota: QuotaView | undefined,
  results: ClassResult[],
  f4s: Form4[] = [],
): Promise<Outcome> {
  const program = run.deps.program;
  outcome.receipt ??= receiptNo(program, outcome.region?.code ?? '000000', run.key!);
  const attachments = await annotatedWorkbooks(run, f4s, outcome.findings, results);
  const receipt = renderReceipt({
    program,
    outcome,
    ...(quota ? { quota } : {}),
    receivedLocal: localDateTime(run.ref.receivedAt, program.timezone),
    annotated: attachments.map((a) => a.filename),
  });
  return finishWithReply(run, outcome, { ...receipt, attachments });
}

interface ReplyParts {
  subject: string;
  text: string;
  html: string;
  attachments: { filename: string; content: Uint8Array; contentType?: string }[];
}

/**
 * Stores the outcome before sending, so a crash between the two resumes at the reply and the records are
 * not written twice; then sends and marks the email done.
 */
async function finishWithReply(
  run: Run,
  outcome: Outcome,
  parts: ReplyParts,
  finalStatus: 'done' | 'held' = 'done',
  heldReason?: string,
): Promise<Outcome> {
  const { deps } = run;
  const mail = run.mail!;
  const to = mail.from?.address ? [mail.from.address] : [];
  if (to.length === 0) return save(run, { ...outcome, reply: null }, finalStatus, heldReason);
  const composed = await composeReply({
    from: { address: deps.program.mailbox, name: SENDER_NAME },
    original: mail,
    to,
    subject: parts.subject,
    text: parts.text,
    html: parts.html,
    attachments: parts.attachments,
    messageId: `<reply-${run.key!.slice(0, 24)}@${deps.program.mailbox.split('@')[1]}>`,
    date: run.now,
  });
  const withReply: Outcome = {
    ...outcome,
    reply: { to: composed.to, subject: composed.subject, attachments: composed.attachments },
  };
  // The reply is stored before the outcome says 'recorded', so a retry always finds the bytes to send.
  await deps.store.put(replyKey(run.key!), composed.raw, 'message/rfc822');
  run.record = {
    ...run.record!,
    status: 'recorded',
    outcome: withReply,
    ...(outcome.region ? { region: outcome.region.code } : {}),
    ...(heldReason ? { heldReason } : {}),
    updatedAt: new Date().toISOString(),
  };
  await deps.registry.saveMessage(run.record);
  const sesId = await deps.mailer.sendRaw({ from: deps.program.mailbox, to: composed.to, raw: composed.raw });
  log.info('reply sent', {
    messageKey: run.key,
    status: withReply.status,
    findings: withReply.findings.length,
  });
  run.record = { ...run.record!, replyMessageId: sesId };
  return save(run, withReply, finalStatus, heldReason);
}

/**
 * Sends the reply that an earlier attempt stored before it crashed: the same bytes, so the sender gets the
 * receipt and annotated workbook that the records describe.
 */
async function resumeReply(run: Run): Promise<Outcome> {
  const outcome = run.record!.outcome as Outcome;
  if (outcome.reply) {
    const raw = await run.deps.store.get(replyKey(run.key!));
    await run.deps.mailer.sendRaw({ from: run.deps.program.mailbox, to: outcome.reply.to, raw });
    log.info('stored reply sent on retry', { messageKey: run.key, status: outcome.status });
  }
  return save(run, outcome, run.record!.heldReason ? 'held' : 'done', run.record!.heldReason);
}

function replyKey(key: string): string {
  return `replies/${key}.eml`;
}

async function save(
  run: Run,
  outcome: Outcome,
  status: MessageRecord['status'],
  heldReason?: string,
): Promise<Outcome> {
  run.record = {
    ...run.record!,
    status,
    outcome,
    leaseUntil: 0,
    ...(outcome.region ? { region: outcome.region.code } : {}),
    ...(run.mail?.from?.address ? { sender: run.mail.from.address.toLowerCase() } : {}),
    ...(heldReason ? { heldReason } : {}),
    updatedAt: new Date().toISOString(),
  };
  await run.deps.registry.saveMessage(run.record);
  return outcome;
}

async function annotatedWorkbooks(
  run: Run,
  f4s: Form4[],
  findings: Finding[],
  results: ClassResult[],
): Promise<ReplyParts['attachments']> {
  const out: ReplyParts['attachments'] = [];
  const status = new Map<Candidate, RowStatus>();
  for (const r of results) {
    for (const c of r.accepted) status.set(c, { accepted: true });
    for (const c of r.rejected) {
      const first = c.findings.find(isError);
      status.set(c, { accepted: false, ...(first ? { reason: first.message } : {}) });
    }
  }
  for (const f4 of f4s) {
    const own = findings.filter((f) => f.file === f4.file);
    if (own.length === 0) continue;
    const byRow = new Map<number, RowStatus>();
    for (const [c, s] of status) if (c.file === f4.file && c.row !== undefined) byRow.set(c.row, s);
    const att = run.mail!.attachments.find((a) => a.filename === f4.file);
    const content = await annotateWorkbook(
      {
        content: att?.content ?? new Uint8Array(),
        format: att ? formatOf(att.filename) : 'rebuild',
        file: f4.file,
      },
      f4,
      own,
      byRow,
    );
    const base = f4.file.replace(/^.*\//, '').replace(/\.[^.]*$/, '');
    out.push({
      filename: `${base}-标注.xlsx`,
      content,
      contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    });
  }
  return out;
}

function formatOf(name: string): string {
  return /\.xlsx$/i.test(name) ? 'xlsx' : 'other';
}

async function quotaView(run: Run, regionCode: string): Promise<QuotaView | undefined> {
  const quota = run.deps.program.quotas[regionCode];
  if (!quota) return undefined;
  const used = await run.deps.registry.quotaUsed(regionCode);
  return {
    total: quota.total,
    used: used.total,
    perClass: run.deps.program.classes.map((c) => ({
      no: c.no,
      ...(quota.perClass?.[String(c.no)] !== undefined ? { limit: quota.perClass[String(c.no)]! } : {}),
      used: used.perClass[c.no] ?? 0,
    })),
  };
}

async function notifyBureau(run: Run, subject: string, lines: string[]): Promise<void> {
  const { program, mailer } = run.deps;
  const text = `${lines.join('\n')}\n\n${program.title}报名系统`;
  const msg = await composeMessage({
    from: { address: program.mailbox, name: SENDER_NAME },
    to: program.adminEmails,
    subject,
    text,
    html: `<div>${lines.map((l) => `<p>${textToHtml(l)}</p>`).join('')}</div>`,
  });
  await mailer.sendRaw({ from: program.mailbox, to: program.adminEmails, raw: msg.raw });
}

/**
 * Mail that cannot be parsed still ends in one recorded outcome (keyed by its bytes), and is not answered:
 * without a parsed From there is nobody trustworthy to answer.
 */
async function unparseable(run: Run, err: MailParseError): Promise<Outcome> {
  const key = createHash('sha256').update(run.raw!).digest('hex').slice(0, 40);
  const claim = await run.deps.registry.claimMessage({
    messageId: key,
    receivedAt: run.ref.receivedAt.toISOString(),
    rawKey: run.ref.rawKey,
    now: run.now,
    leaseMs: run.deps.leaseMs ?? DEFAULT_LEASE_MS,
  });
  const outcome: Outcome = {
    messageId: key,
    status: claim.state === 'claimed' ? 'rejected' : 'duplicate',
    region: null,
    classes: [],
    findings: [finding('FILE_UNREADABLE', `邮件无法解析：${err.message}`)],
    reply: null,
    receivedAt: run.ref.receivedAt.toISOString(),
  };
  if (claim.state !== 'claimed') return outcome;
  log.warn('unparseable mail kept, not answered', { messageKey: key, rawKey: run.ref.rawKey });
  run.key = key;
  run.record = claim.record;
  return save(run, outcome, 'done');
}

function duplicateOf(record: MessageRecord, mail: InboundMail): Outcome {
  const prev = record.outcome as Outcome | undefined;
  return {
    messageId: stripBrackets(mail.messageId),
    status: 'duplicate',
    region: prev?.region ?? (record.region ? regionRef(record.region) : null),
    classes: [],
    findings: [],
    reply: null,
    ...(prev?.receipt ? { receipt: prev.receipt } : {}),
  };
}

function regionRef(code: string): { code: string; name: string } | null {
  const r = regionByCode(code);
  return r ? { code: r.code, name: r.name } : null;
}

/**
 * The idempotency key of an email: its Message-ID with the sender, hashed. The same email delivered twice
 * (or ingested twice) has the same key; SES's own id differs per delivery and cannot serve.
 */
export function messageKey(mail: InboundMail): string {
  return createHash('sha256')
    .update(`${mail.from?.address?.toLowerCase() ?? ''}\n${mail.messageId}`)
    .digest('hex')
    .slice(0, 40);
}

function receiptNo(program: Program, region: string, key: string): string {
  return `LJ${program.year}-${region}-${key.slice(0, 6).toUpperCase()}`;
}

function stripBrackets(id: string): string {
  return id.replace(/^<|>$/g, '');
}
