import type { Program } from '@lingjun/program';
import type { MessageRecord } from '@lingjun/registry';
import type { AttentionLists, RegionStatus } from './status.ts';
import { escapeHtml } from './text.ts';

/** A report as mailed: subject, text and HTML bodies, the attached workbook, and its data for `--json`. */
export interface ComposedReport<D> {
  subject: string;
  text: string;
  html: string;
  attachment: { filename: string; content: Uint8Array };
  data: D;
}

/** How one region stands in one class, as the digest's grid colours it. */
export type CellState = 'complete' | 'partial' | 'missing' | 'open';

/** One row of the digest: a region's places per class and whether it has late or held mail. */
export interface DigestRegion {
  code: string;
  name: string;
  used: number;
  total: number;
  form3: boolean;
  classes: { no: number; used: number; limit?: number; state: CellState }[];
  late: number;
  held: number;
}

/** The digest's data. */
export interface DigestData {
  day: string;
  used: number;
  total: number;
  regions: DigestRegion[];
  late: number;
  held: number;
  quarantined: number;
}

/**
 * A class cell: complete once its places (or the region's) are filled, partial with some, missing when its
 * deadline passed with none, open while it can still come.
 */
export function cellState(s: RegionStatus, cls: Program['classes'][number], day: string): CellState {
  const used = s.used.perClass[cls.no] ?? 0;
  const limit = s.quota.perClass[cls.no];
  if (limit !== undefined ? used >= limit && limit > 0 : used > 0 && s.used.total >= s.quota.total)
    return 'complete';
  if (used > 0) return 'partial';
  return cls.deadline < day ? 'missing' : 'open';
}

function countFor(list: MessageRecord[], code: string): number {
  return list.filter((m) => m.region === code).length;
}

/** The digest's data from what is recorded. */
export function digestData(
  program: Program,
  statuses: RegionStatus[],
  attention: AttentionLists,
  day: string,
): DigestData {
  const classes = [...program.classes].sort((a, b) => a.no - b.no);
  const regions = statuses.map((s) => ({
    code: s.code,
    name: s.name,
    used: s.used.total,
    total: s.quota.total,
    form3: s.submitted.has('FORM3'),
    classes: classes.map((c) => {
      const limit = s.quota.perClass[c.no];
      return {
        no: c.no,
        used: s.used.perClass[c.no] ?? 0,
        ...(limit !== undefined ? { limit } : {}),
        state: cellState(s, c, day),
      };
    }),
    late: countFor(attention.late, s.code),
    held: countFor(attention.held, s.code),
  }));
  return {
    day,
    used: regions.reduce((a, r) => a + r.used, 0),
    total: regions.reduce((a, r) => a + r.total, 0),
    regions,
    late: attention.late.length,
    held: attention.held.length,
    quarantined: attention.quarantined.length,
  };
}

const COLOURS: Record<CellState | 'late' | 'held', string> = {
  complete: '#c6efce',
  partial: '#ffeb9c',
  missing: '#ffc7ce',
  open: '#f2f2f2',
  late: '#f4b183',
  held: '#bdd7ee',
};

const LEGEND: [keyof typeof COLOURS, string][] = [
  ['complete', '已报满'],
  ['partial', '部分'],
  ['missing', '截止未报'],
  ['open', '尚未截止'],
  ['late', '有逾期邮件'],
  ['held', '有待确认邮件'],
];

const CELL = 'border:1px solid #999;padding:3px 6px;text-align:center';

/** All regions × classes as one coloured HTML table (inline styles, as mail clients need). */
export function digestGrid(program: Program, data: DigestData): string {
  const classes = [...program.classes].sort((a, b) => a.no - b.no);
  const head = ['地区', ...classes.map((c) => `第${c.no}期`), '合计/名额', '附件3', '逾期', '待确认']
    .map((h) => `<th style="${CELL};background:#ddd">${escapeHtml(h)}</th>`)
    .join('');
  const rows = data.regions.map((r) => {
    const cells = r.classes
      .map(
        (c) =>
          `<td style="${CELL};background:${COLOURS[c.state]}">${c.limit === undefined ? c.used : `${c.used}/${c.limit}`}</td>`,
      )
      .join('');
    const flag = (n: number, kind: 'late' | 'held') =>
      `<td style="${CELL}${n > 0 ? `;background:${COLOURS[kind]}` : ''}">${n || ''}</td>`;
    return `<tr><td style="${CELL};text-align:left">${escapeHtml(r.name)}</td>${cells}<td style="${CELL}">${r.used}/${r.total}</td><td style="${CELL}${r.form3 ? '' : `;background:${COLOURS.missing}`}">${r.form3 ? '已报' : '未报'}</td>${flag(r.late, 'late')}${flag(r.held, 'held')}</tr>`;
  });
  const legend = LEGEND.map(
    ([k, label]) =>
      `<span style="display:inline-block;margin-right:8px"><span style="display:inline-block;width:12px;height:12px;background:${COLOURS[k]};border:1px solid #999"></span> ${label}</span>`,
  ).join('');
  return `<table style="border-collapse:collapse;font-size:13px"><tr>${head}</tr>${rows.join('')}</table><p style="font-size:12px">${legend}</p>`;
}
