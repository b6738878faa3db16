import { maskText } from '@lingjun/core';
import { escapeHtml, renderTable, renderTextTable, textToHtml } from '@lingjun/mail';
import type { Program } from '@lingjun/program';
import type { Finding } from '@lingjun/rules';
import type { Outcome } from '../outcome.ts';

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

function place(f: Finding): string {
  return [f.file, f.row ? `第${f.row}行` : '', f.student ?? '', f.field ?? ''].filter(Boolean).join(' · ');
}

/** Renders the receipt of spec §6 as text and HTML: counts per class, quota, then every finding. */
export function renderReceipt(input: {
  program: Program;
  outcome: Outcome;
  quota?: QuotaView;
  receivedLocal: string;
  annotated: string[];
}): { subject: string; text: string; html: string } {
  const { program, outcome, quota } = input;
  const region = outcome.region?.name ?? '';
  const subject =
    `【${STATUS_TEXT[outcome.status]}】${program.title}报名回执${region ? `（${region}）` : ''} ${outcome.receipt ?? ''}`.trim();
  const errors = outcome.findings.filter((f) => f.severity === 'error');
  const warnings = outcome.findings.filter((f) => f.severity === 'warning');

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
  const quotaLines: string[] = [];
  if (quota) {
    quotaLines.push(
      `本年度名额 ${quota.total} 人，已受理 ${quota.used} 人，剩余 ${Math.max(0, quota.total - quota.used)} 人。`,
    );
    for (const c of quota.perClass.filter((p) => p.limit !== undefined)) {
      quotaLines.push(`第${c.no}期限 ${c.limit} 人，已受理 ${c.used} 人。`);
    }
  }
  const errorHeaders = ['序号', '位置（文件 · 行 · 学员 · 字段）', '问题及修改方法'];
  const errorRows = errors.map((f, i) => [i + 1, place(f), `[${f.code}] ${f.message}`]);
  const warningRows = warnings.map((f, i) => [i + 1, place(f), `[${f.code}] ${f.message}`]);
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

  const text = [
    intro,
    outcome.classes.length ? `\n一、受理情况\n${renderTextTable(classHeaders, classRows)}` : '',
    quotaLines.length ? `\n${quotaLines.join('\n')}` : '',
    errors.length
      ? `\n二、需要修改的问题（共 ${errors.length} 项）\n${renderTextTable(errorHeaders, errorRows)}`
      : '\n未发现需要修改的问题。',
    warnings.length ? `\n三、提示（不影响受理，请核实）\n${renderTextTable(errorHeaders, warningRows)}` : '',
    `\n说明：\n${notes.map((n) => `- ${n}`).join('\n')}`,
    `\n此邮件由报名系统自动发送。如有疑问，请回复本邮件或联系部中小企业局。\n${program.title}\n${program.mailbox}`,
  ]
    .filter(Boolean)
    .join('\n');

  const html = [
    `<div style="font-family:'Microsoft YaHei','PingFang SC',sans-serif;font-size:14px;line-height:1.6">`,
    `<p>${textToHtml(intro)}</p>`,
    outcome.classes.length ? `<h3>一、受理情况</h3>${renderTable(classHeaders, classRows)}` : '',
    quotaLines.length ? `<p>${quotaLines.map(escapeHtml).join('<br>')}</p>` : '',
    errors.length
      ? `<h3>二、需要修改的问题（共 ${errors.length} 项）</h3>${renderTable(errorHeaders, errorRows)}`
      : '<p>未发现需要修改的问题。</p>',
    warnings.length ? `<h3>三、提示（不影响受理，请核实）</h3>${renderTable(errorHeaders, warningRows)}` : '',
    `<p>说明：</p><ul>${notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>`,
    `<p style="color:#666">此邮件由报名系统自动发送。如有疑问，请回复本邮件或联系部中小企业局。<br>${escapeHtml(program.title)}<br>${escapeHtml(program.mailbox)}</p>`,
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
