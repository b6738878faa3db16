import { maskId, maskText } from '@lingjun/core';
import { FORM4, FORM5 } from '@lingjun/forms/definitions';
import { escapeHtml, renderTable, renderTextTable, textToHtml } from '@lingjun/mail';
import type { Program } from '@lingjun/program';
import type { Registration } from '@lingjun/registry';
import { FINDING_CODES, type Finding } from '@lingjun/rules';
import type { Outcome } from '../outcome.ts';
import type { Candidate } from './assemble.ts';
import type { ClassResult } from './record.ts';

/** The region's quota as the reply states it. */
export interface QuotaView {
  total: number;
  used: number;
  perClass: { no: number; limit?: number; used: number }[];
}

const STATUS_TEXT: Record<Outcome['status'], string> = {
  accepted: '全部受理',
  partially_accepted: '部分受理',
  rejected: '未予受理',
  quarantined: '隔离',
  held: '待人工确认',
  duplicate: '重复邮件',
};

const LABELS = new Map([...FORM5.fields, ...FORM4.fields].map((f) => [f.key, f.label]));

/** One block of text and HTML; the receipt is a list of them. */
interface Block {
  text: string;
  html: string;
}

const SMALL = 'color:#888;font-size:12px';

/** The finding's code as small reference text: officers act on the words, the bureau may quote the code. */
function codeRef(codes: string[]): Block {
  const list = [...new Set(codes)].join('、');
  return {
    text: `（参考代码 ${list}）`,
    html: ` <span style="${SMALL}">（参考代码 ${escapeHtml(list)}）</span>`,
  };
}

/** A problem as the receipt says it once: where, what, and the codes behind it. */
export interface ReceiptItem {
  severity: Finding['severity'];
  /** File the problem is in; empty for problems of the whole email. */
  file: string;
  /** Who or what within the file: 第3行 张三, 第1期全部 3 名学员, or empty. */
  who: string;
  /** Field, where the problem is one field. */
  field: string;
  message: string;
  codes: string[];
  /** True for a problem of the whole email or a whole class, said once for all its rows. */
  wide: boolean;
}

function whoOf(f: Finding): string {
  return [f.row ? `第${f.row}行` : '', f.student ?? ''].filter(Boolean).join(' ');
}

/**
 * Groups findings for the receipt: an email-wide or class-wide problem (NO_FORMS, DEADLINE_PASSED,
 * UNKNOWN_CLASS …) once for all its rows; the same words about the same student and field once.
 */
export function receiptItems(findings: readonly Finding[]): ReceiptItem[] {
  const items: ReceiptItem[] = [];
  const seen = new Map<string, ReceiptItem>();
  const wide = new Map<string, { item: ReceiptItem; rows: Set<string>; files: Set<string> }>();
  for (const f of findings) {
    const scope = FINDING_CODES[f.code].scope;
    if (scope === 'whole' || scope === 'class' || f.code === 'UNKNOWN_CLASS') {
      const key = `${f.severity}|${f.code}|${f.code === 'UNKNOWN_CLASS' ? '' : (f.classNo ?? '')}`;
      const group = wide.get(key);
      if (group) {
        if (f.file) group.files.add(f.file);
        if (f.student || f.row) group.rows.add(`${f.file}|${f.row ?? ''}|${f.student ?? ''}`);
        continue;
      }
      const item: ReceiptItem = {
        severity: f.severity,
        file: '',
        who: '',
        field: f.code === 'UNKNOWN_CLASS' ? (f.field ?? '') : '',
        message: f.message,
        codes: [f.code],
        wide: true,
      };
      wide.set(key, {
        item,
        rows: new Set(f.student || f.row ? [`${f.file}|${f.row ?? ''}|${f.student ?? ''}`] : []),
        files: new Set(f.file ? [f.file] : []),
      });
      items.push(item);
      continue;
    }
    const key = `${f.severity}|${f.file ?? ''}|${f.row ?? ''}|${f.student ?? ''}|${f.field ?? ''}|${f.message}`;
    const same = seen.get(key);
    if (same) {
      if (!same.codes.includes(f.code)) same.codes.push(f.code);
      continue;
    }
    const item: ReceiptItem = {
      severity: f.severity,
      file: f.file ?? '',
      who: whoOf(f),
      field: f.field ?? '',
      message: f.message,
      codes: [f.code],
      wide: false,
    };
    seen.set(key, item);
    items.push(item);
  }
  for (const { item, rows, files } of wide.values()) {
    const first = findings.find((f) => f.code === item.codes[0] && f.severity === item.severity);
    item.file = [...files].join('、');
    if (rows.size > 0) {
      item.who = first?.classNo ? `第${first.classNo}期全部 ${rows.size} 名学员` : `共 ${rows.size} 名学员`;
    }
  }
  return items;
}

/** Items grouped by file, then by student, in the order they were found; email-wide items first. */
function groupItems(
  items: ReceiptItem[],
): { file: string; students: { who: string; items: ReceiptItem[] }[] }[] {
  const wide = items.filter((i) => i.wide || i.file === '');
  const rest = items.filter((i) => !wide.includes(i));
  const files: { file: string; students: { who: string; items: ReceiptItem[] }[] }[] = [];
  if (wide.length) files.push({ file: '', students: wide.map((i) => ({ who: i.who, items: [i] })) });
  for (const item of rest) {
    let file = files.find((f) => f.file === item.file && f.file !== '');
    if (!file) {
      file = { file: item.file, students: [] };
      files.push(file);
    }
    let student = file.students.find((s) => s.who === item.who);
    if (!student) {
      student = { who: item.who, items: [] };
      file.students.push(student);
    }
    student.items.push(item);
  }
  return files;
}

/** Text and HTML of a list of findings grouped by file and student. */
function renderItems(items: ReceiptItem[]): Block {
  const text: string[] = [];
  const html: string[] = [];
  let n = 0;
  for (const group of groupItems(items)) {
    const title = group.file ? `【${group.file}】` : '【整封邮件或整个期次】';
    text.push(title);
    html.push(
      `<p style="margin:8px 0 2px"><b>${escapeHtml(title)}</b></p><ol start="${n + 1}" style="margin-top:0">`,
    );
    for (const s of group.students) {
      for (const item of s.items) {
        n++;
        const where = [item.file && !group.file ? item.file : '', s.who, item.field]
          .filter(Boolean)
          .join(' · ');
        const ref = codeRef(item.codes);
        text.push(`  ${n}. ${where ? `${where}：` : ''}${item.message}${ref.text}`);
        html.push(
          `<li>${where ? `<b>${escapeHtml(where)}</b>：` : ''}${escapeHtml(item.message)}${ref.html}</li>`,
        );
      }
    }
    html.push('</ol>');
  }
  return { text: text.join('\n'), html: html.join('\n') };
}

interface Person {
  name: string;
  id: string;
  enterprise: string;
}

const personOf = (c: Candidate | Registration): Person => ({
  name: c.name,
  id: c.values.idNumber ? maskId(c.values.idNumber) : '',
  enterprise: c.values.enterprise ?? '',
});

/** Short reasons for the 未受理 list; the full words and the fix are in the list of problems below it. */
const SHORT: Partial<Record<Finding['code'], string>> = {
  REQUIRED_MISSING: '未填写',
  VALUE_INVALID: '填写不规范',
  ID_CHECKSUM: '号码有误',
  ID_BIRTH_MISMATCH: '与身份证号码不一致',
  USCC_CHECKSUM: '代码有误',
  PHONE_INVALID: '格式有误',
  EMAIL_INVALID: '格式有误',
  UNKNOWN_CLASS: '期次有误',
  CLASS_MISMATCH: '期次与汇总表不一致',
  FORM_MISSING: '缺少学员报名表（附件5）',
  FORM_MISMATCH: '与学员报名表不一致',
  ENTERPRISE_DUPLICATE: '企业本年度已有学员报名',
  PERSON_DUPLICATE: '重复报名',
  QUOTA_EXCEEDED: '超出名额',
  DEADLINE_PASSED: '本期报名已截止',
};

/** Why a student was not accepted, each reason once and briefly (详见下文 gives the words and the fix). */
function reasonOf(c: Candidate): string {
  const errors = c.findings.filter((f) => f.severity === 'error');
  const said = errors.map((f) => {
    const short = SHORT[f.code] ?? '有误';
    const noField = f.code === 'FORM_MISSING' || f.code === 'DEADLINE_PASSED' || f.code === 'QUOTA_EXCEEDED';
    return f.field && !noField && !short.includes(f.field) ? `${f.field}${short}` : short;
  });
  return said.length ? `${[...new Set(said)].join('；')}（详见下文）` : '未通过核验';
}

function changeOf(r: ClassResult, c: Candidate): string {
  const changed = r.changes?.get(c);
  if (!r.updated.includes(c) || !changed) return '新报名';
  if (changed.length === 0) return '无变化';
  return `已更新：${changed.map((k) => LABELS.get(k) ?? k).join('、')}`;
}

/** Per class: who was accepted, who not and why, who was withdrawn, and what changed. */
function renderClass(program: Program, r: ClassResult): Block {
  const cls = program.classes.find((k) => k.no === r.no);
  const title = `第${r.no}期${cls ? `（${cls.start} 至 ${cls.end}，${cls.location}）` : ''}：受理 ${r.accepted.length} 人，未受理 ${r.rejected.length} 人，撤回 ${r.withdrawn.length} 人`;
  const parts: Block[] = [{ text: title, html: `<h4 style="margin:12px 0 4px">${escapeHtml(title)}</h4>` }];
  const table = (caption: string, headers: string[], rows: (string | number)[][]) => {
    parts.push({
      text: `${caption}\n${renderTextTable(headers, rows)}`,
      html: `<p style="margin:6px 0 2px">${escapeHtml(caption)}</p>${renderTable(headers, rows)}`,
    });
  };
  if (r.accepted.length) {
    table(
      `受理名单（${r.accepted.length} 人）：`,
      ['序号', '姓名', '身份证号码', '企业名称', '与此前报送相比'],
      r.accepted.map((c, i) => {
        const p = personOf(c);
        return [i + 1, p.name, p.id, p.enterprise, changeOf(r, c)];
      }),
    );
  }
  if (r.rejected.length) {
    table(
      `未受理名单（${r.rejected.length} 人）：`,
      ['序号', '姓名', '身份证号码', '企业名称', '未受理原因'],
      r.rejected.map((c, i) => {
        const p = personOf(c);
        return [i + 1, p.name, p.id, p.enterprise, reasonOf(c)];
      }),
    );
  }
  if (r.withdrawn.length) {
    table(
      `撤回名单（${r.withdrawn.length} 人，新名单中没有，其名额已释放）：`,
      ['序号', '姓名', '身份证号码', '企业名称'],
      r.withdrawn.map((w, i) => {
        const p = personOf(w);
        return [i + 1, p.name, p.id, p.enterprise];
      }),
    );
  }
  const nothingChanged =
    r.withdrawn.length === 0 &&
    r.rejected.length === 0 &&
    r.accepted.length > 0 &&
    r.accepted.every((c) => changeOf(r, c) === '无变化');
  if (nothingChanged) {
    const line = '与此前报送的名单相比：无变化。';
    parts.push({ text: line, html: `<p>${escapeHtml(line)}</p>` });
  }
  if (!r.accepted.length && !r.rejected.length && !r.withdrawn.length) {
    const line = '本期名单为空，未受理任何学员。';
    parts.push({ text: line, html: `<p>${escapeHtml(line)}</p>` });
  }
  return { text: parts.map((p) => p.text).join('\n'), html: parts.map((p) => p.html).join('\n') };
}

/**
 * Renders the receipt of spec §6 as text and HTML: per class who was accepted, not accepted and withdrawn,
 * the quota, then every problem once, grouped by file and student.
 */
export function renderReceipt(input: {
  program: Program;
  outcome: Outcome;
  quota?: QuotaView;
  receivedLocal: string;
  annotated: string[];
  /** What recording each class did: names the students; without it only the counts are given. */
  results?: ClassResult[];
}): { subject: string; text: string; html: string } {
  const { program, outcome, quota } = input;
  const region = outcome.region?.name ?? '';
  const subject =
    `【${STATUS_TEXT[outcome.status]}】${program.title}报名回执${region ? `（${region}）` : ''} ${outcome.receipt ?? ''}`.trim();
  const items = receiptItems(outcome.findings);
  const errors = items.filter((i) => i.severity === 'error');
  const warnings = items.filter((i) => i.severity === 'warning');

  const intro = `${region ? `${region}` : ''}联系人：您好！\n\n系统已于 ${input.receivedLocal} 收到贵地区报送的材料，回执编号 ${outcome.receipt ?? ''}。处理结果：${STATUS_TEXT[outcome.status]}。`;
  const classHeaders = ['期次', '日期', '地点', '本次受理', '未受理', '撤回'];
  const classRows = outcome.classes.map((c) => {
    const cls = program.classes.find((k) => k.no === c.no);
    return [
      `第${c.no}期`,
      cls ? `${cls.start} 至 ${cls.end}` : '',
      cls?.location ?? '',
      c.accepted,
      c.rejected,
      c.withdrawn,
    ];
  });
  const classBlocks = (input.results ?? []).map((r) => renderClass(program, r));
  const quotaLines: string[] = [];
  if (quota) {
    quotaLines.push(
      `本年度名额 ${quota.total} 人，已受理 ${quota.used} 人，剩余 ${Math.max(0, quota.total - quota.used)} 人。`,
    );
    for (const c of quota.perClass.filter((p) => p.limit !== undefined)) {
      quotaLines.push(`第${c.no}期限 ${c.limit} 人，已受理 ${c.used} 人。`);
    }
  }
  const errorBlock = renderItems(errors);
  const warningBlock = renderItems(warnings);
  const notes = [
    '同一地区同一期次再次报送时，以最新一次报送的名单为准：新名单中没有的学员视为撤回，其名额释放。',
    '每个企业本年度仅可报名一个培训班，且限报一人（通知第十二段）。',
    '学员免费参训，往返交通费用自理（通知第五段）。',
  ];
  if (input.annotated.length > 0) {
    notes.unshift(
      `附件中的报名汇总表已标出有问题的单元格并附批注，末列注明每行“受理/未受理”：${input.annotated.join('、')}。`,
    );
  }
  const errorTitle = `二、需要修改的问题（共 ${errors.length} 项）`;
  const warningTitle = `三、提示（不影响受理，请核实，共 ${warnings.length} 项）`;
  const footer = `此邮件由报名系统自动发送。如有疑问，请回复本邮件或联系部中小企业局。\n${program.title}\n${program.mailbox}`;

  const text = [
    intro,
    outcome.classes.length ? `\n一、受理情况\n${renderTextTable(classHeaders, classRows)}` : '',
    quotaLines.length ? `\n${quotaLines.join('\n')}` : '',
    ...classBlocks.map((b) => `\n${b.text}`),
    errors.length ? `\n${errorTitle}\n${errorBlock.text}` : '\n未发现需要修改的问题。',
    warnings.length ? `\n${warningTitle}\n${warningBlock.text}` : '',
    `\n说明：\n${notes.map((n) => `- ${n}`).join('\n')}`,
    `\n${footer}`,
  ]
    .filter(Boolean)
    .join('\n');

  const html = [
    `<div style="font-family:'Microsoft YaHei','PingFang SC',sans-serif;font-size:14px;line-height:1.6">`,
    `<p>${textToHtml(intro)}</p>`,
    outcome.classes.length ? `<h3>一、受理情况</h3>${renderTable(classHeaders, classRows)}` : '',
    quotaLines.length ? `<p>${quotaLines.map(escapeHtml).join('<br />')}</p>` : '',
    ...classBlocks.map((b) => b.html),
    errors.length ? `<h3>${escapeHtml(errorTitle)}</h3>${errorBlock.html}` : '<p>未发现需要修改的问题。</p>',
    warnings.length ? `<h3>${escapeHtml(warningTitle)}</h3>${warningBlock.html}` : '',
    `<p>说明：</p><ul>${notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>`,
    `<p style="color:#666">${textToHtml(footer)}</p>`,
    '</div>',
  ].join('\n');
  // Findings never carry raw IDs or phones, but the sender's own subject or names might: mask everything.
  return { subject: maskText(subject), text: maskText(text), html: maskText(html) };
}

/** Text of the reply to a held email: a person will confirm. */
export function renderHeld(
  program: Program,
  regionName: string,
  receipt: string,
): { subject: string; text: string; html: string } {
  const text = `您好！\n\n系统已收到您报送的${regionName}领军人才培训材料（回执编号 ${receipt}）。由于发件邮箱尚未登记为${regionName}的联系人，材料将由部中小企业局工作人员确认后处理，确认结果将另行告知。\n\n如您是${regionName}新的联系人，请由已登记的联系人报送《领军人才培训工作信息表》（附件3）将您列入。\n\n${program.title}\n${program.mailbox}`;
  return {
    subject: `【待确认】${program.title}报名材料已收到（${regionName}） ${receipt}`,
    text,
    html: `<div style="font-family:'Microsoft YaHei',sans-serif">${textToHtml(text)}</div>`,
  };
}
