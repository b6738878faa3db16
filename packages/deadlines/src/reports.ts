import { log } from '@lingjun/core';
import { localDateTime, type Program, programRegions } from '@lingjun/program';
import type { MessageRecord } from '@lingjun/registry';
import { type ComposedReport, type DigestData, digestData, digestGrid } from './digest.ts';
import { bouncedAddresses, missingFor } from './owed.ts';
import { sendFromMailbox, sendScheduled } from './send-scheduled.ts';
import { addTable, type Column, newWorkbook, type RowValue, workbookBytes } from './sheet.ts';
import {
  type AttentionLists,
  addDays,
  attentionLists,
  type Deadline,
  type DeadlineDeps,
  programDeadlines,
  type RegionStatus,
  regionStatuses,
  submissionsOpen,
  today,
} from './status.ts';
import { chineseDate, classList, escapeHtml } from './text.ts';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** The progress table: one row per region with a quota, per class accepted (/ class quota), totals. */
export function progressTable(
  program: Program,
  statuses: RegionStatus[],
  day = '',
  attention?: AttentionLists,
): { columns: Column[]; rows: RowValue[][]; highlight: Map<number, 'problem' | 'check'> } {
  const classes = [...program.classes].sort((a, b) => a.no - b.no);
  const columns: Column[] = [
    { header: '地区代码' },
    { header: '地区' },
    { header: '附件3' },
    ...classes.map((c) => ({ header: `第${c.no}期`, numeric: true })),
    { header: '已录取合计', numeric: true },
    { header: '总名额', numeric: true },
    { header: '尚余名额', numeric: true },
    { header: '需要关注' },
  ];
  const problems = statuses.map((s) => regionProblems(program, s, day, attention));
  const rows: RowValue[][] = statuses.map((s, i) => [
    s.code,
    s.name,
    s.submitted.has('FORM3') ? '已报' : '未报',
    ...classes.map((c) => {
      const used = s.used.perClass[c.no] ?? 0;
      const limit = s.quota.perClass[c.no];
      return limit === undefined ? used : `${used}/${limit}`;
    }),
    s.used.total,
    s.quota.total,
    s.quota.total - s.used.total,
    problems[i]!.text.join('；'),
  ]);
  const sum = (f: (s: RegionStatus) => number) => statuses.reduce((a, s) => a + f(s), 0);
  rows.push([
    '',
    '合计',
    `${statuses.filter((s) => s.submitted.has('FORM3')).length}/${statuses.length}`,
    ...classes.map((c) => sum((s) => s.used.perClass[c.no] ?? 0)),
    sum((s) => s.used.total),
    sum((s) => s.quota.total),
    sum((s) => s.quota.total - s.used.total),
    `${problems.filter((p) => p.level === 'problem').length}个地区有问题，${problems.filter((p) => p.level === 'check').length}个待核实`,
  ]);
  const highlight = new Map<number, 'problem' | 'check'>();
  problems.forEach((p, i) => {
    if (p.level) highlight.set(i, p.level);
  });
  return { columns, rows, highlight };
}

/**
 * What the bureau should look at for one region on `day`: places left unused after the region's last
 * deadline, mail held, late or quarantined (problems); no 附件3, no contact to write to (to check). A region
 * with no quota that sent nothing needs nothing.
 */
export function regionProblems(
  program: Program,
  s: RegionStatus,
  day: string,
  attention?: AttentionLists,
): { level?: 'problem' | 'check'; text: string[] } {
  const problems: string[] = [];
  const checks: string[] = [];
  const mine = (list: MessageRecord[] = []) => list.filter((m) => m.region === s.code).length;
  const closed = program.classes.every((c) => c.deadline < day);
  if (s.quota.total > 0 && closed && s.used.total < s.quota.total) {
    problems.push(`报名已全部截止，名额未用完${s.quota.total - s.used.total}名`);
  }
  const held = mine(attention?.held);
  const late = mine(attention?.late);
  const quarantined = mine(attention?.quarantined);
  if (held) problems.push(`待确认邮件${held}件`);
  if (late) problems.push(`逾期报送${late}件`);
  if (quarantined) problems.push(`隔离邮件${quarantined}件`);
  if (s.quota.total === 0 && s.used.total === 0 && problems.length === 0) {
    return { text: ['未分配名额'] };
  }
  if (!s.submitted.has('FORM3')) checks.push('附件3未报');
  if (s.contacts.length === 0) checks.push('没有联系人，提醒无法发送');
  const level = problems.length ? 'problem' : checks.length ? 'check' : undefined;
  return { ...(level ? { level } : {}), text: [...problems, ...checks] };
}

const MESSAGE_COLUMNS: Column[] = [
  { header: '类别' },
  { header: '收到时间' },
  { header: '地区' },
  { header: '发件人' },
  { header: '处理状态' },
  { header: '说明' },
];

function messageRows(program: Program, kind: string, list: MessageRecord[]): RowValue[][] {
  return list.map((m) => [
    kind,
    localDateTime(new Date(m.receivedAt), program.timezone),
    m.region ? programRegions(program).nameOf(m.region) : '',
    m.sender ?? '',
    m.status,
    m.heldReason ?? '',
  ]);
}

/** The status workbook: progress per region and class, and the late, held and quarantined messages. */
export async function statusWorkbook(
  deps: Pick<DeadlineDeps, 'program' | 'registry'>,
  now: Date,
  loaded?: { attention: AttentionLists },
): Promise<Uint8Array> {
  const { program } = deps;
  // Every region of spec §2, not only those with a quota: a region that sends without one is worth seeing.
  const statuses = await regionStatuses(deps, { all: true });
  const attention = loaded?.attention ?? (await attentionLists(deps.registry));
  const wb = await newWorkbook();
  const table = progressTable(program, statuses, today(program, now), attention);
  addTable(
    wb,
    '报名进度',
    `${program.title}报名进度（截至${localDateTime(now, program.timezone)}；红色为需要处理的问题，黄色为待核实）`,
    table.columns,
    table.rows,
    table.highlight,
  );
  addTable(wb, '逾期与待确认', '逾期报送与待确认邮件', MESSAGE_COLUMNS, [
    ...messageRows(program, '逾期', attention.late),
    ...messageRows(
      program,
      '待确认',
      attention.held.filter((m) => !attention.late.includes(m)),
    ),
  ]);
  addTable(
    wb,
    '隔离邮件',
    '未通过安全检查而隔离的邮件',
    MESSAGE_COLUMNS,
    messageRows(program, '隔离', attention.quarantined),
  );
  return workbookBytes(wb);
}

/** What a digest or report run did. */
export interface ReportRun {
  kind: 'digest' | 'underfill';
  /** 'sent', 'already-sent', 'busy' (another run of the job holds it), or why nothing was due. */
  result: 'sent' | 'already-sent' | 'busy' | 'not-due' | 'dry-run';
  day: string;
  deadline?: string;
  to: string[];
  regions?: number;
}

/**
 * The bureau's daily digest while submissions are open (spec §8): per region and class accepted / quota,
 * late, held and quarantined mail, in the text and as the attached status workbook. Once per local day.
 */
export async function runDigest(
  deps: DeadlineDeps,
  now: Date,
  opts: { dryRun?: boolean } = {},
): Promise<ReportRun> {
  const { program } = deps;
  const day = today(program, now);
  const base = { kind: 'digest' as const, day, to: program.adminEmails };
  if (!submissionsOpen(program, now)) return { ...base, result: 'not-due' };
  if (opts.dryRun) return { ...base, result: 'dry-run' };
  const key = { pk: `Y#${program.year}#DIGEST`, sk: day };
  let regions = 0;
  const sent = await sendScheduled(deps, key, { type: 'digest' }, async (tags) => {
    const report = await composeDigest(deps, now);
    regions = report.data.regions.length;
    return sendReport(deps, report, tags);
  });
  if (sent.state !== 'sent') return { ...base, result: sent.state };
  log.info('digest sent', { day, regions });
  return { ...base, result: 'sent', regions };
}

/**
 * The bureau's daily digest as it is mailed: accepted / quota per region and class (text, and one coloured
 * grid in the HTML), late, held and quarantined mail, and the status workbook attached.
 */
export async function composeDigest(
  deps: Pick<DeadlineDeps, 'program' | 'registry' | 'bounces'>,
  now: Date,
): Promise<ComposedReport<DigestData>> {
  const { program } = deps;
  const day = today(program, now);
  const statuses = await regionStatuses(deps);
  const attention = await attentionLists(deps.registry);
  const bounced = bouncedAddresses(await deps.bounces.list());
  const workbook = await statusWorkbook(deps, now, { attention });
  const data = digestData(program, statuses, attention, day);
  const lines = [
    `截至${localDateTime(now, program.timezone)}，各地区已录取${data.used}名，总名额${data.total}名，尚余${data.total - data.used}名；${data.regions.filter((r) => r.form3).length}/${data.regions.length}个地区已报送附件3。`,
    ...upcoming(program, day),
    '',
    '各地区（已录取/总名额）：',
    ...statuses.map(
      (s) =>
        `  ${s.name}：${s.used.total}/${s.quota.total}${perClassText(program, s)}${s.submitted.has('FORM3') ? '' : '，附件3未报'}`,
    ),
    '',
    `逾期报送 ${attention.late.length} 件，待确认 ${attention.held.length} 件，隔离 ${attention.quarantined.length} 件。`,
    ...attention.held.map(
      (m) =>
        `  待确认：${programRegions(program).byCode(m.region ?? '')?.name ?? '未知地区'} ${m.sender ?? ''} ${m.heldReason ?? ''}`,
    ),
    ...attention.quarantined.map(
      (m) =>
        `  隔离：${m.sender ?? '未知发件人'}（${localDateTime(new Date(m.receivedAt), program.timezone)}）`,
    ),
    ...bouncedLines(statuses, bounced),
    '',
    '详见附件报名进度表。',
  ];
  return {
    subject: `【每日汇总】${program.title}报名进度（${chineseDate(day)}）`,
    ...reportBodies(program, lines, digestGrid(program, data)),
    attachment: { filename: `报名进度-${day}.xlsx`, content: workbook },
    data,
  };
}

/** The digest's lines on regions whose mail bounced: how many addresses, and whether any contact is left. */
export function bouncedLines(statuses: RegionStatus[], bounced: Map<string, Set<string>>): string[] {
  const hit = statuses.filter((s) => (bounced.get(s.code)?.size ?? 0) > 0);
  if (hit.length === 0) return [];
  return [
    '',
    `邮件退信或投诉 ${hit.length} 个地区：`,
    ...hit.map((s) => {
      const n = bounced.get(s.code)?.size ?? 0;
      const left = s.contacts.filter((c) => !bounced.get(s.code)?.has(c)).length;
      return `  ${s.name}：${n} 个联系邮箱退信或投诉，${left > 0 ? `提醒改发其余 ${left} 个联系邮箱` : '已无可用联系邮箱，请电话联系并更新附件3'}`;
    }),
  ];
}

/** Under-filled regions for a deadline: what each still lacks in places or submissions. */
export async function underfillReport(
  deps: Pick<DeadlineDeps, 'program' | 'registry'>,
  deadline: Deadline,
  statuses?: RegionStatus[],
): Promise<{ rows: UnderfillRow[]; workbook: Uint8Array }> {
  const { program } = deps;
  const all = statuses ?? (await regionStatuses(deps));
  const rows: UnderfillRow[] = [];
  for (const s of all) {
    const missing = missingFor(program, s, deadline).filter((m) => m.item !== 'FORM3');
    if (missing.length === 0) continue;
    let shortfall = 0;
    for (const m of missing) {
      if (m.item === 'QUOTA') shortfall = Math.max(shortfall, m.total - m.used);
      else if (m.item === 'CLASS_QUOTA') shortfall += m.limit - m.used;
      else if (m.item === 'CLASS')
        shortfall += m.classes.reduce((a, no) => a + (s.quota.perClass[no] ?? 0), 0);
    }
    rows.push({
      code: s.code,
      name: s.name,
      total: s.quota.total,
      used: s.used.total,
      dueUsed: deadline.classes.reduce((a, c) => a + (s.used.perClass[c.no] ?? 0), 0),
      shortfall,
      notes: missing.map((m) => m.text).join('；'),
    });
  }
  const wb = await newWorkbook();
  addTable(
    wb,
    '未报满地区',
    `${classList(deadline.classes.map((c) => c.no))}报名截止（${chineseDate(deadline.date)}）名额未报满地区`,
    [
      { header: '地区代码' },
      { header: '地区' },
      { header: '总名额', numeric: true },
      { header: '已录取合计', numeric: true },
      { header: '本批期次已录取', numeric: true },
      { header: '未报满名额', numeric: true },
      { header: '情况' },
    ],
    rows.map((r) => [r.code, r.name, r.total, r.used, r.dueUsed, r.shortfall, r.notes]),
  );
  return { rows, workbook: await workbookBytes(wb) };
}

/** One under-filled region of a deadline. */
export interface UnderfillRow {
  code: string;
  name: string;
  total: number;
  used: number;
  /** Accepted in the classes due at this deadline. */
  dueUsed: number;
  /** Places left unfilled that this deadline can tell (0 when only a submission is missing). */
  shortfall: number;
  notes: string;
}

/**
 * The morning after each deadline (¶12): the bureau gets the under-filled regions and by how much, as text
 * and workbook. Once per deadline.
 */
export async function runUnderfillReport(
  deps: DeadlineDeps,
  now: Date,
  opts: { dryRun?: boolean } = {},
): Promise<ReportRun> {
  const { program } = deps;
  const day = today(program, now);
  const deadline = underfillDeadline(program, now);
  const base = { kind: 'underfill' as const, day, to: program.adminEmails };
  if (!deadline) return { ...base, result: 'not-due' };
  if (opts.dryRun) return { ...base, deadline: deadline.date, result: 'dry-run' };
  const key = { pk: `Y#${program.year}#UNDERFILL`, sk: deadline.date };
  let regions = 0;
  const sent = await sendScheduled(deps, key, { type: 'underfill' }, async (tags) => {
    const report = await composeUnderfill(deps, deadline);
    regions = report.data.rows.length;
    return sendReport(deps, report, tags);
  });
  if (sent.state !== 'sent') return { ...base, deadline: deadline.date, result: sent.state };
  log.info('under-fill report sent', { deadline: deadline.date, regions });
  return { ...base, deadline: deadline.date, result: 'sent', regions };
}

/** The deadline whose under-fill report is due on the local day of `now` (the morning after it). */
export function underfillDeadline(program: Program, now: Date): Deadline | undefined {
  const day = today(program, now);
  return programDeadlines(program).find((d) => addDays(d.date, 1) === day);
}

/** The under-fill report of one deadline as it is mailed. */
export async function composeUnderfill(
  deps: Pick<DeadlineDeps, 'program' | 'registry'>,
  deadline: Deadline,
): Promise<ComposedReport<{ deadline: string; rows: UnderfillRow[] }>> {
  const { rows, workbook } = await underfillReport(deps, deadline);
  const classes = classList(deadline.classes.map((c) => c.no));
  const lines = [
    `${classes}报名已于${chineseDate(deadline.date)}截止。${rows.length === 0 ? '各地区均已报满，无未报满地区。' : `以下${rows.length}个地区名额未报满或未报送（通知第（二）项：分配名额未报满的地区，将在后续培训工作中调减或取消当地名额）：`}`,
    ...rows.map(
      (r) =>
        `  ${r.name}：总名额${r.total}名，已录取${r.used}名${r.shortfall > 0 ? `，未报满${r.shortfall}名` : ''}。${r.notes}`,
    ),
    '',
    '详见附件。调整名额：lingjun quota set 地区 名额 [--class 期次]',
  ];
  return {
    subject: `【名额未报满】${classes}报名截止（${chineseDate(deadline.date)}）`,
    ...reportBodies(deps.program, lines),
    attachment: { filename: `未报满地区-${deadline.date}.xlsx`, content: workbook },
    data: { deadline: deadline.date, rows },
  };
}

function perClassText(program: Program, s: RegionStatus): string {
  const parts = program.classes
    .filter((c) => (s.used.perClass[c.no] ?? 0) > 0)
    .map((c) => `第${c.no}期${s.used.perClass[c.no]}`);
  return parts.length ? `（${parts.join('，')}）` : '';
}

function upcoming(program: Program, day: string): string[] {
  return programDeadlines(program)
    .filter((d) => d.date >= day)
    .slice(0, 1)
    .map((d) => `下一截止：${classList(d.classes.map((c) => c.no))}，${chineseDate(d.date)}。`);
}

/** Text and HTML bodies with the closing line every bureau report carries. */
function reportBodies(program: Program, lines: string[], htmlTop = ''): { text: string; html: string } {
  const text = `${lines.join('\n')}\n\n${program.title}报名系统\n`;
  return { text, html: `${htmlTop}<pre style="font-family:inherit">${escapeHtml(text)}</pre>` };
}

/** Mails a composed report to the bureau's admins; returns the provider's message id. */
export async function sendReport(
  deps: Pick<DeadlineDeps, 'program' | 'mailer'>,
  report: ComposedReport<unknown>,
  tags?: Record<string, string>,
): Promise<string> {
  return sendFromMailbox(
    deps.program,
    deps.mailer,
    {
      to: deps.program.adminEmails,
      subject: report.subject,
      text: report.text,
      html: report.html,
      attachments: [{ ...report.attachment, contentType: XLSX }],
    },
    tags,
  );
}
