import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { main } from '@lingjun/cli';
import {
  A4,
  buildTemplates,
  FORM3,
  FORM3_LAYOUT,
  FORM4,
  FORM4_LAYOUT,
  FORM5,
  FORM5_XLSX_LAYOUT,
  form5XlsxRow,
  type TemplateFile,
  writeTemplates,
} from '@lingjun/forms';
import { loadProgram, NOTICE_REGIONS, type Program, parseProgram } from '@lingjun/program';
import { EDUCATIONS, ENTERPRISE_TYPES, ETHNICITIES, POLITICS } from '@lingjun/rules';
import ExcelJS from 'exceljs';
import { strFromU8, unzipSync } from 'fflate';
import { beforeAll, describe, expect, it, vi } from 'vitest';

const PROGRAM_FILE = new URL('../../../examples/program-2025.json', import.meta.url).pathname;

let program: Program;
let files: TemplateFile[];

beforeAll(async () => {
  program = await loadProgram(PROGRAM_FILE);
  files = await buildTemplates(program);
});

function file(prefix: string, ext: string): TemplateFile {
  const f = files.find((t) => t.name.startsWith(prefix) && t.name.endsWith(ext));
  if (!f) throw new Error(`no template ${prefix}*${ext}`);
  return f;
}

async function open(t: TemplateFile): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(Buffer.from(t.content) as unknown as ExcelJS.Buffer);
  return wb;
}

/** The values a list validation offers, following its defined name to the hidden sheet. */
function listValues(wb: ExcelJS.Workbook, cell: ExcelJS.Cell): string[] {
  const dv = cell.dataValidation;
  expect(dv?.type, `validation on ${cell.address}`).toBe('list');
  const formula = String(dv?.formulae?.[0]);
  const named = wb.definedNames.model.find((d) => d.name === formula);
  expect(named, `defined name ${formula}`).toBeDefined();
  const ref = named?.ranges[0] ?? '';
  const m = /^'?([^'!]+)'?!\$([A-Z]+)\$(\d+):\$([A-Z]+)\$(\d+)$/.exec(ref);
  expect(m, `range ${ref}`).not.toBeNull();
  const [, sheet, col, from, , to] = m as RegExpExecArray;
  const ws = wb.getWorksheet(sheet);
  expect(ws?.state).toBe('hidden');
  const out: string[] = [];
  for (let r = Number(from); r <= Number(to); r++) out.push(String(ws?.getCell(`${col}${r}`).value));
  return out;
}

function headerLabels(ws: ExcelJS.Worksheet, row: number, n: number): string[] {
  return Array.from({ length: n }, (_, i) => String(ws.getCell(row, i + 1).value));
}

describe('附件3 template', () => {
  it('has the year title, the definition header with * on required fields, and a frozen header', async () => {
    const wb = await open(file('附件3', '.xlsx'));
    const ws = wb.worksheets.find((w) => w.state !== 'hidden');
    if (!ws) throw new Error('no visible sheet');
    expect(ws.getCell('A1').value).toBe('2025年度领军人才培训工作信息表');
    expect(headerLabels(ws, FORM3_LAYOUT.headerRow, FORM3.fields.length)).toEqual(
      FORM3.fields.map((f) => `${f.label}${f.required ? '*' : ''}`),
    );
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: FORM3_LAYOUT.headerRow });
    expect(String(ws.getCell(FORM3_LAYOUT.noteRow, 1).value)).toContain(program.mailbox);
    FORM3.fields.forEach((f, i) => {
      expect(ws.getColumn(i + 1).width).toBe(f.width);
    });
  });

  it('offers the 37 regions through a hidden-sheet range and formats phone and email as text', async () => {
    const wb = await open(file('附件3', '.xlsx'));
    const ws = wb.getWorksheet(FORM3.title);
    if (!ws) throw new Error('no sheet');
    const regionCol = FORM3.fields.findIndex((f) => f.key === 'region') + 1;
    const first = ws.getCell(FORM3_LAYOUT.firstDataRow, regionCol);
    const last = ws.getCell(FORM3_LAYOUT.firstDataRow + FORM3_LAYOUT.dataRows - 1, regionCol);
    expect(listValues(wb, first)).toEqual(NOTICE_REGIONS.map((r) => r.name));
    expect(listValues(wb, last)).toHaveLength(37);
    for (const key of ['officePhone', 'mobile', 'email']) {
      const col = FORM3.fields.findIndex((f) => f.key === key) + 1;
      expect(ws.getCell(FORM3_LAYOUT.firstDataRow, col).numFmt, key).toBe('@');
    }
  });
});

describe('附件4 template', () => {
  it('has the title, 填报地区 and 培训期次 lines with drop-downs from the program, and the header', async () => {
    const wb = await open(file('附件4', '.xlsx'));
    const ws = wb.getWorksheet(FORM4.title);
    if (!ws) throw new Error('no sheet');
    expect(ws.getCell('A1').value).toBe('2025年度领军人才培训报名汇总表');
    expect(ws.getCell('A2').value).toBe('填报地区：');
    expect(ws.getCell('F2').value).toBe('培训期次：');
    expect(listValues(wb, ws.getCell(FORM4_LAYOUT.regionCell))).toEqual(NOTICE_REGIONS.map((r) => r.name));
    expect(listValues(wb, ws.getCell(FORM4_LAYOUT.classCell))).toEqual(
      program.classes.map((c) => `第${c.no}期`),
    );
    expect(headerLabels(ws, FORM4_LAYOUT.headerRow, FORM4.fields.length)).toEqual(
      FORM4.fields.map((f) => `${f.label}${f.required ? '*' : ''}`),
    );
    const note = String(ws.getCell(FORM4_LAYOUT.noteRow, 1).value);
    expect(note).toContain('2025年6月9日');
    expect(note).toContain('2025年6月20日');
    expect(note).toContain('限报一人');
    // A 第N期 above the table would be read as the class when the 期次 cell is left blank.
    expect(note).not.toMatch(/第\s*\d+\s*期/);
  });

  it('puts the closed lists on the value columns of all 100 rows, 企业类型 open to combinations', async () => {
    const wb = await open(file('附件4', '.xlsx'));
    const ws = wb.getWorksheet(FORM4.title);
    if (!ws) throw new Error('no sheet');
    const expected: Record<string, readonly string[]> = {
      sex: ['男', '女'],
      ethnicity: ETHNICITIES,
      politics: POLITICS,
      education: EDUCATIONS,
      enterpriseType: ENTERPRISE_TYPES,
    };
    const firstRow = FORM4_LAYOUT.firstDataRow;
    const lastRow = firstRow + FORM4_LAYOUT.dataRows - 1;
    for (const [key, values] of Object.entries(expected)) {
      const col = FORM4.fields.findIndex((f) => f.key === key) + 1;
      expect(listValues(wb, ws.getCell(firstRow, col)), key).toEqual([...values]);
      expect(listValues(wb, ws.getCell(lastRow, col)), key).toEqual([...values]);
    }
    expect(ETHNICITIES).toHaveLength(56);
    const typeCol = FORM4.fields.findIndex((f) => f.key === 'enterpriseType') + 1;
    expect(ws.getCell(firstRow, typeCol).dataValidation.showErrorMessage).toBeFalsy();
    expect(ws.getCell(firstRow, typeCol).dataValidation.prompt).toContain('、');
    const sexCol = FORM4.fields.findIndex((f) => f.key === 'sex') + 1;
    expect(ws.getCell(firstRow, sexCol).dataValidation.showErrorMessage).toBe(true);
    // The name column takes free text.
    const nameCol = FORM4.fields.findIndex((f) => f.key === 'name') + 1;
    expect(ws.getCell(firstRow, nameCol).dataValidation?.type).not.toBe('list');
  });

  it('formats 身份证号码, 统一社会信用代码, 手机号码 and 出生年月 as text so Excel keeps every digit', async () => {
    const wb = await open(file('附件4', '.xlsx'));
    const ws = wb.getWorksheet(FORM4.title);
    if (!ws) throw new Error('no sheet');
    for (const key of ['idNumber', 'uscc', 'mobile', 'birth']) {
      const col = FORM4.fields.findIndex((f) => f.key === key) + 1;
      expect(ws.getCell(FORM4_LAYOUT.firstDataRow, col).numFmt, key).toBe('@');
      expect(ws.getCell(FORM4_LAYOUT.firstDataRow + 99, col).numFmt, key).toBe('@');
      expect(ws.getColumn(col).numFmt, `${key} column`).toBe('@');
    }
    const seqCol = FORM4.fields.findIndex((f) => f.key === 'seq') + 1;
    expect(ws.getCell(FORM4_LAYOUT.firstDataRow, seqCol).numFmt).not.toBe('@');
  });

  it('follows the program: a 10-class year offers 第1期…第10期', async () => {
    const raw = JSON.parse(JSON.stringify(program)) as Record<string, unknown> & { classes: unknown[] };
    raw.classes.push({
      no: 10,
      start: '2025-12-01',
      end: '2025-12-04',
      location: '南京',
      deadline: '2025-11-01',
    });
    const tenClasses = parseProgram(raw);
    const t = (await buildTemplates(tenClasses)).find((f) => f.name.startsWith('附件4'));
    if (!t) throw new Error('no 附件4');
    const wb = await open(t);
    const ws = wb.getWorksheet(FORM4.title);
    if (!ws) throw new Error('no sheet');
    expect(listValues(wb, ws.getCell(FORM4_LAYOUT.classCell))).toEqual(
      Array.from({ length: 10 }, (_, i) => `第${i + 1}期`),
    );
    expect(String(ws.getCell(FORM4_LAYOUT.noteRow, 1).value)).toContain('10期班：2025年11月1日前');
  });

  it('follows the program: a program that declares its regions offers those, in its order', async () => {
    const raw = JSON.parse(JSON.stringify(program)) as Record<string, unknown>;
    raw.regions = [
      { code: '130200', name: '唐山市' },
      { code: '130100', name: '石家庄市', aliases: ['石家庄'] },
    ];
    raw.quotas = { '130100': { total: 3 } };
    raw.contacts = {};
    const t = (await buildTemplates(parseProgram(raw))).find((f) => f.name.startsWith('附件4'));
    if (!t) throw new Error('no 附件4');
    const wb = await open(t);
    const ws = wb.getWorksheet(FORM4.title);
    if (!ws) throw new Error('no sheet');
    expect(listValues(wb, ws.getCell(FORM4_LAYOUT.regionCell))).toEqual(['唐山市', '石家庄市']);
  });
});

describe('附件5 templates', () => {
  it('docx: A4 portrait, a Chinese font, the year title and every label of the definition', async () => {
    const zip = unzipSync(file('附件5', '.docx').content);
    const xml = strFromU8(zip['word/document.xml'] ?? new Uint8Array());
    const text = xml
      .replace(/<w:p[ >][\s\S]*?<\/w:p>/g, (p) => `${p.replace(/<[^>]+>/g, '')}\n`)
      .replace(/<[^>]+>/g, '');
    expect(text).toContain('2025年度领军人才培训学员报名表');
    for (const f of FORM5.fields) {
      const label = f.hint ? `${f.label}（${f.hint}）` : f.label;
      expect(text, label).toContain(label);
    }
    for (const s of ['照片', '本人签字：', '推荐单位（盖章）', '日期：']) expect(text).toContain(s);
    const pgSz = /<w:pgSz [^>]*>/.exec(xml)?.[0] ?? '';
    expect(pgSz).toContain(`w:w="${A4.width}"`);
    expect(pgSz).toContain(`w:h="${A4.height}"`);
    expect(pgSz).not.toContain('landscape');
    expect(xml).toContain('w:eastAsia="宋体"');
    // The photo box spans rows: a vertical merge restarts once and continues below.
    expect(xml).toMatch(/<w:vMerge w:val="restart"\/>/);
    expect((xml.match(/<w:vMerge w:val="continue"\/>/g) ?? []).length).toBeGreaterThanOrEqual(3);
    // Every label appears once: the layout places each field exactly once.
    for (const f of FORM5.fields) {
      const label = f.hint ? `${f.label}（${f.hint}）` : f.label;
      const cells = text.split('\n').filter((line) => line === label);
      expect(cells, label).toHaveLength(1);
    }
  });

  it('xlsx: one label/value pair per row, drop-downs for the enumerations, text format for codes', async () => {
    const wb = await open(file('附件5', '.xlsx'));
    const ws = wb.getWorksheet(FORM5.title);
    if (!ws) throw new Error('no sheet');
    expect(ws.getCell(FORM5_XLSX_LAYOUT.titleRow, 1).value).toBe('2025年度领军人才培训学员报名表');
    for (const f of FORM5.fields) {
      const hint = f.hint ? `（${f.hint}）` : '';
      expect(ws.getCell(form5XlsxRow(f.key), 1).value).toBe(`${f.label}${hint}${f.required ? '*' : ''}`);
    }
    const value = (key: string) => ws.getCell(form5XlsxRow(key), 2);
    expect(listValues(wb, value('ethnicity'))).toEqual([...ETHNICITIES]);
    expect(listValues(wb, value('politics'))).toEqual([...POLITICS]);
    expect(listValues(wb, value('education'))).toEqual([...EDUCATIONS]);
    expect(listValues(wb, value('classNo'))).toEqual(program.classes.map((c) => `第${c.no}期`));
    for (const key of ['idNumber', 'uscc', 'mobile']) expect(value(key).numFmt, key).toBe('@');
    expect(value('employees').numFmt).not.toBe('@');
  });
});

describe('writeTemplates and lingjun templates', () => {
  it('writes the files named 附件3/附件4/附件5 and 评价表, and the command prints their paths', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lj-templates-'));
    try {
      const paths = await writeTemplates(program, join(dir, 'a'));
      expect(paths.map((p) => basename(p).slice(0, 3))).toEqual([
        '附件3',
        '附件4',
        '附件5',
        '附件5',
        '评价表',
      ]);
      expect((await readdir(join(dir, 'a'))).sort()).toEqual(paths.map((p) => basename(p)).sort());

      const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
      let code: number;
      let printed: string[];
      try {
        code = await main(['templates', '--program', PROGRAM_FILE, '--out', join(dir, 'b')]);
        printed = out.mock.calls.map((c) => String(c[0]).trim());
      } finally {
        out.mockRestore();
      }
      expect(code).toBe(0);
      expect(printed.map((p) => basename(p))).toEqual(paths.map((p) => basename(p)));
      expect((await readdir(join(dir, 'b'))).length).toBe(5);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a broken program file with exit code 1', async () => {
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await main(['templates', '--program', '/nonexistent/program.json', '--out', tmpdir()])).toBe(1);
    } finally {
      err.mockRestore();
    }
  });
});
