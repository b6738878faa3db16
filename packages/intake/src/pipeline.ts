import { log, MailParseError, TransientError } from '@lingjun/core';
import type { Form4, RecognisedForm } from '@lingjun/forms';
import { type InboundMail, parseInbound, shouldReply } from '@lingjun/mail';
import { type Program, programRegions } from '@lingjun/program';
import { ClaimLostError, type QuotaUsed, type SubmissionReads, type TransactItems } from '@lingjun/registry';
import { enterpriseRegionWarning, type Finding, finding, isError } from '@lingjun/rules';
import { linkBounceMail } from './bounce-mail.ts';
import { composeHoldNotice } from './bureau/notice.ts';
import { type InboundRef, type IntakeDeps, quarantined } from './context.ts';
import {
  claimLeaseMs,
  duplicateOf,
  finishWithReply,
  messageKey,
  notifyBureau,
  type PreparedReply,
  type Run,
  type RunStart,
  receiptNo,
  resumeReply,
  save,
  sendReply,
  stripBrackets,
  unparseable,
} from './lifecycle.ts';
import { type ClassOutcome, decideStatus, type Outcome } from './outcome.ts';
import { answer, prepareAnswer, quotaView, quotaViewOf } from './reply.ts';
import { AwaitingSendEvidenceError } from './sent-check.ts';
import { type Assembly, assemble } from './steps/assemble.ts';
import { attachLooseForm5s } from './steps/complete.ts';
import { type ReadForms, readForms } from './steps/forms.ts';
import { type ClassResult, recordClasses } from './steps/record.ts';
import { decideRegion, declaredRegionCodes, form3s, programRegionsOf } from './steps/region.ts';
import { renderHeld } from './steps/render.ts';

/**
 * Processes one inbound email end to end: claim it, read it, screen the sender, check and record its forms,
 * answer it, and store the one outcome. Safe to run again for the same email: a finished email is reported
 * as `duplicate` and nothing is written or sent.
 */
export async function processInbound(ref: InboundRef, deps: IntakeDeps): Promise<Outcome> {
  const start: RunStart = { ref, deps, now: deps.now?.() ?? new Date() };
  const raw = await deps.store.get(ref.rawKey);
  let mail: InboundMail;
  try {
    mail = await parseInbound(raw, ref.authservId ? { authservId: ref.authservId } : {});
  } catch (err) {
    if (!(err instanceof MailParseError)) throw err;
    return unparseable(start, raw, err);
  }
  const key = messageKey(mail);
  const claim = await deps.registry.claimMessage({
    messageId: key,
    receivedAt: ref.receivedAt.toISOString(),
    rawKey: ref.rawKey,
    now: start.now,
    leaseMs: claimLeaseMs(deps),
  });
  if (claim.state === 'finished') {
    log.info('duplicate delivery', { messageKey: key, status: claim.record.status });
    return duplicateOf(claim.record, mail, deps.program);
  }
  if (claim.state === 'busy') {
    // Another invocation holds the lease: fail so Lambda retries later instead of dropping the email.
    throw new TransientError(`message ${key} is being processed by another invocation`);
  }
  const run: Run = { ...start, raw, mail, key, record: claim.record };
  try {
    if ((run.record.status === 'recorded' || run.record.status === 'sending') && run.record.outcome)
      return await resumeReply(run, run.record.outcome);
    return await process(run);
  } catch (err) {
    // The run that took the email over owns the record now.
    if (err instanceof ClaimLostError) throw err;
    const atReply = run.record.status === 'recorded' || run.record.status === 'sending';
    await deps.registry.saveMessage({
      ...run.record,
      status: atReply ? run.record.status : 'failed',
      // A send that may have left is left alone until its evidence could have come in.
      leaseUntil: err instanceof AwaitingSendEvidenceError ? err.until : 0,
      updatedAt: new Date().toISOString(),
    });
    throw err;
  }
}

/** A claimed email being processed: who sent it and the outcome every ending starts from. */
export interface Processing extends Run {
  sender: string;
  base: Outcome;
}

/** A region as an outcome names it. */
export interface RegionRef {
  code: string;
  name: string;
}

/** A step that may end the run: its outcome, or what the next steps need. */
export type Ended = { done: Outcome };

/** The processing state of a claimed run; the run object itself, so the record `save` keeps is the caller's. */
export function beginProcessing(run: Run): Processing {
  return Object.assign(run, {
    sender: run.mail.from?.address?.toLowerCase() ?? '',
    base: {
      messageId: stripBrackets(run.mail.messageId),
      status: 'rejected' as const,
      region: null,
      classes: [],
      findings: [],
      reply: null,
      receivedAt: run.ref.receivedAt.toISOString(),
    },
  });
}

/**
 * The intake steps in order, threading each step's typed result to the next; the first step that ends the
 * run gives the email's outcome.
 */
async function process(run: Run): Promise<Outcome> {
  const p = beginProcessing(run);
  const ended = (step: string, outcome: Outcome): Outcome => {
    log.debug('intake ended', { messageKey: p.key, step, status: outcome.status });
    return outcome;
  };
  const screened = await screen(p);
  if (screened) return ended('screen', screened);
  const automatic = await ignoreAutomatic(p);
  if (automatic) return ended('ignoreAutomatic', automatic);
  const routed = await routeElsewhere(p);
  if (routed) return ended('routeElsewhere', routed);

  const read = await readFormsStep(p);
  if ('done' in read) return ended('readForms', read.done);
  const { forms } = read.read;
  const findings: Finding[] = [...read.read.findings];

  const reads = await readStep(p, forms);
  const decided = await decideRegionStep(p, forms, findings, reads);
  if ('done' in decided) return ended('decideRegion', decided.done);
  const { region } = decided;

  const contacts = await registerContacts(p, region, forms, decided.firstContact, reads);
  findings.push(...contacts.findings);

  const assembly = assembleStep(p.deps.program, p.ref.receivedAt, region.code, forms);
  findings.push(...assembly.findings);

  const late = await holdLate(p, region, forms, assembly.late);
  if (late) return ended('holdLate', late);

  const form4s = forms.filter((f): f is Form4 => f.form === '附件4');
  const conclude = (results: ClassResult[], all: Finding[], otherAccepted: boolean) =>
    concludeOutcome({
      program: p.deps.program,
      key: p.key,
      base: p.base,
      region,
      results,
      findings: all,
      otherAccepted: contacts.taken || otherAccepted,
    });
  if (assembly.loose.length === 0) {
    // The outcome, with the reply's send taken, is written in the transaction of the registrations: no
    // window between the two, and no write of its own for the take.
    let prepared: PreparedReply | undefined;
    await recordStep(p, region.code, assembly, reads, async (results, classFindings, used) => {
      const outcome = conclude(results, [...findings, ...classFindings], false);
      const view = quotaViewOf(p.deps.program, region.code, used);
      prepared = await prepareAnswer(p, outcome, view, results, form4s);
      return [...(contacts.actions ?? []), p.deps.registry.outcomeAction(prepared.record)];
    });
    if (!prepared) throw new Error('the registrations were written without the outcome');
    p.record = prepared.record;
    return ended('conclude', await sendReply(p, prepared));
  }

  const recorded = await recordStep(p, region.code, assembly, reads, async () => contacts.actions ?? []);
  findings.push(...recorded.findings);

  const loose = await attachLooseForm5s(p, region.code, assembly.loose);
  findings.push(...loose.findings);

  const outcome = conclude(recorded.results, findings, loose.attached > 0);
  return ended(
    'conclude',
    await answer(p, outcome, await quotaView(p, region.code), recorded.results, form4s),
  );
}

/**
 * Reads what the email's decisions depend on, in one Query and one BatchGetItem: the sender index, and of
 * the region the forms name (or the sender's only region in the program) its registrations, contacts,
 * quota counters and class versions.
 */
export async function readStep(p: Processing, forms: RecognisedForm[]): Promise<SubmissionReads> {
  const program = p.deps.program;
  const named = declaredRegionCodes(forms, program);
  const fromProgram = programRegionsOf(program, p.sender);
  const region =
    named.length === 1
      ? named[0]
      : named.length === 0 && fromProgram.length === 1
        ? fromProgram[0]
        : undefined;
  return p.deps.registry.readSubmission({
    ...(p.sender ? { sender: p.sender } : {}),
    ...(region ? { region } : {}),
    classes: program.classes.map((c) => c.no),
  });
}

/** Forged or dangerous mail is kept but never answered (no backscatter); the bureau is told. */
export async function screen(p: Processing): Promise<Outcome | undefined> {
  const v = p.ref.verdicts;
  if (!quarantined(v)) return undefined;
  const outcome: Outcome = { ...p.base, status: 'quarantined' };
  await notifyBureau(p, 'quarantined', `【隔离】来自 ${p.sender || '未知发件人'} 的邮件未通过安全检查`, [
    `邮件（${outcome.messageId}）未通过反垃圾/病毒/发件人认证检查（SPAM ${v.spam}，VIRUS ${v.virus}，SPF ${v.spf}，DKIM ${v.dkim}，DMARC ${v.dmarc}），已隔离保存，未回复发件人。`,
    `原始邮件：${p.ref.rawKey}`,
  ]);
  return save(p, outcome, 'quarantined');
}

/** Reports and automatic mail carry no submission and are never answered. */
export async function ignoreAutomatic(p: Processing): Promise<Outcome | undefined> {
  if (shouldReply(p.mail, { ownAddresses: [p.deps.program.mailbox] })) return undefined;
  log.info('report or automatic mail, not answered', { messageKey: p.key, kind: p.mail.kind });
  await linkBounceMail(p);
  return save(p, p.base, 'done');
}

/** Mail a route takes (the class organiser's sheets) is recorded and answered there, not as a submission. */
export async function routeElsewhere(p: Processing): Promise<Outcome | undefined> {
  for (const route of p.deps.routes ?? []) {
    const taken = await route.take(p.mail, p.now);
    if (!taken) continue;
    log.info('mail taken by a route', { messageKey: p.key, route: route.name, recorded: taken.recorded });
    return save(p, { ...p.base, status: taken.recorded ? 'accepted' : 'rejected' }, 'done');
  }
  return undefined;
}

/** Reads every attachment; an email with no form is answered with what to send. */
export async function readFormsStep(p: Processing): Promise<Ended | { read: ReadForms }> {
  const read = await readForms(p.mail, p.deps.program);
  if (read.forms.length > 0) return { read };
  return { done: await answer(p, { ...p.base, findings: [...read.findings] }, undefined, []) };
}

/** Who the email is for (spec §5): rejected, held for the bureau, or on its way. */
export async function decideRegionStep(
  p: Processing,
  forms: RecognisedForm[],
  findings: readonly Finding[],
  reads: Pick<SubmissionReads, 'senderRegion' | 'getContacts'> = p.deps.registry,
): Promise<Ended | { region: RegionRef; firstContact: boolean }> {
  const decision = await decideRegion({
    forms,
    sender: p.sender,
    authentication: p.mail.authentication,
    program: p.deps.program,
    registry: reads,
    ...(p.ref.approvedRegion ? { approvedRegion: p.ref.approvedRegion } : {}),
  });
  if (decision.kind === 'reject') {
    const region = decision.region ? { code: decision.region.code, name: decision.region.name } : null;
    const outcome = { ...p.base, region, findings: [...findings, ...decision.findings] };
    return { done: await answer(p, outcome, undefined, []) };
  }
  const region = { code: decision.region.code, name: decision.region.name };
  if (decision.kind === 'hold') {
    const subject = `【待确认】${region.name}：未登记发件人报送材料`;
    return { done: await hold(p, { region, forms, reason: decision.reason, subject }) };
  }
  return { region, firstContact: decision.firstContact };
}

/**
 * Contacts: an approved sender, the region's 附件3, or the first sender of a region without contacts.
 * `taken` says whether a 附件3's contacts were taken from the email. With the email's reads, the writes
 * are returned as `actions` for the transaction of its registrations; without them (or for an approved
 * sender, whose contact is added first) they are written here.
 */
export async function registerContacts(
  p: Processing,
  region: RegionRef,
  forms: RecognisedForm[],
  firstContact: boolean,
  reads?: Pick<SubmissionReads, 'getContacts'>,
): Promise<{ findings: Finding[]; taken: boolean; actions?: TransactItems }> {
  const { registry } = p.deps;
  const findings: Finding[] = [];
  let taken = false;
  if (p.ref.approvedRegion) await registry.addContact(region.code, p.sender, p.key, p.now);
  // The lists the email sets one after the other; the last one stands, the earlier ones are unindexed again.
  const lists: string[][] = [];
  for (const f3 of form3s(forms)) {
    const emails = f3.records.flatMap((r) =>
      !r.findings.some(isError) && r.values.email ? [r.values.email] : [],
    );
    findings.push(...f3.records.flatMap((r) => r.findings));
    if (emails.length > 0) {
      taken = true;
      lists.push(emails);
    }
  }
  if (firstContact && !taken) lists.push([p.sender]);
  const actions: TransactItems = [];
  const batched = reads !== undefined && !p.ref.approvedRegion;
  const last = lists.at(-1);
  if (batched && last) {
    const previous = [...(await reads.getContacts(region.code)), ...lists.slice(0, -1).flat()];
    const lower = [...new Set(previous.map((e) => e.toLowerCase()))];
    actions.push(...registry.contactsActions(region.code, last, lower, p.key, p.now));
    if (taken) actions.push(registry.markAction(region.code, 'FORM3', p.key, p.now));
  } else {
    for (const emails of lists) await registry.setContacts(region.code, emails, p.key, p.now);
    if (taken) await registry.markSubmitted(region.code, 'FORM3', p.key, p.now);
  }
  if (firstContact) {
    await notifyBureau(p, 'first-contact', `【新联系人】${region.name}`, [
      `${p.sender} 首次为${region.name}报送材料，${region.name}此前没有登记联系人，已将其登记为联系人。如有误请联系该地区核实。`,
    ]);
  }
  return { findings, taken, ...(batched ? { actions } : {}) };
}

/** Joins 附件4 rows with 附件5 forms and applies the rules that span forms, the calendar and the region. */
export function assembleStep(
  program: Program,
  receivedAt: Date,
  regionCode: string,
  forms: RecognisedForm[],
): Assembly {
  const assembly = assemble(forms, program, receivedAt);
  for (const list of assembly.classes.values()) {
    for (const c of list) {
      const w = enterpriseRegionWarning(c.values.uscc, regionCode, programRegions(program));
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
  return assembly;
}

/** With `lateSubmissions: "hold"`, a late class is kept for the bureau to decide instead of refused. */
export async function holdLate(
  p: Processing,
  region: RegionRef,
  forms: RecognisedForm[],
  late: ReadonlySet<number>,
): Promise<Outcome | undefined> {
  if (p.deps.program.lateSubmissions !== 'hold' || late.size === 0 || p.ref.approvedRegion) return undefined;
  const reason = `第${[...late].join('、')}期报名已截止，按规定暂存待部中小企业局决定`;
  return hold(p, { region, forms, reason, subject: `【逾期待定】${region.name}逾期报送` });
}

/**
 * Records the classes in class order, in as few transactions as DynamoDB allows; each class replaces the
 * region's earlier submission for it. The findings are the classes' own, then every candidate's. `finish`
 * gives the last transaction's further writes (the outcome, contacts) from the results it would commit.
 */
export async function recordStep(
  p: Processing,
  regionCode: string,
  assembly: Pick<Assembly, 'classes' | 'late'>,
  reads?: SubmissionReads,
  finish?: (results: ClassResult[], findings: Finding[], used: QuotaUsed) => Promise<TransactItems>,
): Promise<{ results: ClassResult[]; findings: Finding[] }> {
  const classes = [...assembly.classes.entries()]
    .sort(([a], [b]) => a - b)
    .map(([no, candidates]) => ({
      no,
      candidates,
      open: !assembly.late.has(no) || p.ref.approvedRegion !== undefined,
    }));
  const findingsOf = (results: ClassResult[]) => [
    ...results.flatMap((r) => r.findings),
    ...[...assembly.classes.values()].flatMap((list) => list.flatMap((c) => c.findings)),
  ];
  const { results } = await recordClasses({
    region: regionCode,
    classes,
    messageId: p.key,
    receivedAt: p.ref.receivedAt.toISOString(),
    program: p.deps.program,
    registry: p.deps.registry,
    reads:
      reads ??
      (await p.deps.registry.readSubmission({
        region: regionCode,
        classes: p.deps.program.classes.map((c) => c.no),
      })),
    keySecret: p.deps.keySecret,
    now: p.now,
    ...(finish ? { finish: (results, used) => finish(results, findingsOf(results), used) } : {}),
  });
  return { results, findings: findingsOf(results) };
}

/** Counts, status and the receipt of a recorded email. */
export function concludeOutcome(input: {
  program: Program;
  key: string;
  base: Outcome;
  region: RegionRef;
  results: ClassResult[];
  findings: Finding[];
  otherAccepted: boolean;
}): Outcome {
  const { region, findings } = input;
  const classes: ClassOutcome[] = input.results.map((r) => ({
    no: r.no,
    accepted: r.accepted.length,
    rejected: r.rejected.length,
    withdrawn: r.withdrawn.length,
  }));
  return {
    ...input.base,
    region,
    classes,
    findings,
    status: decideStatus({ classes, findings, otherAccepted: input.otherAccepted }),
    receipt: receiptNo(input.program, region.code, input.key),
  };
}

/** Holds the email for the bureau: the sender is told a person will confirm; the bureau gets the commands. */
export async function hold(
  p: Processing,
  held: { region: RegionRef; forms: RecognisedForm[]; reason: string; subject: string },
): Promise<Outcome> {
  const { region, reason, subject } = held;
  const receipt = receiptNo(p.deps.program, region.code, p.key);
  const outcome: Outcome = { ...p.base, status: 'held', region, receipt };
  // The notice summarises the held email and carries the signed token an admin's 同意 / 拒绝 reply needs.
  await notifyBureau(p, 'held', subject, [`${reason}。`], async () => {
    const notice = await composeHoldNotice({
      program: p.deps.program,
      keySecret: p.deps.keySecret,
      heldKey: p.key,
      messageId: outcome.messageId,
      mail: p.mail,
      region,
      reason,
      forms: held.forms,
      receipt,
      title: subject,
    });
    return notice.raw;
  });
  const reply = renderHeld(p.deps.program, region.name, receipt);
  return finishWithReply(p, outcome, { ...reply, attachments: [] }, 'held', reason);
}
