import { createHash } from 'node:crypto';
import { type Mailer, normaliseText, SENDER_NAME } from '@lingjun/core';
import type { AttachmentFile, CellValue } from '@lingjun/forms';
import { EVALUATION_ITEMS } from '@lingjun/forms/evaluation';
import { readAttachment } from '@lingjun/forms/readers';
import { newWorkbook } from '@lingjun/forms/workbook';
import { composeMessage, escapeHtml, renderTextTable } from '@lingjun/mail';
import { type Program, parseNumeral } from '@lingjun/program';
import type { CourseRegistry, EvaluationRecord, Registry } from '@lingjun/registry';
import type { SheetFinding } from './attendance.ts';

/** One filled evaluation: scores by aspect, comment, and where it was read. */
export interface EvaluationResponse {
  classNo?: number;
  scores: Record<string, number>;
  comment?: string;
  row?: number;
}

const text = (v: CellValue | undefined) =>
  v === null || v === undefined || v instanceof Date ? '' : normaliseText(String(v), 'remove');

const COMMENT = /^(意见和建议|意见建议|意见|建议|其他意见)/;

function score(v: CellValue | undefined): number | undefined {
  const n = Number(text(v).replace(/分$/, ''));
  return Number.isInteger(n) && n >= 1 && n <= 5 ? n : undefined;
}

/**
 * Reads filled 培训效果评价表: the generated one-student form (label/value pairs), or a table with one row per
 * student under a header naming the aspects (how organisers often collect them).
 */
export async function readEvaluations(
  file: AttachmentFile,
  classNo?: number,
): Promise<{ responses: EvaluationResponse[]; findings: SheetFinding[] }> {
  const read = await readAttachment(file);
  const findings: SheetFinding[] = read.unreadable.map((u) => ({ message: `${u.file}：${u.reason}` }));
  const responses: EvaluationResponse[] = [];
  const fromName = /第([0-9一二三四五六七八九十]+)期/.exec(file.filename);
  for (const grid of read.documents.flatMap((d) => d.grids)) {
    const all = grid.rows.flatMap((r) => r.cells.map(text)).join(' ');
    const named = /第([0-9一二三四五六七八九十]+)期/.exec(all) ?? fromName;
    const no = classNo ?? (named ? parseNumeral(named[1]!) : undefined);
    const headerIdx = grid.rows.findIndex(
      (r) => r.cells.map(text).filter((c) => (EVALUATION_ITEMS as readonly string[]).includes(c)).length >= 3,
    );
    if (headerIdx >= 0) {
      const header = grid.rows[headerIdx]!.cells.map(text);
      const cols = EVALUATION_ITEMS.map((item) => header.indexOf(item));
      const commentCol = header.findIndex((h) => COMMENT.test(h));
      for (const r of grid.rows.slice(headerIdx + 1)) {
        const scores: Record<string, number> = {};
        EVALUATION_ITEMS.forEach((item, i) => {
          const s = cols[i]! >= 0 ? score(r.cells[cols[i]!]) : undefined;
          if (s !== undefined) scores[item] = s;
          else if (cols[i]! >= 0 && text(r.cells[cols[i]!]))
            findings.push({
              row: r.row,
              message: `“${item}”的评分“${text(r.cells[cols[i]!])}”不是 1–5 的整数，未计入。`,
            });
        });
        const comment = commentCol >= 0 ? String(r.cells[commentCol] ?? '').trim() : '';
        if (Object.keys(scores).length === 0 && !comment) continue;
        responses.push({
          ...(no ? { classNo: no } : {}),
          scores,
          ...(comment ? { comment } : {}),
          row: r.row,
        });
      }
      continue;
    }
    // One form: the value is the first non-empty cell right of the label.
    const scores: Record<string, number> = {};
    let comment = '';
    for (const r of grid.rows) {
      r.cells.forEach((c, j) => {
        const label = text(c);
        const value = r.cells.slice(j + 1).find((v) => text(v) !== '');
        if ((EVALUATION_ITEMS as readonly string[]).includes(label)) {
          const s = score(value);
          if (s !== undefined) scores[label] = s;
          else if (value !== undefined)
            findings.push({
              row: r.row,
              message: `“${label}”的评分“${text(value)}”不是 1–5 的整数，未计入。`,
            });
        } else if (COMMENT.test(label) && value !== undefined) {
          comment = String(value).trim();
        }
      });
    }
    if (Object.keys(scores).length > 0 || comment) {
      responses.push({ ...(no ? { classNo: no } : {}), scores, ...(comment ? { comment } : {}) });
    }
  }
  if (responses.length === 0) findings.push({ message: '没有读到任何评价（应有“课程设置”等评分项）。' });
  return { responses, findings };
}

/** Stores the evaluations of a file; the same file imported twice counts once. */
export async function importEvaluations(input: {
  file: AttachmentFile;
  classNo?: number;
  course: CourseRegistry;
  source: string;
  now: Date;
}): Promise<{ stored: number; findings: SheetFinding[]; classes: number[] }> {
  const { responses, findings } = await readEvaluations(input.file, input.classNo);
  const fileHash = createHash('sha256').update(input.file.content).digest('hex').slice(0, 16);
  let stored = 0;
  const classes = new Set<number>();
  for (const [i, r] of responses.entries()) {
    if (!r.classNo) {
      findings.push({ ...(r.row ? { row: r.row } : {}), message: '无法确定期次：请注明“第N期”。' });
      continue;
    }
    const record: EvaluationRecord = {
      classNo: r.classNo,
      id: `${fileHash}-${i}`,
      scores: r.scores,
      ...(r.comment ? { comment: r.comment } : {}),
      source: input.source,
      receivedAt: input.now.toISOString(),
    };
    await input.course.putEvaluation(record);
    stored++;
    classes.add(r.classNo);
  }
  return { stored, findings, classes: [...classes].sort((a, b) => a - b) };
}

/**
 * A warning when a class has more evaluation forms than students: a form counted twice or one of another
 * class. Nothing is refused; the organiser and the bureau are asked to check.
 */
export async function evaluationSurplus(
  deps: { course: CourseRegistry; registry: Registry },
  classNo: number,
): Promise<string | undefined> {
  const forms = (await deps.course.listEvaluations(classNo)).length;
  const students = (await deps.registry.listClass(classNo)).filter((r) => r.status === 'active').length;
  if (forms <= students) return undefined;
  return `第${classNo}期已收到${forms}份培训效果评价表，多于该期学员${students}人；请核对是否有重复发送的表或其他期次的表。`;
}

/** Per aspect: how many answered, the average, and how many gave each score 1–5. */
export interface EvaluationSummary {
  classNo: number;
  forms: number;
  items: {
    item: string;
    count: number;
    average: number;
    distribution: [number, number, number, number, number];
  }[];
  comments: string[];
}

/** Summarises a class's evaluations. */
export function summariseEvaluations(classNo: number, records: EvaluationRecord[]): EvaluationSummary {
  return {
    classNo,
    forms: records.length,
    items: EVALUATION_ITEMS.map((item) => {
      const scores = records.map((r) => r.scores[item]).filter((s): s is number => s !== undefined);
      const distribution = [0, 0, 0, 0, 0] as [number, number, number, number, number];
      for (const s of scores) distribution[s - 1]!++;
      const average = scores.length
        ? Math.round((scores.reduce((a, b) => a + b, 0) / scores.length) * 100) / 100
        : 0;
      return { item, count: scores.length, average, distribution };
    }),
    comments: records.map((r) => r.comment ?? '').filter((c) => c !== ''),
  };
}

// Mail clients show no SVG (Outlook, Gmail) and drop <style> blocks, so the charts are tables: a bar is a
// row of two cells whose widths are percentages, coloured by inline styles and the bgcolor attribute that
// Outlook's Word engine still honours. Entities are numeric (&#160;): the HTML must also parse as XML.
const FONT = "font-family:Arial,'Microsoft YaHei',sans-serif;font-size:14px;";
const BAR_COLOUR = '#3a6ea5';
const TRACK_COLOUR = '#e6ecf3';
const CELL = 'border:1px solid #ccc;padding:4px 8px;vertical-align:middle;';
const HEAD = `${CELL}background:#f0f0f0;text-align:left;white-space:nowrap;`;

/** A value's share of the maximum as a whole percentage, 0–100 (4.5 of 5 → 90). */
export function barPercent(value: number, max: number): number {
  if (!(max > 0) || !(value > 0)) return 0;
  return Math.min(100, Math.round((value / max) * 100));
}

/** One horizontal bar as a two-cell table: the filled part `percent`% wide, the rest a pale track. */
export function htmlBar(percent: number, label: string): string {
  const cell = (w: number, colour: string) =>
    `<td width="${w}%" bgcolor="${colour}" style="width:${w}%;background:${colour};height:14px;font-size:1px;line-height:1px;">&#160;</td>`;
  const cells = [
    percent > 0 ? cell(percent, BAR_COLOUR) : '',
    percent < 100 ? cell(100 - percent, TRACK_COLOUR) : '',
  ];
  return `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" title="${escapeHtml(label)}" style="border-collapse:collapse;width:100%;"><tr>${cells.join('')}</tr></table>`;
}

const th = (t: string, extra = '') => `<th style="${HEAD}${extra}">${escapeHtml(t)}</th>`;
const td = (content: string, extra = '') => `<td style="${CELL}${extra}">${content}</td>`;
const block = (title: string, table: string) =>
  `<tr><td style="padding:12px 0 4px 0;${FONT}font-weight:bold;">${escapeHtml(title)}</td></tr><tr><td style="padding:0;">${table}</td></tr>`;
const grid = (head: string, rows: string[]) =>
  `<table width="100%" cellpadding="0" cellspacing="0" style="border-collapse:collapse;width:100%;${FONT}"><tr>${head}</tr>${rows.join('')}</table>`;

/**
 * The bureau's email, one column no wider than a mail pane: the averages as bars with their numbers beside
 * them, then per aspect how many gave each score (count and bar in one cell, so figures and chart never
 * part), then every comment.
 */
export function evaluationHtml(program: Program, s: EvaluationSummary): string {
  const cls = program.classes.find((c) => c.no === s.classNo);
  const head = `<tr><td style="${FONT}padding:0 0 4px 0;">第${s.classNo}期${cls ? `（${escapeHtml(cls.start)}至${escapeHtml(cls.end)}，${escapeHtml(cls.location)}）` : ''}培训效果评价：共收到${s.forms}份评价表。</td></tr>`;
  const averages = grid(
    `${th('评价项目')}${th('份数', 'text-align:right;')}${th('平均分', 'text-align:right;')}${th('平均分图示（满分5分）', 'width:55%;')}`,
    s.items.map(
      (i) =>
        `<tr>${td(escapeHtml(i.item), 'white-space:nowrap;')}${td(String(i.count), 'text-align:right;')}${td(i.average.toFixed(2), 'text-align:right;')}${td(htmlBar(barPercent(i.average, 5), `${i.item}平均分${i.average.toFixed(2)}`), 'width:55%;')}</tr>`,
    ),
  );
  const scores = [5, 4, 3, 2, 1];
  const distribution = grid(
    `${th('评价项目')}${scores.map((n) => th(`${n}分`, 'width:15%;')).join('')}`,
    s.items.map((i) => {
      const cells = scores.map((n) => {
        const people = i.distribution[n - 1]!;
        const pct = barPercent(people, i.count);
        return td(
          `<div style="padding:0 0 2px 0;">${people}人</div>${htmlBar(pct, `${i.item}${n}分${people}人`)}`,
          'width:15%;',
        );
      });
      return `<tr>${td(escapeHtml(i.item), 'white-space:nowrap;')}${cells.join('')}</tr>`;
    }),
  );
  const comments = s.comments.length
    ? `<ol style="margin:0;padding-left:24px;${FONT}">${s.comments.map((c) => `<li>${escapeHtml(c)}</li>`).join('')}</ol>`
    : `<p style="margin:0;${FONT}">没有收到意见和建议。</p>`;
  return [
    '<table role="presentation" width="640" cellpadding="0" cellspacing="0" border="0" style="width:100%;max-width:640px;border-collapse:collapse;">',
    head,
    block('各项平均分（满分5分）', averages),
    block('评分分布（各分值人数，条长为占该项份数的比例）', distribution),
    block(`意见和建议（${s.comments.length}条）`, comments),
    '</table>',
  ].join('\n');
}

/** The summary as a workbook: the table, then the comments. */
export async function evaluationWorkbook(s: EvaluationSummary): Promise<Uint8Array> {
  const wb = await newWorkbook();
  const ws = wb.addWorksheet(`第${s.classNo}期评价汇总`);
  ws.addRow([`第${s.classNo}期培训效果评价汇总（${s.forms}份）`]);
  ws.addRow(['评价项目', '份数', '平均分', '5分', '4分', '3分', '2分', '1分']);
  for (const i of s.items) ws.addRow([i.item, i.count, i.average, ...[...i.distribution].reverse()]);
  ws.addRow([]);
  ws.addRow(['意见和建议']);
  for (const c of s.comments) ws.addRow([c]);
  ws.getColumn(1).width = 40;
  return new Uint8Array(await wb.xlsx.writeBuffer());
}

/**
 * Sends the bureau a class's evaluation summary (HTML with charts, text, workbook attached), once per
 * distinct set of forms: importing more forms later sends an updated summary, re-running sends nothing.
 */
export async function sendEvaluationSummary(
  deps: { program: Program; course: CourseRegistry; mailer: Mailer; now: Date },
  classNo: number,
): Promise<{ summary: EvaluationSummary; sent: boolean }> {
  const records = await deps.course.listEvaluations(classNo);
  const summary = summariseEvaluations(classNo, records);
  if (records.length === 0) return { summary, sent: false };
  const key = `EVAL#${createHash('sha256')
    .update(
      records
        .map((r) => r.id)
        .sort()
        .join('\n'),
    )
    .digest('hex')
    .slice(0, 16)}`;
  if (!(await deps.course.markOnce(classNo, key, deps.now))) return { summary, sent: false };
  const text = [
    `第${classNo}期培训效果评价：共收到${summary.forms}份评价表。`,
    renderTextTable(
      ['评价项目', '份数', '平均分', '5分', '4分', '3分', '2分', '1分'],
      summary.items.map((i) => [i.item, i.count, i.average.toFixed(2), ...[...i.distribution].reverse()]),
    ),
    summary.comments.length
      ? `意见和建议：\n${summary.comments.map((c, i) => `${i + 1}. ${c}`).join('\n')}`
      : '',
  ].join('\n\n');
  try {
    const composed = await composeMessage({
      from: { address: deps.program.mailbox, name: SENDER_NAME },
      to: deps.program.adminEmails,
      subject: `【培训效果评价】第${classNo}期评价汇总`,
      text,
      html: evaluationHtml(deps.program, summary),
      attachments: [
        { filename: `第${classNo}期培训效果评价汇总.xlsx`, content: await evaluationWorkbook(summary) },
      ],
    });
    await deps.mailer.sendRaw({ from: deps.program.mailbox, to: composed.to, raw: composed.raw });
  } catch (err) {
    await deps.course.unmark(classNo, key);
    throw err;
  }
  return { summary, sent: true };
}
