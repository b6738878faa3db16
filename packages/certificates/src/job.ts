import { createHash } from 'node:crypto';
import { type BlobStore, LingjunError, log, type Mailer, once, SENDER_NAME } from '@lingjun/core';
import { applyFallbackFonts, newWorkbook } from '@lingjun/forms';
import { composeMessage } from '@lingjun/mail/compose';
import { escapeHtml, renderTable, renderTextTable } from '@lingjun/mail/html';
import {
  classEndsAt,
  type Program,
  type ProgramClass,
  programRegions,
  type RegionTable,
} from '@lingjun/program';
import type { CertificateRecord, CourseRegistry, Registry, VerificationTable } from '@lingjun/registry';
import { zipSync } from 'fflate';
import { certificateCode, codeHash } from './code.ts';
import { type CompletionResult, completion } from './completion.ts';
import type { CertificateData } from './docx.ts';

// The certificate writer (docx, QR codes) loads when a class has certificates to write: the course-end
// function's cold start then compiles only the job (npm run bench, bundle_initial_kb.course_end).
const certificateWriter = once(() => import('./docx.ts'));

/** Who issues the certificates (¶11: the Talent Exchange Center runs the classes); overridable per deployment. */
export const DEFAULT_ISSUER = '工业和信息化部人才交流中心';

/** What the course-end job needs; the function and the command line build it from their configuration. */
export interface CourseEndDeps {
  program: Program;
  registry: Registry;
  course: CourseRegistry;
  /** Where each certificate is published (number, code hash, masked name, class, status) for the public check. */
  verification: VerificationTable;
  store: BlobStore;
  mailer: Mailer;
  keySecret: string;
  certSecret: string;
  /** Address of the verification page; number and code are added as ?n=…&c=…. */
  verifyBase: string;
  issuer?: string;
  now: Date;
}

/** One issued certificate as the command line prints it (`--json`). */
export interface IssuedCertificate {
  number: string;
  code: string;
  student: string;
  region: string;
  /** Object key of the .docx in the bucket. */
  file: string;
  /** The .docx bytes, for the command line to write out. */
  content: Uint8Array;
  /** True when this run issued the number; false when it was issued before. */
  created: boolean;
  personKey: string;
}

/** What the job did for one class. */
export interface ClassEndResult {
  classNo: number;
  status: 'done' | 'no-attendance' | 'not-ended';
  completion: CompletionResult[];
  certificates: IssuedCertificate[];
  /** Object key of the printable document with every certificate. */
  printable?: { file: string; content: Uint8Array };
  /** Mails sent by this run (recipients), for the log and tests. */
  sent: { what: string; to: string[] }[];
}

/** The verification address a certificate's QR code opens. */
export function verifyUrl(base: string, number: string, code: string): string {
  const sep = base.includes('?') ? '&' : '?';
  return `${base}${sep}n=${encodeURIComponent(number)}&c=${encodeURIComponent(code)}`;
}

/**
 * Classes that have ended: their last half-day is over (spec §9), so the 20:00 run on the last day issues
 * the certificates instead of the next day's.
 */
export function endedClasses(program: Program, now: Date): ProgramClass[] {
  return program.classes.filter((c) => hasEnded(program, c, now));
}

/** True once the class's last half-day is over at `now`. */
export function hasEnded(program: Program, cls: ProgramClass, now: Date): boolean {
  return now.getTime() >= classEndsAt(program, cls).getTime();
}

/** Runs the course end for every ended class, or for one; safe to run again (nothing twice). */
export async function runCourseEnd(deps: CourseEndDeps, classNo?: number): Promise<ClassEndResult[]> {
  const classes =
    classNo === undefined
      ? endedClasses(deps.program, deps.now)
      : deps.program.classes.filter((c) => c.no === classNo);
  if (classNo !== undefined && classes.length === 0) throw new LingjunError(`没有第${classNo}期`);
  const out: ClassEndResult[] = [];
  for (const cls of classes) out.push(await endClass(deps, cls));
  return out;
}

async function endClass(deps: CourseEndDeps, cls: ProgramClass): Promise<ClassEndResult> {
  const { program, course, now } = deps;
  const base: ClassEndResult = {
    classNo: cls.no,
    status: 'done',
    completion: [],
    certificates: [],
    sent: [],
  };
  if (!hasEnded(program, cls, now)) return { ...base, status: 'not-ended' };
  const students = (await deps.registry.listClass(cls.no))
    .filter((r) => r.status === 'active')
    .sort((a, b) => a.region.localeCompare(b.region) || a.seq - b.seq);
  const sheets = await course.listAttendance(cls.no);
  if (sheets.length === 0) {
    const to = [...program.adminEmails, ...program.organiserEmails];
    const text = [
      `第${cls.no}期（${cls.start}至${cls.end}，${cls.location}）已结束，但系统中没有该期的任何签到表，因此未生成结业证书。`,
      `请培训组织方将签到表发送至 ${program.mailbox}，或由部中小企业局执行 lingjun attendance import 文件 --class ${cls.no} 导入后，再执行 lingjun certificates --class ${cls.no}。`,
    ].join('\n\n');
    await sendOnce(
      deps,
      cls.no,
      'NO_ATTENDANCE',
      to,
      `【结业】第${cls.no}期缺少签到表，未生成结业证书`,
      text,
      [],
      base,
    );
    return { ...base, status: 'no-attendance' };
  }
  const results = completion(program, students, sheets);
  const issuer = deps.issuer ?? DEFAULT_ISSUER;
  const certs: IssuedCertificate[] = [];
  const datas: CertificateData[] = [];
  // Every number ever issued, revoked ones included: what was sent is judged by these, so revoking a
  // certificate afterwards does not make the next run mail the class again.
  const issued = new Map<string, string>();
  for (const r of results.filter((x) => x.completed)) {
    const s = r.student;
    const { record, created } = await course.issue(
      {
        year: program.year,
        classNo: cls.no,
        personKey: s.personKey,
        region: s.region,
        name: s.name,
        enterprise: s.values.enterprise ?? '',
        start: cls.start,
        end: cls.end,
        location: cls.location,
      },
      now,
    );
    issued.set(s.personKey, record.number);
    // Every run, not only at issue, revoked ones too (the page says "revoked" to a holder of the code):
    // a certificate issued before the verification table existed, or whose run stopped between issuing and
    // publishing, is published on the next run.
    await deps.verification.publish(
      record,
      codeHash(record.number, certificateCode(deps.certSecret, record.number)),
    );
    if (record.status === 'revoked') continue;
    const data = certificateData(deps, record, issuer);
    const content = await (await certificateWriter()).fillCertificate(data);
    const file = `documents/certificates/${program.year}/C${String(cls.no).padStart(2, '0')}/${record.number}.docx`;
    if (created) await deps.store.put(file, content, DOCX);
    certs.push({
      number: record.number,
      code: data.code,
      student: s.name,
      region: s.region,
      file,
      content,
      created,
      personKey: s.personKey,
    });
    datas.push(data);
  }
  datas.sort((a, b) => a.number.localeCompare(b.number));
  certs.sort((a, b) => a.number.localeCompare(b.number));
  const printable = {
    file: `documents/certificates/${program.year}/C${String(cls.no).padStart(2, '0')}/all-certificates.docx`,
    content: await (await certificateWriter()).buildCertificatesDocx(datas),
  };
  if (datas.length > 0) await deps.store.put(printable.file, printable.content, DOCX);
  const result: ClassEndResult = { ...base, completion: results, certificates: certs, printable };
  await sendRegions(deps, cls, results, certs, issued, result);
  await sendSummary(deps, cls, results, certs, issued, printable, result);
  log.info('course end done', {
    classNo: cls.no,
    students: results.length,
    certificates: certs.length,
    issued: certs.filter((c) => c.created).length,
    mails: result.sent.length,
  });
  return result;
}

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

function certificateData(deps: CourseEndDeps, r: CertificateRecord, issuer: string): CertificateData {
  const code = certificateCode(deps.certSecret, r.number);
  return {
    name: r.name,
    enterprise: r.enterprise,
    programTitle: deps.program.title,
    classNo: r.classNo,
    start: r.start,
    end: r.end,
    location: r.location,
    issuer,
    issued: r.end,
    number: r.number,
    code,
    verifyUrl: verifyUrl(deps.verifyBase, r.number, code),
  };
}

const markText = (r: CompletionResult) =>
  `出勤${r.present + r.late}（迟到${r.late}）/请假${r.leave}/缺勤${r.absent}，共${r.halfDays}个半天`;

/** The completion list as a workbook: one row per student, completed or not and why. */
export async function completionWorkbook(
  cls: ProgramClass,
  results: CompletionResult[],
  numbers: Map<string, string>,
  regions: RegionTable,
): Promise<Uint8Array> {
  const wb = await newWorkbook();
  const ws = wb.addWorksheet(`第${cls.no}期结业名单`);
  ws.addRow([`第${cls.no}期（${cls.start}至${cls.end}，${cls.location}）结业情况`]);
  ws.addRow([
    '序号',
    '地区',
    '姓名',
    '企业名称',
    '出勤',
    '迟到',
    '请假',
    '缺勤',
    '是否结业',
    '原因',
    '证书编号',
  ]);
  results.forEach((r, i) => {
    ws.addRow([
      i + 1,
      regions.nameOf(r.student.region),
      r.student.name,
      r.student.values.enterprise ?? '',
      r.present + r.late,
      r.late,
      r.leave,
      r.absent,
      r.completed ? '结业' : '未结业',
      r.reason,
      numbers.get(r.student.personKey) ?? '',
    ]);
    applyFallbackFonts(ws.getRow(ws.rowCount).getCell(3));
  });
  ws.getRow(2).font = { bold: true };
  [6, 10, 10, 30, 6, 6, 6, 6, 10, 36, 14].forEach((w, i) => {
    ws.getColumn(i + 1).width = w;
  });
  return new Uint8Array(await wb.xlsx.writeBuffer());
}

/** A short content hash, so a marker names exactly what was sent and a changed result is sent again. */
const digest = (parts: string[]) => createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 16);

async function sendRegions(
  deps: CourseEndDeps,
  cls: ProgramClass,
  results: CompletionResult[],
  certs: IssuedCertificate[],
  issued: Map<string, string>,
  out: ClassEndResult,
): Promise<void> {
  const regions = [...new Set(results.map((r) => r.student.region))];
  for (const region of regions) {
    const name = programRegions(deps.program).nameOf(region);
    const mine = results.filter((r) => r.student.region === region);
    const myCerts = certs.filter((c) => c.region === region);
    const numbers = new Map<string, string>();
    for (const c of myCerts) numbers.set(c.personKey, c.number);
    const to = [
      ...new Set([...(await deps.registry.getContacts(region)), ...(deps.program.contacts[region] ?? [])]),
    ];
    if (to.length === 0) {
      log.warn('region has no contacts for certificates', { region, classNo: cls.no });
      continue;
    }
    const list = await completionWorkbook(cls, mine, numbers, programRegions(deps.program));
    const files: Record<string, Uint8Array> = { [`第${cls.no}期结业名单-${name}.xlsx`]: list };
    for (const c of myCerts) files[`${c.number}-${c.student}.docx`] = c.content;
    const zip = zipSync(files, { level: 6 });
    const rows = mine.map((r) => [
      r.student.name,
      r.completed ? '结业' : '未结业',
      r.completed ? (numbers.get(r.student.personKey) ?? '') : r.reason,
    ]);
    const intro = `${name}：\n\n第${cls.no}期（${cls.start}至${cls.end}，${cls.location}）已结束。贵地区参训学员${mine.length}人，结业${myCerts.length}人。附件为结业证书（每人一份 .docx）及结业名单。证书可凭编号和验证码在线核验：${deps.verifyBase}`;
    const text = `${intro}\n\n${renderTextTable(['姓名', '结业情况', '证书编号/原因'], rows)}\n`;
    const html = `<p>${escapeHtml(intro).replace(/\n/g, '<br />')}</p>${renderTable(['姓名', '结业情况', '证书编号/原因'], rows)}`;
    const key = `REGION#${region}#${digest(mine.map((r) => `${r.student.personKey}|${r.completed}|${issued.get(r.student.personKey) ?? ''}`))}`;
    await sendOnce(
      deps,
      cls.no,
      key,
      to,
      `【结业证书】第${cls.no}期 ${name}`,
      text,
      [{ filename: `第${cls.no}期结业证书-${name}.zip`, content: zip, contentType: 'application/zip' }],
      out,
      html,
    );
  }
}

async function sendSummary(
  deps: CourseEndDeps,
  cls: ProgramClass,
  results: CompletionResult[],
  certs: IssuedCertificate[],
  issued: Map<string, string>,
  printable: { file: string; content: Uint8Array },
  out: ClassEndResult,
): Promise<void> {
  const regions = programRegions(deps.program);
  const numbers = new Map(certs.map((c) => [c.personKey, c.number]));
  const byRegion = new Map<string, { total: number; done: number }>();
  for (const r of results) {
    const e = byRegion.get(r.student.region) ?? { total: 0, done: 0 };
    e.total++;
    if (r.completed) e.done++;
    byRegion.set(r.student.region, e);
  }
  const regionRows = [...byRegion].map(([code, e]) => [
    regions.nameOf(code),
    e.total,
    e.done,
    e.total - e.done,
  ]);
  const failed = results
    .filter((r) => !r.completed)
    .map((r) => [r.student.name, regions.byCode(r.student.region)?.name ?? '', r.reason, markText(r)]);
  const intro = `第${cls.no}期（${cls.start}至${cls.end}，${cls.location}）参训${results.length}人，结业${certs.length}人，未结业${failed.length}人。结业标准：请假不超过${deps.program.completion.maxExcusedHalfDays}个半天、缺勤不超过${deps.program.completion.maxUnexcusedHalfDays}个半天（迟到计为出勤）。`;
  const text = [
    intro,
    renderTextTable(['地区', '参训', '结业', '未结业'], regionRows),
    failed.length
      ? `未结业学员：\n${renderTextTable(['姓名', '地区', '原因', '考勤'], failed)}`
      : '全部学员结业。',
    '附件：结业名单（全部学员）、结业证书打印版（每页一份）。',
  ].join('\n\n');
  const html = [
    `<p>${escapeHtml(intro)}</p>`,
    renderTable(['地区', '参训', '结业', '未结业'], regionRows),
    failed.length
      ? `<p>未结业学员：</p>${renderTable(['姓名', '地区', '原因', '考勤'], failed)}`
      : '<p>全部学员结业。</p>',
    '<p>附件：结业名单（全部学员）、结业证书打印版（每页一份）。</p>',
  ].join('\n');
  const attachments = [
    {
      filename: `第${cls.no}期结业名单.xlsx`,
      content: await completionWorkbook(cls, results, numbers, regions),
      contentType: XLSX,
    },
    ...(certs.length
      ? [{ filename: `第${cls.no}期结业证书-打印版.docx`, content: printable.content, contentType: DOCX }]
      : []),
  ];
  const key = `SUMMARY#${digest(results.map((r) => `${r.student.personKey}|${r.completed}|${issued.get(r.student.personKey) ?? ''}`))}`;
  await sendOnce(
    deps,
    cls.no,
    key,
    [...deps.program.adminEmails, ...deps.program.organiserEmails],
    `【结业】第${cls.no}期结业情况汇总`,
    text,
    attachments,
    out,
    html,
  );
}

/** Sends a mail unless the same one was sent before; a failed send clears its marker so a retry sends it. */
async function sendOnce(
  deps: CourseEndDeps,
  classNo: number,
  what: string,
  to: string[],
  subject: string,
  text: string,
  attachments: { filename: string; content: Uint8Array; contentType?: string }[],
  out: ClassEndResult,
  html?: string,
): Promise<void> {
  if (to.length === 0) return;
  if (!(await deps.course.markOnce(classNo, what, deps.now))) return;
  try {
    const composed = await composeMessage({
      from: { address: deps.program.mailbox, name: SENDER_NAME },
      to,
      subject,
      text,
      html: html ?? `<p>${escapeHtml(text).replace(/\n/g, '<br />')}</p>`,
      attachments,
    });
    await deps.mailer.sendRaw({ from: deps.program.mailbox, to: composed.to, raw: composed.raw });
    out.sent.push({ what, to });
  } catch (err) {
    await deps.course.unmark(classNo, what);
    throw err;
  }
}
