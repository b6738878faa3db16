import { parseProgram } from '@lingjun/program';
import type { Person } from '@lingjun/testing';
import { type CellValue, FORM4, FORM5, type RawDocument, type RawRow } from '../../src/index.ts';

/** A small illustrative program (3 classes) for extraction tests. */
export const program = parseProgram({
  year: 2025,
  title: '2025年度中小企业经营管理领军人才培训（示例）',
  mailbox: 'jiayue@example.cn',
  adminEmails: ['admin@example.gov.cn'],
  classes: [1, 2, 3].map((no) => ({
    no,
    start: `2025-0${no + 5}-10`,
    end: `2025-0${no + 5}-13`,
    location: '北京',
    deadline: `2025-0${no + 5}-01`,
  })),
  quotas: { '130000': { total: 30 } },
});

export const ctx = { program };

/** The 附件4 header labels in definition order. */
export const FORM4_HEADERS = FORM4.fields.map((f) => f.label);

/** A person's row of 附件4 values in definition order (序号 = index + 1). */
export function form4Row(p: Person, i: number): CellValue[] {
  return FORM4.fields.map((f) =>
    f.key === 'seq' ? i + 1 : ((p as unknown as Record<string, string>)[f.key] ?? ''),
  );
}

/** A 附件4 sheet as a reader would give it: title, header block, header, rows. */
export function form4Doc(
  people: Person[],
  opts: {
    file?: string;
    headers?: CellValue[];
    block?: CellValue[][];
    edit?: (rows: CellValue[][]) => void;
    extraRows?: CellValue[][];
  } = {},
): RawDocument {
  const headers = opts.headers ?? FORM4_HEADERS;
  const body = people.map(form4Row);
  opts.edit?.(body);
  const block = opts.block ?? [
    ['填报地区：河北省', null, null, null, null, null, null, null, '培训期次：第1期'],
  ];
  const all: CellValue[][] = [
    ['2025年度中小企业经营管理领军人才培训报名汇总表'],
    ...block,
    headers,
    ...body,
    ...(opts.extraRows ?? []),
  ];
  const rows: RawRow[] = all.map((cells, i) => ({ row: i + 1, cells }));
  return { file: opts.file ?? '附件4.xlsx', format: 'xlsx', grids: [{ name: 'Sheet1', rows }] };
}

/** A 附件5 as a Word table: label, value, label, value … four cells per row. */
export function form5Grid(p: Person, overrides: Record<string, CellValue> = {}): RawRow[] {
  const values = { ...(p as unknown as Record<string, CellValue>), ...overrides };
  const cells: CellValue[] = [];
  for (const f of FORM5.fields) cells.push(f.label, values[f.key] ?? null);
  const rows: RawRow[] = [{ row: 1, cells: ['领军人才培训学员报名表'] }];
  for (let i = 0; i < cells.length; i += 4) rows.push({ row: rows.length + 1, cells: cells.slice(i, i + 4) });
  return rows;
}

/** A .docx holding one 附件5 table per person. */
export function form5Doc(
  people: Person[],
  file = '附件5.docx',
  overrides: Record<string, CellValue> = {},
): RawDocument {
  return {
    file,
    format: 'docx',
    grids: people.map((p, i) => ({
      name: `表格${i + 1}`,
      rows: form5Grid(p, overrides),
      fromDocument: true,
    })),
  };
}
