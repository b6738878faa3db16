import { log, MailParseError, TransientError } from '@lingjun/core';
import type { Form4 } from '@lingjun/forms';
import { type InboundMail, parseInbound, shouldReply, verdictPolicy } from '@lingjun/mail';
import { keys } from '@lingjun/registry';
import { enterpriseRegionWarning, type Finding, finding, isError } from '@lingjun/rules';
import { linkBounceMail } from './bounce-mail.ts';
import { composeHoldNotice } from './bureau/notice.ts';
import type { InboundRef, IntakeDeps } from './context.ts';
import {
  claimLeaseMs,
  duplicateOf,
  finishWithReply,
  messageKey,
  notifyBureau,
  type Run,
  receiptNo,
  resumeReply,
  save,
  stripBrackets,
  unparseable,
} from './lifecycle.ts';
import { type ClassOutcome, decideStatus, type Outcome } from './outcome.ts';
import { answer, quotaView } from './reply.ts';
import { type Assembly, assemble } from './steps/assemble.ts';
import { attachLooseForm5s } from './steps/complete.ts';
import { type ReadForms, readForms } from './steps/forms.ts';
import { type ClassResult, recordClass } from './steps/record.ts';
import { decideRegion, form3s } from './steps/region.ts';
import { renderHeld } from './steps/render.ts';

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
    leaseMs: claimLeaseMs(deps),
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
    if (run.record.status === 'recorded' && run.record.outcome)
      return await resumeReply(run, run.record.outcome);
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
  ['routeElsewhere', routeElsewhere],
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
  await notifyBureau(p, 'quarantined', `【隔离】来自 ${p.sender || '未知发件人'} 的邮件未通过安全检查`, [
    `邮件（${outcome.messageId}）未通过反垃圾/病毒/发件人认证检查（SPAM ${v.spam}，VIRUS ${v.virus}，SPF ${v.spf}，DKIM ${v.dkim}，DMARC ${v.dmarc}），已隔离保存，未回复发件人。`,
    `原始邮件：${p.ref.rawKey}`,
  ]);
  return save(p, outcome, 'quarantined');
}

/** Reports and automatic mail carry no submission and are never answered. */
async function ignoreAutomatic(p: Processing): Promise<Outcome | undefined> {
  if (shouldReply(p.mail, { ownAddresses: [p.deps.program.mailbox] })) return undefined;
  log.info('report or automatic mail, not answered', { messageKey: p.key, kind: p.mail.kind });
  await linkBounceMail(p);
  return save(p, p.base, 'done');
}

/** Mail a route takes (the class organiser's sheets) is recorded and answered there, not as a submission. */
async function routeElsewhere(p: Processing): Promise<Outcome | undefined> {
  for (const route of p.deps.routes ?? []) {
    const taken = await route.take(p.mail, p.now);
    if (!taken) continue;
    log.info('mail taken by a route', { messageKey: p.key, route: route.name, recorded: taken.recorded });
    return save(p, { ...p.base, status: taken.recorded ? 'accepted' : 'rejected' }, 'done');
  }
  return undefined;
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
    await notifyBureau(p, 'first-contact', `【新联系人】${region.name}`, [
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
      receivedAt: p.ref.receivedAt.toISOString(),
      program: p.deps.program,
      registry: p.deps.registry,
      keySecret: p.deps.keySecret,
      now: p.now,
      open: !assembly.late.has(no) || p.ref.approvedRegion !== undefined,
    });
    // Only a class with students accepted counts as submitted for reminders; a refused list still owes one.
    if (res.accepted.length > 0) {
      await p.deps.registry.markSubmitted(region.code, keys.classSubmission(no), p.key, p.now);
    }
    p.findings.push(...res.findings);
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
  const outcome: Outcome = {
    ...p.base,
    region,
    classes,
    findings: p.findings,
    status: decideStatus({ classes, findings: p.findings, otherAccepted: p.otherAccepted === true }),
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
  // The notice summarises the held email and carries the signed token an admin's 同意 / 拒绝 reply needs.
  await notifyBureau(p, 'held', subject, lines, async () => {
    const notice = await composeHoldNotice({
      program: p.deps.program,
      keySecret: p.deps.keySecret,
      heldKey: p.key,
      messageId: outcome.messageId,
      mail: p.mail,
      region,
      reason,
      forms: p.read?.forms ?? [],
      receipt: outcome.receipt!,
      title: subject,
    });
    return notice.raw;
  });
  const held = renderHeld(p.deps.program, region.name, outcome.receipt!);
  return finishWithReply(p, outcome, { ...held, attachments: [] }, 'held', reason);
}
