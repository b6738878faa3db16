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
import { type Assembly, assemble, type Candidate } from './steps/assemble.ts';
import { type ReadForms, readForms } from './steps/forms.ts';
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
    run.mail = await parseInbound(run.raw, run.ref.authservId ? { authservId: run.ref.authservId } : {});
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

/** The state a processing run builds up; each step reads what earlier steps set. */
interface Processing extends Run {
  mail: InboundMail;
  key: string;
  sender: string;
  base: Outcome;
  findings: Finding[];
  read?: ReadForms;
  region?: { code: string; name: string };
  firstContact?: boolean;
  otherAccepted?: boolean;
  assembly?: Assembly;
  results?: ClassResult[];
}

/** A step either lets processing go on (undefined) or ends it with the email's outcome. */
type Step = (p: Processing) => Promise<Outcome | undefined>;

/**
 * The intake steps, in order. Each is small and named so a log line or a test can point at one; the first
 * step that returns an outcome ends the run.
 */
export const STEPS: readonly (readonly [string, Step])[] = [
  ['screen', screen],
  ['ignoreAutomatic', ignoreAutomatic],
  ['organiserMail', organiserMail],
  ['readForms', readFormsStep],
  ['decideRegion', decideRegionStep],
  ['registerContacts', registerContacts],
  ['assemble', assembleStep],
  ['holdLate', holdLate],
  ['record', recordStep],
  ['completeOnFile', completeOnFile],
  ['conclude', conclude],
];

async function process(run: Run): Promise<Outcome> {
  const mail = run.mail!;
  // The processing state is the run itself, so the message record a step saves is the one the caller's
  // error handling sees.
  const p: Processing = Object.assign(run, {
    mail,
    key: run.key!,
    sender: mail.from?.address?.toLowerCase() ?? '',
    base: {
      messageId: stripBrackets(mail.messageId),
      status: 'rejected' as const,
      region: null,
      classes: [],
      findings: [],
      reply: null,
      receivedAt: run.ref.receivedAt.toISOString(),
    },
    findings: [],
  });
  for (const [name, step] of STEPS) {
    const outcome = await step(p);
    if (outcome) {
      log.debug('intake ended', { messageKey: p.key, step: name, status: outcome.status });
      return outcome;
    }
  }
  throw new Error('intake steps ended without an outcome');
}

/** Forged or dangerous mail is kept but never answered (no backscatter); the bureau is told. */
async function screen(p: Processing): Promise<Outcome | undefined> {
  const v = p.ref.verdicts;
  const policy = verdictPolicy({
    spamVerdict: v.spam,
    virusVerdict: v.virus,
    spfVerdict: v.spf,
    dkimVerdict: v.dkim,
    dmarcVerdict: v.dmarc,
  });
  if (policy !== 'quarantine') return undefined;
  const outcome: Outcome = { ...p.base, status: 'quarantined' };
  await notifyBureau(p, `【隔离】来自 ${p.sender || '未知发件人'} 的邮件未通过安全检查`, [
    `邮件（${outcome.messageId}）未通过反垃圾/病毒/发件人认证检查（SPAM ${v.spam}，VIRUS ${v.virus}，SPF ${v.spf}，DKIM ${v.dkim}，DMARC ${v.dmarc}），已隔离保存，未回复发件人。`,
    `原始邮件：${p.ref.rawKey}`,
  ]);
  return save(p, outcome, 'quarantined');
}

/** Reports and automatic mail carry no submission and are never answered. */
async function ignoreAutomatic(p: Processing): Promise<Outcome | undefined> {
  if (shouldReply(p.mail, { ownAddresses: [p.deps.program.mailbox] })) return undefined;
  log.info('report or automatic mail, not answered', { messageKey: p.key, kind: p.mail.kind });
  return save(p, p.base, 'done');
}

/**
 * Mail from the class organiser carries sign-in sheets and evaluation forms, not submissions: the course
 * package records them and answers the organiser itself.
 */
async function organiserMail(p: Processing): Promise<Outcome | undefined> {
  const { course } = p.deps;
  if (!course) return undefined;
  // The organiser module only: the package index would bring the certificate writer (docx, QR codes) into
  // the intake bundle (npm run bench, bundle_kb).
  const { handleOrganiserMail } = await import('@lingjun/certificates/organiser');
  const res = await handleOrganiserMail(p.mail, { ...p.deps, course, now: p.now });
  if (!res.handled) return undefined;
  const recorded = res.attendance.length + res.evaluations > 0;
  log.info('organiser mail recorded', {
    messageKey: p.key,
    sheets: res.attendance.length,
    evaluations: res.evaluations,
  });
  return save(p, { ...p.base, status: recorded ? 'accepted' : 'rejected' }, 'done');
}

/** Reads every attachment; an email with no form is answered with what to send. */
async function readFormsStep(p: Processing): Promise<Outcome | undefined> {
  p.read = await readForms(p.mail, p.deps.program);
  p.findings.push(...p.read.findings);
  if (p.read.forms.length > 0) return undefined;
  return answer(p, { ...p.base, findings: p.findings }, undefined, []);
}

/** Who the email is for (spec §5): rejected, held for the bureau, or on its way. */
async function decideRegionStep(p: Processing): Promise<Outcome | undefined> {
  const { program } = p.deps;
  const decision = await decideRegion({
    forms: p.read!.forms,
    sender: p.sender,
    authentication: p.mail.authentication,
    program,
    registry: p.deps.registry,
    ...(p.ref.approvedRegion ? { approvedRegion: p.ref.approvedRegion } : {}),
  });
  if (decision.kind === 'reject') {
    const region = decision.region ? { code: decision.region.code, name: decision.region.name } : null;
    return answer(p, { ...p.base, region, findings: [...p.findings, ...decision.findings] }, undefined, []);
  }
  p.region = { code: decision.region.code, name: decision.region.name };
  if (decision.kind === 'hold') {
    return hold(p, decision.reason, `【待确认】${p.region.name}：未登记发件人报送材料`, [
      `${decision.reason}。`,
    ]);
  }
  p.firstContact = decision.firstContact;
  return undefined;
}

/** Contacts: an approved sender, the region's 附件3, or the first sender of a region without contacts. */
async function registerContacts(p: Processing): Promise<Outcome | undefined> {
  const { registry } = p.deps;
  const region = p.region!;
  if (p.ref.approvedRegion) await registry.addContact(region.code, p.sender, p.key, p.now);
  for (const f3 of form3s(p.read!.forms)) {
    const emails = f3.records
      .filter((r) => !r.findings.some(isError) && r.values.email)
      .map((r) => r.values.email!);
    p.findings.push(...f3.records.flatMap((r) => r.findings));
    if (emails.length > 0) {
      p.otherAccepted = true;
      await registry.setContacts(region.code, emails, p.key, p.now);
      await registry.markSubmitted(region.code, 'FORM3', p.key, p.now);
    }
  }
  if (p.firstContact) {
    if (!p.otherAccepted) await registry.setContacts(region.code, [p.sender], p.key, p.now);
    await notifyBureau(p, `【新联系人】${region.name}`, [
      `${p.sender} 首次为${region.name}报送材料，${region.name}此前没有登记联系人，已将其登记为联系人。如有误请联系该地区核实。`,
    ]);
  }
  return undefined;
}

/** Joins 附件4 rows with 附件5 forms and applies the rules that span forms, the calendar and the region. */
async function assembleStep(p: Processing): Promise<Outcome | undefined> {
  const region = p.region!;
  p.assembly = assemble(p.read!.forms, p.deps.program, p.ref.receivedAt);
  p.findings.push(...p.assembly.findings);
  for (const list of p.assembly.classes.values()) {
    for (const c of list) {
      const w = enterpriseRegionWarning(c.values.uscc, region.code);
      if (!w) continue;
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
  return undefined;
}

/** With `lateSubmissions: "hold"`, a late class is kept for the bureau to decide instead of refused. */
async function holdLate(p: Processing): Promise<Outcome | undefined> {
  const late = p.assembly!.late;
  if (p.deps.program.lateSubmissions !== 'hold' || late.size === 0 || p.ref.approvedRegion) return undefined;
  const reason = `第${[...late].join('、')}期报名已截止，按规定暂存待部中小企业局决定`;
  return hold(p, reason, `【逾期待定】${p.region!.name}逾期报送`, [`${reason}。`]);
}

/** Records class by class, in class order; each class replaces the region's earlier submission for it. */
async function recordStep(p: Processing): Promise<Outcome | undefined> {
  const region = p.region!;
  const assembly = p.assembly!;
  p.results = [];
  for (const [no, candidates] of [...assembly.classes.entries()].sort(([a], [b]) => a - b)) {
    const res = await recordClass({
      region: region.code,
      classNo: no,
      candidates,
      messageId: p.key,
      program: p.deps.program,
      registry: p.deps.registry,
      keySecret: p.deps.keySecret,
      now: p.now,
      open: !assembly.late.has(no) || p.ref.approvedRegion !== undefined,
    });
    // Only a class with students accepted counts as submitted for reminders; a refused list still owes one.
    if (res.accepted.length > 0) {
      await p.deps.registry.markSubmitted(region.code, `C#${String(no).padStart(2, '0')}`, p.key, p.now);
    }
    p.results.push(res);
  }
  for (const list of assembly.classes.values()) for (const c of list) p.findings.push(...c.findings);
  return undefined;
}

/** 附件5 forms that no row of this email lists. */
async function completeOnFile(p: Processing): Promise<Outcome | undefined> {
  const loose = await attachLooseForm5s(p, p.region!.code, p.assembly!.loose);
  p.findings.push(...loose.findings);
  if (loose.attached > 0) p.otherAccepted = true;
  return undefined;
}

/** Counts, status and the receipt. */
async function conclude(p: Processing): Promise<Outcome> {
  const region = p.region!;
  const classes: ClassOutcome[] = p.results!.map((r) => ({
    no: r.no,
    accepted: r.accepted.length,
    rejected: r.rejected.length,
    withdrawn: r.withdrawn.length,
  }));
  const whole = p.findings.some((f) => f.code === 'NO_FORMS');
  const outcome: Outcome = {
    ...p.base,
    region,
    classes,
    findings: p.findings,
    status: statusFromCounts(classes, whole, p.otherAccepted === true),
    receipt: receiptNo(p.deps.program, region.code, p.key),
  };
  const form4s = p.read!.forms.filter((f): f is Form4 => f.form === '附件4');
  return answer(p, outcome, await quotaView(p, region.code), p.results!, form4s);
}

/** Holds the email for the bureau: the sender is told a person will confirm; the bureau gets the commands. */
async function hold(p: Processing, reason: string, subject: string, lines: string[]): Promise<Outcome> {
  const region = p.region!;
  const outcome: Outcome = {
    ...p.base,
    status: 'held',
    region,
    receipt: receiptNo(p.deps.program, region.code, p.key),
  };
  await notifyBureau(p, subject, [
    ...lines,
    `邮件 ${outcome.messageId} 已暂存，待确认。`,
    `批准：lingjun approve ${outcome.messageId}`,
    `拒绝：lingjun reject ${outcome.messageId} --reason 原因`,
  ]);
  const held = renderHeld(p.deps.program, region.name, outcome.receipt!);
  return finishWithReply(p, outcome, { ...held, attachments: [] }, 'held', reason);
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
