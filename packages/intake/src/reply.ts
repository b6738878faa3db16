import type { Form4, RowStatus } from '@lingjun/forms';
import { localDateTime, type Program } from '@lingjun/program';
import type { QuotaUsed } from '@lingjun/registry';
import { type Finding, isError } from '@lingjun/rules';
import {
  finishWithReply,
  type PreparedReply,
  prepareReply,
  type ReplyParts,
  type Run,
  receiptNo,
} from './lifecycle.ts';
import type { Outcome } from './outcome.ts';
import type { Candidate } from './steps/assemble.ts';
import type { ClassResult } from './steps/record.ts';
import { type QuotaView, renderReceipt } from './steps/render.ts';

/** Renders the receipt (with annotated workbooks), stores the outcome with the reply's send taken, then sends. */
export async function answer(
  run: Run,
  outcome: Outcome,
  quota: QuotaView | undefined,
  results: ClassResult[],
  f4s: Form4[] = [],
): Promise<Outcome> {
  return finishWithReply(run, outcome, await receiptParts(run, outcome, quota, results, f4s));
}

/** Renders the receipt and composes and stores the reply, for a record written with the registrations. */
export async function prepareAnswer(
  run: Run,
  outcome: Outcome,
  quota: QuotaView | undefined,
  results: ClassResult[],
  f4s: Form4[] = [],
): Promise<PreparedReply> {
  return prepareReply(run, outcome, await receiptParts(run, outcome, quota, results, f4s));
}

/** The receipt's subject, text and HTML, with the annotated workbooks attached. */
async function receiptParts(
  run: Run,
  outcome: Outcome,
  quota: QuotaView | undefined,
  results: ClassResult[],
  f4s: Form4[],
): Promise<ReplyParts> {
  const program = run.deps.program;
  outcome.receipt ??= receiptNo(program, outcome.region?.code ?? '000000', run.key);
  const attachments = await annotatedWorkbooks(run, f4s, outcome.findings, results);
  const receipt = renderReceipt({
    program,
    outcome,
    ...(quota ? { quota } : {}),
    receivedLocal: localDateTime(run.ref.receivedAt, program.timezone),
    annotated: attachments.map((a) => a.filename),
    results,
  });
  return { ...receipt, attachments };
}

export async function annotatedWorkbooks(
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
    const att = run.mail.attachments.find((a) => a.filename === f4.file);
    // The annotator (and exceljs, which it loads) only for a 附件4 with findings: not at cold start.
    const { annotateWorkbook } = await import('@lingjun/forms/annotate');
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

export function formatOf(name: string): string {
  return /\.xlsx$/i.test(name) ? 'xlsx' : 'other';
}

export async function quotaView(run: Run, regionCode: string): Promise<QuotaView | undefined> {
  if (!run.deps.program.quotas[regionCode]) return undefined;
  return quotaViewOf(run.deps.program, regionCode, await run.deps.registry.quotaUsed(regionCode));
}

/** The receipt's view of a region's places, from the places used. */
export function quotaViewOf(program: Program, regionCode: string, used: QuotaUsed): QuotaView | undefined {
  const quota = program.quotas[regionCode];
  if (!quota) return undefined;
  return {
    total: quota.total,
    used: used.total,
    perClass: program.classes.map((c) => {
      const limit = quota.perClass?.[String(c.no)];
      return { no: c.no, ...(limit !== undefined ? { limit } : {}), used: used.perClass[c.no] ?? 0 };
    }),
  };
}
