/**
 * intake_ratio_to_floor: the pipeline's own work on one email (MIME, forms, rules, reply rendering; no AWS
 * call) against the floor for the same bytes (bench/floors.ts intakeFloor: boundary scan, base64 decode, and
 * only the parts the readers open, legacy files through the same libraries' lowest-level reads). Timed in
 * CPU time: the work is single-threaded, and on a shared machine wall time also counts waiting for a core.
 *
 * `pipelineOwnWork` composes the pipeline's steps as processInbound runs them, minus the registry: region from
 * the program's contacts or the forms, and every candidate without an error finding counted as accepted
 * (recordClass's quota and duplicate checks are DynamoDB calls, measured in the e2e stage instead).
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { annotateWorkbook, type Form4, type RowStatus } from '@lingjun/forms';
import { composeReply, parseInbound } from '@lingjun/mail';
import { type Program, parseProgram, programRegions } from '@lingjun/program';
import { enterpriseRegionWarning, type Finding, finding, isError } from '@lingjun/rules';
import { assemble, type Candidate } from '../../packages/intake/src/steps/assemble.ts';
import { readForms } from '../../packages/intake/src/steps/forms.ts';
import { form3s, programRegionsOf } from '../../packages/intake/src/steps/region.ts';
import { renderReceipt } from '../../packages/intake/src/steps/render.ts';
import type { Fixtures } from '../fixtures.ts';
import { intakeFloor } from '../floors.ts';
import { measure, type Row, type Candidate as Timed } from '../measure.ts';

const RECEIVED = new Date('2025-06-05T02:00:00Z');

/** What the own-work composition produced: enough to see it did the whole job. */
export interface OwnWorkSummary {
  attachments: number;
  forms: number;
  candidates: number;
  accepted: number;
  findings: number;
  annotated: number;
  replyBytes: number;
}

/** The pipeline's own work on one raw email, without AWS calls. */
export async function pipelineOwnWork(raw: Uint8Array, program: Program): Promise<OwnWorkSummary> {
  const mail = await parseInbound(raw);
  const read = await readForms(mail, program);
  const findings: Finding[] = [...read.findings];
  const sender = mail.from?.address?.toLowerCase() ?? '';
  const f4s = read.forms.filter((f): f is Form4 => f.form === '附件4');
  const code = programRegionsOf(program, sender)[0] ?? f4s.find((f) => f.regionCode)?.regionCode ?? '000000';
  const region = programRegions(program).byCode(code);
  for (const f3 of form3s(read.forms)) findings.push(...f3.records.flatMap((r) => r.findings));
  const assembly = assemble(read.forms, program, RECEIVED);
  findings.push(...assembly.findings);
  const status = new Map<Candidate, RowStatus>();
  const classes: { no: number; accepted: number; rejected: number; withdrawn: number }[] = [];
  for (const [no, list] of [...assembly.classes.entries()].sort(([a], [b]) => a - b)) {
    let accepted = 0;
    for (const c of list) {
      const w = enterpriseRegionWarning(c.values.uscc, code, programRegions(program));
      if (w)
        c.findings.push(
          finding(w.code, w.message, { form: '附件4', file: c.file, student: c.name, classNo: no }),
        );
      const first = c.findings.find(isError);
      status.set(c, first ? { accepted: false, reason: first.message } : { accepted: true });
      if (!first) accepted++;
      findings.push(...c.findings);
    }
    classes.push({ no, accepted, rejected: list.length - accepted, withdrawn: 0 });
  }
  // As the pipeline's annotatedWorkbooks: one annotated copy per 附件4 that has findings.
  const attachments: { filename: string; content: Uint8Array; contentType: string }[] = [];
  for (const f4 of f4s) {
    const own = findings.filter((f) => f.file === f4.file);
    if (own.length === 0) continue;
    const byRow = new Map<number, RowStatus>();
    for (const [c, s] of status) if (c.file === f4.file && c.row !== undefined) byRow.set(c.row, s);
    const att = mail.attachments.find((a) => a.filename === f4.file);
    const content = await annotateWorkbook(
      {
        content: att?.content ?? new Uint8Array(),
        format: att && /\.xlsx$/i.test(att.filename) ? 'xlsx' : att ? 'other' : 'rebuild',
        file: f4.file,
      },
      f4,
      own,
      byRow,
    );
    attachments.push({
      filename: `${f4.file.replace(/^.*\//, '').replace(/\.[^.]*$/, '')}-标注.xlsx`,
      content,
      contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    });
  }
  const receipt = renderReceipt({
    program,
    outcome: {
      messageId: mail.messageId,
      status: classes.some((c) => c.accepted > 0) ? 'accepted' : 'rejected',
      region: region ? { code: region.code, name: region.name } : null,
      classes,
      findings,
      reply: null,
      receivedAt: RECEIVED.toISOString(),
      receipt: `LJ${program.year}-${code}-BENCH0`,
    },
    quota: { total: 25, used: 0, perClass: program.classes.map((c) => ({ no: c.no, used: 0 })) },
    receivedLocal: '2025-06-05 10:00',
    annotated: attachments.map((a) => a.filename),
  });
  const composed = await composeReply({
    from: { address: program.mailbox, name: '领军人才培训报名系统' },
    original: {
      messageId: mail.messageId,
      references: mail.references,
      subject: mail.subject,
      from: mail.from,
    },
    to: mail.from?.address ? [mail.from.address] : ['nobody@example.cn'],
    subject: receipt.subject,
    text: receipt.text,
    html: receipt.html,
    attachments,
    messageId: '<reply-bench@miitec.cn>',
    date: RECEIVED,
  });
  return {
    attachments: mail.attachments.length,
    forms: read.forms.length,
    candidates: [...assembly.classes.values()].reduce((n, l) => n + l.length, 0),
    accepted: classes.reduce((n, c) => n + c.accepted, 0),
    findings: findings.length,
    annotated: attachments.length,
    replyBytes: composed.raw.length,
  };
}

/** Runs the intake stage on the typical, large and sample emails. */
export async function runIntake(fx: Fixtures): Promise<Row[]> {
  const program = parseProgram(
    JSON.parse(await readFile(new URL('../../examples/program-2025.json', import.meta.url), 'utf8')),
  );
  const inputs: [string, string][] = [
    ['typical', fx.typical],
    ['large', fx.large],
    ...fx.samples.map((s): [string, string] => [`sample:${basename(s, '.eml')}`, s]),
  ];
  const rows: Row[] = [];
  for (const [name, file] of inputs) {
    const raw = await readFile(file);
    const candidates: Timed[] = [
      { name: 'pipeline', run: () => pipelineOwnWork(raw, program) },
      // The floor of a small email is under a millisecond: several runs per sample.
      {
        name: 'floor',
        floor: true,
        run: () => intakeFloor(raw),
        repeat: name.startsWith('sample:') ? 10 : 3,
      },
    ];
    const sample = name.startsWith('sample:');
    const plan = sample
      ? { warmup: 2, minRuns: 11, maxRuns: 60, maxMs: 8000, clock: 'cpu' as const, settle: 0.04 }
      : {
          warmup: 3,
          minRuns: 11,
          maxRuns: 60,
          maxMs: name === 'large' ? 30_000 : 20_000,
          clock: 'cpu' as const,
          settle: 0.04,
        };
    const got = await measure('intake', name, candidates, plan);
    // The floor must have decoded the same attachments the pipeline read, or it measured other bytes.
    const own = await pipelineOwnWork(raw, program);
    const fl = await intakeFloor(raw);
    if (fl.attachments < own.attachments) {
      const f = got.find((r) => r.candidate === 'floor');
      if (f) f.excluded = `floor decoded ${fl.attachments} parts, pipeline read ${own.attachments}`;
    }
    rows.push(...got);
    process.stderr.write(`intake ${name}: ${JSON.stringify(own)} floor ${JSON.stringify(fl)}\n`);
  }
  return rows;
}
